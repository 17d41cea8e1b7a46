//! The "Webhooks" part of `/app/integrations` (integrations.md §3): each endpoint with its
//! events, switch, test event, delete and delivery log with "Resend"; the add form; the signing
//! secret shown once after adding.

use leptos::{prelude::*, server_fn::ServerFn};

use crate::{
    api::webhook_endpoints::{
        AddWebhookEndpoint, DeleteWebhookEndpoint, DeliveryView, EndpointView,
        ResendWebhookDelivery, SaveWebhookEndpoint, SendWebhookTestEvent,
    },
    app::components::form::{Checkbox, Field, FormMessage, FormState, SmartForm, SubmitButton},
    domain::outbound_events::EventType,
};

/// The hidden `form` value of the add form.
const ADD_FORM: &str = "webhook-add";

#[component]
pub fn WebhookEndpoints(
    endpoints: Vec<EndpointView>,
    max: usize,
    form: FormState,
) -> impl IntoView {
    let room = endpoints.len() < max;
    let add_form = form.for_form(ADD_FORM);
    let cards = endpoints
        .into_iter()
        .map(|endpoint| {
            let form = form.for_form(&format!("webhook-{}", endpoint.id));
            view! { <EndpointCard endpoint form /> }
        })
        .collect_view();
    view! {
        <section class="mt-10 max-w-2xl" aria-labelledby="webhooks-heading">
            <h2 id="webhooks-heading" class="text-lg font-semibold">"Webhooks"</h2>
            <p class="mt-1 text-sm text-slate-600">
                {format!("Send signed lead events to your own tools as they happen. Up to {max} endpoints; each delivery carries an X-Webhook-Signature made with the endpoint's secret.")}
            </p>
            <div class="mt-4 space-y-6">{cards}</div>
            {if room {
                view! { <AddEndpoint form=add_form /> }.into_any()
            } else {
                view! { <p class="mt-4 text-sm text-slate-600">{format!("You have {max} endpoints. Delete one to add another.")}</p> }.into_any()
            }}
        </section>
    }
}

/// The subscribable events as checkboxes; `checked` says which are ticked.
#[component]
fn EventChoices(checked: Vec<EventType>, error: Option<String>) -> impl IntoView {
    let boxes = EventType::SUBSCRIBABLE
        .into_iter()
        .map(|event| {
            let label = event.description();
            view! {
                <div>
                    <Checkbox name=event.field_name() label=label checked=checked.contains(&event) />
                    <p class="-mt-2 pl-8 font-mono text-xs text-slate-500">{event.as_str()}</p>
                </div>
            }
        })
        .collect_view();
    view! {
        <fieldset class="space-y-1">
            <legend class="text-sm font-medium text-slate-800">"Events"</legend>
            {boxes}
            <p class="text-sm font-medium text-red-700 empty:hidden" data-error-for="events">{error}</p>
        </fieldset>
    }
}

#[component]
fn AddEndpoint(form: FormState) -> impl IntoView {
    let submitted = form.0.is_some();
    let checked: Vec<EventType> = EventType::SUBSCRIBABLE
        .into_iter()
        .filter(|event| {
            if submitted {
                form.value(event.field_name()).is_some()
            } else {
                *event == EventType::LeadCreated
            }
        })
        .collect();
    view! {
        <SmartForm>
            <form method="post" action=AddWebhookEndpoint::PATH class="mt-6 space-y-4 rounded-xl border border-slate-200 p-4" novalidate>
                <h3 class="font-semibold">"Add an endpoint"</h3>
                <input type="hidden" name="form" value=ADD_FORM />
                <FormMessage message=form.message() />
                <Field label="Endpoint URL" name="url" kind="url" value=form.value("url") error=form.error("url")
                    hint="Where to POST events, e.g. https://hooks.zapier.com/hooks/catch/… (https only)." />
                <EventChoices checked error=form.error("events") />
                <SubmitButton label="Add endpoint" />
            </form>
        </SmartForm>
    }
}

#[component]
fn EndpointCard(endpoint: EndpointView, form: FormState) -> impl IntoView {
    let id = endpoint.id.clone();
    let form_name = format!("webhook-{id}");
    let checked: Vec<EventType> = endpoint
        .events
        .iter()
        .filter_map(|event| EventType::parse(event))
        .collect();
    let state = match (endpoint.enabled, endpoint.disabled_reason.as_deref()) {
        (true, _) => ("text-teal-800", "On"),
        (false, Some("gone")) => (
            "font-semibold text-red-800",
            "Off: the endpoint answered 410 Gone, so nothing more is sent. Turn it on when it is back.",
        ),
        (false, _) => ("text-slate-700", "Off"),
    };
    let deliveries = endpoint.deliveries.clone();
    let (save_form, save_id) = (form_name.clone(), id.clone());
    view! {
        <article class="rounded-xl border border-slate-200 p-4" aria-label=format!("Endpoint {}", endpoint.url)>
            <p class="break-all font-mono text-sm">{endpoint.url.clone()}</p>
            <p class=format!("mt-1 text-sm {}", state.0)>{state.1}</p>
            <SmartForm>
                <form method="post" action=SaveWebhookEndpoint::PATH class="mt-3 space-y-3" novalidate>
                    <input type="hidden" name="form" value=save_form />
                    <input type="hidden" name="endpoint_id" value=save_id />
                    <FormMessage message=form.message() />
                    <EventChoices checked error=form.error("events") />
                    <Checkbox name="enabled" label="Send events to this endpoint" checked=endpoint.enabled />
                    <SubmitButton label="Save" />
                </form>
            </SmartForm>
            <div class="mt-3 flex flex-wrap gap-3">
                <EndpointAction path=SendWebhookTestEvent::PATH form=form_name.clone() field="endpoint_id" value=id.clone() label="Send test event" />
                <EndpointAction path=DeleteWebhookEndpoint::PATH form=form_name.clone() field="endpoint_id" value=id.clone() label="Delete" />
            </div>
            <DeliveryLog deliveries form=form_name />
        </article>
    }
}

/// A button-only form with one hidden value (works without JavaScript).
#[component]
fn EndpointAction(
    path: &'static str,
    form: String,
    field: &'static str,
    value: String,
    label: &'static str,
) -> impl IntoView {
    view! {
        <SmartForm>
            <form method="post" action=path>
                <input type="hidden" name="form" value=form />
                <input type="hidden" name=field value=value />
                <button type="submit" class="min-h-11 rounded-lg border border-slate-300 px-4 font-semibold">{label}</button>
            </form>
        </SmartForm>
    }
}

#[component]
fn DeliveryLog(deliveries: Vec<DeliveryView>, form: String) -> impl IntoView {
    if deliveries.is_empty() {
        return view! { <p class="mt-3 text-sm text-slate-600">"No deliveries yet."</p> }
            .into_any();
    }
    let count = deliveries.len();
    let rows = deliveries
        .into_iter()
        .map(|delivery| {
            let outcome = match (delivery.status_code, delivery.error.clone()) {
                (Some(code), None) => format!("{code} OK"),
                (Some(_), Some(error)) | (None, Some(error)) => error,
                (None, None) => "No answer".to_owned(),
            };
            let delivered = delivery.error.is_none() && delivery.status_code.is_some();
            let took = delivery
                .duration_ms
                .map(|ms| format!("{ms} ms"))
                .unwrap_or_default();
            view! {
                <li class="flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 py-2 text-sm">
                    <div>
                        <p class="font-medium">{delivery.event_type.clone()} " · attempt " {delivery.attempt}</p>
                        <p class="text-slate-600">{delivery.at.clone()} " · " {took}</p>
                        <p class=if delivered { "text-teal-800" } else { "text-red-800" }>{outcome}</p>
                    </div>
                    <EndpointAction path=ResendWebhookDelivery::PATH form=form.clone() field="delivery_id" value=delivery.id.clone() label="Resend" />
                </li>
            }
        })
        .collect_view();
    view! {
        <details class="mt-3">
            <summary class="flex min-h-11 cursor-pointer items-center font-semibold">{format!("Recent deliveries ({count})")}</summary>
            <ul>{rows}</ul>
        </details>
    }
    .into_any()
}
