//! Tracking numbers: what a business owns, their per-number settings and their life cycle at
//! Twilio (twilio.md §10.3, integrations.md §1).

pub mod attach;
pub mod buy_token;
pub mod lifecycle;
pub mod purchase;
pub mod settings;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::{
    api::{error::AppError, numbers::NumberView},
    domain::webhook_urls::{StatusEvent, WebhookUrls},
    server::{config::Config, integrations::twilio::NumberUrls},
};

/// How long a detached number keeps answering with the "moved" notice (quarantine).
pub const QUARANTINE_DAYS: i64 = 90;

pub const NUMBER_NOT_FOUND: &str = "Number not found";

const COLUMNS: &str = "id, e164, label, forwarding_number, caller_id_mode, ring_timeout_seconds,
    sms_automation_enabled, call_screening_enabled, recording_enabled, recording_disclosure_enabled,
    recording_disclosure_text, short_answer_threshold_seconds, missed_call_say_enabled, webhooks_synced_at,
    webhook_sync_error, status, detached_at, replaced_by_number_id, created_at";

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    e164: String,
    label: String,
    forwarding_number: String,
    caller_id_mode: String,
    ring_timeout_seconds: Option<i32>,
    sms_automation_enabled: bool,
    call_screening_enabled: bool,
    recording_enabled: bool,
    recording_disclosure_enabled: bool,
    recording_disclosure_text: String,
    short_answer_threshold_seconds: Option<i32>,
    missed_call_say_enabled: bool,
    webhooks_synced_at: Option<DateTime<Utc>>,
    webhook_sync_error: Option<String>,
    status: String,
    detached_at: Option<DateTime<Utc>>,
    replaced_by_number_id: Option<Uuid>,
    created_at: DateTime<Utc>,
}

impl From<Row> for NumberView {
    fn from(row: Row) -> Self {
        NumberView {
            id: row.id,
            e164: row.e164,
            label: row.label,
            forwarding_number: row.forwarding_number,
            caller_id_mode: row.caller_id_mode,
            ring_timeout_seconds: row.ring_timeout_seconds,
            sms_automation_enabled: row.sms_automation_enabled,
            call_screening_enabled: row.call_screening_enabled,
            recording_enabled: row.recording_enabled,
            recording_disclosure_enabled: row.recording_disclosure_enabled,
            recording_disclosure_text: row.recording_disclosure_text,
            short_answer_threshold_seconds: row.short_answer_threshold_seconds,
            missed_call_say_enabled: row.missed_call_say_enabled,
            webhooks_synced_at: row.webhooks_synced_at,
            webhook_sync_error: row.webhook_sync_error,
            status: row.status,
            detached_at: row.detached_at,
            replaced_by_number_id: row.replaced_by_number_id,
            created_at: row.created_at,
        }
    }
}

/// The business's numbers, oldest first: active ones, then detached ones still held.
pub async fn list(pool: &PgPool, business_id: Uuid) -> Result<Vec<NumberView>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM phone_numbers WHERE business_id = $1 AND status IN ('active', 'detached')
         ORDER BY created_at, id"
    ))
    .bind(business_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(NumberView::from).collect())
}

/// One number of this business, locked for the rest of the transaction; another tenant's id
/// is indistinguishable from a missing one.
pub async fn lock(
    conn: &mut PgConnection,
    business_id: Uuid,
    id: &str,
) -> Result<NumberView, AppError> {
    let id: Uuid = id
        .trim()
        .parse()
        .map_err(|_| AppError::not_found(NUMBER_NOT_FOUND))?;
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM phone_numbers WHERE id = $1 AND business_id = $2 FOR UPDATE"
    ))
    .bind(id)
    .bind(business_id)
    .fetch_optional(conn)
    .await?;
    row.map(NumberView::from)
        .ok_or_else(|| AppError::not_found(NUMBER_NOT_FOUND))
}

/// The Twilio SID of a number (kept out of the view: owners never need it).
pub async fn twilio_sid(conn: &mut PgConnection, id: Uuid) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT twilio_sid FROM phone_numbers WHERE id = $1")
        .bind(id)
        .fetch_one(conn)
        .await
}

/// The URLs every number points at (twilio.md §13): voice, messaging, and the call status
/// callback, each with the retry fragment; outside production with the shared token.
pub fn number_urls(config: &Config) -> NumberUrls {
    let urls = WebhookUrls::new(&config.public_base_url, config.webhook_token());
    NumberUrls {
        voice_url: urls.voice(),
        sms_url: urls.sms(),
        status_callback: urls.status(StatusEvent::Call),
    }
}

/// Tells every instance to drop its cached number configuration (operations.md §10).
pub async fn notify_changed(conn: &mut PgConnection, business_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify('numbers_changed', $1)")
        .bind(business_id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// The numbers page: every active and held number, the webhook URLs, the buy form's nonce.
pub async fn page() -> Result<crate::api::numbers::NumbersPage, AppError> {
    use crate::server::auth::viewer::{require_member, state};
    let member = require_member().await?;
    let state = state();
    let numbers = list(&state.pool, member.business_id).await?;
    let (default_ring_timeout, default_forwarding): (i32, Option<String>) =
        sqlx::query_as("SELECT default_ring_timeout_seconds, default_forwarding_number FROM businesses WHERE id = $1")
            .bind(member.business_id)
            .fetch_one(&state.pool)
            .await?;
    let base = &state.config.public_base_url;
    let token = state.config.webhook_token();
    let shown = WebhookUrls::new(base, token.map(|_| "REDACTED"));
    let revealed = token.filter(|_| member.is_owner()).map(|token| {
        let full = WebhookUrls::new(base, Some(token));
        [full.voice(), full.sms(), full.status(StatusEvent::Call)]
    });
    Ok(crate::api::numbers::NumbersPage {
        is_owner: member.is_owner(),
        numbers,
        webhooks: crate::api::numbers::WebhookInfo {
            voice: shown.voice(),
            sms: shown.sms(),
            call_status: shown.status(StatusEvent::Call),
            revealed,
        },
        default_ring_timeout,
        default_forwarding,
        buy_nonce: buy_token::issue(&state.secrets, member.business_id, state.clock.now()),
    })
}
