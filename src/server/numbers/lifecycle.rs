//! A number's life at Twilio (twilio.md §10.3): bought (or attached by the operator) and
//! pointed at this app, re-synced, detached with a replacement sender, released.

use leptos::prelude::use_context;
use uuid::Uuid;

use super::{lock, notify_changed, number_urls, twilio_sid};
use crate::{
    api::error::AppError,
    server::{
        audit::{Actor, Entry},
        auth::viewer::{Member, audit_entry, require_owner, state},
        integrations::twilio::TwilioError,
        observability::Alert,
        state::AppState,
    },
};

/// What owners are told when Twilio refuses or cannot be reached; never Twilio's raw text.
pub fn twilio_failure(err: &TwilioError, doing: &str) -> AppError {
    tracing::warn!(event = "twilio.request_failed", error = %err, doing, "Twilio request failed");
    match err {
        TwilioError::NotConfigured => AppError::conflict(
            "Twilio is not configured on this server, so tracking numbers cannot be changed.",
        ),
        err if err.is_auth_failure() => {
            // The owner is told the operator knows: the operator must actually hear of it.
            let alert = Alert::new(
                "twilio",
                "credentials_rejected",
                "Twilio rejected the platform credentials",
            )
            .metadata(serde_json::json!({ "doing": doing }));
            match use_context::<AppState>() {
                Some(state) => state.alerts.report(alert),
                None => tracing::error!(
                    event = "twilio.credentials_rejected",
                    "Twilio rejected the platform credentials"
                ),
            }
            AppError::conflict(
                "Twilio rejected the platform's credentials. The operator has been alerted.",
            )
        }
        TwilioError::Api {
            code: Some(code), ..
        } => AppError::conflict(format!(
            "Twilio could not {doing} (error {code}). Please try again."
        )),
        TwilioError::Unreachable(_) | TwilioError::Timeout => {
            AppError::conflict("Twilio could not be reached. Please try again in a minute.")
        }
        _ => AppError::conflict(format!("Twilio could not {doing}. Please try again.")),
    }
}

/// `FriendlyName` at Twilio: `<business> - <label>`, at most 64 characters (T36).
pub fn friendly_name(business: &str, label: &str) -> String {
    format!("{business} - {label}").chars().take(64).collect()
}

/// Area codes: empty, or three digits starting 2–9.
pub fn area_code(raw: &str) -> Result<Option<String>, &'static str> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let valid = raw.len() == 3
        && raw.bytes().all(|b| b.is_ascii_digit())
        && matches!(raw.as_bytes()[0], b'2'..=b'9');
    if valid {
        Ok(Some(raw.to_owned()))
    } else {
        Err("Use a 3-digit area code like 512, or leave it empty.")
    }
}

pub fn country(raw: &str) -> Result<&'static str, &'static str> {
    match raw.trim().to_ascii_uppercase().as_str() {
        "" | "US" => Ok("US"),
        "CA" => Ok("CA"),
        _ => Err("Choose the United States or Canada."),
    }
}

/// The result of joining the Messaging Service, as stored on the number.
pub(super) fn sync_outcome(result: Result<(), TwilioError>) -> Option<String> {
    result.err().map(|err| match err.code() {
        Some(code) => format!("Could not add the number to the Messaging Service (Twilio error {code}). Use Re-sync to try again."),
        None => "Could not reach Twilio to finish setting up the number. Use Re-sync to try again.".to_owned(),
    })
}

/// Points the number's webhooks at this app again and rejoins the Messaging Service; records
/// the outcome on the number.
async fn resync(
    state: &AppState,
    actor: Actor,
    business_id: Uuid,
    id: Uuid,
) -> Result<Option<String>, AppError> {
    let sid = twilio_sid(&mut *state.pool.acquire().await?, id).await?;
    let urls = number_urls(&state.config);
    // Only a paying business's numbers join the platform's Messaging Service (its senders).
    let active: bool =
        sqlx::query_scalar("SELECT subscription_status = 'ACTIVE' FROM businesses WHERE id = $1")
            .bind(business_id)
            .fetch_optional(&state.pool)
            .await?
            .unwrap_or(false);
    let error = match state.twilio.update_number_urls(&sid, &urls).await {
        Ok(_) if !active => None,
        Ok(_) => sync_outcome(state.twilio.add_to_messaging_service(&sid).await),
        Err(err) => Some(
            twilio_failure(&err, "update the number")
                .message()
                .unwrap_or_default()
                .to_owned(),
        ),
    };
    let mut tx = state.pool.begin().await?;
    sqlx::query(
        "UPDATE phone_numbers SET webhooks_synced_at = CASE WHEN $2::text IS NULL THEN $3 ELSE webhooks_synced_at END,
             webhook_sync_error = $2, updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(&error)
    .bind(state.clock.now())
    .execute(&mut *tx)
    .await?;
    Entry::new(state.clock.now(), actor, "number.webhooks_synced")
        .business(business_id)
        .target("phone_number", id)
        .change("webhook_sync_error", serde_json::Value::Null, error.clone())
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(error)
}

async fn active_number_ids(state: &AppState, business_id: Uuid) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM phone_numbers WHERE business_id = $1 AND status = 'active' ORDER BY created_at")
        .bind(business_id)
        .fetch_all(&state.pool)
        .await
}

pub async fn resync_one(id: String) -> Result<(), AppError> {
    let owner = require_owner().await?;
    let state = state();
    let number = lock(&mut *state.pool.acquire().await?, owner.business_id, &id).await?;
    if number.status != "active" {
        return Err(AppError::conflict("Only active numbers can be re-synced."));
    }
    match resync(
        &state,
        Actor::User(owner.user.id),
        owner.business_id,
        number.id,
    )
    .await?
    {
        None => Ok(()),
        Some(error) => Err(AppError::conflict(error)),
    }
}

pub async fn resync_all() -> Result<(), AppError> {
    let owner = require_owner().await?;
    let state = state();
    let mut failed = 0;
    for id in active_number_ids(&state, owner.business_id).await? {
        if resync(&state, Actor::User(owner.user.id), owner.business_id, id)
            .await?
            .is_some()
        {
            failed += 1;
        }
    }
    match failed {
        0 => Ok(()),
        n => Err(AppError::conflict(format!(
            "{n} number(s) could not be re-synced; see each number for the reason."
        ))),
    }
}

/// `resync-numbers`: every active number, or one business's; `(number, error)` per number.
pub async fn resync_for_operator(
    state: &AppState,
    business: Option<Uuid>,
) -> Result<Vec<(String, Option<String>)>, AppError> {
    let rows: Vec<(Uuid, Uuid, String)> = sqlx::query_as(
        "SELECT id, business_id, e164 FROM phone_numbers WHERE status = 'active' AND ($1::uuid IS NULL OR business_id = $1)
         ORDER BY created_at",
    )
    .bind(business)
    .fetch_all(&state.pool)
    .await?;
    let mut results = Vec::new();
    for (id, business_id, e164) in rows {
        results.push((e164, resync(state, Actor::Operator, business_id, id).await?));
    }
    Ok(results)
}

/// Detaches a number: its leads move to the replacement sender (or to none, and their later
/// texts are suppressed); callers hear the moved notice for 90 days.
pub async fn detach(id: String, replacement: String, release_now: bool) -> Result<(), AppError> {
    let owner = require_owner().await?;
    let state = state();
    let mut tx = state.pool.begin().await?;
    let number = lock(&mut tx, owner.business_id, &id).await?;
    if number.status != "active" {
        return Err(AppError::conflict("This number is already detached."));
    }
    let others: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM phone_numbers WHERE business_id = $1 AND status = 'active' AND id <> $2 ORDER BY created_at, id",
    )
    .bind(owner.business_id)
    .bind(number.id)
    .fetch_all(&mut *tx)
    .await?;
    let replacement = match replacement.trim() {
        "" => others.first().copied(),
        "none" => None,
        raw => match raw.parse::<Uuid>().ok().filter(|id| others.contains(id)) {
            Some(id) => Some(id),
            None => {
                return Err(AppError::invalid(
                    "replacement",
                    "Choose one of your other numbers, or None.",
                ));
            }
        },
    };
    let now = state.clock.now();
    sqlx::query(
        "UPDATE phone_numbers SET status = 'detached', detached_at = $2, replaced_by_number_id = $3, updated_at = now()
         WHERE id = $1",
    )
    .bind(number.id)
    .bind(now)
    .bind(replacement)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE leads SET sending_number_id = $3, updated_at = now() WHERE business_id = $1 AND sending_number_id = $2")
        .bind(owner.business_id)
        .bind(number.id)
        .bind(replacement)
        .execute(&mut *tx)
        .await?;
    audit_entry(Actor::User(owner.user.id), "number.detached")
        .business(owner.business_id)
        .target("phone_number", number.id)
        .change("status", "active", "detached")
        .change(
            "replaced_by_number_id",
            serde_json::Value::Null,
            replacement.map(|id| id.to_string()),
        )
        .write(&mut tx)
        .await?;
    notify_changed(&mut tx, owner.business_id).await?;
    tx.commit().await?;
    if release_now {
        release_detached(&state, &owner, number.id).await?;
    }
    Ok(())
}

/// Releases a detached number at Twilio (stops the monthly cost).
pub async fn release(id: String) -> Result<(), AppError> {
    let owner = require_owner().await?;
    let state = state();
    let number = lock(&mut *state.pool.acquire().await?, owner.business_id, &id).await?;
    match number.status.as_str() {
        "detached" => release_detached(&state, &owner, number.id).await,
        "active" => Err(AppError::conflict("Detach the number before releasing it.")),
        _ => Err(AppError::not_found(super::NUMBER_NOT_FOUND)),
    }
}

async fn release_detached(state: &AppState, owner: &Member, id: Uuid) -> Result<(), AppError> {
    let sid = twilio_sid(&mut *state.pool.acquire().await?, id).await?;
    state
        .twilio
        .release_number(&sid)
        .await
        .map_err(|err| twilio_failure(&err, "release the number"))?;
    let mut tx = state.pool.begin().await?;
    sqlx::query(
        "UPDATE phone_numbers SET status = 'released', released_at = $2, updated_at = now()
         WHERE id = $1 AND status = 'detached'",
    )
    .bind(id)
    .bind(state.clock.now())
    .execute(&mut *tx)
    .await?;
    Entry::new(
        state.clock.now(),
        Actor::User(owner.user.id),
        "number.released",
    )
    .business(owner.business_id)
    .target("phone_number", id)
    .change("status", "detached", "released")
    .write(&mut tx)
    .await?;
    notify_changed(&mut tx, owner.business_id).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn friendly_names_fit_twilio() {
        // T36: a 70-character business name still yields at most 64 characters.
        let name = friendly_name(&"A".repeat(70), "Main line");
        assert_eq!(name.chars().count(), 64);
        assert_eq!(friendly_name("Acme", "Search ads"), "Acme - Search ads");
    }

    #[test]
    fn area_codes_and_countries() {
        assert_eq!(area_code(""), Ok(None));
        assert_eq!(area_code("512"), Ok(Some("512".into())));
        assert!(area_code("112").is_err());
        assert!(area_code("51").is_err());
        assert!(area_code("5a2").is_err());
        assert_eq!(country("ca"), Ok("CA"));
        assert_eq!(country(""), Ok("US"));
        assert!(country("MX").is_err());
    }
}
