//! Creating the business (web.md §6.1).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::error::AppError;

/// The business profile as typed into the onboarding (and settings) form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileForm {
    pub name: String,
    #[serde(default)]
    pub timezone: String,
    pub notify_phone: String,
    pub forwarding_phone: String,
    #[serde(default)]
    pub service_label_1: String,
    #[serde(default)]
    pub service_label_2: String,
    #[serde(default)]
    pub service_label_3: String,
    #[serde(default)]
    pub ring_timeout: String,
}

#[server(prefix = "/api/app", endpoint = "onboarding")]
pub async fn create_business(
    #[server(flatten)] form: ProfileForm,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::server::{
        audit::Actor,
        auth::viewer::{audit_entry, require_user, state},
        businesses::{self, ALREADY_IN_A_BUSINESS, validation},
    };
    let user = require_user().await?;
    if user.membership().is_some() {
        return Err(AppError::conflict(ALREADY_IN_A_BUSINESS));
    }
    let served = &state().config.served_countries;
    let profile =
        validation::profile(&form, served).map_err(crate::api::error::FieldErrors::into_error)?;
    let audit = audit_entry(Actor::User(user.id), "business.created");
    businesses::create(&state().pool, user.id, &profile, audit).await?;
    let target = crate::domain::next_url::safe_next(next.as_deref()).unwrap_or("/app/leads");
    leptos_axum::redirect(target);
    Ok(())
}

/// Every IANA time zone of the tz database (`Area/Location` names), sorted.
#[server(prefix = "/api/app", endpoint = "time-zones")]
pub async fn time_zones() -> Result<Vec<String>, AppError> {
    let mut zones: Vec<String> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name().to_owned())
        .filter(|name| name.contains('/') && !name.starts_with("Etc/"))
        .collect();
    zones.sort();
    Ok(zones)
}
