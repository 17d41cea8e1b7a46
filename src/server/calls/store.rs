//! The `calls` rows (data-model.md §3.7): one per Twilio `CallSid`, created by whichever
//! callback arrives first and then only ever filled in.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::PgConnection;
use uuid::Uuid;

/// Entries kept in `calls.payload_log`.
const PAYLOAD_LOG_KEEP: i32 = 10;

/// A call as first seen, with the configuration snapshot it is handled with.
pub struct NewCall<'a> {
    pub call_sid: &'a str,
    pub business_id: Uuid,
    pub phone_number_id: Uuid,
    pub from_e164: Option<&'a str>,
    pub from_raw: Option<&'a str>,
    pub to_e164: &'a str,
    /// `external`, `internal` or `hidden`. An `external` caller whose number is an active
    /// tracking number of any business is stored as `internal` (twilio.md §5) by the upsert.
    pub caller_kind: &'static str,
    pub forwarded_to: Option<&'a str>,
    pub ring_timeout_used: Option<i32>,
    pub screening_required: bool,
    pub recording_requested: bool,
    /// `pending`, or `internal` / `moved` when that is already decided.
    pub outcome: &'static str,
}

/// One `payload_log` entry.
pub fn log_entry(kind: &str, at: DateTime<Utc>, params: Value) -> Value {
    json!({ "kind": kind, "at": at, "params": params })
}

/// The stored call after an upsert.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Upserted {
    pub id: Uuid,
    /// This request created the row.
    pub created: bool,
    pub caller_kind: String,
}

/// Inserts the call, or on a repeat delivery only appends to its `payload_log`. One statement,
/// so the voice webhook needs a single round trip (twilio.md §6.5).
pub async fn upsert<'c, E>(
    conn: E,
    call: &NewCall<'_>,
    entry: &Value,
    now: DateTime<Utc>,
) -> Result<Upserted, sqlx::Error>
where
    E: sqlx::Executor<'c, Database = sqlx::Postgres>,
{
    sqlx::query_as(
        "WITH platform AS (
             SELECT $7 = 'external' AND EXISTS (
                 SELECT 1 FROM phone_numbers WHERE e164 = $4 AND status = 'active') AS internal
         )
         INSERT INTO calls (call_sid, business_id, phone_number_id, from_e164, from_raw, to_e164,
             caller_kind, forwarded_to, ring_timeout_used, screening_required, recording_requested,
             outcome, payload_log, created_at, updated_at)
         SELECT $1, $2, $3, $4, $5, $6,
             CASE WHEN platform.internal THEN 'internal' ELSE $7 END, $8, $9, $10, $11,
             CASE WHEN platform.internal THEN 'internal' ELSE $12 END,
             jsonb_build_array($13::jsonb), $14, $14
         FROM platform
         ON CONFLICT (call_sid) DO UPDATE SET
             payload_log = jsonb_append_capped(calls.payload_log, $13::jsonb, $15),
             updated_at = $14
         RETURNING id, (xmax = 0) AS created, caller_kind",
    )
    .bind(call.call_sid)
    .bind(call.business_id)
    .bind(call.phone_number_id)
    .bind(call.from_e164)
    .bind(call.from_raw)
    .bind(call.to_e164)
    .bind(call.caller_kind)
    .bind(call.forwarded_to)
    .bind(call.ring_timeout_used)
    .bind(call.screening_required)
    .bind(call.recording_requested)
    .bind(call.outcome)
    .bind(entry)
    .bind(now)
    .bind(PAYLOAD_LOG_KEEP)
    .fetch_one(conn)
    .await
}

/// Appends a payload to the log of an existing call.
pub async fn append_payload(
    conn: &mut PgConnection,
    call_id: Uuid,
    entry: &Value,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE calls SET payload_log = jsonb_append_capped(payload_log, $2, $3), updated_at = $4
         WHERE id = $1",
    )
    .bind(call_id)
    .bind(entry)
    .bind(PAYLOAD_LOG_KEEP)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// A call row locked for the rest of the transaction (data-model.md §6).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LockedCall {
    pub id: Uuid,
    pub call_sid: String,
    pub business_id: Uuid,
    pub phone_number_id: Uuid,
    pub from_e164: Option<String>,
    pub caller_kind: String,
    pub screening_required: bool,
    pub screen_accepted_at: Option<DateTime<Utc>>,
    pub dial_outcome_at: Option<DateTime<Utc>>,
    pub outcome: String,
    pub missed_reason: Option<String>,
}

pub async fn lock(
    conn: &mut PgConnection,
    call_sid: &str,
) -> Result<Option<LockedCall>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, call_sid, business_id, phone_number_id, from_e164, caller_kind,
                screening_required, screen_accepted_at, dial_outcome_at, outcome, missed_reason
         FROM calls WHERE call_sid = $1 FOR UPDATE",
    )
    .bind(call_sid)
    .fetch_optional(conn)
    .await
}

/// The dial action's fields (stored once; never overwritten, §7.3).
pub struct DialFields<'a> {
    pub dial_call_sid: Option<&'a str>,
    pub dial_call_status: &'a str,
    pub dial_call_duration_seconds: Option<i32>,
}

pub async fn store_dial_outcome(
    conn: &mut PgConnection,
    call_id: Uuid,
    dial: &DialFields<'_>,
    outcome: &str,
    missed_reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE calls SET dial_call_sid = $2, dial_call_status = $3, dial_call_duration_seconds = $4,
             dial_outcome_at = $5, outcome = $6, missed_reason = $7, updated_at = $5
         WHERE id = $1 AND dial_outcome_at IS NULL",
    )
    .bind(call_id)
    .bind(dial.dial_call_sid)
    .bind(dial.dial_call_status)
    .bind(dial.dial_call_duration_seconds)
    .bind(now)
    .bind(outcome)
    .bind(missed_reason)
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets the outcome of a call still `pending` (finalize, §7.4).
pub async fn mark_missed(
    conn: &mut PgConnection,
    call_id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE calls SET outcome = 'missed', missed_reason = $2, updated_at = $3
         WHERE id = $1 AND outcome = 'pending' AND dial_outcome_at IS NULL",
    )
    .bind(call_id)
    .bind(reason)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// Recording metadata, non-null values only (§7.5). Returns whether a call matched.
pub struct RecordingFields<'a> {
    pub recording_sid: Option<&'a str>,
    pub recording_url: Option<&'a str>,
    pub recording_status: Option<&'a str>,
    pub recording_duration_seconds: Option<i32>,
}

pub async fn store_recording(
    conn: &mut PgConnection,
    call_sid: &str,
    recording: &RecordingFields<'_>,
    entry: Option<&Value>,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE calls SET
             recording_sid = COALESCE($2, recording_sid),
             recording_url = COALESCE($3, recording_url),
             recording_status = COALESCE($4, recording_status),
             recording_duration_seconds = COALESCE($5, recording_duration_seconds),
             payload_log = CASE WHEN $6::jsonb IS NULL THEN payload_log
                                ELSE jsonb_append_capped(payload_log, $6, $7) END,
             updated_at = $8
         WHERE id = (SELECT id FROM calls WHERE call_sid = $1 OR dial_call_sid = $1
                     ORDER BY (call_sid = $1) DESC LIMIT 1)",
    )
    .bind(call_sid)
    .bind(recording.recording_sid)
    .bind(recording.recording_url)
    .bind(recording.recording_status)
    .bind(recording.recording_duration_seconds)
    .bind(entry)
    .bind(PAYLOAD_LOG_KEEP)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// The parent call's own status (§7.4): never dial fields, outcome or reason.
pub async fn store_call_status(
    conn: &mut PgConnection,
    call_id: Uuid,
    call_status: Option<&str>,
    duration_seconds: Option<i32>,
    ended_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE calls SET call_status = COALESCE($2, call_status),
             call_duration_seconds = COALESCE($3, call_duration_seconds),
             ended_at = COALESCE(ended_at, $4), updated_at = $5
         WHERE id = $1",
    )
    .bind(call_id)
    .bind(call_status)
    .bind(duration_seconds)
    .bind(ended_at)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records that the answering party pressed 1 (§6.3).
pub async fn accept_screen(
    conn: &mut PgConnection,
    parent_call_sid: &str,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE calls SET screen_accepted_at = $2, updated_at = $2
         WHERE call_sid = $1 AND screen_accepted_at IS NULL",
    )
    .bind(parent_call_sid)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// The label of the line a call came in on (the screening whisper names it).
pub async fn line_label(
    conn: &mut PgConnection,
    call_sid: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT n.label FROM calls c JOIN phone_numbers n ON n.id = c.phone_number_id
         WHERE c.call_sid = $1",
    )
    .bind(call_sid)
    .fetch_optional(conn)
    .await
}
