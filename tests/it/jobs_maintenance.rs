//! Housekeeping jobs: one run per period, retention periods (data-model.md §7).

use sqlx::PgPool;

use callbackcloser::server::{
    clock::{Clock as _, SharedClock},
    jobs::{Registry, Worker, WorkerOptions, maintenance},
};

use crate::support::test_clock;

#[sqlx::test]
async fn housekeeping_runs_once_per_period_and_schedules_the_next(pool: PgPool) {
    let clock = test_clock();
    let start = chrono::DateTime::parse_from_rfc3339("2026-03-02T14:37:00Z")
        .unwrap()
        .to_utc();
    clock.set(start);
    // Two instances start in the same hour.
    maintenance::schedule_current_periods(&pool, clock.now())
        .await
        .unwrap();
    maintenance::schedule_current_periods(&pool, clock.now())
        .await
        .unwrap();

    sqlx::query(
        "INSERT INTO rate_limit_buckets (key, window_started_at, count, expires_at) VALUES
           ('twilio:sms:unauth:203.0.113.7', $1 - interval '3 hours', 3, $1 - interval '2 hours'),
           ('twilio:sms:unauth:203.0.113.8', $1 - interval '1 minute', 3, $1 - interval '30 minutes')",
    )
    .bind(clock.now())
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO sessions (id, data, expiry_date) VALUES ('old', '', $1 - interval '1 second'), ('live', '', $1 + interval '1 day')",
    )
    .bind(clock.now())
    .execute(&pool)
    .await
    .unwrap();
    let registry =
        maintenance::register(Registry::new(), pool.clone(), clock.clone() as SharedClock);
    let shared: SharedClock = clock.clone();
    let worker = Worker::new(pool.clone(), shared, registry, WorkerOptions::new("w", 4));
    assert_eq!(worker.drain().await.unwrap(), 2);

    let buckets: Vec<String> = sqlx::query_scalar("SELECT key FROM rate_limit_buckets")
        .fetch_all(&pool)
        .await
        .unwrap();
    let sessions: Vec<String> = sqlx::query_scalar("SELECT id FROM sessions")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        sessions,
        vec!["live"],
        "expired sessions go with the hourly cleanup"
    );
    assert_eq!(
        buckets,
        vec!["twilio:sms:unauth:203.0.113.8"],
        "kept until an hour after expiry"
    );
    let next: Vec<(String, String, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
        "SELECT idempotency_key, status, next_run_at FROM jobs ORDER BY idempotency_key",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc();
    assert_eq!(
        next,
        vec![
            ("job:purge:2026-03-02".into(), "succeeded".into(), start),
            (
                "job:purge:2026-03-03".into(),
                "queued".into(),
                at("2026-03-03T00:00:00Z")
            ),
            (
                "job:rate_limit_cleanup:2026-03-02T14".into(),
                "succeeded".into(),
                start
            ),
            (
                "job:rate_limit_cleanup:2026-03-02T15".into(),
                "queued".into(),
                at("2026-03-02T15:00:00Z")
            ),
        ]
    );
}

#[sqlx::test]
async fn the_purge_keeps_each_kind_of_data_for_its_retention_period(pool: PgPool) {
    let clock = test_clock();
    let now = clock.now();
    sqlx::query(
        "INSERT INTO jobs (kind, idempotency_key, status, max_attempts, next_run_at, finished_at) VALUES
           ('send_sms', 'job:send:old-ok', 'succeeded', 12, $1, $1 - interval '8 days'),
           ('send_sms', 'job:send:new-ok', 'succeeded', 12, $1, $1 - interval '6 days'),
           ('send_sms', 'job:send:old-dead', 'dead', 12, $1, $1 - interval '91 days'),
           ('send_sms', 'job:send:dead', 'dead', 12, $1, $1 - interval '30 days'),
           ('send_sms', 'job:send:queued', 'queued', 12, $1 - interval '200 days', NULL)",
    )
    .bind(now)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO stripe_events (event_id, type, payload, received_at) VALUES
           ('evt_old', 'x', '{\"a\": 1}', $1 - interval '31 days'),
           ('evt_new', 'x', '{\"a\": 1}', $1 - interval '29 days')",
    )
    .bind(now)
    .execute(&pool)
    .await
    .unwrap();

    let report = maintenance::purge(&pool, now).await.unwrap();
    assert_eq!(report.finished_jobs, 2);
    assert_eq!(report.stripe_payloads, 1);
    let keys: Vec<String> = sqlx::query_scalar("SELECT idempotency_key FROM jobs ORDER BY 1")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        keys,
        vec!["job:send:dead", "job:send:new-ok", "job:send:queued"]
    );
    let kept: Vec<String> =
        sqlx::query_scalar("SELECT event_id FROM stripe_events WHERE payload IS NOT NULL")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(kept, vec!["evt_new"]);
}
