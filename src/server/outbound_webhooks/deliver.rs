//! The `webhook_deliver` job (integrations.md §3.4): one `POST` of the stored body to one
//! endpoint, signed at the time of the attempt, recorded in `webhook_deliveries`. 2xx is done;
//! 410 disables the endpoint (`gone`); anything else retries on the kind's schedule (1 min …
//! 24 h, 8 attempts), then the job is dead and "Resend" remains.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::{client::Signed, signature};
use crate::server::{
    jobs::{ClaimedJob, JobError},
    state::AppState,
};

#[derive(sqlx::FromRow)]
struct Delivery {
    url: String,
    secret_encrypted: Vec<u8>,
    enabled: bool,
    event_type: String,
    body: Vec<u8>,
    /// Attempts recorded so far for this endpoint and event, resends included.
    earlier_attempts: i64,
}

pub async fn run(state: &AppState, job: &ClaimedJob) -> Result<(), JobError> {
    let endpoint_id = job.payload["endpoint_id"]
        .as_str()
        .and_then(|id| Uuid::parse_str(id).ok());
    let event_id = job.payload["event_id"].as_str();
    let (Some(endpoint_id), Some(event_id), Some(business_id)) =
        (endpoint_id, event_id, job.business_id)
    else {
        return Err(JobError::Permanent(
            "payload names no endpoint or event".into(),
        ));
    };
    let Some(delivery) = load(&state.pool, business_id, endpoint_id, event_id).await? else {
        return Ok(()); // the endpoint or the event is gone
    };
    // A disabled endpoint gets nothing more, except the owner's own test event.
    if !delivery.enabled && delivery.event_type != "ping" {
        return Ok(());
    }
    let Ok(secret) = state.secrets.open(&delivery.secret_encrypted) else {
        return Err(JobError::Permanent(
            "the endpoint's secret cannot be read".into(),
        ));
    };
    let now = state.clock.now();
    let timestamp = now.timestamp();
    let signed = Signed {
        event_id,
        timestamp,
        signature: signature::header(&secret, timestamp, &delivery.body),
        correlation_id: job
            .correlation_id
            .clone()
            .unwrap_or_else(|| Uuid::new_v4().to_string()),
    };
    let attempt = state
        .webhooks
        .post(&delivery.url, delivery.body, signed)
        .await;
    let number = delivery.earlier_attempts + 1;
    let recorded = Recorded {
        business_id,
        endpoint_id,
        event_id,
        attempt: i32::try_from(number).unwrap_or(i32::MAX),
        status: attempt.status,
        duration_ms: i32::try_from(attempt.duration.as_millis()).unwrap_or(i32::MAX),
        error: attempt.error.as_deref(),
        at: now,
    };
    match attempt.status {
        Some(200..=299) => {
            recorded.write(&state.pool, None).await?;
            Ok(())
        }
        Some(410) => {
            recorded.write(&state.pool, Some(endpoint_id)).await?;
            Ok(())
        }
        _ => {
            recorded.write(&state.pool, None).await?;
            let error = attempt.error.unwrap_or_else(|| "no answer".to_owned());
            Err(JobError::Retryable(error))
        }
    }
}

async fn load(
    pool: &PgPool,
    business_id: Uuid,
    endpoint_id: Uuid,
    event_id: &str,
) -> Result<Option<Delivery>, sqlx::Error> {
    sqlx::query_as(
        "SELECT e.url, e.secret_encrypted, e.enabled, ev.type AS event_type, ev.body,
                (SELECT count(*) FROM webhook_deliveries d
                 WHERE d.endpoint_id = e.id AND d.event_id = ev.id) AS earlier_attempts
         FROM webhook_endpoints e
         JOIN webhook_events ev ON ev.business_id = e.business_id
         WHERE e.id = $1 AND ev.id = $2 AND e.business_id = $3",
    )
    .bind(endpoint_id)
    .bind(event_id)
    .bind(business_id)
    .fetch_optional(pool)
    .await
}

struct Recorded<'a> {
    business_id: Uuid,
    endpoint_id: Uuid,
    event_id: &'a str,
    attempt: i32,
    status: Option<u16>,
    duration_ms: i32,
    error: Option<&'a str>,
    at: DateTime<Utc>,
}

impl Recorded<'_> {
    /// Writes the attempt; `disable` (after a 410) turns the endpoint off in the same
    /// transaction and withdraws its other queued deliveries.
    async fn write(&self, pool: &PgPool, disable: Option<Uuid>) -> Result<(), sqlx::Error> {
        let mut tx = pool.begin().await?;
        sqlx::query(
            "INSERT INTO webhook_deliveries
                 (business_id, endpoint_id, event_id, attempt, status_code, duration_ms, error, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(self.business_id)
        .bind(self.endpoint_id)
        .bind(self.event_id)
        .bind(self.attempt)
        .bind(self.status.map(i32::from))
        .bind(self.duration_ms)
        .bind(self.error)
        .bind(self.at)
        .execute(&mut *tx)
        .await?;
        if let Some(endpoint_id) = disable {
            sqlx::query(
                "UPDATE webhook_endpoints SET enabled = false, disabled_reason = 'gone',
                     updated_at = $2
                 WHERE id = $1",
            )
            .bind(endpoint_id)
            .bind(self.at)
            .execute(&mut *tx)
            .await?;
            super::endpoints::cancel_queued_deliveries(&mut tx, endpoint_id, self.at).await?;
        }
        tx.commit().await
    }
}
