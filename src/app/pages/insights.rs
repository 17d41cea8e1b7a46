//! `/app/insights` (web.md §6.6): the range's numbers as tables, with server-rendered SVG bars
//! beside them (the tables carry the same numbers for screen readers).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::insights::{Insights, Measures, Spread, get_insights, range_days},
    app::components::app_layout::{AppLayout, PageTitle},
};

#[component]
pub fn InsightsPage() -> impl IntoView {
    let range = use_query_map().get_untracked().get("range");
    let days = range_days(range.as_deref());
    let data = Resource::new(move || range.clone(), get_insights);
    view! {
        <Title text="Insights" />
        <AppLayout>
            <PageTitle title="Insights" lead="Calls, text-backs and results by day and by tracking number." />
            <nav aria-label="Range" class="mt-3 flex gap-2">
                {[7u32, 30, 90].into_iter().map(|n| {
                    let current = (n == days).then_some("page");
                    view! {
                        <a href=format!("/app/insights?range={n}") aria-current=current
                           class="min-h-11 rounded-lg border border-slate-300 px-3 py-2 aria-[current=page]:bg-teal-700 aria-[current=page]:text-white">
                            {format!("{n} days")}
                        </a>
                    }
                }).collect_view()}
            </nav>
            <Suspense fallback=|| view! { <p class="mt-4 text-slate-600">"Loading insights…"</p> }>
                {move || data.get().map(|result| match result {
                    Ok(insights) => view! { <InsightsBody insights /> }.into_any(),
                    Err(err) => view! { <p class="mt-4 text-red-700">{err.to_string()}</p> }.into_any(),
                })}
            </Suspense>
        </AppLayout>
    }
}

fn seconds(value: Option<f64>) -> String {
    match value {
        None => "—".to_owned(),
        Some(s) if s < 120.0 => format!("{s:.0} s"),
        Some(s) if s < 7200.0 => format!("{:.0} min", s / 60.0),
        Some(s) => format!("{:.1} h", s / 3600.0),
    }
}

fn rate(m: &Measures) -> String {
    m.answer_rate()
        .map_or_else(|| "—".to_owned(), |r| format!("{r}%"))
}

#[component]
fn InsightsBody(insights: Insights) -> impl IntoView {
    let totals = insights.totals.clone();
    let spread = |label: &'static str, s: Spread| {
        view! { <li>{label} ": median " {seconds(s.median)} ", 90th percentile " {seconds(s.p90)}</li> }
    };
    view! {
        <section class="mt-4 grid grid-cols-2 gap-3 sm:grid-cols-4" aria-label="Totals">
            {[
                ("Calls", totals.calls.to_string()),
                ("Answer rate", rate(&totals)),
                ("Text-backs", totals.text_backs.to_string()),
                ("Booked", totals.booked.to_string()),
            ].into_iter().map(|(label, value)| view! {
                <div class="rounded-xl border border-slate-200 bg-white p-3">
                    <p class="text-sm text-slate-600">{label}</p>
                    <p class="text-2xl font-bold" data-total=label>{value}</p>
                </div>
            }).collect_view()}
        </section>
        <section class="mt-4 rounded-xl border border-slate-200 bg-white p-4">
            <h2 class="font-semibold">"Calls per day"</h2>
            <CallsChart insights=insights.clone() />
        </section>
        <section class="mt-4 rounded-xl border border-slate-200 bg-white p-4">
            <h2 class="font-semibold">"Response times"</h2>
            <ul class="mt-2 space-y-1">
                {spread("Missed call to text-back", insights.missed_call_to_intro)}
                {spread("New lead to your first reply", insights.lead_to_first_response)}
            </ul>
            <h3 class="mt-3 font-semibold">"Missed calls by reason"</h3>
            <ul class="mt-1">
                {insights.missed_by_reason.iter().map(|(reason, n)| view! { <li>{reason.clone()} ": " {*n}</li> }).collect_view()}
            </ul>
        </section>
        <MeasuresTable caption="By day" rows=insights.by_day.iter().rev().map(|(d, m)| (d.format("%b %-d").to_string(), m.clone())).collect() />
        <MeasuresTable caption="By tracking number" rows=insights.by_source.clone() />
    }
}

#[component]
fn MeasuresTable(caption: &'static str, rows: Vec<(String, Measures)>) -> impl IntoView {
    view! {
        <div class="mt-4 overflow-x-auto rounded-xl border border-slate-200 bg-white">
            <table class="w-full text-sm">
                <caption class="p-3 text-left font-semibold">{caption}</caption>
                <thead class="bg-slate-50 text-left">
                    <tr>
                        {["", "Calls", "Answered", "Missed", "Answer rate", "Text-backs", "Replied", "Qualified", "Booked", "Lost"]
                            .into_iter().map(|h| view! { <th scope="col" class="px-2 py-1">{h}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|(label, m)| view! {
                        <tr class="border-t border-slate-100">
                            <th scope="row" class="px-2 py-1 text-left font-medium">{label}</th>
                            <td class="px-2 py-1">{m.calls}</td>
                            <td class="px-2 py-1">{m.answered}</td>
                            <td class="px-2 py-1">{m.missed}</td>
                            <td class="px-2 py-1">{rate(&m)}</td>
                            <td class="px-2 py-1">{m.text_backs}</td>
                            <td class="px-2 py-1">{m.replied}</td>
                            <td class="px-2 py-1">{m.qualified}</td>
                            <td class="px-2 py-1">{m.booked}</td>
                            <td class="px-2 py-1">{m.lost}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Stacked bars: answered (teal) under missed (amber), one per day.
#[component]
fn CallsChart(insights: Insights) -> impl IntoView {
    let days = insights.by_day;
    let max = days
        .iter()
        .map(|(_, m)| m.answered + m.missed)
        .max()
        .unwrap_or(0)
        .max(1);
    let width = 300.0;
    let height = 120.0;
    let slot = width / days.len().max(1) as f64;
    let bar = ((slot * 0.7).max(1.0) * 10.0).round() / 10.0;
    // One decimal is plenty for a 300-unit drawing and keeps the markup short.
    let round = |v: f64| (v * 10.0).round() / 10.0;
    let scale = |n: i64| round(n as f64 / max as f64 * height);
    let summary = format!(
        "{} calls over {} days, {} answered and {} missed",
        insights.totals.calls, insights.days, insights.totals.answered, insights.totals.missed
    );
    view! {
        <svg viewBox=format!("0 0 {width} {height}") class="mt-2 h-32 w-full" role="img" aria-label=summary preserveAspectRatio="none">
            {days.iter().enumerate().map(|(i, (_, m))| {
                let x = round(i as f64 * slot);
                let answered = scale(m.answered);
                let missed = scale(m.missed);
                view! {
                    <g>
                        <rect x=x y=height - answered width=bar height=answered class="fill-teal-600" />
                        <rect x=x y=height - answered - missed width=bar height=missed class="fill-amber-500" />
                    </g>
                }
            }).collect_view()}
        </svg>
        <p class="mt-1 text-sm text-slate-600">"Teal: answered · Amber: missed"</p>
    }
}
