//! Deleting a business (data-model.md §7.1): at once, texting stops and members lose access;
//! the `delete_business` job then releases the numbers and deletes the recordings at Twilio;
//! the daily purge removes the data 30 days later (consent and audit rows stay 24 months).

use uuid::Uuid;

use crate::{
    api::error::AppError,
    server::{
        audit::{Actor, Entry},
        auth::viewer::{audit_entry, require_owner, state},
        jobs::{ClaimedJob, JobError, JobKind, NewJob, enqueue},
        numbers::notify_changed,
        state::AppState,
    },
};

pub const CONFIRM_MISMATCH: &str = "Type the business name exactly as shown to confirm.";

pub fn job_key(business_id: Uuid) -> String {
    format!("job:delete_business:{business_id}")
}

pub async fn delete(confirm_name: String) -> Result<(), AppError> {
    let owner = require_owner().await?;
    let state = state();
    let name: String = sqlx::query_scalar("SELECT name FROM businesses WHERE id = $1")
        .bind(owner.business_id)
        .fetch_one(&state.pool)
        .await?;
    if !confirm_name.trim().eq_ignore_ascii_case(name.trim()) {
        return Err(AppError::invalid("confirm_name", CONFIRM_MISMATCH));
    }
    let now = state.clock.now();
    let id = owner.business_id;
    let mut tx = state.pool.begin().await?;
    sqlx::query("UPDATE businesses SET deleted_at = $2, updated_at = now() WHERE id = $1 AND deleted_at IS NULL")
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM memberships WHERE business_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM invitations WHERE business_id = $1 AND accepted_at IS NULL")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE jobs SET status = 'canceled', finished_at = $2, updated_at = now() WHERE business_id = $1 AND status = 'queued'")
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE messages SET status = 'canceled', status_updated_at = $2, updated_at = now()
         WHERE business_id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    audit_entry(Actor::User(owner.user.id), "business.deleted")
        .business(id)
        .target("business", id)
        .change("name", name, serde_json::Value::Null)
        .write(&mut tx)
        .await?;
    enqueue(
        &mut tx,
        &NewJob::new(JobKind::DeleteBusiness, job_key(id), now).business(id),
    )
    .await?;
    notify_changed(&mut tx, id).await?;
    tx.commit().await?;
    Ok(())
}

/// The `delete_business` job: each step is idempotent, so a retry repeats only what is left.
pub async fn run(state: &AppState, job: &ClaimedJob) -> Result<(), JobError> {
    let business_id = job
        .business_id
        .ok_or_else(|| JobError::Permanent("delete_business job without a business".into()))?;
    cancel_subscription(state, business_id).await?;
    release_numbers(state, business_id).await?;
    delete_recordings(state, business_id).await
}

/// A live subscription is canceled at Stripe so the deleted business is not charged again.
async fn cancel_subscription(state: &AppState, business_id: Uuid) -> Result<(), JobError> {
    let live: Option<String> = sqlx::query_scalar(
        "SELECT stripe_subscription_id FROM businesses
         WHERE id = $1 AND subscription_status IN ('ACTIVE', 'PAST_DUE')",
    )
    .bind(business_id)
    .fetch_optional(&state.pool)
    .await?
    .flatten();
    let Some(subscription) = live else {
        return Ok(());
    };
    state
        .stripe
        .cancel_subscription(&subscription)
        .await
        .map_err(|err| JobError::Retryable(format!("canceling {subscription}: {err}")))?;
    sqlx::query(
        "UPDATE businesses SET subscription_status = 'CANCELED', subscription_synced_at = $2 WHERE id = $1",
    )
    .bind(business_id)
    .bind(state.clock.now())
    .execute(&state.pool)
    .await?;
    Ok(())
}

async fn release_numbers(state: &AppState, business_id: Uuid) -> Result<(), JobError> {
    let numbers: Vec<(Uuid, String)> = sqlx::query_as(
        "SELECT id, twilio_sid FROM phone_numbers WHERE business_id = $1 AND status <> 'released'",
    )
    .bind(business_id)
    .fetch_all(&state.pool)
    .await?;
    for (id, sid) in numbers {
        state
            .twilio
            .release_number(&sid)
            .await
            .map_err(|err| JobError::Retryable(format!("releasing {sid}: {err}")))?;
        let now = state.clock.now();
        let mut tx = state.pool.begin().await?;
        sqlx::query("UPDATE phone_numbers SET status = 'released', released_at = $2, detached_at = COALESCE(detached_at, $2), updated_at = now() WHERE id = $1")
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        Entry::new(now, Actor::System, "number.released")
            .business(business_id)
            .target("phone_number", id)
            .write(&mut tx)
            .await?;
        tx.commit().await?;
    }
    Ok(())
}

async fn delete_recordings(state: &AppState, business_id: Uuid) -> Result<(), JobError> {
    let recordings: Vec<(Uuid, String)> = sqlx::query_as(
        "SELECT id, recording_sid FROM calls
         WHERE business_id = $1 AND recording_sid IS NOT NULL AND recording_status IS DISTINCT FROM 'deleted'",
    )
    .bind(business_id)
    .fetch_all(&state.pool)
    .await?;
    for (call_id, recording_sid) in recordings {
        state
            .twilio
            .delete_recording(&recording_sid)
            .await
            .map_err(|err| {
                JobError::Retryable(format!("deleting recording {recording_sid}: {err}"))
            })?;
        sqlx::query("UPDATE calls SET recording_status = 'deleted', recording_url = NULL, updated_at = now() WHERE id = $1")
            .bind(call_id)
            .execute(&state.pool)
            .await?;
    }
    Ok(())
}
