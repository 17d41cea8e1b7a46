//! Fixed-window counters in Postgres, shared by every instance (data-model.md §3.16): one
//! atomic upsert per hit, the window arithmetic in `domain::rate_limit`.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;

pub use crate::domain::rate_limit::Decision;
use crate::domain::rate_limit::{Window, decide};

/// Counts one hit on `key` and says whether it is within `limit` for the window.
pub async fn hit(
    pool: &PgPool,
    key: &str,
    limit: u32,
    window: Duration,
    now: DateTime<Utc>,
) -> Result<Decision, sqlx::Error> {
    let (started_at, count): (DateTime<Utc>, i32) = sqlx::query_as(
        "INSERT INTO rate_limit_buckets AS b (key, window_started_at, count, expires_at)
         VALUES ($1, $2, 1, $2 + $3 * interval '1 millisecond')
         ON CONFLICT (key) DO UPDATE SET
             window_started_at = CASE WHEN b.expires_at <= $2 THEN $2 ELSE b.window_started_at END,
             count = CASE WHEN b.expires_at <= $2 THEN 1 ELSE b.count + 1 END,
             expires_at = CASE WHEN b.expires_at <= $2 THEN EXCLUDED.expires_at ELSE b.expires_at END
         RETURNING window_started_at, count",
    )
    .bind(key)
    .bind(now)
    .bind(window.num_milliseconds() as f64)
    .fetch_one(pool)
    .await?;
    Ok(decide(
        Window {
            started_at,
            count: i64::from(count),
        },
        i64::from(limit),
        window,
        now,
    ))
}

/// Gives one counted hit back (an attempt that turned out not to be what the limit counts).
pub async fn refund(pool: &PgPool, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE rate_limit_buckets SET count = count - 1 WHERE key = $1 AND count > 0")
        .bind(key)
        .execute(pool)
        .await?;
    Ok(())
}

/// Whether the next hit on `key` would be refused, without counting one.
pub async fn would_refuse(
    pool: &PgPool,
    key: &str,
    limit: u32,
    window: Duration,
    now: DateTime<Utc>,
) -> Result<Option<Decision>, sqlx::Error> {
    let row: Option<(DateTime<Utc>, i32)> = sqlx::query_as(
        "SELECT window_started_at, count FROM rate_limit_buckets WHERE key = $1 AND expires_at > $2",
    )
    .bind(key)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|(started_at, count)| {
        let next = Window {
            started_at,
            count: i64::from(count) + 1,
        };
        let decision = decide(next, i64::from(limit), window, now);
        (!decision.allowed).then_some(decision)
    }))
}

/// Refuses every hit on `key` until `until` (the other side answered 429: every instance waits).
/// The bucket becomes one full window of `window` that ends at `until`.
pub async fn hold_full(
    pool: &PgPool,
    key: &str,
    window: Duration,
    until: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO rate_limit_buckets (key, window_started_at, count, expires_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (key) DO UPDATE SET window_started_at = EXCLUDED.window_started_at,
             count = EXCLUDED.count, expires_at = EXCLUDED.expires_at",
    )
    .bind(key)
    .bind(until - window)
    .bind(i32::MAX / 2)
    .bind(until)
    .execute(pool)
    .await
    .map(drop)
}

/// Forgets a key (a successful sign-in clears its email's failures).
pub async fn clear(pool: &PgPool, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM rate_limit_buckets WHERE key = $1")
        .bind(key)
        .execute(pool)
        .await?;
    Ok(())
}
