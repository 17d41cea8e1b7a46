//! `/app/integrations` (integrations.md §2, §3): connect Airtable, see how the mirror is doing,
//! send a test record, resync, disconnect; then the outbound webhooks. Owners only.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::{
        forms::{take_form_flash, take_notice},
        integrations::{
            AirtableView, ConnectAirtable, DisconnectAirtable, ImportNumberSettings, ImportReport,
            ResyncAirtable, SendAirtableTestRecord, get_integrations_page,
        },
    },
    app::{
        components::{
            app_layout::{AppLayout, PageTitle},
            form::{Field, FormMessage, FormState, SmartForm, SubmitButton},
            notice::OnceNotice,
        },
        current_page,
        pages::webhook_endpoints::WebhookEndpoints,
    },
    domain::number_import::RowOutcome,
};

/// The hidden `form` value of the Airtable forms.
const AIRTABLE_FORM: &str = "airtable";

fn done_message(done: &str) -> Option<&'static str> {
    match done {
        "connected" => Some("Airtable connected. New calls and leads will appear in your tables."),
        "disconnected" => Some("Airtable disconnected. Nothing more will be sent."),
        "test-record" => Some("Test record sent."),
        "resync" => Some("Resync started: calls and leads of the last 90 days are on their way."),
        "imported" => Some("Number settings imported. The report is below."),
        "endpoint-saved" => Some("Endpoint saved."),
        "endpoint-deleted" => Some("Endpoint deleted. Nothing more will be sent to it."),
        "test-event" => Some(
            "Test event queued: it reaches the endpoint within seconds and appears under Recent deliveries.",
        ),
        "resent" => Some("Resend queued with a fresh signature."),
        _ => None,
    }
}

#[component]
pub fn IntegrationsPage() -> impl IntoView {
    let done = use_query_map()
        .get_untracked()
        .get("done")
        .and_then(|done| done_message(&done));
    let data = Resource::new(current_page, |page| async move {
        let form = FormState(take_form_flash(page.clone()).await.ok().flatten());
        let notice = take_notice(page).await.ok().flatten();
        (form, notice, get_integrations_page().await)
    });
    view! {
        <Title text="Integrations" />
        <AppLayout>
            <PageTitle title="Integrations" lead="Mirror every call and lead into your own Airtable base, or send signed events to your own tools. Calls and texts never wait for either." />
            {done.map(|message| view! { <p role="status" class="mt-4 rounded-lg bg-teal-50 px-3 py-2 text-teal-900">{message}</p> })}
            <Suspense fallback=|| ()>
                {move || data.get().map(|(form, notice, page)| match page {
                    Ok(page) => {
                        let airtable_form = form.for_form(AIRTABLE_FORM);
                        view! {
                            {notice.map(|notice| view! { <OnceNotice notice /> })}
                            {match page.airtable {
                                Some(airtable) => view! { <Connected airtable form=airtable_form /> }.into_any(),
                                None => view! { <ConnectForm form=airtable_form /> }.into_any(),
                            }}
                            <WebhookEndpoints endpoints=page.webhooks max=page.max_webhooks form />
                        }
                        .into_any()
                    }
                    Err(err) => view! { <p class="mt-4 text-red-700">{err.to_string()}</p> }.into_any(),
                })}
            </Suspense>
        </AppLayout>
    }
}

#[component]
fn ConnectForm(form: FormState) -> impl IntoView {
    let typed = form.clone();
    let v = move |name: &str| typed.value(name);
    let message = form.message();
    let e = move |name: &str| form.error(name);
    view! {
        <SmartForm>
            <form method="post" action=ConnectAirtable::PATH class="mt-6 max-w-xl space-y-4" novalidate>
                <h2 class="text-lg font-semibold">"Airtable"</h2>
                <input type="hidden" name="form" value=AIRTABLE_FORM />
                <FormMessage message=message />
                <Field label="Personal access token" name="api_key" kind="password" autocomplete="off" error=e("api_key")
                    hint="Needs data.records:read, data.records:write and schema.bases:read. Stored encrypted and never shown again." />
                <Field label="Base id" name="base_id" value=v("base_id") error=e("base_id") hint="Starts with \"app\"; it is in the base's URL." />
                <Field label="Calls table" name="calls_table" value=v("calls_table") error=e("calls_table") />
                <Field label="Leads table" name="leads_table" value=v("leads_table") error=e("leads_table") />
                <Field label="Number settings table (optional)" name="config_table" value=v("config_table") error=e("config_table") />
                <SubmitButton label="Connect Airtable" />
            </form>
        </SmartForm>
    }
}

#[component]
fn Connected(airtable: AirtableView, form: FormState) -> impl IntoView {
    let healthy = airtable.status == "active";
    let message = form.message();
    let row = |label: &'static str, value: String| {
        view! {
            <div class="flex justify-between gap-4 border-b border-slate-200 py-2">
                <dt class="text-slate-600">{label}</dt>
                <dd class="text-right font-medium">{value}</dd>
            </div>
        }
    };
    view! {
        <section class="mt-6 max-w-xl">
            <h2 class="text-lg font-semibold">"Airtable"</h2>
            <FormMessage message=message />
            <p class=if healthy { "mt-2 text-teal-800" } else { "mt-2 font-semibold text-red-800" }>
                {if healthy { "Connected" } else { "Stopped: reconnect to resume" }}
            </p>
            <dl class="mt-2 text-sm">
                {row("Base", airtable.base_id.clone())}
                {row("Calls table", airtable.calls_table.clone())}
                {row("Leads table", airtable.leads_table.clone())}
                {row("Number settings table", airtable.config_table.clone().unwrap_or_else(|| "–".into()))}
                {row("Last successful push", airtable.last_pushed.clone().unwrap_or_else(|| "Not yet".into()))}
                {row("Waiting to be sent", airtable.queued.to_string())}
                {row("Failed for good", airtable.dead.to_string())}
            </dl>
            {airtable.last_error.clone().map(|error| view! {
                <p class="mt-3 rounded-lg bg-red-50 px-3 py-2 text-sm text-red-900">{format!("Last error: {error}")}</p>
            })}
            <div class="mt-4 flex flex-wrap gap-3">
                <ActionButton path=SendAirtableTestRecord::PATH label="Send test record" />
                <ActionButton path=ResyncAirtable::PATH label="Resync all" />
                <ActionButton path=DisconnectAirtable::PATH label="Disconnect" />
            </div>
            {airtable.config_table.is_some().then(|| view! {
                <div class="mt-6">
                    <h3 class="font-semibold">"Number settings from Airtable"</h3>
                    <p class="mt-1 text-sm text-slate-600">"Rows are matched to your numbers by tracking number. Valid rows are applied at once; nothing is bought or removed."</p>
                    <div class="mt-2"><ActionButton path=ImportNumberSettings::PATH label="Import number settings" /></div>
                </div>
            })}
            {airtable.last_import.clone().map(|report| view! { <ImportRows report /> })}
        </section>
        {(!healthy).then(|| view! {
            <details class="mt-8 max-w-xl rounded-xl border border-slate-200 p-4">
                <summary class="flex min-h-11 cursor-pointer items-center font-semibold">"Reconnect"</summary>
                <ConnectForm form=FormState::default() />
            </details>
        })}
    }
}

/// A form that is only a button (works without JavaScript).
#[component]
fn ActionButton(path: &'static str, label: &'static str) -> impl IntoView {
    view! {
        <SmartForm>
            <form method="post" action=path>
                <input type="hidden" name="form" value=AIRTABLE_FORM />
                <button type="submit" class="min-h-11 rounded-lg border border-slate-300 px-4 font-semibold">{label}</button>
            </form>
        </SmartForm>
    }
}

#[component]
fn ImportRows(report: ImportReport) -> impl IntoView {
    let rows = report
        .rows
        .into_iter()
        .map(|row| {
            let (class, lines): (&str, Vec<String>) = match row.outcome {
                RowOutcome::Applied(changes) if changes.is_empty() => {
                    ("text-slate-700", vec!["Already up to date".to_owned()])
                }
                RowOutcome::Applied(changes) => (
                    "text-teal-900",
                    changes
                        .into_iter()
                        .map(|(field, old, new)| format!("{field}: {old} → {new}"))
                        .collect(),
                ),
                RowOutcome::Skipped => (
                    "text-slate-600",
                    vec!["Skipped: not one of your numbers".to_owned()],
                ),
                RowOutcome::NotApplied(problems) => (
                    "text-red-800",
                    std::iter::once("Not applied".to_owned())
                        .chain(
                            problems
                                .into_iter()
                                .map(|(field, reason)| format!("{field}: {reason}")),
                        )
                        .collect(),
                ),
            };
            view! {
                <li class="border-b border-slate-200 py-2">
                    <p class="font-medium">{row.tracking_number}</p>
                    <ul class=format!("text-sm {class}")>
                        {lines.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
                    </ul>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="mt-4">
            <h3 class="font-semibold">{format!("Last import, {}", report.at)}</h3>
            <ul class="mt-1">{rows}</ul>
        </div>
    }
}
