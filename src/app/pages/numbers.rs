//! `/app/numbers`: tracking numbers, their settings and life cycle (web.md §6.4).

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::{
        forms::take_form_flash,
        numbers::{
            BuyNumber, DetachNumber, NumberView, NumbersPage, ReleaseNumber, ResyncAllNumbers,
            ResyncNumber, UpdateNumber, WebhookInfo, get_numbers_page,
        },
    },
    app::{
        components::{
            app_layout::{AppLayout, PageTitle},
            form::{Checkbox, Field, FormMessage, FormState, Select, SmartForm, SubmitButton},
        },
        current_page,
    },
    domain::phone::display,
};

#[component]
pub fn NumbersPage() -> impl IntoView {
    let done = use_query_map().get_untracked().get("done");
    let notice = match done.as_deref() {
        Some("bought") => Some("Your new number is ready. Calls to it ring your phone."),
        Some("saved") => Some("Number settings saved. They apply from the next call."),
        Some("synced") => Some("Webhooks re-synced with Twilio."),
        Some("detached") => Some("Number detached. Callers hear the new number for 90 days."),
        Some("released") => Some("Number released. It no longer costs anything."),
        _ => None,
    };
    let data = Resource::new(current_page, |page| async move {
        let form = FormState(take_form_flash(page).await.ok().flatten());
        (form, get_numbers_page().await)
    });
    view! {
        <Title text="Tracking numbers" />
        <AppLayout>
            <PageTitle title="Tracking numbers" lead="Each number forwards calls to your phone and texts missed callers back." />
            {notice.map(|text| view! { <p role="status" class="mt-4 rounded-lg bg-teal-50 px-3 py-2 text-teal-900">{text}</p> })}
            <Suspense fallback=|| view! { <p class="mt-4 text-slate-600">"Loading numbers…"</p> }>
                {move || data.get().map(|(form, page)| match page {
                    Ok(page) => view! { <NumbersBody page form /> }.into_any(),
                    Err(err) => view! { <p class="mt-4 text-red-700">{err.to_string()}</p> }.into_any(),
                })}
            </Suspense>
        </AppLayout>
    }
}

#[component]
fn NumbersBody(page: NumbersPage, form: FormState) -> impl IntoView {
    let (active, held): (Vec<_>, Vec<_>) = page
        .numbers
        .iter()
        .cloned()
        .partition(|n| n.status == "active");
    let others: Vec<(String, String)> = active
        .iter()
        .map(|n| {
            (
                n.id.to_string(),
                format!("{} ({})", display(&n.e164), n.label),
            )
        })
        .collect();
    let owner = page.is_owner;
    let resync_all_message = form.for_form("resync-all").message();
    let buy_form = form.for_form("buy");
    view! {
        {(owner && active.len() > 1).then(|| view! {
            <SmartForm>
                <form method="post" action=ResyncAllNumbers::PATH class="mt-4">
                    <FormMessage message=resync_all_message />
                    <input type="hidden" name="form" value="resync-all" />
                    <button type="submit" class="min-h-11 rounded-lg border border-slate-300 bg-white px-4 font-medium">"Re-sync all"</button>
                </form>
            </SmartForm>
        })}
        <ul class="mt-4 space-y-4">
            {active
                .into_iter()
                .map(|number| {
                    let replacements: Vec<(String, String)> = others.iter().filter(|(id, _)| *id != number.id.to_string()).cloned().collect();
                    view! { <NumberCard number=number.clone() owner default_ring=page.default_ring_timeout replacements form=form.clone() /> }
                })
                .collect_view()}
        </ul>
        {(!held.is_empty()).then(|| view! {
            <h2 class="mt-8 text-lg font-semibold">"Detached numbers"</h2>
            <ul class="mt-2 space-y-3">
                {held.into_iter().map(|number| view! { <HeldNumber number owner form=form.clone() /> }).collect_view()}
            </ul>
        })}
        {owner.then(|| view! { <BuyForm page=page.clone() form=buy_form /> })}
        <WebhookUrls info=page.webhooks.clone() />
        <p class="mt-6 text-sm text-slate-600">
            "Calls and texts from your notify phone, your forwarding phones and any tracking number are treated as internal and never become leads."
        </p>
    }
}

fn yes_no(value: bool) -> &'static str {
    if value { "On" } else { "Off" }
}

#[component]
fn NumberCard(
    number: NumberView,
    owner: bool,
    default_ring: i32,
    replacements: Vec<(String, String)>,
    form: FormState,
) -> impl IntoView {
    let id = number.id.to_string();
    let ring = number.ring_timeout_seconds.unwrap_or(default_ring);
    let caller_id = if number.caller_id_mode == "tracking_number" {
        "This tracking number"
    } else {
        "The caller's number"
    };
    let sync = match (&number.webhook_sync_error, number.webhooks_synced_at) {
        (Some(error), _) => error.clone(),
        (None, Some(at)) => format!("Synced {}", at.format("%b %-d, %H:%M UTC")),
        (None, None) => "Not synced yet".to_owned(),
    };
    let short = number
        .short_answer_threshold_seconds
        .map_or("Off".to_owned(), |s| {
            format!("Answered calls under {s} s count as missed")
        });
    let resync_message = form.for_form(&format!("resync-{id}")).message();
    let update_form = form.for_form(&format!("update-{id}"));
    let detach_form = form.for_form(&format!("detach-{id}"));
    let resync_form_id = format!("resync-{id}");
    let resync_id = id.clone();
    view! {
        <li class="rounded-xl border border-slate-200 bg-white p-4">
            <div class="flex flex-wrap items-baseline justify-between gap-2">
                <p class="text-lg font-semibold">{display(&number.e164)}</p>
                <p class="text-sm font-medium text-slate-700">{number.label.clone()}</p>
            </div>
            <dl class="mt-2 grid grid-cols-1 gap-x-4 gap-y-1 text-sm sm:grid-cols-2">
                <div><dt class="inline text-slate-600">"Rings: "</dt><dd class="inline">{display(&number.forwarding_number)} {format!(" for {ring} s")}</dd></div>
                <div><dt class="inline text-slate-600">"Caller ID shown to you: "</dt><dd class="inline">{caller_id}</dd></div>
                <div><dt class="inline text-slate-600">"Texting missed callers: "</dt><dd class="inline">{yes_no(number.sms_automation_enabled)}</dd></div>
                <div><dt class="inline text-slate-600">"Call screening: "</dt><dd class="inline">{yes_no(number.call_screening_enabled)}</dd></div>
                <div><dt class="inline text-slate-600">"Recording: "</dt><dd class="inline">{yes_no(number.recording_enabled)}</dd></div>
                <div><dt class="inline text-slate-600">"Short answers: "</dt><dd class="inline">{short}</dd></div>
                <div><dt class="inline text-slate-600">"Missed-call notice: "</dt><dd class="inline">{yes_no(number.missed_call_say_enabled)}</dd></div>
                <div><dt class="inline text-slate-600">"Webhooks: "</dt><dd class="inline">{sync}</dd></div>
            </dl>
            {owner.then(|| view! {
                <div class="mt-3 flex flex-wrap gap-2">
                    <SmartForm>
                        <form method="post" action=ResyncNumber::PATH>
                            <FormMessage message=resync_message />
                            <input type="hidden" name="form" value=resync_form_id />
                            <input type="hidden" name="id" value=resync_id />
                            <button type="submit" class="min-h-11 rounded-lg border border-slate-300 px-4 font-medium">"Re-sync"</button>
                        </form>
                    </SmartForm>
                </div>
                <EditNumber number=number.clone() form=update_form />
                <DetachNumberForm id=id replacements form=detach_form />
            })}
        </li>
    }
}

#[component]
fn EditNumber(number: NumberView, form: FormState) -> impl IntoView {
    let open = form.0.is_some();
    let id = number.id.to_string();
    let value = |name: &str, current: String| Some(form.value(name).unwrap_or(current));
    let label = value("label", number.label.clone());
    let forwarding = value("forwarding_number", display(&number.forwarding_number));
    let ring = value(
        "ring_timeout",
        number
            .ring_timeout_seconds
            .map(|s| s.to_string())
            .unwrap_or_default(),
    );
    let disclosure = value(
        "recording_disclosure_text",
        number.recording_disclosure_text.clone(),
    );
    let short = value(
        "short_answer_threshold",
        number
            .short_answer_threshold_seconds
            .map(|s| s.to_string())
            .unwrap_or_default(),
    );
    let message = form.message();
    let errors = |name: &str| form.error(name);
    let (label_error, forwarding_error, mode_error, ring_error, disclosure_error, short_error) = (
        errors("label"),
        errors("forwarding_number"),
        errors("caller_id_mode"),
        errors("ring_timeout"),
        errors("recording_disclosure_text"),
        errors("short_answer_threshold"),
    );
    view! {
        <details class="mt-3" open=open>
            <summary class="flex min-h-11 cursor-pointer items-center font-medium text-teal-800">"Edit settings"</summary>
            <SmartForm>
                <form method="post" action=UpdateNumber::PATH class="mt-2 space-y-3" novalidate>
                    <FormMessage message=message />
                    <input type="hidden" name="form" value=format!("update-{id}") />
                    <input type="hidden" name="id" value=id.clone() />
                    <Field label="Label (marketing source)" name="label" value=label error=label_error />
                    <Field label="Phone that rings" name="forwarding_number" kind="tel" value=forwarding error=forwarding_error />
                    <Select label="Caller ID shown on forwarded calls" name="caller_id_mode"
                        selected=Some(number.caller_id_mode.clone()) error=mode_error
                        options=vec![("caller".into(), "The caller's number".into()), ("tracking_number".into(), "This tracking number".into())] />
                    <Field label="Ring time in seconds (empty: business default)" name="ring_timeout" kind="number"
                        value=ring error=ring_error />
                    <Checkbox name="sms_automation" label="Text missed callers" checked=number.sms_automation_enabled />
                    <Checkbox name="call_screening" label="Call screening (press 1 to accept, so voicemail counts as missed)" checked=number.call_screening_enabled />
                    <Checkbox name="recording" label="Record answered calls" checked=number.recording_enabled />
                    <Checkbox name="recording_disclosure" label="Play a recording notice first" checked=number.recording_disclosure_enabled />
                    <Field label="Recording notice" name="recording_disclosure_text" value=disclosure error=disclosure_error />
                    <Field label="Count answered calls shorter than this as missed (seconds, empty: off)" name="short_answer_threshold" kind="number"
                        value=short error=short_error />
                    <Checkbox name="missed_call_say" label="Tell missed callers we will text them" checked=number.missed_call_say_enabled />
                    <SubmitButton label="Save number" />
                </form>
            </SmartForm>
        </details>
    }
}

#[component]
fn DetachNumberForm(
    id: String,
    replacements: Vec<(String, String)>,
    form: FormState,
) -> impl IntoView {
    let open = form.0.is_some();
    let mut options = replacements;
    options.push(("none".into(), "None: stop texting those leads".into()));
    view! {
        <details class="mt-2" open=open>
            <summary class="flex min-h-11 cursor-pointer items-center font-medium text-red-800">"Detach"</summary>
            <SmartForm>
                <form method="post" action=DetachNumber::PATH class="mt-2 space-y-3">
                    <FormMessage message=form.message() />
                    <input type="hidden" name="form" value=format!("detach-{id}") />
                    <input type="hidden" name="id" value=id.clone() />
                    <p class="text-sm text-slate-700">"Leads texted from this number continue from the number you pick. Callers of this number hear the new number for 90 days."</p>
                    <Select label="Text its leads from" name="replacement" options error=form.error("replacement") />
                    <Checkbox name="release_now" label="Also release the number now" checked=false />
                    <button type="submit" class="min-h-11 rounded-lg bg-red-700 px-4 font-semibold text-white">"Detach number"</button>
                </form>
            </SmartForm>
        </details>
    }
}

#[component]
fn HeldNumber(number: NumberView, owner: bool, form: FormState) -> impl IntoView {
    let id = number.id.to_string();
    let until = number
        .detached_at
        .map(|at| {
            (at + chrono::Duration::days(90))
                .format("%b %-d, %Y")
                .to_string()
        })
        .unwrap_or_default();
    view! {
        <li class="rounded-xl border border-slate-200 bg-white p-4">
            <p class="font-semibold">{display(&number.e164)} " · " {number.label.clone()}</p>
            <p class="text-sm text-slate-700">{format!("Moved notice until {until}")}</p>
            {owner.then(|| view! {
                <SmartForm>
                    <form method="post" action=ReleaseNumber::PATH class="mt-2">
                        <FormMessage message=form.for_form(&format!("release-{id}")).message() />
                        <input type="hidden" name="form" value=format!("release-{id}") />
                        <input type="hidden" name="id" value=id.clone() />
                        <button type="submit" class="min-h-11 rounded-lg border border-red-300 px-4 font-medium text-red-800">"Release number"</button>
                    </form>
                </SmartForm>
            })}
        </li>
    }
}

#[component]
fn BuyForm(page: NumbersPage, form: FormState) -> impl IntoView {
    let forwarding = form
        .value("forwarding_phone")
        .or_else(|| page.default_forwarding.as_deref().map(display));
    view! {
        <section class="mt-8 rounded-xl border border-slate-200 bg-white p-4">
            <h2 class="text-lg font-semibold">"Buy a number"</h2>
            <SmartForm>
                <form method="post" action=BuyNumber::PATH class="mt-3 space-y-3" novalidate>
                    <FormMessage message=form.message() />
                    <input type="hidden" name="form" value="buy" />
                    <input type="hidden" name="nonce" value=page.buy_nonce.clone() />
                    <Select label="Country" name="country" selected=form.value("country")
                        options=vec![("US".into(), "United States".into()), ("CA".into(), "Canada".into())] error=form.error("country") />
                    <Field label="Area code (optional)" name="area_code" value=form.value("area_code") error=form.error("area_code") />
                    <Field label="Label (marketing source)" name="label" value=Some(form.value("label").unwrap_or_else(|| "Main line".into())) error=form.error("label") />
                    <Field label="Phone that rings" name="forwarding_phone" kind="tel" value=forwarding error=form.error("forwarding_phone") />
                    <SubmitButton label="Buy number" />
                </form>
            </SmartForm>
        </section>
    }
}

#[component]
fn WebhookUrls(info: WebhookInfo) -> impl IntoView {
    let rows = [
        ("Voice (a call comes in)", info.voice.clone()),
        ("Messaging (a message comes in)", info.sms.clone()),
        ("Call status callback", info.call_status.clone()),
    ];
    view! {
        <section class="mt-8">
            <h2 class="text-lg font-semibold">"Webhook URLs"</h2>
            <p class="mt-1 text-sm text-slate-700">"The app sets these on every number it buys or re-syncs. Method: POST."</p>
            <ul class="mt-2 space-y-2">
                {rows.into_iter().map(|(label, url)| view! {
                    <li>
                        <p class="text-sm font-medium">{label}</p>
                        <div class="flex gap-2">
                            <input readonly value=url.clone() aria-label=label class="min-h-11 min-w-0 flex-1 rounded-lg border border-slate-300 bg-slate-50 px-2 font-mono text-xs" />
                            <CopyButton text=url />
                        </div>
                    </li>
                }).collect_view()}
            </ul>
            {info.revealed.map(|[voice, sms, status]| view! {
                <details class="mt-2">
                    <summary class="flex min-h-11 cursor-pointer items-center text-sm font-medium text-teal-800">"Reveal the token"</summary>
                    <ul class="space-y-1 break-all font-mono text-xs"><li>{voice}</li><li>{sms}</li><li>{status}</li></ul>
                </details>
            })}
        </section>
    }
}

/// Copies a URL once hydrated; without JavaScript the read-only field can be selected.
#[island]
fn CopyButton(text: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let on_click = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let clipboard = window().navigator().clipboard();
            let _ = clipboard.write_text(&text);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &text;
        copied.set(true);
    };
    view! {
        <button type="button" on:click=on_click class="min-h-11 shrink-0 rounded-lg border border-slate-300 px-3 text-sm font-medium">
            {move || if copied.get() { "Copied" } else { "Copy" }}
        </button>
    }
}
