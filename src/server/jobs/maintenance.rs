//! Periodic housekeeping: the daily retention `purge` and the hourly `rate_limit_cleanup`
//! (data-model.md §7, operations.md §7). Each period has one key, so however many instances
//! enqueue it, it runs once.

use chrono::{DateTime, Duration, DurationRound as _, Utc};
use sqlx::{PgConnection, PgPool};

use super::{
    kind::JobKind,
    queue::{self, NewJob},
    worker::{JobError, Registry},
};
use crate::server::clock::SharedClock;

pub fn purge_job(period_start: DateTime<Utc>, run_at: DateTime<Utc>) -> NewJob {
    NewJob::new(
        JobKind::Purge,
        format!("job:purge:{}", period_start.format("%Y-%m-%d")),
        run_at,
    )
}

pub fn cleanup_job(period_start: DateTime<Utc>, run_at: DateTime<Utc>) -> NewJob {
    NewJob::new(
        JobKind::RateLimitCleanup,
        format!(
            "job:rate_limit_cleanup:{}",
            period_start.format("%Y-%m-%dT%H")
        ),
        run_at,
    )
}

fn start_of_day(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(Duration::days(1)).unwrap_or(at)
}

fn start_of_hour(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(Duration::hours(1)).unwrap_or(at)
}

/// At startup: this period's jobs, due now (a no-op when another instance already did it).
pub async fn schedule_current_periods(
    pool: &PgPool,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    queue::enqueue(&mut tx, &purge_job(start_of_day(now), now)).await?;
    queue::enqueue(&mut tx, &cleanup_job(start_of_hour(now), now)).await?;
    tx.commit().await
}

/// Registers both handlers; each enqueues the next period after it runs.
pub fn register(registry: Registry, pool: PgPool, clock: SharedClock) -> Registry {
    let (purge_pool, purge_clock) = (pool.clone(), clock.clone());
    registry
        .register(JobKind::Purge, move |_job| {
            let (pool, clock) = (purge_pool.clone(), purge_clock.clone());
            async move {
                let now = clock.now();
                purge(&pool, now).await?;
                let next = start_of_day(now) + Duration::days(1);
                let mut tx = pool.begin().await?;
                queue::enqueue(&mut tx, &purge_job(next, next)).await?;
                tx.commit().await.map_err(JobError::from)
            }
        })
        .register(JobKind::RateLimitCleanup, move |_job| {
            let (pool, clock) = (pool.clone(), clock.clone());
            async move {
                let now = clock.now();
                cleanup_rate_limits(&pool, now).await?;
                delete_expired_sessions(&pool, now).await?;
                let next = start_of_hour(now) + Duration::hours(1);
                let mut tx = pool.begin().await?;
                queue::enqueue(&mut tx, &cleanup_job(next, next)).await?;
                tx.commit().await.map_err(JobError::from)
            }
        })
}

/// What the daily purge removed or blanked.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PurgeReport {
    pub call_payloads: u64,
    pub inbound_payloads: u64,
    pub stripe_payloads: u64,
    pub webhook_deliveries: u64,
    pub webhook_events: u64,
    pub finished_jobs: u64,
    pub deleted_businesses: u64,
    pub expired_consent: u64,
    pub expired_audit: u64,
}

/// Retention (data-model.md §7): raw payloads kept 30 days, outbound-webhook history 30 days,
/// succeeded and canceled jobs 7 days, dead jobs 90 days; a deleted business's rows 30 days
/// after deletion, except its consent and audit rows, which go after 24 months.
pub async fn purge(pool: &PgPool, now: DateTime<Utc>) -> Result<PurgeReport, sqlx::Error> {
    let month_ago = now - Duration::days(30);
    let mut tx = pool.begin().await?;
    // Whole-table sweeps: longer than the pool's statement timeout allows, in this job only.
    sqlx::query("SET LOCAL statement_timeout = '10min'")
        .execute(&mut *tx)
        .await?;
    let call_payloads = affected(
        &mut tx,
        "UPDATE calls SET payload_log = '[]'::jsonb WHERE created_at < $1 AND payload_log <> '[]'::jsonb",
        month_ago,
    )
    .await?;
    let inbound_payloads = affected(
        &mut tx,
        "UPDATE messages SET raw_payload = NULL WHERE raw_payload IS NOT NULL AND created_at < $1",
        month_ago,
    )
    .await?;
    let stripe_payloads = affected(
        &mut tx,
        "UPDATE stripe_events SET payload = NULL WHERE payload IS NOT NULL AND received_at < $1",
        month_ago,
    )
    .await?;
    let webhook_deliveries = affected(
        &mut tx,
        "DELETE FROM webhook_deliveries WHERE at < $1",
        month_ago,
    )
    .await?;
    let webhook_events = affected(
        &mut tx,
        "DELETE FROM webhook_events WHERE created_at < $1",
        month_ago,
    )
    .await?;
    let finished_jobs = affected(
        &mut tx,
        "DELETE FROM jobs WHERE status IN ('succeeded', 'canceled') AND finished_at < $1",
        now - Duration::days(7),
    )
    .await?
        + affected(
            &mut tx,
            "DELETE FROM jobs WHERE status = 'dead' AND finished_at < $1",
            now - Duration::days(90),
        )
        .await?;
    // Every tenant table cascades from businesses; consent and audit rows have no foreign key.
    let deleted_businesses = affected(
        &mut tx,
        "DELETE FROM businesses WHERE deleted_at IS NOT NULL AND deleted_at < $1",
        month_ago,
    )
    .await?;
    let proof_expired = now - Duration::days(730);
    let gone = "SELECT a.business_id FROM audit_log a
                WHERE a.action = 'business.deleted' AND a.at < $1
                  AND NOT EXISTS (SELECT 1 FROM businesses b WHERE b.id = a.business_id)";
    let expired_consent = affected(
        &mut tx,
        &format!("DELETE FROM sms_consent WHERE business_id IN ({gone})"),
        proof_expired,
    )
    .await?;
    let expired_audit = affected(
        &mut tx,
        &format!("DELETE FROM audit_log WHERE business_id IN ({gone})"),
        proof_expired,
    )
    .await?;
    tx.commit().await?;
    let report = PurgeReport {
        deleted_businesses,
        expired_consent,
        expired_audit,
        call_payloads,
        inbound_payloads,
        stripe_payloads,
        webhook_deliveries,
        webhook_events,
        finished_jobs,
    };
    tracing::info!(?report, "retention purge done");
    Ok(report)
}

async fn affected(
    conn: &mut PgConnection,
    sql: &str,
    before: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(sql)
        .bind(before)
        .execute(conn)
        .await?
        .rows_affected())
}

/// Buckets are kept until an hour after they expire.
pub async fn cleanup_rate_limits(pool: &PgPool, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM rate_limit_buckets WHERE expires_at < $1")
            .bind(now - Duration::hours(1))
            .execute(pool)
            .await?
            .rows_affected(),
    )
}

/// Sessions past their inactivity expiry are useless; the store never deletes them itself.
pub async fn delete_expired_sessions(
    pool: &PgPool,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM sessions WHERE expiry_date < $1")
        .bind(now)
        .execute(pool)
        .await?
        .rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periodic_keys_name_their_period() {
        let at = DateTime::parse_from_rfc3339("2026-03-02T14:37:12Z")
            .unwrap()
            .to_utc();
        assert_eq!(purge_job(start_of_day(at), at).key, "job:purge:2026-03-02");
        assert_eq!(
            cleanup_job(start_of_hour(at), at).key,
            "job:rate_limit_cleanup:2026-03-02T14"
        );
    }
}
