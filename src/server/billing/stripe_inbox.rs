//! The Stripe event inbox (billing.md §6.3): the webhook records each event once, with its
//! processing job, in one transaction; the `process_stripe_event` job applies it exactly once.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use super::{
    stripe_event::{BusinessRef, EventHead, Handling, handling, is_handled},
    subscription_sync::{self, Applied},
};
use crate::server::{
    failpoint::{self, Failpoint},
    integrations::stripe::{Attempts, StripeApiError, Subscription},
    jobs::{ClaimedJob, JobError, JobKind, NewJob, enqueue},
    observability::Alert,
    state::AppState,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorded {
    New,
    Duplicate,
}

pub fn job_key(event_id: &str) -> String {
    format!("job:process_stripe_event:{event_id}")
}

/// Writes the inbox row and, for a handled type, its job; an unhandled type is stored already
/// processed. A second delivery of the same event changes nothing.
pub async fn record(
    pool: &PgPool,
    head: &EventHead,
    body: &str,
    now: DateTime<Utc>,
) -> Result<Recorded, sqlx::Error> {
    let handled = is_handled(&head.kind);
    let mut tx = pool.begin().await?;
    let inserted: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO stripe_events
             (event_id, type, api_version, livemode, event_created, payload, received_at, processed_at)
         VALUES ($1, $2, $3, $4, $5, $6::json, $7, CASE WHEN $8 THEN NULL ELSE $7 END)
         ON CONFLICT (event_id) DO NOTHING RETURNING id",
    )
    .bind(&head.id)
    .bind(&head.kind)
    .bind(&head.api_version)
    .bind(head.livemode)
    .bind(head.created)
    .bind(body)
    .bind(now)
    .bind(handled)
    .fetch_optional(&mut *tx)
    .await?;
    if inserted.is_none() {
        return Ok(Recorded::Duplicate);
    }
    if handled {
        let job = NewJob::new(JobKind::ProcessStripeEvent, job_key(&head.id), now)
            .payload(json!({ "event_id": head.id }));
        enqueue(&mut tx, &job).await?;
    }
    tx.commit().await?;
    Ok(Recorded::New)
}

#[derive(Debug, thiserror::Error)]
enum ProcessError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("stripe: {0}")]
    Stripe(#[from] StripeApiError),
}

/// The `process_stripe_event` job.
pub async fn run(state: &AppState, job: &ClaimedJob) -> Result<(), JobError> {
    let Some(event_id) = job.payload.get("event_id").and_then(Value::as_str) else {
        return Err(JobError::Permanent("payload without event_id".into()));
    };
    let Err(err) = process(state, event_id).await else {
        return Ok(());
    };
    let error = err.to_string();
    let noted = sqlx::query(
        "UPDATE stripe_events SET attempts = attempts + 1, last_error = $2 WHERE event_id = $1",
    )
    .bind(event_id)
    .bind(&error)
    .execute(&state.pool)
    .await;
    if let Err(err) = noted {
        tracing::warn!(error = %err, "could not note the failed attempt on the inbox row");
    }
    if job.is_final_attempt() {
        state.alerts.report(
            Alert::new(
                "stripe",
                "inbox_stuck",
                "A Stripe event could not be processed after every attempt",
            )
            .metadata(json!({ "event_id": event_id, "error": error })),
        );
    }
    Err(JobError::Retryable(error))
}

/// What the event names, found without locks (the Stripe call comes before the transaction).
enum Target {
    Missing,
    Deleted(Uuid),
    Live(Uuid),
}

async fn process(state: &AppState, event_id: &str) -> Result<(), ProcessError> {
    let row: Option<(String, Option<String>, bool)> = sqlx::query_as(
        "SELECT type, payload::text, processed_at IS NOT NULL FROM stripe_events WHERE event_id = $1",
    )
    .bind(event_id)
    .fetch_optional(&state.pool)
    .await?;
    let Some((kind, Some(payload), false)) = row else {
        return Ok(()); // processed already, or purged
    };
    let event: Value = serde_json::from_str(&payload).unwrap_or(Value::Null);
    let now = state.clock.now();
    let (business, customer, subscription) = match handling(&kind, &event) {
        Handling::CheckoutCompleted {
            business,
            subscription,
        } => {
            let customer = business.customer.clone();
            (business, customer, subscription)
        }
        Handling::Subscription {
            business,
            subscription,
        } => (business, None, Some(subscription)),
        Handling::Nothing | Handling::Unhandled => {
            return Ok(finish(&state.pool, event_id, None, None, now).await?);
        }
    };
    let business_id = match resolve(&state.pool, &business).await? {
        Target::Missing => {
            finish(&state.pool, event_id, None, Some("business_not_found"), now).await?;
            state.alerts.report(
                Alert::new(
                    "stripe",
                    "business_not_found",
                    "A Stripe event names no business of this product",
                )
                .metadata(json!({ "event_id": event_id, "type": kind })),
            );
            return Ok(());
        }
        Target::Deleted(id) => {
            return Ok(finish(&state.pool, event_id, Some(id), None, now).await?);
        }
        Target::Live(id) => id,
    };
    let fetched: Option<Subscription> = match &subscription {
        Some(id) => Some(
            state
                .stripe
                .retrieve_subscription(id, Attempts::Once)
                .await?,
        ),
        None => None,
    };
    let mut tx = state.pool.begin().await?;
    let still_open: Option<bool> = sqlx::query_scalar(
        "SELECT processed_at IS NULL FROM stripe_events WHERE event_id = $1 FOR UPDATE",
    )
    .bind(event_id)
    .fetch_optional(&mut *tx)
    .await?;
    if still_open != Some(true) {
        return Ok(());
    }
    if let Some(customer) = &customer {
        subscription_sync::store_customer(&mut tx, business_id, customer).await?;
    }
    if let Some(fetched) = &fetched {
        let applied = subscription_sync::apply(&mut tx, business_id, fetched, now).await?;
        if applied == Applied::KeptLive {
            tracing::info!(
                event_id,
                subscription = fetched.id,
                "canceled subscription ignored: the business tracks a live one"
            );
        }
    }
    finish(&mut *tx, event_id, Some(business_id), None, now).await?;
    // Everything is written but not committed: a crash here must leave the event to process again.
    failpoint::hit(Failpoint::DuringStripeProcessing);
    tx.commit().await?;
    Ok(())
}

async fn resolve(pool: &PgPool, business: &BusinessRef) -> Result<Target, sqlx::Error> {
    let by_id = [&business.metadata, &business.client_reference_id]
        .into_iter()
        .flatten()
        .filter_map(|raw| Uuid::parse_str(raw.trim()).ok());
    for id in by_id {
        let found: Option<bool> =
            sqlx::query_scalar("SELECT deleted_at IS NOT NULL FROM businesses WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?;
        if let Some(deleted) = found {
            return Ok(if deleted {
                Target::Deleted(id)
            } else {
                Target::Live(id)
            });
        }
    }
    if let Some(customer) = &business.customer {
        let found: Option<(Uuid, bool)> = sqlx::query_as(
            "SELECT id, deleted_at IS NOT NULL FROM businesses WHERE stripe_customer_id = $1",
        )
        .bind(customer)
        .fetch_optional(pool)
        .await?;
        if let Some((id, deleted)) = found {
            return Ok(if deleted {
                Target::Deleted(id)
            } else {
                Target::Live(id)
            });
        }
    }
    Ok(Target::Missing)
}

/// Marks the event processed (with the business it concerned and, if any, why nothing was done).
async fn finish<'c, E>(
    conn: E,
    event_id: &str,
    business_id: Option<Uuid>,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'c, Database = sqlx::Postgres>,
{
    sqlx::query(
        "UPDATE stripe_events SET processed_at = $4, business_id = $2, last_error = $3
         WHERE event_id = $1 AND processed_at IS NULL",
    )
    .bind(event_id)
    .bind(business_id)
    .bind(note)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}
