//! The owner's webhook endpoints (integrations.md §3.1, §3.4): add (URL checked, secret made and
//! shown once), save events and the enabled switch, delete, "Send test event", "Resend", and the
//! page's view with the last 50 attempts per endpoint.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::events::{self, Occasion, delivery_job, delivery_key};
use crate::{
    api::{
        error::{AppError, FieldErrors},
        webhook_endpoints::{DeliveryView, EndpointForm, EndpointView, MAX_ENDPOINTS},
    },
    server::{
        audit::Actor,
        auth::viewer::{Member, audit_entry, require_owner, state},
        businesses::local_time,
        jobs::{self, JobKind},
        notices, ratelimit,
        state::AppState,
    },
};

const INTEGRATIONS_PAGE: &str = "/app/integrations";
const ENDPOINT_NOT_FOUND: &str = "This endpoint no longer exists.";
/// The delivery log shows this many attempts per endpoint.
const LOG_LENGTH: i64 = 50;

/// `whk_` + 32 random bytes, base64url (§3.1).
fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("whk_{}", URL_SAFE_NO_PAD.encode(bytes))
}

fn parse_id(raw: &str) -> Result<Uuid, AppError> {
    raw.trim()
        .parse()
        .map_err(|_| AppError::not_found(ENDPOINT_NOT_FOUND))
}

/// The checked events as stored, or the field's message.
fn checked_events(form: &EndpointForm, errors: &mut FieldErrors) -> Vec<String> {
    let events: Vec<String> = form
        .events()
        .into_iter()
        .map(|event| event.as_str().to_owned())
        .collect();
    if events.is_empty() {
        errors.add("events", "Choose at least one event.");
    }
    events
}

pub async fn add(form: EndpointForm) -> Result<(), AppError> {
    let owner = require_owner().await?;
    let state = state();
    let mut errors = FieldErrors::default();
    let url = state
        .webhooks
        .check_destination(&form.url)
        .await
        .map_err(|err| errors.add("url", err.to_string()))
        .ok();
    let events = checked_events(&form, &mut errors);
    let url = errors.into_result(url)?.unwrap_or_default();
    let now = state.clock.now();
    let secret = new_secret();
    let mut tx = state.pool.begin().await?;
    // Serializes concurrent adds, so the limit holds.
    sqlx::query("SELECT id FROM businesses WHERE id = $1 FOR UPDATE")
        .bind(owner.business_id)
        .execute(&mut *tx)
        .await?;
    let existing: i64 =
        sqlx::query_scalar("SELECT count(*) FROM webhook_endpoints WHERE business_id = $1")
            .bind(owner.business_id)
            .fetch_one(&mut *tx)
            .await?;
    if existing >= MAX_ENDPOINTS as i64 {
        return Err(AppError::conflict(format!(
            "You can have up to {MAX_ENDPOINTS} endpoints. Delete one to add another."
        )));
    }
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO webhook_endpoints (business_id, url, secret_encrypted, events, enabled,
             created_at, updated_at)
         VALUES ($1, $2, $3, $4, true, $5, $5) RETURNING id",
    )
    .bind(owner.business_id)
    .bind(&url)
    .bind(state.secrets.seal(&secret))
    .bind(&events)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    audit_entry(Actor::User(owner.user.id), "webhook_endpoint.created")
        .business(owner.business_id)
        .target("webhook_endpoint", id)
        .change("url", json!(null), json!(url))
        .change("events", json!(null), json!(events))
        .change("secret", json!(null), json!("[redacted]"))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    notices::show_once(
        INTEGRATIONS_PAGE,
        format!(
            "Endpoint added for {url}. Copy its signing secret now: it will not be shown again. \
             Each delivery's X-Webhook-Signature is an HMAC-SHA256 made with it."
        ),
        Some(("Signing secret", secret)),
    )
    .await
}

#[derive(sqlx::FromRow)]
struct Stored {
    id: Uuid,
    events: Vec<String>,
    enabled: bool,
}

/// The owner's endpoint, locked for the rest of the transaction; 404 for anyone else's.
async fn lock_endpoint(
    conn: &mut PgConnection,
    owner: &Member,
    raw_id: &str,
) -> Result<Stored, AppError> {
    let id = parse_id(raw_id)?;
    sqlx::query_as(
        "SELECT id, events, enabled FROM webhook_endpoints
         WHERE id = $1 AND business_id = $2 FOR UPDATE",
    )
    .bind(id)
    .bind(owner.business_id)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| AppError::not_found(ENDPOINT_NOT_FOUND))
}

/// Saves the subscribed events and the switch; switching a `gone` endpoint back on clears the
/// reason.
pub async fn save(form: EndpointForm) -> Result<(), AppError> {
    let owner = require_owner().await?;
    let state = state();
    let mut errors = FieldErrors::default();
    let events = checked_events(&form, &mut errors);
    errors.into_result(())?;
    let enabled = form.enabled.is_some();
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let endpoint = lock_endpoint(&mut tx, &owner, &form.endpoint_id).await?;
    sqlx::query(
        "UPDATE webhook_endpoints SET events = $2, enabled = $3,
             disabled_reason = CASE WHEN $3 THEN NULL ELSE disabled_reason END, updated_at = $4
         WHERE id = $1",
    )
    .bind(endpoint.id)
    .bind(&events)
    .bind(enabled)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if !enabled {
        cancel_queued_deliveries(&mut tx, endpoint.id, now).await?;
    }
    audit_entry(Actor::User(owner.user.id), "webhook_endpoint.updated")
        .business(owner.business_id)
        .target("webhook_endpoint", endpoint.id)
        .change("events", json!(endpoint.events), json!(events))
        .change("enabled", json!(endpoint.enabled), json!(enabled))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete(raw_id: &str) -> Result<(), AppError> {
    let owner = require_owner().await?;
    let state = state();
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let endpoint = lock_endpoint(&mut tx, &owner, raw_id).await?;
    cancel_queued_deliveries(&mut tx, endpoint.id, now).await?;
    sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1")
        .bind(endpoint.id)
        .execute(&mut *tx)
        .await?;
    audit_entry(Actor::User(owner.user.id), "webhook_endpoint.deleted")
        .business(owner.business_id)
        .target("webhook_endpoint", endpoint.id)
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Test events and resends an endpoint may be sent by hand per window: each is a delivery
/// that may hold a bulk slot for its full 10 s timeout, so clicks must not become a flood.
pub const MANUAL_DELIVERIES_PER_ENDPOINT: u32 = 5;
pub const MANUAL_DELIVERY_WINDOW: Duration = Duration::minutes(10);

/// Counts one hand-sent delivery to `endpoint_id`; refused past the per-endpoint limit.
async fn count_manual_delivery(state: &AppState, endpoint_id: Uuid) -> Result<(), AppError> {
    let decision = ratelimit::hit(
        &state.pool,
        &format!("manual:webhook:{endpoint_id}"),
        MANUAL_DELIVERIES_PER_ENDPOINT,
        MANUAL_DELIVERY_WINDOW,
        state.clock.now(),
    )
    .await?;
    if decision.allowed {
        return Ok(());
    }
    Err(AppError::rate_limited(
        decision.retry_after.max(1) as u64,
        format!(
            "This endpoint was sent {MANUAL_DELIVERIES_PER_ENDPOINT} test events or resends in the last 10 minutes. Try again in {} minutes.",
            decision.retry_after.max(60) / 60
        ),
    ))
}

/// "Send test event": a `ping` to this endpoint, delivered by the job like any event. An
/// endpoint that is off gets none (turn it on first), and hand-sent deliveries are limited.
pub async fn send_test_event(raw_id: &str) -> Result<(), AppError> {
    let owner = require_owner().await?;
    let state = state();
    let occasion = Occasion::new(&state, owner.business_id, state.clock.now());
    let mut tx = state.pool.begin().await?;
    let endpoint = lock_endpoint(&mut tx, &owner, raw_id).await?;
    if !endpoint.enabled {
        return Err(AppError::conflict(
            "This endpoint is turned off. Turn it on to send a test event.",
        ));
    }
    count_manual_delivery(&state, endpoint.id).await?;
    events::ping(&mut tx, occasion, endpoint.id).await?;
    tx.commit().await?;
    Ok(())
}

/// "Resend": one more delivery of the attempt's stored event to its endpoint, signed anew. A
/// second click before it runs is the same job (the key counts the attempts so far).
pub async fn resend(raw_delivery_id: &str) -> Result<(), AppError> {
    let owner = require_owner().await?;
    let state = state();
    let not_found = || AppError::not_found("This delivery is no longer in the log.");
    let delivery_id: Uuid = raw_delivery_id.trim().parse().map_err(|_| not_found())?;
    let mut tx = state.pool.begin().await?;
    let found: Option<(Uuid, String, bool)> = sqlx::query_as(
        "SELECT e.id, d.event_id, e.enabled FROM webhook_deliveries d
         JOIN webhook_endpoints e ON e.id = d.endpoint_id
         WHERE d.id = $1 AND d.business_id = $2
         FOR UPDATE OF e",
    )
    .bind(delivery_id)
    .bind(owner.business_id)
    .fetch_optional(&mut *tx)
    .await?;
    let (endpoint_id, event_id, enabled) = found.ok_or_else(not_found)?;
    if !enabled {
        return Err(AppError::conflict(
            "This endpoint is turned off. Turn it on to resend.",
        ));
    }
    count_manual_delivery(&state, endpoint_id).await?;
    let attempts: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1 AND event_id = $2",
    )
    .bind(endpoint_id)
    .bind(&event_id)
    .fetch_one(&mut *tx)
    .await?;
    let key = format!("{}:resend:{attempts}", delivery_key(endpoint_id, &event_id));
    let job = delivery_job(
        key,
        owner.business_id,
        endpoint_id,
        &event_id,
        state.clock.now(),
    );
    jobs::enqueue(&mut tx, &job).await?;
    tx.commit().await?;
    Ok(())
}

/// Withdraws an endpoint's deliveries that have not started (turned off, deleted, gone).
pub async fn cancel_queued_deliveries(
    conn: &mut PgConnection,
    endpoint_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE jobs SET status = 'canceled', finished_at = $3, updated_at = $3
         WHERE kind = $1 AND status = 'queued' AND payload->>'endpoint_id' = $2",
    )
    .bind(JobKind::WebhookDeliver.as_str())
    .bind(endpoint_id.to_string())
    .bind(now)
    .execute(conn)
    .await
    .map(drop)
}

#[derive(sqlx::FromRow)]
struct EndpointRow {
    id: Uuid,
    url: String,
    events: Vec<String>,
    enabled: bool,
    disabled_reason: Option<String>,
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: Uuid,
    endpoint_id: Uuid,
    at: DateTime<Utc>,
    event_type: String,
    attempt: i32,
    status_code: Option<i32>,
    duration_ms: Option<i32>,
    error: Option<String>,
}

/// The page's endpoints, each with its last 50 attempts.
pub async fn views(state: &AppState, owner: &Member) -> Result<Vec<EndpointView>, sqlx::Error> {
    let endpoints: Vec<EndpointRow> = sqlx::query_as(
        "SELECT id, url, events, enabled, disabled_reason FROM webhook_endpoints
         WHERE business_id = $1 ORDER BY created_at, id",
    )
    .bind(owner.business_id)
    .fetch_all(&state.pool)
    .await?;
    if endpoints.is_empty() {
        return Ok(Vec::new());
    }
    let deliveries: Vec<DeliveryRow> = sqlx::query_as(
        "SELECT d.id, d.endpoint_id, d.at, ev.type AS event_type, d.attempt, d.status_code,
                d.duration_ms, d.error
         FROM webhook_endpoints e
         CROSS JOIN LATERAL (
             SELECT * FROM webhook_deliveries d
             WHERE d.endpoint_id = e.id ORDER BY d.at DESC, d.attempt DESC LIMIT $2
         ) d
         JOIN webhook_events ev ON ev.id = d.event_id
         WHERE e.business_id = $1
         ORDER BY d.at DESC, d.attempt DESC",
    )
    .bind(owner.business_id)
    .bind(LOG_LENGTH)
    .fetch_all(&state.pool)
    .await?;
    let zone = local_time::zone(&state.pool, owner.business_id).await?;
    Ok(endpoints
        .into_iter()
        .map(|endpoint| EndpointView {
            deliveries: deliveries
                .iter()
                .filter(|delivery| delivery.endpoint_id == endpoint.id)
                .map(|delivery| DeliveryView {
                    id: delivery.id.to_string(),
                    at: local_time::label_with_seconds(delivery.at, zone),
                    event_type: delivery.event_type.clone(),
                    attempt: delivery.attempt,
                    status_code: delivery.status_code,
                    duration_ms: delivery.duration_ms,
                    error: delivery.error.clone(),
                })
                .collect(),
            id: endpoint.id.to_string(),
            url: endpoint.url,
            events: endpoint.events,
            enabled: endpoint.enabled,
            disabled_reason: endpoint.disabled_reason,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_whk_and_32_random_bytes() {
        let secret = new_secret();
        let encoded = secret.strip_prefix("whk_").unwrap();
        assert_eq!(URL_SAFE_NO_PAD.decode(encoded).unwrap().len(), 32);
        assert_ne!(secret, new_secret());
    }
}
