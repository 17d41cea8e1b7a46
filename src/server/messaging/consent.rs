//! SMS consent per (business, phone) (conversation.md §3.3, data-model.md §3.11). Every
//! number of a business shares it, and it covers every kind of text, owner alerts included.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// Whether `phone` opted out of this business's texts.
pub async fn is_opted_out(
    conn: &mut PgConnection,
    business_id: Uuid,
    phone: &str,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query_scalar(
        "SELECT opted_out FROM sms_consent WHERE business_id = $1 AND phone_e164 = $2",
    )
    .bind(business_id)
    .bind(phone)
    .fetch_optional(conn)
    .await?
    .unwrap_or(false))
}

/// Records an opt-out (`STOP` and friends, `CARRIER_21610`, `MANUAL`) and withdraws this
/// phone's texts of this business that have not gone out yet: they become `suppressed`, and
/// the pending stall nudges of its leads are canceled.
pub async fn opt_out(
    conn: &mut PgConnection,
    business_id: Uuid,
    phone: &str,
    keyword: &str,
    message_sid: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sms_consent (business_id, phone_e164, opted_out, opted_out_at, opted_in_at,
             last_keyword, last_message_sid, created_at, updated_at)
         VALUES ($1, $2, true, $3, NULL, $4, $5, $3, $3)
         ON CONFLICT (business_id, phone_e164) DO UPDATE SET
             opted_out = true, opted_out_at = $3, opted_in_at = NULL, last_keyword = $4,
             last_message_sid = COALESCE($5, sms_consent.last_message_sid), updated_at = $3",
    )
    .bind(business_id)
    .bind(phone)
    .bind(now)
    .bind(keyword)
    .bind(message_sid)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE messages SET status = 'suppressed', suppression_reason = 'opted_out',
             status_updated_at = $3, updated_at = $3
         WHERE business_id = $1 AND to_e164 = $2 AND direction = 'outbound'
           AND status = 'pending' AND kind <> 'compliance'",
    )
    .bind(business_id)
    .bind(phone)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE jobs SET status = 'canceled', finished_at = $3, updated_at = $3
         WHERE status = 'queued' AND idempotency_key IN (
             SELECT 'job:nudge:' || id FROM leads WHERE business_id = $1 AND caller_e164 = $2)",
    )
    .bind(business_id)
    .bind(phone)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE leads SET nudge_scheduled_for = NULL, updated_at = $3
         WHERE business_id = $1 AND caller_e164 = $2 AND nudge_scheduled_for IS NOT NULL",
    )
    .bind(business_id)
    .bind(phone)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// `START`, `UNSTOP`, or `YES` while opted out. The conversation is not restarted.
pub async fn opt_in(
    conn: &mut PgConnection,
    business_id: Uuid,
    phone: &str,
    keyword: &str,
    message_sid: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sms_consent (business_id, phone_e164, opted_out, opted_out_at, opted_in_at,
             last_keyword, last_message_sid, created_at, updated_at)
         VALUES ($1, $2, false, NULL, $3, $4, $5, $3, $3)
         ON CONFLICT (business_id, phone_e164) DO UPDATE SET
             opted_out = false, opted_out_at = NULL, opted_in_at = $3, last_keyword = $4,
             last_message_sid = $5, updated_at = $3",
    )
    .bind(business_id)
    .bind(phone)
    .bind(now)
    .bind(keyword)
    .bind(message_sid)
    .execute(conn)
    .await?;
    Ok(())
}
