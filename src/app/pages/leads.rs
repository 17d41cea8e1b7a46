//! `/app/leads` (web.md §6.2): filters, search, pages of 25 newest first, badges, banners.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::leads::{
        Checklist, LeadSummary, LeadsOverview, get_leads_overview, state_label, status_label,
    },
    app::components::{
        app_layout::{AppLayout, PageTitle},
        auto_refresh::AutoRefresh,
    },
    domain::phone::{display, tel_href},
};

#[component]
pub fn LeadsPage() -> impl IntoView {
    let query = use_query_map().get_untracked();
    let param = move |name: &str| query.get(name);
    let args = (
        param("status"),
        param("number"),
        param("source"),
        param("flag"),
        param("q"),
        param("before"),
    );
    let overview = Resource::new(
        move || args.clone(),
        |(status, number, source, flag, q, before)| {
            get_leads_overview(status, number, source, flag, q, before)
        },
    );
    view! {
        <Title text="Leads" />
        <AppLayout>
            <PageTitle title="Leads" />
            <Suspense fallback=|| view! { <p class="mt-4 text-slate-600">"Loading leads…"</p> }>
                {move || {
                    overview.get().map(|result| match result {
                        Ok(overview) => view! { <LeadsBody overview /> }.into_any(),
                        Err(err) => view! { <p class="mt-4 text-red-700">{err.to_string()}</p> }.into_any(),
                    })
                }}
            </Suspense>
        </AppLayout>
    }
}

#[component]
fn LeadsBody(overview: LeadsOverview) -> impl IntoView {
    let filters_query = overview.filters.query.clone();
    let export = overview.is_owner.then(|| {
        let href = if filters_query.is_empty() {
            "/app/leads/export.csv".to_owned()
        } else {
            format!("/app/leads/export.csv?{filters_query}")
        };
        view! {
            <a href=href class="inline-flex min-h-11 items-center rounded-lg border border-slate-300 bg-white px-4 font-semibold text-slate-800" download>
                "Export CSV"
            </a>
        }
    });
    let filtered = !filters_query.is_empty();
    view! {
        <AutoRefresh />
        <div data-refresh-region="">
            <AutomationBanner message=overview.automation.clone() paused=overview.automation_paused />
            <Banners banners=overview.banners.clone() />
            <GettingStarted checklist=overview.checklist />
            <Filters overview=overview.clone() />
            <div class="mt-3 flex flex-wrap items-center gap-3">{export}</div>
            <LeadList leads=overview.leads.clone() filtered />
            <Pager overview />
        </div>
    }
}

/// The automation status (billing.md §9.2) when it says more than "active": a warning while
/// paused, a quiet line about blocked leads otherwise.
#[component]
fn AutomationBanner(message: Option<String>, paused: bool) -> impl IntoView {
    let message = message?;
    let class = if paused {
        "mt-4 rounded-xl border border-amber-300 bg-amber-50 p-4 text-amber-900"
    } else {
        "mt-4 text-sm text-slate-700"
    };
    Some(view! {
        <p role="status" class=class data-testid="automation-status">
            {message}
            {paused.then(|| view! { " " <a href="/app/billing" class="font-semibold underline">"Billing"</a> })}
        </p>
    })
}

#[component]
fn Banners(banners: Vec<String>) -> impl IntoView {
    banners
        .into_iter()
        .map(|banner| {
            view! {
                <p role="status" class="mt-4 rounded-xl border border-amber-300 bg-amber-50 p-4 text-amber-900">
                    {banner}
                </p>
            }
        })
        .collect_view()
}

#[component]
fn GettingStarted(checklist: Checklist) -> impl IntoView {
    (!checklist.is_done()).then(|| {
        let step = |done: bool, text: &'static str, href: &'static str| {
            let mark = if done { "Done" } else { "To do" };
            view! {
                <li class="flex items-center gap-3">
                    <span class="rounded bg-slate-100 px-2 py-0.5 text-xs font-semibold text-slate-700">{mark}</span>
                    <a href=href class="min-h-11 py-2 text-teal-800 underline">{text}</a>
                </li>
            }
        };
        view! {
            <section class="mt-4 rounded-xl border border-teal-200 bg-teal-50 p-4" aria-label="Getting started">
                <h2 class="font-semibold">"Getting started"</h2>
                <ol class="mt-2 space-y-1">
                    {step(checklist.has_active_plan, "Choose a plan", "/app/billing")}
                    {step(checklist.has_number, "Add a tracking number", "/app/numbers")}
                    {step(false, "Call it from another phone", "/app/numbers")}
                </ol>
            </section>
        }
    })
}

/// A GET form: filters live in the URL, so they work without JavaScript and can be shared.
#[component]
fn Filters(overview: LeadsOverview) -> impl IntoView {
    let filters = overview.filters;
    let select = |name: &'static str,
                  label: &'static str,
                  options: Vec<(String, String)>,
                  current: Option<String>| {
        let id = format!("filter-{name}");
        view! {
            <div class="min-w-0">
                <label for=id.clone() class="block text-sm font-medium text-slate-800">{label}</label>
                <select id=id name=name class="mt-1 block min-h-11 w-full rounded-lg border border-slate-300 bg-white px-2">
                    <option value="">"All"</option>
                    {options.into_iter().map(|(value, text)| {
                        let selected = current.as_deref() == Some(value.as_str());
                        view! { <option value=value selected=selected>{text}</option> }
                    }).collect_view()}
                </select>
            </div>
        }
    };
    let pairs = |items: &[(&str, &str)]| -> Vec<(String, String)> {
        items
            .iter()
            .map(|(v, t)| ((*v).to_owned(), (*t).to_owned()))
            .collect()
    };
    let statuses = pairs(&[
        ("new", "New"),
        ("qualified", "Qualified"),
        ("contacted", "Contacted"),
        ("booked", "Booked"),
        ("lost", "Lost"),
    ]);
    let sources = pairs(&[("call", "Call"), ("sms", "Text")]);
    let flags = pairs(&[
        ("billing_required", "Blocked by billing"),
        ("paused", "Paused"),
        ("opted_out", "Opted out"),
        ("unreachable", "Can't text"),
    ]);
    let numbers = overview
        .numbers
        .iter()
        .map(|(id, label)| (id.to_string(), label.clone()))
        .collect();
    view! {
        <form method="get" action="/app/leads" class="mt-4 rounded-xl border border-slate-200 bg-white p-3" role="search" aria-label="Filter leads">
            <div class="grid grid-cols-2 gap-3 sm:grid-cols-4">
                {select("status", "Status", statuses, filters.status)}
                {select("source", "Source", sources, filters.source)}
                {select("flag", "Flag", flags, filters.flag)}
                {select("number", "Tracking number", numbers, filters.number)}
            </div>
            <div class="mt-3 flex gap-2">
                <label for="filter-q" class="sr-only">"Search by phone or name"</label>
                <input
                    id="filter-q"
                    name="q"
                    type="search"
                    value=filters.q
                    placeholder="Phone or name"
                    class="block min-h-11 w-full min-w-0 rounded-lg border border-slate-300 px-3 text-base"
                />
                <button type="submit" class="min-h-11 rounded-lg bg-teal-700 px-4 font-semibold text-white">"Filter"</button>
            </div>
        </form>
    }
}

#[component]
fn LeadList(leads: Vec<LeadSummary>, filtered: bool) -> impl IntoView {
    if leads.is_empty() {
        let text = if filtered {
            "No leads match these filters."
        } else {
            "No leads yet. When a call to your tracking number is missed, the caller appears here."
        };
        return view! { <p class="mt-6 text-slate-700">{text}</p> }.into_any();
    }
    view! {
        <ul class="mt-4 space-y-3" data-testid="lead-list">
            {leads.into_iter().map(|lead| view! { <LeadCard lead /> }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn LeadCard(lead: LeadSummary) -> impl IntoView {
    let name = lead
        .contact_name
        .clone()
        .unwrap_or_else(|| "No name yet".to_owned());
    let source = if lead.source == "sms" { "Text" } else { "Call" };
    let icon = if lead.source == "sms" { "✉" } else { "☎" };
    let when = lead.created_at.format("%b %-d, %H:%M UTC").to_string();
    let details: Vec<String> = [lead.service.clone(), lead.postal_code.clone()]
        .into_iter()
        .flatten()
        .collect();
    view! {
        <li class="rounded-xl border border-slate-200 bg-white p-4" data-lead-id=lead.id.to_string()>
            <div class="flex items-center justify-between gap-2">
                <a href=tel_href(&lead.caller_e164) class="font-semibold text-teal-800">
                    {display(&lead.caller_e164)}
                </a>
                <span class="rounded bg-slate-100 px-2 py-0.5 text-xs font-semibold">{status_label(&lead.status)}</span>
            </div>
            <p class="mt-1">
                <a href=format!("/app/leads/{}", lead.id) class="font-medium underline">{name}</a>
            </p>
            {(!details.is_empty()).then(|| view! { <p class="mt-1 text-sm text-slate-700">{details.join(" · ")}</p> })}
            <p class="mt-1 text-sm text-slate-600">
                <span aria-hidden="true">{icon} " "</span>
                {source} " · " {lead.number_label.clone()} " · " {state_label(&lead.conversation_state)} " · " {when}
            </p>
            {(!lead.badges.is_empty()).then(|| view! {
                <p class="mt-2 flex flex-wrap gap-1">
                    {lead.badges.iter().map(|badge| view! {
                        <span class="rounded bg-amber-100 px-2 py-0.5 text-xs font-semibold text-amber-900">{badge.clone()}</span>
                    }).collect_view()}
                </p>
            })}
        </li>
    }
}

#[component]
fn Pager(overview: LeadsOverview) -> impl IntoView {
    let filters = overview.filters.query;
    let with = |extra: Option<String>| {
        let parts: Vec<String> = [Some(filters.clone()).filter(|f| !f.is_empty()), extra]
            .into_iter()
            .flatten()
            .collect();
        if parts.is_empty() {
            "/app/leads".to_owned()
        } else {
            format!("/app/leads?{}", parts.join("&"))
        }
    };
    let newest = (!overview.is_first_page).then(|| {
        view! { <a href=with(None) class="min-h-11 py-2 text-teal-800 underline">"Newest"</a> }
    });
    let older = overview.older.map(|cursor| {
        let href = with(Some(format!("before={cursor}")));
        view! { <a href=href rel="next" class="min-h-11 py-2 text-teal-800 underline">"Older"</a> }
    });
    view! { <nav aria-label="Pages" class="mt-4 flex justify-between gap-4">{newest}<span></span>{older}</nav> }
}
