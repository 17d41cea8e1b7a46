//! Tracking numbers (web.md §6.4, twilio.md §10.3): the page's data and the owner's actions.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberView {
    pub id: Uuid,
    pub e164: String,
    pub label: String,
    pub forwarding_number: String,
    /// `caller` or `tracking_number`.
    pub caller_id_mode: String,
    pub ring_timeout_seconds: Option<i32>,
    pub sms_automation_enabled: bool,
    pub call_screening_enabled: bool,
    pub recording_enabled: bool,
    pub recording_disclosure_enabled: bool,
    pub recording_disclosure_text: String,
    pub short_answer_threshold_seconds: Option<i32>,
    pub missed_call_say_enabled: bool,
    pub webhooks_synced_at: Option<DateTime<Utc>>,
    pub webhook_sync_error: Option<String>,
    /// `active` or `detached`.
    pub status: String,
    pub detached_at: Option<DateTime<Utc>>,
    pub replaced_by_number_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// The URLs to configure at Twilio, as shown on the page (web.md §6.4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookInfo {
    /// With a shared token (non-production), the token appears as `REDACTED` here…
    pub voice: String,
    pub sms: String,
    pub call_status: String,
    /// …and in full here, for owners to reveal.
    pub revealed: Option<[String; 3]>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumbersPage {
    pub is_owner: bool,
    pub numbers: Vec<NumberView>,
    pub webhooks: WebhookInfo,
    pub default_ring_timeout: i32,
    pub default_forwarding: Option<String>,
    /// One-time key of the buy form: a second submit returns the first purchase.
    pub buy_nonce: String,
}

/// The settings form of one number; checkboxes are present when ticked.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberSettingsForm {
    pub id: String,
    pub label: String,
    pub forwarding_number: String,
    #[serde(default)]
    pub caller_id_mode: String,
    #[serde(default)]
    pub ring_timeout: String,
    #[serde(default)]
    pub sms_automation: Option<String>,
    #[serde(default)]
    pub call_screening: Option<String>,
    #[serde(default)]
    pub recording: Option<String>,
    #[serde(default)]
    pub recording_disclosure: Option<String>,
    #[serde(default)]
    pub recording_disclosure_text: String,
    #[serde(default)]
    pub short_answer_threshold: String,
    #[serde(default)]
    pub missed_call_say: Option<String>,
}

#[server(prefix = "/api/app", endpoint = "numbers-page")]
pub async fn get_numbers_page() -> Result<NumbersPage, AppError> {
    crate::server::numbers::page().await
}

#[server(prefix = "/api/app/numbers", endpoint = "buy")]
pub async fn buy_number(
    country: String,
    #[server(default)] area_code: String,
    #[server(default)] label: String,
    #[server(default)] forwarding_phone: String,
    nonce: String,
) -> Result<(), AppError> {
    crate::server::numbers::purchase::buy(country, area_code, label, forwarding_phone, nonce)
        .await?;
    leptos_axum::redirect("/app/numbers?done=bought");
    Ok(())
}

#[server(prefix = "/api/app/numbers", endpoint = "update")]
pub async fn update_number(#[server(flatten)] form: NumberSettingsForm) -> Result<(), AppError> {
    crate::server::numbers::settings::update(form).await?;
    leptos_axum::redirect("/app/numbers?done=saved");
    Ok(())
}

#[server(prefix = "/api/app/numbers", endpoint = "resync")]
pub async fn resync_number(id: String) -> Result<(), AppError> {
    crate::server::numbers::lifecycle::resync_one(id).await?;
    leptos_axum::redirect("/app/numbers?done=synced");
    Ok(())
}

#[server(prefix = "/api/app/numbers", endpoint = "resync-all")]
pub async fn resync_all_numbers() -> Result<(), AppError> {
    crate::server::numbers::lifecycle::resync_all().await?;
    leptos_axum::redirect("/app/numbers?done=synced");
    Ok(())
}

#[server(prefix = "/api/app/numbers", endpoint = "detach")]
pub async fn detach_number(
    id: String,
    /// The other number leads move to, or `none`.
    #[server(default)]
    replacement: String,
    #[server(default)] release_now: Option<String>,
) -> Result<(), AppError> {
    crate::server::numbers::lifecycle::detach(id, replacement, release_now.is_some()).await?;
    leptos_axum::redirect("/app/numbers?done=detached");
    Ok(())
}

#[server(prefix = "/api/app/numbers", endpoint = "release")]
pub async fn release_number(id: String) -> Result<(), AppError> {
    crate::server::numbers::lifecycle::release(id).await?;
    leptos_axum::redirect("/app/numbers?done=released");
    Ok(())
}
