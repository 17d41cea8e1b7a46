//! `attach-number` (operations.md §2, twilio.md §10.3): the operator puts a number the platform
//! account already owns into a business, unless it is active elsewhere or quarantined.

use chrono::Duration;
use uuid::Uuid;

use super::{QUARANTINE_DAYS, lifecycle::sync_outcome, notify_changed, number_urls, settings};
use crate::server::{
    audit::{Actor, Entry},
    businesses::validation::owner_phone,
    state::AppState,
};

/// Why `attach-number` refused.
#[derive(Debug, thiserror::Error)]
pub enum AttachRefused {
    #[error("no such business (or it was deleted)")]
    NoBusiness,
    #[error("the number was not found in the platform's Twilio account")]
    NotAtTwilio,
    #[error("the number is already active for a business")]
    AlreadyActive,
    #[error("the number was detached by another business less than {QUARANTINE_DAYS} days ago")]
    Quarantined,
    #[error("{0}")]
    Invalid(String),
    #[error("Twilio: {0}")]
    Twilio(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// `attach-number`: puts a number the platform account already owns into a business
/// (operator only; audit actor `operator`).
pub async fn attach(
    state: &AppState,
    business_id: Uuid,
    number: &str,
    label_raw: Option<&str>,
    forwarding_raw: Option<&str>,
) -> Result<Uuid, AttachRefused> {
    let business: Option<Option<String>> = sqlx::query_scalar(
        "SELECT default_forwarding_number FROM businesses WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(business_id)
    .fetch_optional(&state.pool)
    .await?;
    let default_forwarding = business.ok_or(AttachRefused::NoBusiness)?;
    let label = settings::label(label_raw.unwrap_or_default())
        .map_err(|m| AttachRefused::Invalid(m.to_owned()))?;
    let forwarding = match (forwarding_raw, default_forwarding) {
        (Some(raw), _) => owner_phone(raw, &state.config.served_countries)
            .map_err(|m| AttachRefused::Invalid(format!("--forwarding: {m}")))?,
        (None, Some(default)) => default,
        (None, None) => {
            return Err(AttachRefused::Invalid(
                "--forwarding is required: the business has no default".into(),
            ));
        }
    };
    let found = state
        .twilio
        .find_number(number)
        .await
        .map_err(|e| AttachRefused::Twilio(e.to_string()))?;
    let found = found.ok_or(AttachRefused::NotAtTwilio)?;
    let now = state.clock.now();
    let (active, quarantined): (bool, bool) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM phone_numbers WHERE e164 = $1 AND status = 'active'),
                EXISTS (SELECT 1 FROM phone_numbers WHERE e164 = $1 AND status = 'detached' AND business_id <> $2
                          AND detached_at > $3)",
    )
    .bind(&found.phone_number)
    .bind(business_id)
    .bind(now - Duration::days(QUARANTINE_DAYS))
    .fetch_one(&state.pool)
    .await?;
    if active {
        return Err(AttachRefused::AlreadyActive);
    }
    if quarantined {
        return Err(AttachRefused::Quarantined);
    }
    let urls = number_urls(&state.config);
    state
        .twilio
        .update_number_urls(&found.sid, &urls)
        .await
        .map_err(|e| AttachRefused::Twilio(e.to_string()))?;
    let sync_error = sync_outcome(state.twilio.add_to_messaging_service(&found.sid).await);
    let mut tx = state.pool.begin().await?;
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO phone_numbers (business_id, e164, twilio_sid, label, forwarding_number, webhooks_synced_at, webhook_sync_error)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(business_id)
    .bind(&found.phone_number)
    .bind(&found.sid)
    .bind(&label)
    .bind(&forwarding)
    .bind(sync_error.is_none().then_some(now))
    .bind(&sync_error)
    .fetch_one(&mut *tx)
    .await?;
    Entry::new(now, Actor::Operator, "number.attached")
        .business(business_id)
        .target("phone_number", id)
        .change("e164", serde_json::Value::Null, found.phone_number.clone())
        .write(&mut tx)
        .await?;
    notify_changed(&mut tx, business_id).await?;
    tx.commit().await?;
    Ok(id)
}
