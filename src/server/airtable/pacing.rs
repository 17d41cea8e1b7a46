//! Requests per base across every instance (integrations.md §2.4): a Postgres bucket
//! `airtable:<base id>` of 1-second windows, held full for a while after a 429.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;

use crate::server::ratelimit;

const WINDOW: Duration = Duration::seconds(1);
/// Jobs that found the base's second full come back spread over this much more, and those
/// held by a 429 over `HOLD_SPREAD`: not all at one instant, where they would only find the
/// bucket full again and churn through the worker's bulk lane together.
pub const FULL_SPREAD: Duration = Duration::seconds(1);
pub const HOLD_SPREAD: Duration = Duration::seconds(5);

/// `at` plus a uniform share of `spread`.
pub fn spread(at: DateTime<Utc>, spread: Duration) -> DateTime<Utc> {
    use rand::Rng as _;
    let extra = rand::rng().random_range(0..spread.num_milliseconds().max(1));
    at + Duration::milliseconds(extra)
}

fn bucket(base_id: &str) -> String {
    format!("airtable:{base_id}")
}

/// Takes one request of this second for the base; `Some(at)` when the base is at its limit
/// (or held after a 429): try again at `at`.
pub async fn take_slot(
    pool: &PgPool,
    base_id: &str,
    per_second: u32,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    let decision = ratelimit::hit(pool, &bucket(base_id), per_second, WINDOW, now).await?;
    Ok((!decision.allowed).then(|| now + Duration::seconds(decision.retry_after)))
}

/// After a 429: every job of the base waits until `until`.
pub async fn hold(pool: &PgPool, base_id: &str, until: DateTime<Utc>) -> Result<(), sqlx::Error> {
    ratelimit::hold_full(pool, &bucket(base_id), WINDOW, until).await
}
