//! `/app/leads` (web.md §6.2).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::leads::{Checklist, LeadSummary, get_leads_overview, state_label},
    app::components::app_layout::{AppLayout, PageTitle},
    domain::phone::{display, tel_href},
};

#[component]
pub fn LeadsPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| get_leads_overview());
    view! {
        <Title text="Leads" />
        <AppLayout>
            <PageTitle title="Leads" />
            <Suspense fallback=|| view! { <p class="mt-4 text-slate-600">"Loading leads…"</p> }>
                {move || {
                    overview.get().map(|result| match result {
                        Ok(overview) => view! {
                            <AutomationBanner message=overview.automation paused=overview.automation_paused />
                            <Banners banners=overview.banners />
                            <GettingStarted checklist=overview.checklist />
                            <LeadList leads=overview.leads />
                        }
                            .into_any(),
                        Err(err) => view! { <p class="mt-4 text-red-700">{err.to_string()}</p> }.into_any(),
                    })
                }}
            </Suspense>
        </AppLayout>
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

#[component]
fn LeadList(leads: Vec<LeadSummary>) -> impl IntoView {
    if leads.is_empty() {
        return view! {
            <p class="mt-6 text-slate-700">
                "No leads yet. When a call to your tracking number is missed, the caller appears here."
            </p>
        }
            .into_any();
    }
    view! {
        <ul class="mt-6 space-y-3">
            {leads
                .into_iter()
                .map(|lead| {
                    let name = lead.contact_name.clone().unwrap_or_else(|| "No name yet".to_owned());
                    let source = if lead.source == "sms" { "Text" } else { "Call" };
                    let when = lead.created_at.format("%b %-d, %H:%M UTC").to_string();
                    view! {
                        <li class="rounded-xl border border-slate-200 bg-white p-4">
                            <div class="flex items-center justify-between gap-2">
                                <a href=tel_href(&lead.caller_e164) class="font-semibold text-teal-800">
                                    {display(&lead.caller_e164)}
                                </a>
                                <span class="rounded bg-slate-100 px-2 py-0.5 text-xs font-semibold">{lead.status.clone()}</span>
                            </div>
                            <p class="mt-1">{name}</p>
                            <p class="mt-1 text-sm text-slate-600">
                                {source} " · " {state_label(&lead.conversation_state)} " · " {when}
                            </p>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
        .into_any()
}
