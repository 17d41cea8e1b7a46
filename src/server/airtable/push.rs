//! The `airtable_push` job (integrations.md §2.3–§2.4): one upsert of one call or lead as it is
//! when the job runs, so many quick changes become one request. Paced per base; a 429 holds the
//! whole base; 5xx and network trouble retry on the kind's schedule; a refused key or a missing
//! base breaks the connection; a refused record fails alone.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value};
use sqlx::PgPool;
use uuid::Uuid;

use super::{
    connection::{self, Connection, Severity},
    pacing,
};
use crate::{
    domain::airtable_records::{
        CALL_MERGE_FIELD, CallRecord, LEAD_MERGE_FIELD, LeadRecord, call_fields, lead_fields,
    },
    server::{
        integrations::airtable::AirtableError,
        jobs::{ClaimedJob, JobError},
        state::AppState,
    },
};

/// Which table a job writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Record {
    Call,
    Lead,
}

impl Record {
    pub fn as_str(self) -> &'static str {
        match self {
            Record::Call => "call",
            Record::Lead => "lead",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        [Record::Call, Record::Lead]
            .into_iter()
            .find(|record| record.as_str() == raw)
    }
}

pub async fn run(state: &AppState, job: &ClaimedJob) -> Result<(), JobError> {
    let record = job.payload["record"].as_str().and_then(Record::parse);
    let id = job.payload["id"]
        .as_str()
        .and_then(|id| Uuid::parse_str(id).ok());
    let (Some(record), Some(id), Some(business_id)) = (record, id, job.business_id) else {
        return Err(JobError::Permanent("payload names no record".into()));
    };
    let Some(connection) = connection::load(&state.pool, business_id).await? else {
        return Ok(()); // disconnected since
    };
    if connection.status != "active" {
        return Ok(());
    }
    let now = state.clock.now();
    let Ok(key) = state.secrets.open(&connection.api_key_encrypted) else {
        let message = "The stored API key cannot be read; connect Airtable again.";
        connection::record_error(&state.pool, business_id, Severity::Broken, message, now).await?;
        return Err(JobError::Permanent(message.into()));
    };
    let base_url = &state.config.public_base_url;
    let fields = match record {
        Record::Call => call_row(&state.pool, id)
            .await?
            .map(|(call, zone)| call_fields(&call, zone, base_url)),
        Record::Lead => lead_row(&state.pool, id)
            .await?
            .map(|(lead, zone)| lead_fields(&lead, zone, base_url)),
    };
    let Some(fields) = fields else {
        return Ok(()); // the row is gone (business deleted, retention)
    };
    let per_second = state.config.airtable.max_requests_per_second;
    if let Some(at) = pacing::take_slot(&state.pool, &connection.base_id, per_second, now).await? {
        return Err(JobError::RescheduleAt(at));
    }
    let pushed = upsert(state, &connection, &key, record, fields).await;
    settle(state, &connection, pushed, now).await
}

async fn upsert(
    state: &AppState,
    connection: &Connection,
    key: &str,
    record: Record,
    fields: Map<String, Value>,
) -> Result<(), AirtableError> {
    let (table, merge_field) = match record {
        Record::Call => (&connection.calls_table, CALL_MERGE_FIELD),
        Record::Lead => (&connection.leads_table, LEAD_MERGE_FIELD),
    };
    state
        .airtable
        .upsert(key, &connection.base_id, table, merge_field, fields)
        .await
}

/// Records what Airtable answered and turns it into the job's outcome (§2.4's table).
pub async fn settle(
    state: &AppState,
    connection: &Connection,
    pushed: Result<(), AirtableError>,
    now: DateTime<Utc>,
) -> Result<(), JobError> {
    let (pool, business_id) = (&state.pool, connection.business_id);
    match pushed {
        Ok(()) => {
            connection::mark_pushed(pool, business_id, now).await?;
            Ok(())
        }
        Err(AirtableError::RateLimited) => {
            let wait = Duration::from_std(state.config.airtable.retry_after_429)
                .unwrap_or(Duration::seconds(30));
            let until = now + wait;
            pacing::hold(pool, &connection.base_id, until).await?;
            Err(JobError::RescheduleAt(until))
        }
        Err(err @ (AirtableError::Rejected | AirtableError::NotFound(_))) => {
            let message = err.to_string();
            connection::record_error(pool, business_id, Severity::Broken, &message, now).await?;
            Err(JobError::Permanent(err.to_string()))
        }
        Err(err @ AirtableError::Invalid(_)) => {
            let message = err.to_string();
            connection::record_error(pool, business_id, Severity::Record, &message, now).await?;
            Err(JobError::Permanent(err.to_string()))
        }
        Err(err @ AirtableError::Unavailable(_)) => Err(JobError::Retryable(err.to_string())),
    }
}

#[derive(sqlx::FromRow)]
struct CallRow {
    call_sid: String,
    created_at: DateTime<Utc>,
    from_e164: Option<String>,
    to_e164: String,
    label: String,
    outcome: String,
    missed_reason: Option<String>,
    dial_call_duration_seconds: Option<i32>,
    recorded: bool,
    lead_id: Option<Uuid>,
    timezone: String,
}

async fn call_row(pool: &PgPool, id: Uuid) -> Result<Option<(CallRecord, Tz)>, sqlx::Error> {
    let row: Option<CallRow> = sqlx::query_as(
        "SELECT c.call_sid, c.created_at, c.from_e164, c.to_e164, n.label, c.outcome,
                c.missed_reason, c.dial_call_duration_seconds,
                (c.recording_sid IS NOT NULL) AS recorded,
                (SELECT lc.lead_id FROM lead_calls lc WHERE lc.call_id = c.id
                 ORDER BY lc.attached_at DESC LIMIT 1) AS lead_id,
                b.timezone
         FROM calls c
         JOIN phone_numbers n ON n.id = c.phone_number_id
         JOIN businesses b ON b.id = c.business_id
         WHERE c.id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|row| {
        let zone = row.timezone.parse().unwrap_or(Tz::UTC);
        let call = CallRecord {
            call_sid: row.call_sid,
            started_at: row.created_at,
            from: row.from_e164,
            tracking_number: row.to_e164,
            source_label: row.label,
            outcome: row.outcome,
            missed_reason: row.missed_reason,
            talk_seconds: row.dial_call_duration_seconds,
            recorded: row.recorded,
            lead_id: row.lead_id,
        };
        (call, zone)
    }))
}

#[derive(sqlx::FromRow)]
struct LeadRow {
    id: Uuid,
    created_at: DateTime<Utc>,
    last_activity_at: DateTime<Utc>,
    caller_e164: String,
    contact_name: Option<String>,
    source: String,
    e164: String,
    label: String,
    status: String,
    conversation_state: String,
    service: Option<String>,
    urgency: Option<String>,
    postal_code: Option<String>,
    best_time: Option<String>,
    billing_required: bool,
    call_count: i32,
    timezone: String,
}

async fn lead_row(pool: &PgPool, id: Uuid) -> Result<Option<(LeadRecord, Tz)>, sqlx::Error> {
    let row: Option<LeadRow> = sqlx::query_as(
        "SELECT l.id, l.created_at, l.last_activity_at, l.caller_e164, l.contact_name, l.source,
                n.e164, n.label, l.status, l.conversation_state, l.service, l.urgency,
                l.postal_code, l.best_time, l.billing_required, l.call_count, b.timezone
         FROM leads l
         JOIN phone_numbers n ON n.id = l.phone_number_id
         JOIN businesses b ON b.id = l.business_id
         WHERE l.id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|row| {
        let zone = row.timezone.parse().unwrap_or(Tz::UTC);
        let lead = LeadRecord {
            id: row.id,
            created_at: row.created_at,
            last_activity_at: row.last_activity_at,
            caller: row.caller_e164,
            name: row.contact_name,
            source: row.source,
            tracking_number: row.e164,
            source_label: row.label,
            status: row.status,
            conversation: row.conversation_state,
            service: row.service,
            urgency: row.urgency,
            postal_code: row.postal_code,
            best_time: row.best_time,
            billing_required: row.billing_required,
            calls: row.call_count,
        };
        (lead, zone)
    }))
}
