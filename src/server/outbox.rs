//! Outbound texts are written as `messages` rows plus a `send_sms` job in the caller's
//! transaction (twilio.md §10.2): the webhook commits them and the worker sends, so a Twilio
//! hiccup delays a text instead of losing it, and a replayed webhook never doubles it.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::jobs::{JobKind, NewJob, enqueue};

/// A text to queue. `idempotency_key` makes it happen once (data-model.md §5).
pub struct OutboundText<'a> {
    pub business_id: Uuid,
    pub lead_id: Option<Uuid>,
    /// The sending tracking number.
    pub phone_number_id: Option<Uuid>,
    pub from_e164: Option<&'a str>,
    pub to_e164: &'a str,
    /// `lead` or `owner`.
    pub participant: &'static str,
    pub kind: &'static str,
    pub body: String,
    pub idempotency_key: String,
    pub correlation_id: Option<&'a str>,
}

/// Inserts the message as `pending` with its send job, or as `suppressed` when the recipient
/// opted out of this business (consent is checked when a text is created and again when it is
/// sent; compliance confirmations are exempt). `None` when the key was used before.
pub async fn queue_text(
    conn: &mut PgConnection,
    text: &OutboundText<'_>,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>, sqlx::Error> {
    let Some((id, status)) = insert(conn, text, None, now).await? else {
        return Ok(None);
    };
    if status != "pending" {
        return Ok(Some(id));
    }
    let mut job = NewJob::new(JobKind::SendSms, format!("job:send:{id}"), now)
        .payload(json!({ "message_id": id }))
        .business(text.business_id);
    if let Some(correlation_id) = text.correlation_id {
        job = job.correlation_id(correlation_id);
    }
    enqueue(conn, &job).await?;
    Ok(Some(id))
}

/// Records a text that was not sent, with the reason (suppressions are never silent).
pub async fn record_suppressed(
    conn: &mut PgConnection,
    text: &OutboundText<'_>,
    reason: &'static str,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>, sqlx::Error> {
    Ok(insert(conn, text, Some(reason), now)
        .await?
        .map(|(id, _)| id))
}

/// One statement: the consent lookup decides `pending` or `suppressed` (`opted_out`) unless a
/// suppression `reason` is given. Returns the id and status, `None` for a used key.
async fn insert(
    conn: &mut PgConnection,
    text: &OutboundText<'_>,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<(Uuid, String)>, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO messages (business_id, lead_id, phone_number_id, direction, participant, kind,
             from_e164, to_e164, body, idempotency_key, status, suppression_reason, correlation_id,
             status_updated_at, created_at, updated_at)
         SELECT $1, $2, $3, 'outbound', $4, $5, $6, $7, $8, $9,
                CASE WHEN decided.reason IS NULL THEN 'pending' ELSE 'suppressed' END,
                decided.reason, $11, $12, $12, $12
         FROM (SELECT COALESCE($10, CASE WHEN $5 <> 'compliance' AND EXISTS (
                   SELECT 1 FROM sms_consent c
                   WHERE c.business_id = $1 AND c.phone_e164 = $7 AND c.opted_out)
               THEN 'opted_out' END) AS reason) AS decided
         ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
         RETURNING id, status",
    )
    .bind(text.business_id)
    .bind(text.lead_id)
    .bind(text.phone_number_id)
    .bind(text.participant)
    .bind(text.kind)
    .bind(text.from_e164)
    .bind(text.to_e164)
    .bind(&text.body)
    .bind(&text.idempotency_key)
    .bind(reason)
    .bind(text.correlation_id)
    .bind(now)
    .fetch_optional(conn)
    .await
}
