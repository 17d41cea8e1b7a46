//! `/app/settings` (web.md §6.5): the business, its automation, and deleting it.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::{
        forms::take_form_flash,
        settings::{DeleteBusiness, SaveSettings, SettingsPage, get_settings_page},
    },
    app::{
        components::{
            app_layout::{AppLayout, PageTitle},
            form::{Checkbox, Field, FormMessage, FormState, Select, SmartForm, SubmitButton},
        },
        current_page,
    },
    domain::{phone::display, timezones::NORTH_AMERICA},
};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let saved = use_query_map().get_untracked().get("done").is_some();
    let data = Resource::new(current_page, |page| async move {
        (
            FormState(take_form_flash(page).await.ok().flatten()),
            get_settings_page().await,
        )
    });
    view! {
        <Title text="Settings" />
        <AppLayout>
            <PageTitle title="Settings" />
            {saved.then(|| view! { <p role="status" class="mt-4 rounded-lg bg-teal-50 px-3 py-2 text-teal-900">"Settings saved."</p> })}
            <Suspense fallback=|| ()>
                {move || data.get().map(|(form, page)| match page {
                    Ok(page) => view! { <SettingsForm page form /> }.into_any(),
                    Err(err) => view! { <p class="mt-4 text-red-700">{err.to_string()}</p> }.into_any(),
                })}
            </Suspense>
        </AppLayout>
    }
}

#[component]
fn SettingsForm(page: SettingsPage, form: FormState) -> impl IntoView {
    let is_delete_flash = form
        .0
        .as_ref()
        .is_some_and(|f| f.value("form") == Some("delete"));
    let (settings_form, delete_form) = if is_delete_flash {
        (FormState::default(), form)
    } else {
        (form, FormState::default())
    };
    let form = settings_form;
    let s = page.settings.clone();
    // A refused save shows what was typed; otherwise the stored value.
    let typed = form.clone();
    let v = move |name: &str, stored: String| Some(typed.value(name).unwrap_or(stored));
    let labels = s.service_labels.clone();
    let label = move |i: usize| labels[i].clone().unwrap_or_default();
    let first = NORTH_AMERICA
        .iter()
        .map(|(z, l)| (z.to_string(), l.to_string()))
        .collect();
    let zones = page
        .time_zones
        .iter()
        .map(|z| (z.clone(), z.replace('_', " ")))
        .collect();
    let ticked = form.clone();
    let checked = move |name: &str, stored: bool| {
        if ticked.0.is_some() {
            ticked.value(name).is_some()
        } else {
            stored
        }
    };
    let message = form.message();
    let e = move |name: &str| form.error(name);
    view! {
        <SmartForm>
            <form method="post" action=SaveSettings::PATH class="mt-6 max-w-xl space-y-4" novalidate>
                <FormMessage message=message />
                <input type="hidden" name="form" value="settings" />
                <h2 class="text-lg font-semibold">"Business"</h2>
                <Field label="Business name" name="name" value=v("name", s.name.clone()) error=e("name") />
                <Select label="Time zone" name="timezone" selected=v("timezone", s.timezone.clone()) error=e("timezone")
                    first=first first_heading="United States and Canada" rest_heading="All time zones" options=zones />
                <p class="text-sm text-slate-600">"This month's usage period and quiet hours follow the new timezone immediately."</p>
                <Field label="Your mobile for alerts" name="notify_phone" kind="tel" value=v("notify_phone", display(&s.notify_phone)) error=e("notify_phone") />
                <Field label="Default phone calls should ring" name="forwarding_phone" kind="tel"
                    value=v("forwarding_phone", s.default_forwarding.as_deref().map(display).unwrap_or_default()) error=e("forwarding_phone") />
                <Field label="Default ring time (seconds)" name="ring_timeout" kind="number"
                    value=v("ring_timeout", s.default_ring_timeout.to_string()) error=e("ring_timeout") />
                <Field label="Service 1" name="service_label_1" value=v("service_label_1", label(0)) error=e("service_label_1") />
                <Field label="Service 2 (optional)" name="service_label_2" value=v("service_label_2", label(1)) error=e("service_label_2") />
                <Field label="Service 3 (optional)" name="service_label_3" value=v("service_label_3", label(2)) error=e("service_label_3") />

                <h2 class="pt-4 text-lg font-semibold">"First text to missed callers"</h2>
                <Field label="Custom greeting (optional)" name="greeting_text" value=v("greeting_text", s.greeting_text.clone().unwrap_or_default())
                    error=e("greeting_text") hint="Include {business} where your name goes. The options and \"Reply STOP to opt out.\" are always added." />
                <div class="rounded-lg bg-slate-100 p-3 text-sm">
                    <p class="font-medium">"Preview"</p>
                    <p class="mt-1">{page.intro_preview.clone()}</p>
                    <p class="mt-1 text-slate-600">{format!("{} SMS segment(s)", page.intro_segments)}</p>
                </div>

                <h2 class="pt-4 text-lg font-semibold">"Automation"</h2>
                <div class="grid grid-cols-2 gap-3">
                    <Field label="Quiet hours start" name="quiet_hours_start" kind="time" value=v("quiet_hours_start", s.quiet_hours_start.clone()) error=e("quiet_hours_start") />
                    <Field label="Quiet hours end" name="quiet_hours_end" kind="time" value=v("quiet_hours_end", s.quiet_hours_end.clone()) error=e("quiet_hours_end") />
                </div>
                <Field label="Treat a new call as the same lead for (hours, after a finished conversation)" name="repeat_caller_window_hours" kind="number"
                    value=v("repeat_caller_window_hours", s.repeat_caller_window_hours.to_string()) error=e("repeat_caller_window_hours") />
                <Checkbox name="stall_nudge_enabled" label="Send one reminder when a caller stops answering" checked=checked("stall_nudge_enabled", s.stall_nudge_enabled) />
                <Field label="Reminder after (minutes)" name="stall_nudge_delay_minutes" kind="number"
                    value=v("stall_nudge_delay_minutes", s.stall_nudge_delay_minutes.to_string()) error=e("stall_nudge_delay_minutes") />
                <Checkbox name="relay_to_owner_enabled" label="Forward later texts from leads to my phone" checked=checked("relay_to_owner_enabled", s.relay_to_owner_enabled) />
                <Field label="At most this many forwarded texts per lead per hour" name="relay_max_per_hour" kind="number"
                    value=v("relay_max_per_hour", s.relay_max_per_hour.to_string()) error=e("relay_max_per_hour") />
                <Checkbox name="emergency_alert_enabled" label="Alert me at once about emergencies" checked=checked("emergency_alert_enabled", s.emergency_alert_enabled) />
                <Checkbox name="agents_can_play_recordings" label="Agents may play call recordings" checked=checked("agents_can_play_recordings", s.agents_can_play_recordings) />
                <SubmitButton label="Save settings" />
            </form>
        </SmartForm>
        <DeleteSection name=page.settings.name.clone() form=delete_form />
    }
}

#[component]
fn DeleteSection(name: String, form: FormState) -> impl IntoView {
    let open = form.0.is_some();
    let message = form.message();
    let error = form.error("confirm_name");
    view! {
        <details class="mt-12 max-w-xl rounded-xl border border-red-200 p-4" open=open>
            <summary class="flex min-h-11 cursor-pointer items-center font-semibold text-red-800">"Delete business"</summary>
            <p class="mt-2 text-sm text-slate-700">
                "Texting stops at once, the subscription is canceled, your numbers are released and recordings deleted. Everything else is deleted after 30 days; opt-out records and the audit log are kept for 24 months."
            </p>
            <SmartForm>
                <form method="post" action=DeleteBusiness::PATH class="mt-3 space-y-3" novalidate>
                    <FormMessage message=message />
                    <input type="hidden" name="form" value="delete" />
                    <Field label="Type the business name to confirm" name="confirm_name" error=error hint=name />
                    <button type="submit" class="min-h-11 rounded-lg bg-red-700 px-4 font-semibold text-white">"Delete business"</button>
                </form>
            </SmartForm>
        </details>
    }
}
