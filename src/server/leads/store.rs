//! Lead rows as calls and texts create and join them (data-model.md §3.8, §6).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// Serialises lead creation for one caller of one business: two simultaneous calls or texts
/// from the same phone make one lead (data-model.md §6). Released at commit.
pub async fn lock_caller(
    conn: &mut PgConnection,
    business_id: Uuid,
    phone: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(format!("lead:{business_id}:{phone}"))
        .execute(conn)
        .await?;
    Ok(())
}

/// The caller's newest lead that is still in progress (`NEW`, `QUALIFIED`, `CONTACTED`),
/// locked. Whether it is "open" is `domain::repeat_caller::is_open`.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CallerLead {
    pub id: Uuid,
    pub status: String,
    pub conversation_state: String,
    pub last_activity_at: DateTime<Utc>,
    pub call_count: i32,
    pub unreachable_code: Option<String>,
    pub sending_number_id: Option<Uuid>,
}

pub async fn newest_in_progress(
    conn: &mut PgConnection,
    business_id: Uuid,
    phone: &str,
) -> Result<Option<CallerLead>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, status, conversation_state, last_activity_at, call_count, unreachable_code,
                sending_number_id
         FROM leads
         WHERE business_id = $1 AND caller_e164 = $2 AND status IN ('NEW', 'QUALIFIED', 'CONTACTED')
         ORDER BY created_at DESC, id DESC
         LIMIT 1
         FOR UPDATE",
    )
    .bind(business_id)
    .bind(phone)
    .fetch_optional(conn)
    .await
}

/// A new lead from a missed call, through the number called.
pub async fn create_from_call(
    conn: &mut PgConnection,
    business_id: Uuid,
    number_id: Uuid,
    caller: &str,
    now: DateTime<Utc>,
) -> Result<CallerLead, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO leads (business_id, phone_number_id, sending_number_id, caller_e164, source,
             status, status_changed_at, call_count, last_activity_at, created_at, updated_at)
         VALUES ($1, $2, $2, $3, 'call', 'NEW', $4, 1, $4, $4, $4)
         RETURNING id, status, conversation_state, last_activity_at, call_count, unreachable_code,
                   sending_number_id",
    )
    .bind(business_id)
    .bind(number_id)
    .bind(caller)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// Links a call to a lead (`origin`, `repeat_missed` or `answered`); a call joins at most one
/// lead, so a second attempt is a no-op. Returns whether it was linked now.
pub async fn attach_call(
    conn: &mut PgConnection,
    business_id: Uuid,
    lead_id: Uuid,
    call_id: Uuid,
    relation: &str,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO lead_calls (business_id, lead_id, call_id, relation, attached_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (call_id) DO NOTHING",
    )
    .bind(business_id)
    .bind(lead_id)
    .bind(call_id)
    .bind(relation)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// A repeat missed call: one more call, and fresh activity.
pub async fn count_repeat_call(
    conn: &mut PgConnection,
    lead_id: Uuid,
    now: DateTime<Utc>,
) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE leads SET call_count = call_count + 1, last_activity_at = $2, updated_at = $2
         WHERE id = $1 RETURNING call_count",
    )
    .bind(lead_id)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// Claims the "called again" note unless one went out in the last 10 minutes.
pub async fn claim_called_again_note(
    conn: &mut PgConnection,
    lead_id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE leads SET called_again_notified_at = $2
         WHERE id = $1 AND (called_again_notified_at IS NULL
                            OR called_again_notified_at <= $2 - interval '10 minutes')",
    )
    .bind(lead_id)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// Flags a lead that could not start for billing reasons (billing.md §9.1).
pub async fn flag_billing(
    conn: &mut PgConnection,
    lead_id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE leads SET billing_required = true, billing_block_reason = $2, updated_at = $3
         WHERE id = $1",
    )
    .bind(lead_id)
    .bind(reason)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Claims the conversation: the one moment the intro may be created (data-model.md §5).
pub async fn claim_conversation(
    conn: &mut PgConnection,
    lead_id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE leads SET conversation_started_at = $2, conversation_state = 'AWAITING_SERVICE',
             billing_required = false, billing_block_reason = NULL, updated_at = $2
         WHERE id = $1 AND conversation_started_at IS NULL",
    )
    .bind(lead_id)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// An answered call from a caller with an open conversation: the pending stall nudge is moot.
pub async fn cancel_pending_nudge(
    conn: &mut PgConnection,
    lead_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE jobs SET status = 'canceled', finished_at = $2, updated_at = $2
         WHERE idempotency_key = $1 AND status = 'queued'",
    )
    .bind(format!("job:nudge:{lead_id}"))
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE leads SET nudge_scheduled_for = NULL, updated_at = $2 WHERE id = $1")
        .bind(lead_id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// A text to the caller was queued: the stall nudge counts from here.
pub async fn touch_outbound(
    conn: &mut PgConnection,
    lead_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE leads SET last_outbound_at = $2, updated_at = $2 WHERE id = $1")
        .bind(lead_id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Pauses automation with a reason (unless already paused) and cancels the pending nudge.
pub async fn pause_automation(
    conn: &mut PgConnection,
    lead_id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE leads SET automation_paused = true, automation_pause_reason = $2, updated_at = $3
         WHERE id = $1 AND NOT automation_paused",
    )
    .bind(lead_id)
    .bind(reason)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    cancel_pending_nudge(conn, lead_id, now).await
}
