//! Requests per base across every instance (integrations.md §2.4): a Postgres bucket
//! `airtable:<base id>` of 1-second windows, held full for a while after a 429.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;

use crate::server::ratelimit;

const WINDOW: Duration = Duration::seconds(1);
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
