//! `finalize_call` (twilio.md §7.4): 15 s after the parent call ended without any dial outcome,
//! the caller hung up while it was ringing: rule 9 makes it missed and the lead procedure runs.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgConnection;

use super::{after_missed, store};
use crate::{
    domain::missed_call_rule::{Classification, classify_without_dial_outcome},
    server::{
        jobs::{ClaimedJob, JobError, JobKind, NewJob},
        state::AppState,
    },
};

/// How long to wait for a dial outcome that may still be on its way.
pub const DELAY: chrono::Duration = chrono::Duration::seconds(15);

pub fn job(call_sid: &str, business_id: uuid::Uuid, ended_at: DateTime<Utc>) -> NewJob {
    NewJob::new(
        JobKind::FinalizeCall,
        format!("job:finalize:{call_sid}"),
        ended_at + DELAY,
    )
    .payload(json!({ "call_sid": call_sid }))
    .business(business_id)
}

pub async fn run(state: &AppState, job: &ClaimedJob) -> Result<(), JobError> {
    let Some(call_sid) = job.payload.get("call_sid").and_then(|v| v.as_str()) else {
        return Err(JobError::Permanent(
            "finalize_call job without call_sid".into(),
        ));
    };
    let mut tx = state.pool.begin().await.map_err(JobError::from)?;
    finalize(&mut tx, state, call_sid, job.correlation_id.as_deref())
        .await
        .map_err(JobError::from)?;
    tx.commit().await.map_err(JobError::from)?;
    Ok(())
}

async fn finalize(
    conn: &mut PgConnection,
    state: &AppState,
    call_sid: &str,
    correlation_id: Option<&str>,
) -> Result<(), sqlx::Error> {
    let now = state.clock.now();
    let Some(call) = store::lock(conn, call_sid).await? else {
        return Ok(());
    };
    if call.dial_outcome_at.is_some() || call.outcome != "pending" {
        return Ok(());
    }
    let Classification::Missed(reason) = classify_without_dial_outcome() else {
        return Ok(());
    };
    if store::mark_missed(conn, call.id, reason.as_str(), now).await? {
        let outcome = after_missed(conn, state, &call, correlation_id, now).await?;
        tracing::info!(
            event = "twilio.finalize",
            call_sid,
            decision = outcome.decision,
            lead_id = outcome.lead_id.map(|id| id.to_string()).unwrap_or_default(),
            "call finalized without a dial outcome"
        );
    }
    Ok(())
}
