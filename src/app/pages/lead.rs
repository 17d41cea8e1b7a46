//! `/app/leads/{id}` (web.md §6.3): who called and what they need, status, automation, calls with
//! recordings, the transcript with delivery marks, the reply box and the activity. Every action
//! is a plain form, so the page works without JavaScript.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::{
    api::{
        lead_actions::{MarkOptedOut, SendReply, SetAutomation, SetLeadStatus, StartFollowUp},
        lead_page::{CallRow, LeadDetail, LeadPage, MessageRow, TranscriptPage, get_lead_page},
        leads::{state_label, status_label},
    },
    app::{
        components::{
            app_layout::AppLayout,
            auto_refresh::AutoRefresh,
            form::{FormMessage, SmartForm},
            reply_counter::ReplyCounter,
        },
        pages::not_found::NotFound,
    },
    domain::phone::{display, tel_href},
};

#[component]
pub fn LeadPage() -> impl IntoView {
    let id = use_params_map()
        .get_untracked()
        .get("id")
        .unwrap_or_default();
    let before = use_query_map().get_untracked().get("before");
    let page = Resource::new(
        move || (id.clone(), before.clone()),
        |(id, before)| get_lead_page(id, before),
    );
    view! {
        <Title text="Lead" />
        <AppLayout>
            <p><a href="/app/leads" class="text-teal-800 underline">"← All leads"</a></p>
            <Suspense fallback=|| view! { <p class="mt-4 text-slate-600">"Loading lead…"</p> }>
                {move || page.get().map(|result| match result {
                    Ok(page) => view! { <AutoRefresh /> <LeadBody page /> }.into_any(),
                    Err(err) if err.status() == 404 => view! { <NotFound /> }.into_any(),
                    Err(err) => view! { <p class="mt-4 text-red-700" role="alert">{err.to_string()}</p> }.into_any(),
                })}
            </Suspense>
        </AppLayout>
    }
}

const BUTTON: &str = "inline-flex min-h-11 items-center justify-center rounded-lg border border-slate-300 bg-white px-4 font-semibold text-slate-800 hover:bg-slate-50";
const PRIMARY: &str = "inline-flex min-h-11 items-center justify-center rounded-lg bg-teal-700 px-5 font-semibold text-white hover:bg-teal-800 disabled:opacity-60";

/// A one-button form posting `lead_id` (and any extra hidden fields) to `action`.
fn action_button(
    action: &'static str,
    lead_id: String,
    extra: Option<(&'static str, String)>,
    label: &'static str,
) -> impl IntoView {
    view! {
        <form method="post" action=action>
            <input type="hidden" name="lead_id" value=lead_id />
            {extra.map(|(name, value)| view! { <input type="hidden" name=name value=value /> })}
            <button type="submit" class=BUTTON>{label}</button>
        </form>
    }
}

#[component]
fn LeadBody(page: LeadPage) -> impl IntoView {
    let lead = page.lead.clone();
    let name = lead
        .contact_name
        .clone()
        .unwrap_or_else(|| "No name yet".to_owned());
    view! {
        <div data-refresh-region="">
            <header class="mt-3">
                <h1 class="text-2xl font-bold">{name}</h1>
                <p class="mt-1">
                    <a href=tel_href(&lead.caller_e164) class="text-lg font-semibold text-teal-800">{display(&lead.caller_e164)}</a>
                </p>
                <p class="mt-1 text-sm text-slate-600">
                    {if lead.source == "sms" { "Text" } else { "Call" }} " to " {lead.number_label.clone()} " · "
                    {lead.created_at.format("%b %-d, %H:%M UTC").to_string()}
                </p>
            </header>
            <StatusForm lead=lead.clone() />
            <Fields lead=lead.clone() />
            <Automation lead=lead.clone() nonce=page.nonce.clone() />
            <Calls calls=page.calls.clone() />
            <Transcript lead_id=lead.id.to_string() page=page.transcript.clone() />
            <Reply lead_id=lead.id.to_string() blocked=page.reply_blocked.clone() nonce=page.nonce.clone() />
            <Activity page />
        </div>
    }
}

#[component]
fn StatusForm(lead: LeadDetail) -> impl IntoView {
    let options = ["NEW", "QUALIFIED", "CONTACTED", "BOOKED", "LOST"];
    view! {
        <form method="post" action=SetLeadStatus::PATH class="mt-4 flex items-end gap-2">
            <input type="hidden" name="lead_id" value=lead.id.to_string() />
            <div>
                <label for="lead-status" class="block text-sm font-medium text-slate-800">"Status"</label>
                <select id="lead-status" name="status" class="mt-1 block min-h-11 rounded-lg border border-slate-300 bg-white px-2">
                    {options.into_iter().map(|value| view! {
                        <option value=value selected=lead.status == value>{status_label(value)}</option>
                    }).collect_view()}
                </select>
            </div>
            <button type="submit" class=PRIMARY>"Save status"</button>
        </form>
    }
}

#[component]
fn Fields(lead: LeadDetail) -> impl IntoView {
    let row = |label: &'static str, value: Option<String>| {
        view! {
            <div class="flex justify-between gap-4 border-b border-slate-100 py-2">
                <dt class="text-slate-600">{label}</dt>
                <dd class="text-right font-medium">{value.unwrap_or_else(|| "—".to_owned())}</dd>
            </div>
        }
    };
    view! {
        <section class="mt-4 rounded-xl border border-slate-200 bg-white p-4" aria-labelledby="fields-heading">
            <h2 id="fields-heading" class="font-semibold">"What they need"</h2>
            <dl class="mt-2">
                {row("Service", lead.service)}
                {row("Urgency", lead.urgency)}
                {row("ZIP / postal code", lead.postal_code)}
                {row("Best time", lead.best_time)}
                {row("Name", lead.contact_name)}
                {row("Conversation", Some(state_label(&lead.conversation_state).to_owned()))}
            </dl>
        </section>
    }
}

#[component]
fn Automation(lead: LeadDetail, nonce: String) -> impl IntoView {
    let id = lead.id.to_string();
    let paused = lead.automation_paused.then(|| {
        let reason = lead
            .automation_pause_reason
            .clone()
            .map(|r| format!(" ({})", r.replace('_', " ")))
            .unwrap_or_default();
        view! { <p>"Automation is paused" {reason} "."</p> }
    });
    let pause_button = if lead.automation_paused {
        action_button(
            SetAutomation::PATH,
            id.clone(),
            Some(("action", "resume".to_owned())),
            "Resume automation",
        )
        .into_any()
    } else {
        action_button(
            SetAutomation::PATH,
            id.clone(),
            Some(("action", "pause".to_owned())),
            "Pause automation",
        )
        .into_any()
    };
    let billing = lead.billing_block_reason.clone().map(|reason| {
        let text = if reason == "quota_reached" {
            "Not started: the monthly conversation limit was reached."
        } else {
            "Not started: billing was inactive."
        };
        view! { <p class="font-medium text-amber-900">{text}</p> }
    });
    let can_follow_up = lead.conversation_state == "NOT_STARTED"
        || matches!(lead.status.as_str(), "BOOKED" | "LOST");
    let follow_up = can_follow_up.then(|| {
        // The nonce makes a double click start one follow-up, not two.
        action_button(
            StartFollowUp::PATH,
            id.clone(),
            Some(("nonce", nonce)),
            "Start follow-up",
        )
    });
    let opt_out = lead
        .consent
        .is_none()
        .then(|| action_button(MarkOptedOut::PATH, id.clone(), None, "Mark as opted out"));
    view! {
        <section class="mt-4 rounded-xl border border-slate-200 bg-white p-4 space-y-2" aria-labelledby="automation-heading">
            <h2 id="automation-heading" class="font-semibold">"Texting"</h2>
            {paused}
            {billing}
            {lead.consent.clone().map(|text| view! { <p class="font-medium">{text}</p> })}
            {lead.unreachable.clone().map(|text| view! { <p class="font-medium text-red-800">"Can't text this number (" {text} ")."</p> })}
            <div class="flex flex-wrap gap-2">{pause_button}{follow_up}{opt_out}</div>
        </section>
    }
}

#[component]
fn Calls(calls: Vec<CallRow>) -> impl IntoView {
    (!calls.is_empty()).then(|| view! {
        <section class="mt-4 rounded-xl border border-slate-200 bg-white p-4" aria-labelledby="calls-heading">
            <h2 id="calls-heading" class="font-semibold">"Calls"</h2>
            <ul class="mt-2 space-y-3">
                {calls.into_iter().map(|call| {
                    let durations = [
                        call.ring_seconds.map(|s| format!("rang {s} s")),
                        call.talk_seconds.map(|s| format!("talked {s} s")),
                    ].into_iter().flatten().collect::<Vec<_>>().join(", ");
                    view! {
                        <li class="border-b border-slate-100 pb-3">
                            <p class="font-medium">{call.outcome.clone().unwrap_or_else(|| "In progress".to_owned())}</p>
                            <p class="text-sm text-slate-600">
                                {call.at.format("%b %-d, %H:%M UTC").to_string()} " · " {call.number_label.clone()}
                                {(!durations.is_empty()).then(|| format!(" · {durations}"))}
                            </p>
                            {call.recording_src.clone().map(|src| view! {
                                <audio controls preload="none" src=src class="mt-2 w-full" aria-label="Call recording"></audio>
                            })}
                            {call.recording_note.clone().map(|note| view! { <p class="text-sm text-slate-600">{note}</p> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    })
}

/// One page of texts: "Older" pages back through a long conversation, "Latest" returns.
#[component]
fn Transcript(lead_id: String, page: TranscriptPage) -> impl IntoView {
    let TranscriptPage {
        messages,
        older_before,
        is_older_page,
    } = page;
    let older = older_before.map(|before| {
        let href = format!("/app/leads/{lead_id}?before={before}#transcript-heading");
        view! { <a href=href rel="prev" class="inline-flex min-h-11 items-center text-teal-800 underline">"Older messages"</a> }
    });
    let latest = is_older_page.then(|| {
        let href = format!("/app/leads/{lead_id}#transcript-heading");
        view! { <a href=href class="inline-flex min-h-11 items-center text-teal-800 underline">"Latest messages"</a> }
    });
    let empty = if is_older_page {
        "No older texts."
    } else {
        "No texts yet."
    };
    view! {
        <section class="mt-4" aria-labelledby="transcript-heading">
            <h2 id="transcript-heading" class="font-semibold">"Conversation"</h2>
            {older}
            {messages.is_empty().then(|| view! { <p class="mt-2 text-slate-600">{empty}</p> })}
            <ol class="mt-2 space-y-2" data-testid="transcript">
                {messages.into_iter().map(|message| view! { <Bubble message /> }).collect_view()}
            </ol>
            {latest}
        </section>
    }
}

#[component]
fn Bubble(message: MessageRow) -> impl IntoView {
    let class = if message.is_note {
        "mx-auto max-w-full rounded-lg bg-slate-100 px-3 py-1 text-sm text-slate-700"
    } else if message.inbound {
        "mr-10 rounded-2xl rounded-bl-sm bg-white px-3 py-2 shadow-sm ring-1 ring-slate-200"
    } else {
        "ml-10 rounded-2xl rounded-br-sm bg-teal-700 px-3 py-2 text-white"
    };
    let meta_class = if message.inbound || message.is_note {
        "mt-1 text-xs text-slate-600"
    } else {
        "mt-1 text-xs text-teal-50"
    };
    let meta = [
        message.author.clone(),
        Some(message.at.format("%b %-d, %H:%M").to_string()),
        message.delivery.clone(),
        message.error.clone(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    view! {
        <li class=class data-direction=if message.inbound { "inbound" } else { "outbound" }>
            <p class="whitespace-pre-wrap break-words">{message.body.clone()}</p>
            {(message.media_count > 0).then(|| view! {
                <p class="text-sm">{if message.media_count == 1 { "1 attachment".to_owned() } else { format!("{} attachments", message.media_count) }}</p>
            })}
            <p class=meta_class data-delivery=message.delivery.clone()>{meta}</p>
        </li>
    }
}

#[component]
fn Reply(lead_id: String, blocked: Option<String>, nonce: String) -> impl IntoView {
    let disabled = blocked.is_some();
    view! {
        <section class="mt-4 rounded-xl border border-slate-200 bg-white p-4" aria-labelledby="reply-heading">
            <h2 id="reply-heading" class="font-semibold">"Reply"</h2>
            <ReplyCounter>
            <SmartForm>
                <form method="post" action=SendReply::PATH class="mt-2 space-y-2">
                    <input type="hidden" name="lead_id" value=lead_id />
                    <input type="hidden" name="nonce" value=nonce />
                    <label for="reply-body" class="sr-only">"Your reply"</label>
                    <textarea
                        id="reply-body"
                        name="body"
                        rows="3"
                        maxlength="1600"
                        required
                        disabled=disabled
                        aria-describedby="reply-note body-error"
                        class="block w-full rounded-lg border border-slate-300 p-3 text-base"
                    ></textarea>
                    <p id="body-error" class="text-sm font-medium text-red-700 empty:hidden" data-error-for="body"></p>
                    <p id="reply-note" class="text-sm text-slate-600">
                        {blocked.clone().unwrap_or_else(|| "Sending a reply stops automated texts for this lead.".to_owned())}
                    </p>
                    <FormMessage />
                    <button type="submit" class=PRIMARY disabled=disabled>"Send reply"</button>
                </form>
            </SmartForm>
            </ReplyCounter>
        </section>
    }
}

#[component]
fn Activity(page: LeadPage) -> impl IntoView {
    (!page.activity.is_empty()).then(|| view! {
        <section class="mt-4 rounded-xl border border-slate-200 bg-white p-4" aria-labelledby="activity-heading">
            <h2 id="activity-heading" class="font-semibold">"Activity"</h2>
            <ul class="mt-2 space-y-1 text-sm">
                {page.activity.into_iter().map(|row| view! {
                    <li>{row.what} " — " {row.who} ", " {row.at.format("%b %-d, %H:%M UTC").to_string()}</li>
                }).collect_view()}
            </ul>
        </section>
    })
}
