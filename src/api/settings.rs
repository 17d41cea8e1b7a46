//! Business settings and deletion (web.md §6.5).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{error::AppError, onboarding::ProfileForm};

/// The settings form: the onboarding fields plus the automation settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsForm {
    #[serde(flatten)]
    pub profile: ProfileForm,
    #[serde(default)]
    pub greeting_text: String,
    #[serde(default)]
    pub quiet_hours_start: String,
    #[serde(default)]
    pub quiet_hours_end: String,
    #[serde(default)]
    pub repeat_caller_window_hours: String,
    #[serde(default)]
    pub stall_nudge_enabled: Option<String>,
    #[serde(default)]
    pub stall_nudge_delay_minutes: String,
    #[serde(default)]
    pub relay_to_owner_enabled: Option<String>,
    #[serde(default)]
    pub relay_max_per_hour: String,
    #[serde(default)]
    pub emergency_alert_enabled: Option<String>,
    #[serde(default)]
    pub agents_can_play_recordings: Option<String>,
}

/// The stored settings, as the page shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessSettings {
    pub name: String,
    pub timezone: String,
    pub notify_phone: String,
    pub default_forwarding: Option<String>,
    pub service_labels: [Option<String>; 3],
    pub default_ring_timeout: i32,
    pub greeting_text: Option<String>,
    pub quiet_hours_start: String,
    pub quiet_hours_end: String,
    pub repeat_caller_window_hours: i32,
    pub stall_nudge_enabled: bool,
    pub stall_nudge_delay_minutes: i32,
    pub relay_to_owner_enabled: bool,
    pub relay_max_per_hour: i32,
    pub emergency_alert_enabled: bool,
    pub agents_can_play_recordings: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsPage {
    pub settings: BusinessSettings,
    pub time_zones: Vec<String>,
    /// The intro text a missed caller gets with these settings, and its SMS segments.
    pub intro_preview: String,
    pub intro_segments: usize,
}

#[server(prefix = "/api/app", endpoint = "settings-page")]
pub async fn get_settings_page() -> Result<SettingsPage, AppError> {
    crate::server::businesses::settings::page().await
}

#[server(prefix = "/api/app", endpoint = "settings")]
pub async fn save_settings(#[server(flatten)] form: SettingsForm) -> Result<(), AppError> {
    crate::server::businesses::settings::save(form).await?;
    leptos_axum::redirect("/app/settings?done=saved");
    Ok(())
}

#[server(prefix = "/api/app/business", endpoint = "delete")]
pub async fn delete_business(confirm_name: String) -> Result<(), AppError> {
    crate::server::businesses::deletion::delete(confirm_name).await?;
    leptos_axum::redirect("/app/onboarding");
    Ok(())
}
