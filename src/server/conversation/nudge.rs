//! The stall nudge (conversation.md §9.4): one reminder per lead when a caller who has replied
//! goes quiet mid-qualification, never sent in the business's quiet hours.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{
    domain::{
        conversation_texts,
        lead_conversation::{ConversationState, Step},
        quiet_hours,
    },
    server::{
        calls::owner_notes::{self, BusinessContact},
        jobs::{ClaimedJob, JobError, JobKind, NewJob, enqueue_or_reschedule},
        outbox::{self, OutboundText},
        state::AppState,
    },
};

fn job_key(lead_id: Uuid) -> String {
    format!("job:nudge:{lead_id}")
}

/// (Re)schedules the nudge for `now + stall_nudge_delay_minutes` (the prompt just queued).
pub async fn schedule(
    conn: &mut PgConnection,
    lead_id: Uuid,
    business: &BusinessContact,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    if !business.stall_nudge_enabled {
        return Ok(());
    }
    let due = now + Duration::minutes(business.stall_nudge_delay_minutes.into());
    let job = NewJob::new(JobKind::StallNudge, job_key(lead_id), due)
        .payload(json!({ "lead_id": lead_id }));
    enqueue_or_reschedule(conn, &job).await?;
    sqlx::query("UPDATE leads SET nudge_scheduled_for = $2, updated_at = $3 WHERE id = $1")
        .bind(lead_id)
        .bind(due)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct NudgeLead {
    business_id: Uuid,
    caller_e164: String,
    conversation_state: String,
    automation_paused: bool,
    unreachable_code: Option<String>,
    nudge_sent_at: Option<DateTime<Utc>>,
    last_inbound_at: Option<DateTime<Utc>>,
    last_outbound_at: Option<DateTime<Utc>>,
    sending_number_id: Option<Uuid>,
    opted_out: bool,
    quiet_hours_start: NaiveTime,
    quiet_hours_end: NaiveTime,
}

/// The `stall_nudge` job: re-checks everything, waits out quiet hours, then claims and queues.
pub async fn run(state: &AppState, job: &ClaimedJob) -> Result<(), JobError> {
    let Some(lead_id) = job
        .payload
        .get("lead_id")
        .and_then(|id| id.as_str())
        .and_then(|id| Uuid::parse_str(id).ok())
    else {
        return Err(JobError::Permanent("payload has no lead_id".into()));
    };
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let lead: Option<NudgeLead> = sqlx::query_as(
        "SELECT l.business_id, l.caller_e164, l.conversation_state, l.automation_paused,
                l.unreachable_code, l.nudge_sent_at, l.last_inbound_at, l.last_outbound_at,
                l.sending_number_id,
                COALESCE((SELECT c.opted_out FROM sms_consent c
                          WHERE c.business_id = l.business_id AND c.phone_e164 = l.caller_e164),
                         false) AS opted_out,
                b.quiet_hours_start, b.quiet_hours_end
         FROM leads l JOIN businesses b ON b.id = l.business_id
         WHERE l.id = $1 FOR UPDATE OF l",
    )
    .bind(lead_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(lead) = lead else {
        return Ok(());
    };
    let business = BusinessContact::load(&mut tx, lead.business_id).await?;
    let ConversationState::Awaiting(step) =
        ConversationState::parse(&lead.conversation_state).unwrap_or(ConversationState::NotStarted)
    else {
        return Ok(());
    };
    let quiet_since_prompt = match (lead.last_inbound_at, lead.last_outbound_at) {
        (Some(inbound), Some(outbound)) => inbound <= outbound,
        _ => false,
    };
    if !quiet_since_prompt
        || lead.automation_paused
        || lead.opted_out
        || lead.unreachable_code.is_some()
        || !business.is_active()
        || lead.nudge_sent_at.is_some()
    {
        return Ok(());
    }
    let timezone = business
        .timezone
        .parse::<chrono_tz::Tz>()
        .unwrap_or(chrono_tz::America::New_York);
    let allowed =
        quiet_hours::next_allowed(now, timezone, lead.quiet_hours_start, lead.quiet_hours_end);
    if allowed > now {
        return Err(JobError::RescheduleAt(allowed));
    }
    let claimed = sqlx::query(
        "UPDATE leads SET nudge_sent_at = $2, nudge_scheduled_for = NULL, last_outbound_at = $2,
             updated_at = $2
         WHERE id = $1 AND nudge_sent_at IS NULL",
    )
    .bind(lead_id)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if claimed {
        queue_nudge(&mut tx, &business, lead_id, &lead, step, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn queue_nudge(
    conn: &mut PgConnection,
    business: &BusinessContact,
    lead_id: Uuid,
    lead: &NudgeLead,
    step: Step,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let sender = owner_notes::number_by_id(conn, lead.sending_number_id).await?;
    let text = OutboundText {
        business_id: business.id,
        lead_id: Some(lead_id),
        phone_number_id: sender.as_ref().map(|(id, _)| *id),
        from_e164: sender.as_ref().map(|(_, e164)| e164.as_str()),
        to_e164: &lead.caller_e164,
        participant: "lead",
        kind: "nudge",
        body: conversation_texts::nudge(&business.name, step, &business.labels()),
        idempotency_key: format!("lead:{lead_id}:nudge"),
        correlation_id: None,
    };
    outbox::queue_text(conn, &text, now).await?;
    Ok(())
}
