//! Forms that work without JavaScript and run in place with it (web.md §2.3).
//!
//! Every form is plain HTML posting to a server function. Without the browser bundle the server
//! answers with a redirect and a one-time flash; with it, `SmartForm` sends the same request in
//! the background and writes the messages into the `data-error-for` / `data-form-message`
//! slots, so the person keeps what they typed.

use leptos::prelude::*;

use crate::api::{error::AppError, forms::FormFlash};

/// What a form shows: values and messages from a refused plain submit, if any.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FormState(pub Option<FormFlash>);

impl FormState {
    pub fn value(&self, name: &str) -> Option<String> {
        self.0
            .as_ref()
            .and_then(|f| f.value(name))
            .map(str::to_owned)
    }

    pub fn error(&self, name: &str) -> Option<String> {
        self.0
            .as_ref()
            .and_then(|f| f.error.field(name))
            .map(str::to_owned)
    }

    /// This state if the flash came from the form whose hidden `form` field is `form`, else
    /// an empty one: a page with several forms shows each its own messages.
    pub fn for_form(&self, form: &str) -> FormState {
        match &self.0 {
            Some(flash) if flash.value("form") == Some(form) => self.clone(),
            _ => FormState::default(),
        }
    }

    /// A message about the whole submit.
    pub fn message(&self) -> Option<String> {
        self.0
            .as_ref()
            .and_then(|f| f.error.message())
            .map(str::to_owned)
    }
}

/// A labelled input with the slot its error is written into.
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional_no_strip)] value: Option<String>,
    #[prop(optional_no_strip)] error: Option<String>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional, into)] hint: Option<String>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{name}-error");
    let invalid = error.as_ref().map(|_| "true");
    view! {
        <div class="space-y-1">
            <label for=id.clone() class="block text-sm font-medium text-slate-800">{label}</label>
            <input
                id=id
                name=name
                type=kind
                value=value
                autocomplete=autocomplete
                required=required
                aria-invalid=invalid
                aria-describedby=error_id.clone()
                class="block min-h-11 w-full rounded-lg border border-slate-300 bg-white px-3 text-base aria-[invalid=true]:border-red-600"
            />
            {hint.map(|hint| view! { <p class="text-sm text-slate-600">{hint}</p> })}
            <p id=error_id class="text-sm font-medium text-red-700 empty:hidden" data-error-for=name>
                {error}
            </p>
        </div>
    }
}

/// The slot for a message about the whole form.
#[component]
pub fn FormMessage(#[prop(optional_no_strip)] message: Option<String>) -> impl IntoView {
    view! {
        <p
            role="alert"
            data-form-message=""
            class="rounded-lg bg-red-50 px-3 py-2 text-sm font-medium text-red-800 empty:hidden"
        >
            {message}
        </p>
    }
}

/// A checkbox that posts `on` when ticked.
#[component]
pub fn Checkbox(name: &'static str, label: &'static str, checked: bool) -> impl IntoView {
    view! {
        <label class="flex min-h-11 items-center gap-3">
            <input type="checkbox" name=name checked=checked class="h-5 w-5" />
            <span>{label}</span>
        </label>
    }
}

#[component]
pub fn SubmitButton(label: &'static str) -> impl IntoView {
    view! {
        <button
            type="submit"
            class="inline-flex min-h-11 w-full items-center justify-center rounded-lg bg-teal-700 px-5 font-semibold text-white hover:bg-teal-800 disabled:opacity-60 sm:w-auto"
        >
            {label}
        </button>
    }
}

/// Turns the plain-HTML forms inside it into in-place submits once hydrated.
#[island]
pub fn SmartForm(children: Children) -> impl IntoView {
    view! {
        <div on:submit=|event: leptos::ev::SubmitEvent| enhance::submit(event)>{children()}</div>
    }
}

/// Messages from an `AppError`, for tests and the browser side alike.
pub fn messages(error: &AppError) -> Vec<(String, String)> {
    match error {
        AppError::Invalid { errors } => {
            errors.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
        }
        AppError::Failed { error, .. } => vec![(crate::api::error::FORM.to_owned(), error.clone())],
    }
}

#[cfg(not(feature = "hydrate"))]
mod enhance {
    pub fn submit(_event: leptos::ev::SubmitEvent) {}
}

#[cfg(feature = "hydrate")]
mod enhance {
    use leptos::task::spawn_local;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{FormData, HtmlElement, HtmlFormElement, RequestInit, Response, UrlSearchParams};

    use super::messages;
    use crate::api::error::{AppError, FORM};

    pub fn submit(event: leptos::ev::SubmitEvent) {
        let Some(form) = event
            .target()
            .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        event.prevent_default();
        if form.get_attribute("aria-busy").as_deref() == Some("true") {
            return; // a second tap while the first submit is on its way
        }
        form.set_attribute("aria-busy", "true").ok();
        spawn_local(async move {
            if let Err(err) = send(&form).await {
                leptos::logging::warn!("form submit failed: {err:?}");
                show(
                    &form,
                    &[(
                        FORM.to_owned(),
                        "We could not reach the server. Please try again.".to_owned(),
                    )],
                );
            }
            form.remove_attribute("aria-busy").ok();
        });
    }

    async fn send(form: &HtmlFormElement) -> Result<(), JsValue> {
        let data = FormData::new_with_form(form)?;
        let body = UrlSearchParams::new_with_str_sequence_sequence(&data)?.to_string();
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_body(&body.into());
        let headers = web_sys::Headers::new()?;
        headers.set("Content-Type", "application/x-www-form-urlencoded")?;
        headers.set("Accept", "application/json")?;
        init.set_headers(&headers);
        let window = leptos::prelude::window();
        let response: Response =
            JsFuture::from(window.fetch_with_str_and_init(&form.action(), &init))
                .await?
                .dyn_into()?;
        let location = window.location();
        if response.ok() {
            match response.headers().get("location")? {
                Some(target) => location.set_href(&target)?,
                None => location.reload()?,
            }
            return Ok(());
        }
        if response.status() == 401 {
            let here = format!("{}{}", location.pathname()?, location.search()?);
            let next = crate::domain::url::encode_component(&here);
            location.set_href(&format!("/sign-in?next={next}"))?;
            return Ok(());
        }
        let text = JsFuture::from(response.text()?)
            .await?
            .as_string()
            .unwrap_or_default();
        let shown = match serde_json::from_str::<AppError>(&text) {
            Ok(error) => messages(&error),
            Err(_) => vec![(
                FORM.to_owned(),
                "Something went wrong. Please try again.".to_owned(),
            )],
        };
        show(form, &shown);
        Ok(())
    }

    /// Clears old messages, writes the new ones, marks and focuses the first invalid field.
    fn show(form: &HtmlFormElement, shown: &[(String, String)]) {
        if let Ok(slots) = form.query_selector_all("[data-error-for], [data-form-message]") {
            for i in 0..slots.length() {
                if let Some(slot) = slots.item(i) {
                    slot.set_text_content(None);
                }
            }
        }
        if let Ok(inputs) = form.query_selector_all("[aria-invalid]") {
            for i in 0..inputs.length() {
                if let Some(input) = inputs
                    .item(i)
                    .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
                {
                    input.remove_attribute("aria-invalid").ok();
                }
            }
        }
        let mut first: Option<HtmlElement> = None;
        for (field, message) in shown {
            let slot = if field == FORM {
                form.query_selector("[data-form-message]").ok().flatten()
            } else {
                form.query_selector(&format!("[data-error-for=\"{field}\"]"))
                    .ok()
                    .flatten()
            };
            let slot = slot.or_else(|| form.query_selector("[data-form-message]").ok().flatten());
            if let Some(slot) = slot {
                slot.set_text_content(Some(message));
            }
            if let Some(input) = form
                .query_selector(&format!("[name=\"{field}\"]"))
                .ok()
                .flatten()
                .and_then(|e| e.dyn_into::<HtmlElement>().ok())
            {
                input.set_attribute("aria-invalid", "true").ok();
                first.get_or_insert(input);
            }
        }
        if let Some(input) = first {
            input.focus().ok();
        }
    }
}

/// A labelled select with its error slot. `options` are `(value, label)` pairs.
#[component]
pub fn Select(
    label: &'static str,
    name: &'static str,
    options: Vec<(String, String)>,
    #[prop(optional_no_strip)] selected: Option<String>,
    #[prop(optional_no_strip)] error: Option<String>,
    /// Options shown first under their own heading.
    #[prop(optional)]
    first: Vec<(String, String)>,
    #[prop(optional)] first_heading: &'static str,
    #[prop(optional)] rest_heading: &'static str,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{name}-error");
    let invalid = error.as_ref().map(|_| "true");
    let option = move |(value, text): (String, String), selected: &Option<String>| {
        let is_selected = selected.as_deref() == Some(value.as_str());
        view! { <option value=value selected=is_selected>{text}</option> }
    };
    let first_options: Vec<_> = first.into_iter().map(|o| option(o, &selected)).collect();
    let rest_options: Vec<_> = options.into_iter().map(|o| option(o, &selected)).collect();
    let grouped = !first_options.is_empty();
    view! {
        <div class="space-y-1">
            <label for=id.clone() class="block text-sm font-medium text-slate-800">{label}</label>
            <select
                id=id
                name=name
                aria-invalid=invalid
                aria-describedby=error_id.clone()
                class="block min-h-11 w-full rounded-lg border border-slate-300 bg-white px-3 text-base"
            >
                {if grouped {
                    view! {
                        <optgroup label=first_heading>{first_options}</optgroup>
                        <optgroup label=rest_heading>{rest_options}</optgroup>
                    }
                        .into_any()
                } else {
                    rest_options.into_any()
                }}
            </select>
            <p id=error_id class="text-sm font-medium text-red-700 empty:hidden" data-error-for=name>
                {error}
            </p>
        </div>
    }
}
