//! The queue's SQL: enqueue in the caller's transaction, keys, re-arming, claims and leases.

use chrono::Duration;
use sqlx::PgPool;

use callbackcloser::server::{
    clock::Clock as _,
    jobs::{
        JobKind, NewJob, enqueue, enqueue_or_reschedule,
        queue::{self, Finish, Finished},
    },
};

use crate::support::test_clock;

#[derive(Debug, sqlx::FromRow)]
pub struct JobRow {
    pub status: String,
    pub attempts: i32,
    pub next_run_at: chrono::DateTime<chrono::Utc>,
    pub rerun_requested: bool,
    pub last_error: Option<String>,
    pub locked_until: Option<chrono::DateTime<chrono::Utc>>,
}

pub async fn job_row(pool: &PgPool, key: &str) -> JobRow {
    sqlx::query_as("SELECT status, attempts, next_run_at, rerun_requested, last_error, locked_until FROM jobs WHERE idempotency_key = $1")
        .bind(key)
        .fetch_one(pool)
        .await
        .expect("job row")
}

async fn job_count(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM jobs")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test]
async fn enqueue_with_an_existing_key_is_a_no_op(pool: PgPool) {
    let now = test_clock().now();
    let job = NewJob::new(JobKind::FinalizeCall, "job:finalize:CA1", now);
    let mut tx = pool.begin().await.unwrap();
    assert!(enqueue(&mut tx, &job).await.unwrap());
    assert!(
        !enqueue(
            &mut tx,
            &job.clone().payload(serde_json::json!({"other": true}))
        )
        .await
        .unwrap()
    );
    tx.commit().await.unwrap();
    assert_eq!(job_count(&pool).await, 1);
    let max: i32 = sqlx::query_scalar("SELECT max_attempts FROM jobs")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(max, 5, "finalize_call allows 5 attempts");
}

#[sqlx::test]
async fn a_job_exists_only_if_the_transaction_that_needed_it_commits(pool: PgPool) {
    let now = test_clock().now();
    let mut tx = pool.begin().await.unwrap();
    enqueue(&mut tx, &NewJob::new(JobKind::SendSms, "job:send:1", now))
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(job_count(&pool).await, 0);
}

#[sqlx::test]
async fn reschedule_rearms_a_finished_job_with_a_fresh_budget(pool: PgPool) {
    let clock = test_clock();
    let key = "job:nudge:lead-1";
    let mut conn = pool.acquire().await.unwrap();
    enqueue(
        &mut conn,
        &NewJob::new(JobKind::StallNudge, key, clock.now()),
    )
    .await
    .unwrap();
    sqlx::query("UPDATE jobs SET status = 'dead', attempts = 5, last_error = 'boom' WHERE idempotency_key = $1")
        .bind(key)
        .execute(&pool)
        .await
        .unwrap();

    let later = clock.now() + Duration::hours(2);
    enqueue_or_reschedule(&mut conn, &NewJob::new(JobKind::StallNudge, key, later))
        .await
        .unwrap();
    let row = job_row(&pool, key).await;
    assert_eq!(row.status, "queued");
    assert_eq!(row.attempts, 0);
    assert_eq!(row.next_run_at, later);
    assert_eq!(row.last_error, None);
    assert!(!row.rerun_requested);
    assert_eq!(job_count(&pool).await, 1);
}

#[sqlx::test]
async fn reschedule_during_a_run_makes_the_job_run_once_more(pool: PgPool) {
    let clock = test_clock();
    let key = "job:airtable:lead:1";
    let mut conn = pool.acquire().await.unwrap();
    enqueue_or_reschedule(
        &mut conn,
        &NewJob::new(JobKind::AirtablePush, key, clock.now()),
    )
    .await
    .unwrap();
    let claimed = queue::claim(
        &pool,
        clock.now(),
        "worker-a",
        &[JobKind::AirtablePush],
        10,
        None,
    )
    .await
    .unwrap();
    assert_eq!(claimed.len(), 1);

    let again = clock.now() + Duration::seconds(1);
    enqueue_or_reschedule(&mut conn, &NewJob::new(JobKind::AirtablePush, key, again))
        .await
        .unwrap();
    let row = job_row(&pool, key).await;
    assert_eq!(
        (row.status.as_str(), row.rerun_requested),
        ("running", true)
    );

    let finished = queue::finish(&pool, &claimed[0], &Finish::Succeeded, clock.now())
        .await
        .unwrap();
    assert_eq!(finished, Finished::Queued, "a change arrived while it ran");
    let row = job_row(&pool, key).await;
    assert_eq!(row.status, "queued");
    assert!(!row.rerun_requested);
    assert_eq!(row.next_run_at, again);
    assert_eq!(row.attempts, 0);

    clock.advance(Duration::seconds(1));
    let claimed = queue::claim(
        &pool,
        clock.now(),
        "worker-a",
        &[JobKind::AirtablePush],
        10,
        None,
    )
    .await
    .unwrap();
    let finished = queue::finish(&pool, &claimed[0], &Finish::Succeeded, clock.now())
        .await
        .unwrap();
    assert_eq!(finished, Finished::Succeeded);
}

#[sqlx::test]
async fn jobs_are_not_claimed_before_their_time_nor_by_workers_of_other_kinds(pool: PgPool) {
    let clock = test_clock();
    let mut conn = pool.acquire().await.unwrap();
    let due = clock.now() + Duration::seconds(15);
    enqueue(
        &mut conn,
        &NewJob::new(JobKind::FinalizeCall, "job:finalize:CA9", due),
    )
    .await
    .unwrap();

    assert!(
        queue::claim(&pool, clock.now(), "w", &[JobKind::FinalizeCall], 10, None)
            .await
            .unwrap()
            .is_empty()
    );
    clock.advance(Duration::seconds(15));
    assert!(
        queue::claim(&pool, clock.now(), "w", &[JobKind::SendSms], 10, None)
            .await
            .unwrap()
            .is_empty()
    );
    let claimed = queue::claim(&pool, clock.now(), "w", &[JobKind::FinalizeCall], 10, None)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].attempts, 1);
    let row = job_row(&pool, "job:finalize:CA9").await;
    assert_eq!(row.locked_until, Some(clock.now() + Duration::seconds(60)));
}

#[sqlx::test]
async fn an_expired_lease_makes_the_job_claimable_and_the_old_claim_powerless(pool: PgPool) {
    let clock = test_clock();
    let key = "job:send:m1";
    let mut conn = pool.acquire().await.unwrap();
    enqueue(&mut conn, &NewJob::new(JobKind::SendSms, key, clock.now()))
        .await
        .unwrap();
    let crashed = queue::claim(&pool, clock.now(), "worker-a", &[JobKind::SendSms], 1, None)
        .await
        .unwrap();
    assert_eq!(crashed.len(), 1);

    // Inside the lease nobody else can take it.
    clock.advance(Duration::seconds(59));
    assert!(
        queue::claim(&pool, clock.now(), "worker-b", &[JobKind::SendSms], 1, None)
            .await
            .unwrap()
            .is_empty()
    );
    // A live worker extends its lease; this one is dead, so the lease runs out.
    clock.advance(Duration::seconds(2));
    let retaken = queue::claim(&pool, clock.now(), "worker-b", &[JobKind::SendSms], 1, None)
        .await
        .unwrap();
    assert_eq!(retaken.len(), 1);
    assert_eq!(retaken[0].attempts, 2, "the crashed attempt counts");

    // The first worker wakes up: it can neither extend nor finish what it no longer holds.
    assert!(
        !queue::extend_lease(&pool, &crashed[0], clock.now())
            .await
            .unwrap()
    );
    let finished = queue::finish(&pool, &crashed[0], &Finish::Succeeded, clock.now())
        .await
        .unwrap();
    assert_eq!(finished, Finished::ClaimLost);
    assert_eq!(job_row(&pool, key).await.status, "running");

    assert!(
        queue::extend_lease(&pool, &retaken[0], clock.now())
            .await
            .unwrap()
    );
    let finished = queue::finish(&pool, &retaken[0], &Finish::Succeeded, clock.now())
        .await
        .unwrap();
    assert_eq!(finished, Finished::Succeeded);
}

#[sqlx::test]
async fn a_crash_during_the_final_attempt_ends_dead_not_retried_past_the_limit(pool: PgPool) {
    let clock = test_clock();
    let key = "job:rate_limit_cleanup:2026-03-02T14";
    let mut conn = pool.acquire().await.unwrap();
    enqueue(
        &mut conn,
        &NewJob::new(JobKind::RateLimitCleanup, key, clock.now()),
    )
    .await
    .unwrap();
    sqlx::query("UPDATE jobs SET attempts = 2 WHERE idempotency_key = $1")
        .bind(key)
        .execute(&pool)
        .await
        .unwrap();
    let claimed = queue::claim(
        &pool,
        clock.now(),
        "worker-a",
        &[JobKind::RateLimitCleanup],
        1,
        None,
    )
    .await
    .unwrap();
    assert_eq!(claimed[0].attempts, 3);
    assert!(claimed[0].is_final_attempt());

    clock.advance(Duration::seconds(61));
    assert!(
        queue::claim(
            &pool,
            clock.now(),
            "worker-b",
            &[JobKind::RateLimitCleanup],
            1,
            None
        )
        .await
        .unwrap()
        .is_empty()
    );
    let reaped = queue::reap_exhausted_leases(&pool, clock.now())
        .await
        .unwrap();
    let reaped: Vec<_> = reaped
        .iter()
        .map(|dead| (dead.kind, dead.key.as_str()))
        .collect();
    assert_eq!(reaped, vec![(JobKind::RateLimitCleanup, key)]);
    assert_eq!(job_row(&pool, key).await.status, "dead");
}

#[sqlx::test]
async fn pacing_reschedules_without_spending_an_attempt(pool: PgPool) {
    let clock = test_clock();
    let key = "job:airtable:call:1";
    let mut conn = pool.acquire().await.unwrap();
    enqueue(
        &mut conn,
        &NewJob::new(JobKind::AirtablePush, key, clock.now()),
    )
    .await
    .unwrap();
    let claimed = queue::claim(&pool, clock.now(), "w", &[JobKind::AirtablePush], 1, None)
        .await
        .unwrap();
    let at = clock.now() + Duration::seconds(1);
    let finished = queue::finish(&pool, &claimed[0], &Finish::Reschedule { at }, clock.now())
        .await
        .unwrap();
    assert_eq!(finished, Finished::Queued);
    let row = job_row(&pool, key).await;
    assert_eq!((row.attempts, row.next_run_at), (0, at));
}

#[sqlx::test]
async fn requeue_dead_restores_only_the_selected_dead_jobs(pool: PgPool) {
    let clock = test_clock();
    let mut conn = pool.acquire().await.unwrap();
    for (kind, key) in [
        (JobKind::SendSms, "job:send:a"),
        (JobKind::SendSms, "job:send:b"),
        (JobKind::Purge, "job:purge:2026-01-01"),
    ] {
        enqueue(&mut conn, &NewJob::new(kind, key, clock.now()))
            .await
            .unwrap();
    }
    sqlx::query("UPDATE jobs SET status = 'dead', attempts = max_attempts, last_error = 'x' WHERE idempotency_key <> 'job:send:b'")
        .execute(&pool)
        .await
        .unwrap();
    let count = queue::requeue_dead(&pool, clock.now(), Some(JobKind::SendSms), None)
        .await
        .unwrap();
    assert_eq!(count, 1);
    let row = job_row(&pool, "job:send:a").await;
    assert_eq!(
        (row.status.as_str(), row.attempts, row.last_error),
        ("queued", 0, None)
    );
    assert_eq!(job_row(&pool, "job:purge:2026-01-01").await.status, "dead");
    assert_eq!(
        queue::requeue_dead(&pool, clock.now(), None, None)
            .await
            .unwrap(),
        1
    );
}
