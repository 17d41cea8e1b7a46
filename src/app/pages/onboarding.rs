//! `/app/onboarding`: create the business (web.md §6.1).

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::{
        forms::take_form_flash,
        onboarding::{CreateBusiness, time_zones},
    },
    app::{
        components::{
            app_layout::{AppLayout, PageTitle},
            form::{Field, FormMessage, FormState, Select, SmartForm, SubmitButton},
        },
        current_page,
    },
    domain::timezones::NORTH_AMERICA,
};

pub const DEFAULT_TIMEZONE: &str = "America/New_York";

#[component]
pub fn OnboardingPage() -> impl IntoView {
    let next = use_query_map().get_untracked().get("next");
    let data = Resource::new(current_page, |page| async move {
        let form = FormState(take_form_flash(page).await.ok().flatten());
        let zones = time_zones().await.unwrap_or_default();
        (form, zones)
    });
    view! {
        <Title text="Set up your business" />
        <AppLayout>
            <PageTitle
                title="Set up your business"
                lead="Tell us how callers know you and where calls should ring. You can change all of this later in Settings."
            />
            <Suspense fallback=|| ()>
                {move || {
                    data.get()
                        .map(|(form, zones)| {
                            let next = next.clone();
                            let chosen_zone = form.value("timezone");
                            let zone = chosen_zone.clone().unwrap_or_else(|| DEFAULT_TIMEZONE.to_owned());
                            let first = NORTH_AMERICA.iter().map(|(v, l)| (v.to_string(), l.to_string())).collect();
                            let all = zones.into_iter().map(|z| (z.clone(), z.replace('_', " "))).collect();
                            view! {
                                <SmartForm>
                                    <form method="post" action=CreateBusiness::PATH class="mt-6 max-w-xl space-y-4" novalidate>
                                        <FormMessage message=form.message() />
                                        <Field label="Business name" name="name" autocomplete="organization" required=true
                                            value=form.value("name") error=form.error("name")
                                            hint="Callers see it in every text, e.g. \"Hi, this is Acme Plumbing.\"" />
                                        <Select label="Time zone" name="timezone" selected=Some(zone) error=form.error("timezone")
                                            first=first first_heading="United States and Canada" rest_heading="All time zones"
                                            options=all />
                                        <BrowserTimeZone enabled=chosen_zone.is_none() />
                                        <Field label="Your mobile for alerts" name="notify_phone" kind="tel" autocomplete="tel" required=true
                                            value=form.value("notify_phone") error=form.error("notify_phone")
                                            hint="We text you here when a call is missed." />
                                        <Field label="The phone calls should ring" name="forwarding_phone" kind="tel" required=true
                                            value=form.value("forwarding_phone") error=form.error("forwarding_phone")
                                            hint="Your business phone or mobile; tracking numbers forward here." />
                                        <fieldset class="space-y-3">
                                            <legend class="text-sm font-medium text-slate-800">"Services callers can pick"</legend>
                                            <Field label="Service 1" name="service_label_1" required=true
                                                value=Some(form.value("service_label_1").unwrap_or_else(|| "Repair".into()))
                                                error=form.error("service_label_1") />
                                            <Field label="Service 2 (optional)" name="service_label_2"
                                                value=Some(form.value("service_label_2").unwrap_or_else(|| "Install".into()))
                                                error=form.error("service_label_2") />
                                            <Field label="Service 3 (optional)" name="service_label_3"
                                                value=Some(form.value("service_label_3").unwrap_or_else(|| "Maintenance".into()))
                                                error=form.error("service_label_3") />
                                        </fieldset>
                                        <Field label="Ring time before a call counts as missed (seconds)" name="ring_timeout" kind="number"
                                            value=Some(form.value("ring_timeout").unwrap_or_else(|| "20".into()))
                                            error=form.error("ring_timeout")
                                            hint="5 to 90. Keep it shorter than your voicemail picks up (15–20 s)." />
                                        <input type="hidden" name="next" value=next />
                                        <SubmitButton label="Create business" />
                                    </form>
                                </SmartForm>
                            }
                        })
                }}
            </Suspense>
        </AppLayout>
    }
}

/// Once hydrated, preselects the browser's own time zone (web.md §6.1) unless the person has
/// already chosen one.
#[island]
fn BrowserTimeZone(enabled: bool) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    if enabled {
        Effect::new(move |_| select_browser_zone());
    }
    let _ = enabled;
}

#[cfg(feature = "hydrate")]
fn select_browser_zone() {
    use wasm_bindgen::JsCast;
    let zone = js_sys_time_zone();
    let Some(zone) = zone else { return };
    let select = leptos::prelude::document()
        .get_element_by_id("field-timezone")
        .and_then(|e| e.dyn_into::<web_sys::HtmlSelectElement>().ok());
    if let Some(select) = select {
        let known = (0..select.length()).any(|i| {
            select
                .item(i)
                .is_some_and(|o| o.get_attribute("value").as_deref() == Some(zone.as_str()))
        });
        if known {
            select.set_value(&zone);
        }
    }
}

#[cfg(feature = "hydrate")]
fn js_sys_time_zone() -> Option<String> {
    let options = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
        .resolved_options();
    js_sys::Reflect::get(&options, &"timeZone".into())
        .ok()?
        .as_string()
}
