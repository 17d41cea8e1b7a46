//! `/app/simulator` (web.md §6, operations.md §3.3): in demo mode, be the caller. Call a tracking
//! number and pick how the call ends, then text as the caller and watch the business's texts
//! arrive on a phone-like screen, with the owner's alerts beside it. Plain forms, so it works
//! without JavaScript; with it the screen refreshes every 2 s.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::{
        leads::{state_label, status_label},
        simulator::{
            SimulateCall, SimulateText, SimulatedCallRow, SimulatorPage, SimulatorText,
            get_simulator_page,
        },
    },
    app::{
        components::{
            app_layout::{AppLayout, PageTitle},
            auto_refresh::AutoRefresh,
            form::{FormMessage, SmartForm},
        },
        pages::not_found::NotFound,
    },
    domain::{call_webhooks::SimulatedOutcome, phone::display},
};

const BUTTON: &str = "inline-flex min-h-11 items-center justify-center rounded-lg border border-slate-300 bg-white px-3 text-sm font-semibold text-slate-800 hover:bg-slate-50";
const PRIMARY: &str = "inline-flex min-h-11 items-center justify-center rounded-lg bg-teal-700 px-5 font-semibold text-white hover:bg-teal-800";
const INPUT: &str =
    "mt-1 block min-h-11 w-full rounded-lg border border-slate-300 bg-white px-3 text-base";

#[component]
pub fn SimulatorPage() -> impl IntoView {
    let query = use_query_map().get_untracked();
    let args = (query.get("number"), query.get("caller"));
    let page = Resource::new(
        move || args.clone(),
        |(number, caller)| get_simulator_page(number, caller),
    );
    view! {
        <Title text="Phone simulator" />
        <AppLayout>
            <Suspense fallback=|| view! { <p class="mt-4 text-slate-600">"Loading the simulator…"</p> }>
                {move || page.get().map(|result| match result {
                    Ok(page) => view! {
                        <PageTitle
                            title="Phone simulator"
                            lead="Be the caller. Every call and text goes through the app's real Twilio webhooks, signed with the demo auth token; nothing reaches a real phone."
                        />
                        <AutoRefresh seconds=2 />
                        <SimulatorBody page />
                    }.into_any(),
                    Err(err) if err.status() == 404 => view! { <NotFound /> }.into_any(),
                    Err(err) => view! { <p class="mt-4 text-red-700" role="alert">{err.to_string()}</p> }.into_any(),
                })}
            </Suspense>
        </AppLayout>
    }
}

#[component]
fn SimulatorBody(page: SimulatorPage) -> impl IntoView {
    let Some(number_id) = page.number_id else {
        return view! {
            <p class="mt-4 rounded-lg bg-slate-100 p-4">
                "Add a tracking number first: " <a href="/app/numbers" class="font-semibold text-teal-800 underline">"Numbers"</a>
            </p>
        }
        .into_any();
    };
    let number_id = number_id.to_string();
    view! {
        <div class="mt-4 grid gap-4 lg:grid-cols-2">
            <div class="min-w-0 space-y-4">
                <CallForm page=page.clone() />
                <TextForm number_id=number_id caller=page.caller.clone() />
            </div>
            <div data-refresh-region="" class="min-w-0 space-y-4">
                <PhoneScreen page=page.clone() />
                <OwnerAlerts alerts=page.alerts.clone() />
            </div>
        </div>
    }
    .into_any()
}

#[component]
fn CallForm(page: SimulatorPage) -> impl IntoView {
    let selected = page.number_id;
    view! {
        <section class="rounded-xl border border-slate-200 bg-white p-4" aria-labelledby="call-heading">
            <h2 id="call-heading" class="font-semibold">"1. Call the business"</h2>
            // A plain form: several submit buttons carry the outcome, which an in-place submit
            // (FormData without the submitter) would drop.
            <form method="post" action=SimulateCall::PATH class="mt-2 space-y-3">
                <div>
                    <label for="sim-number" class="block text-sm font-medium text-slate-800">"Tracking number"</label>
                    <select id="sim-number" name="number_id" class=INPUT>
                        {page.numbers.into_iter().map(|n| view! {
                            <option value=n.id.to_string() selected=Some(n.id) == selected>
                                {format!("{} · {}", n.label, display(&n.e164))}
                            </option>
                        }).collect_view()}
                    </select>
                    <p class="text-sm font-medium text-red-700 empty:hidden" data-error-for="number_id"></p>
                </div>
                <div>
                    <label for="sim-caller" class="block text-sm font-medium text-slate-800">"Caller's phone"</label>
                    <input id="sim-caller" name="caller" type="tel" autocomplete="off" value=display(&page.caller) class=INPUT />
                    <p class="text-sm font-medium text-red-700 empty:hidden" data-error-for="caller"></p>
                </div>
                <fieldset>
                    <legend class="text-sm font-medium text-slate-800">"How the call ends"</legend>
                    <div class="mt-1 flex flex-wrap gap-2">
                        {SimulatedOutcome::ALL.into_iter().map(|outcome| view! {
                            <button type="submit" name="outcome" value=outcome.as_str() class=BUTTON>{outcome.label()}</button>
                        }).collect_view()}
                    </div>
                    <p class="mt-1 text-sm text-slate-600">
                        "A caller who hangs up while it rings is decided 15 s after the call ends, as in production."
                    </p>
                </fieldset>
                <FormMessage />
            </form>
        </section>
    }
}

#[component]
fn TextForm(number_id: String, caller: String) -> impl IntoView {
    view! {
        <section class="rounded-xl border border-slate-200 bg-white p-4" aria-labelledby="text-heading">
            <h2 id="text-heading" class="font-semibold">"2. Text as the caller"</h2>
            <SmartForm>
                <form method="post" action=SimulateText::PATH class="mt-2 space-y-2">
                    <input type="hidden" name="number_id" value=number_id />
                    <input type="hidden" name="caller" value=caller />
                    <label for="sim-body" class="sr-only">"Message"</label>
                    <input id="sim-body" name="body" type="text" required maxlength="1600" autocomplete="off"
                        placeholder="Type the caller's answer" class=INPUT />
                    <p class="text-sm font-medium text-red-700 empty:hidden" data-error-for="body"></p>
                    <FormMessage />
                    <button type="submit" class=PRIMARY>"Send text"</button>
                </form>
            </SmartForm>
        </section>
    }
}

#[component]
fn PhoneScreen(page: SimulatorPage) -> impl IntoView {
    view! {
        <section
            class="mx-auto max-w-sm rounded-[2rem] border-8 border-slate-800 bg-slate-50 p-3"
            aria-labelledby="phone-heading"
        >
            <h2 id="phone-heading" class="text-center text-sm font-semibold text-slate-700">
                {format!("Caller's phone · {}", display(&page.caller))}
            </h2>
            {page.lead.map(|lead| view! {
                <p class="mt-1 text-center text-xs text-slate-600" data-sim-lead="">
                    <a href=format!("/app/leads/{}", lead.id) class="underline">"Lead"</a>
                    ": " <span data-sim-lead-status="">{status_label(&lead.status)}</span>
                    " · " <span data-sim-conversation="">{state_label(&lead.conversation_state)}</span>
                </p>
            })}
            <ul class="mt-2 space-y-1 text-xs text-slate-600" aria-label="Calls">
                {page.calls.into_iter().map(|call| view! { <li data-sim-call="">{call_line(&call)}</li> }).collect_view()}
            </ul>
            <ol class="mt-2 flex min-h-48 flex-col gap-2" aria-label="Texts" aria-live="polite">
                {page.texts.is_empty().then(|| view! {
                    <li class="text-center text-sm text-slate-500">"No texts yet. Miss a call to start."</li>
                })}
                {page.texts.into_iter().map(|text| view! { <Bubble text /> }).collect_view()}
            </ol>
        </section>
    }
}

fn call_line(call: &SimulatedCallRow) -> String {
    let outcome = match (call.outcome.as_str(), call.missed_reason.as_deref()) {
        ("missed", Some(reason)) => format!("Missed ({})", reason.replace('_', " ")),
        ("missed", None) => "Missed".to_owned(),
        ("answered", _) => "Answered".to_owned(),
        _ => "Deciding…".to_owned(),
    };
    format!("Call at {} · {outcome}", call.at.format("%H:%M:%S UTC"))
}

#[component]
fn Bubble(text: SimulatorText) -> impl IntoView {
    let (align, colour) = if text.from_caller {
        ("self-end", "bg-teal-700 text-white")
    } else {
        (
            "self-start",
            "bg-white text-slate-900 border border-slate-200",
        )
    };
    let mark = (!text.from_caller).then(|| delivery_mark(&text.status));
    view! {
        <li class=format!("{align} max-w-[85%]") data-sim-text={if text.from_caller { "caller" } else { "business" }}>
            <p class=format!("whitespace-pre-wrap [overflow-wrap:anywhere] rounded-2xl px-3 py-2 text-sm {colour}")>{text.body}</p>
            {mark.map(|mark| view! { <p class="mt-0.5 text-[11px] text-slate-500" data-sim-mark="">{mark}</p> })}
        </li>
    }
}

fn delivery_mark(status: &str) -> &'static str {
    match status {
        "delivered" | "read" => "Delivered",
        "sent" => "Sent",
        "failed" | "undelivered" => "Not delivered",
        "suppressed" | "canceled" => "Not sent",
        _ => "Sending…",
    }
}

#[component]
fn OwnerAlerts(alerts: Vec<SimulatorText>) -> impl IntoView {
    view! {
        <section class="rounded-xl border border-amber-200 bg-amber-50 p-4" aria-labelledby="alerts-heading">
            <h2 id="alerts-heading" class="font-semibold">"Owner's phone: alerts"</h2>
            {alerts.is_empty().then(|| view! { <p class="mt-1 text-sm text-slate-600">"No alerts yet."</p> })}
            <ul class="mt-2 space-y-2">
                {alerts.into_iter().map(|alert| view! {
                    <li class="rounded-lg bg-white p-2 text-sm" data-sim-alert="">
                        <p class="whitespace-pre-wrap [overflow-wrap:anywhere]">{alert.body}</p>
                        <p class="mt-0.5 text-[11px] text-slate-500">
                            {alert.at.format("%H:%M:%S UTC").to_string()} " · " {delivery_mark(&alert.status)}
                        </p>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}
