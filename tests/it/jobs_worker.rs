//! The worker: outcomes, backoff, dead jobs, concurrency, wake-ups and shutdown.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration as StdDuration,
};

use chrono::Duration;
use sqlx::PgPool;
use uuid::Uuid;

use callbackcloser::server::{
    clock::{Clock as _, ManualClock, SharedClock},
    jobs::{
        Backoff, ClaimedJob, JobError, JobKind, NewJob, Registry, Worker, WorkerOptions, enqueue,
        heartbeat::write_heartbeat,
    },
    shutdown::Shutdown,
};

use crate::{jobs_queue::job_row, support::test_clock};

fn worker(
    pool: &PgPool,
    clock: &Arc<ManualClock>,
    registry: Registry,
    id: &str,
    backoff: Backoff,
) -> Worker {
    let mut options = WorkerOptions::new(id, 4);
    options.backoff = backoff;
    let clock: SharedClock = clock.clone();
    Worker::new(pool.clone(), clock, registry, options)
}

/// Retries are due at once, so `drain` runs a job through all its attempts.
fn quick_worker(pool: &PgPool, clock: &Arc<ManualClock>, registry: Registry) -> Worker {
    worker(
        pool,
        clock,
        registry,
        "w",
        Backoff::Fixed(StdDuration::ZERO),
    )
}

async fn enqueue_now(pool: &PgPool, clock: &ManualClock, kind: JobKind, key: &str) {
    let mut conn = pool.acquire().await.unwrap();
    enqueue(&mut conn, &NewJob::new(kind, key, clock.now()))
        .await
        .unwrap();
}

/// A handler that fails the way it is told to and counts its runs.
fn failing(
    runs: Arc<AtomicUsize>,
    error: fn() -> JobError,
) -> impl Fn(ClaimedJob) -> std::future::Ready<Result<(), JobError>> {
    move |_job| {
        runs.fetch_add(1, Ordering::SeqCst);
        std::future::ready(Err(error()))
    }
}

#[sqlx::test]
async fn a_retryable_failure_is_retried_after_the_kinds_backoff_with_jitter(pool: PgPool) {
    let clock = test_clock();
    let runs = Arc::new(AtomicUsize::new(0));
    let registry = Registry::new().register(
        JobKind::FinalizeCall,
        failing(runs.clone(), || JobError::Retryable("twilio 503".into())),
    );
    let worker = worker(&pool, &clock, registry, "w", Backoff::Standard);
    enqueue_now(&pool, &clock, JobKind::FinalizeCall, "job:finalize:CA1").await;

    assert_eq!(
        worker.drain().await.unwrap(),
        1,
        "not due again until the backoff passes"
    );
    let row = job_row(&pool, "job:finalize:CA1").await;
    assert_eq!(row.status, "queued");
    assert_eq!(row.attempts, 1);
    assert_eq!(row.last_error.as_deref(), Some("twilio 503"));
    // finalize_call waits 10 s after the first failure, ±20 %.
    let delay = row.next_run_at - clock.now();
    assert!(
        delay >= Duration::seconds(8) && delay <= Duration::seconds(12),
        "{delay}"
    );

    clock.advance(Duration::seconds(12));
    assert_eq!(worker.drain().await.unwrap(), 1);
    assert_eq!(job_row(&pool, "job:finalize:CA1").await.attempts, 2);
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[sqlx::test]
async fn a_job_is_dead_after_its_last_attempt(pool: PgPool) {
    let clock = test_clock();
    let runs = Arc::new(AtomicUsize::new(0));
    let registry = Registry::new().register(
        JobKind::Purge,
        failing(runs.clone(), || JobError::Retryable("still failing".into())),
    );
    let worker = quick_worker(&pool, &clock, registry);
    enqueue_now(&pool, &clock, JobKind::Purge, "job:purge:2026-03-02").await;

    assert_eq!(worker.drain().await.unwrap(), 3);
    assert_eq!(runs.load(Ordering::SeqCst), 3, "purge allows 3 attempts");
    let row = job_row(&pool, "job:purge:2026-03-02").await;
    assert_eq!((row.status.as_str(), row.attempts), ("dead", 3));
    assert_eq!(row.last_error.as_deref(), Some("still failing"));
    assert_eq!(worker.drain().await.unwrap(), 0);
}

#[sqlx::test]
async fn a_permanent_failure_is_dead_at_once(pool: PgPool) {
    let clock = test_clock();
    let runs = Arc::new(AtomicUsize::new(0));
    let registry = Registry::new().register(
        JobKind::SendSms,
        failing(runs.clone(), || {
            JobError::Permanent("21211 invalid To".into())
        }),
    );
    let worker = quick_worker(&pool, &clock, registry);
    enqueue_now(&pool, &clock, JobKind::SendSms, "job:send:1").await;
    worker.drain().await.unwrap();
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert_eq!(job_row(&pool, "job:send:1").await.status, "dead");
}

#[sqlx::test]
async fn a_panicking_handler_is_retried_and_the_worker_survives(pool: PgPool) {
    let clock = test_clock();
    let runs = Arc::new(AtomicUsize::new(0));
    let counter = runs.clone();
    let registry = Registry::new().register(JobKind::SendSms, move |_job: ClaimedJob| {
        let attempt = counter.fetch_add(1, Ordering::SeqCst);
        async move {
            if attempt == 0 {
                panic!("handler bug");
            }
            Ok::<(), JobError>(())
        }
    });
    let worker = quick_worker(&pool, &clock, registry);
    enqueue_now(&pool, &clock, JobKind::SendSms, "job:send:1").await;
    assert_eq!(worker.drain().await.unwrap(), 2);
    let row = job_row(&pool, "job:send:1").await;
    assert_eq!((row.status.as_str(), row.attempts), ("succeeded", 2));
}

#[sqlx::test]
async fn two_workers_racing_for_200_jobs_run_each_exactly_once(pool: PgPool) {
    let clock = test_clock();
    let runs: Arc<Mutex<HashMap<Uuid, usize>>> = Arc::default();
    let handler = |runs: Arc<Mutex<HashMap<Uuid, usize>>>| {
        move |job: ClaimedJob| {
            *runs.lock().unwrap().entry(job.id).or_default() += 1;
            async { Ok::<(), JobError>(()) }
        }
    };
    let mut conn = pool.acquire().await.unwrap();
    for n in 0..200 {
        enqueue(
            &mut conn,
            &NewJob::new(JobKind::SendSms, format!("job:send:{n}"), clock.now()),
        )
        .await
        .unwrap();
    }
    drop(conn);
    let a = worker(
        &pool,
        &clock,
        Registry::new().register(JobKind::SendSms, handler(runs.clone())),
        "a",
        Backoff::Standard,
    );
    let b = worker(
        &pool,
        &clock,
        Registry::new().register(JobKind::SendSms, handler(runs.clone())),
        "b",
        Backoff::Standard,
    );

    let (ran_a, ran_b) = tokio::join!(a.drain(), b.drain());
    let (ran_a, ran_b) = (ran_a.unwrap(), ran_b.unwrap());
    assert_eq!(ran_a + ran_b, 200);
    {
        let runs = runs.lock().unwrap();
        assert_eq!(runs.len(), 200);
        assert!(runs.values().all(|&count| count == 1), "a job ran twice");
    }
    let succeeded: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE status = 'succeeded'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(succeeded, 200);
}

/// Waits until the worker's listener connection has issued LISTEN (so a NOTIFY cannot be missed).
async fn listener_is_subscribed(pool: &PgPool) {
    for _ in 0..500 {
        let listening: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if listening > 0 {
            return;
        }
        tokio::time::sleep(StdDuration::from_millis(10)).await;
    }
    panic!("the worker never subscribed to jobs_ready");
}

#[sqlx::test]
async fn a_notification_wakes_the_worker_without_waiting_for_the_poll(pool: PgPool) {
    let clock = test_clock();
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<String>();
    let done_tx = Arc::new(Mutex::new(Some(done_tx)));
    let registry = Registry::new().register(JobKind::SendSms, move |job: ClaimedJob| {
        if let Some(tx) = done_tx.lock().unwrap().take() {
            let _ = tx.send(job.key.clone());
        }
        async { Ok::<(), JobError>(()) }
    });
    let mut options = WorkerOptions::new("listener-test", 2);
    options.poll_interval = StdDuration::from_secs(3600);
    let shared: SharedClock = clock.clone();
    let worker = Worker::new(pool.clone(), shared, registry, options);
    let shutdown = Shutdown::new();
    let running = tokio::spawn({
        let shutdown = shutdown.clone();
        async move { worker.run(shutdown).await }
    });

    listener_is_subscribed(&pool).await;
    enqueue_now(&pool, &clock, JobKind::SendSms, "job:send:woken").await;
    let key = tokio::time::timeout(StdDuration::from_secs(10), done_rx)
        .await
        .expect("the NOTIFY woke the worker well before the one-hour poll")
        .unwrap();
    assert_eq!(key, "job:send:woken");

    shutdown.trigger();
    running.await.unwrap();
}

#[sqlx::test]
async fn at_shutdown_unfinished_jobs_give_their_lease_back(pool: PgPool) {
    let clock = test_clock();
    let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
    let started_tx = Arc::new(Mutex::new(Some(started_tx)));
    let registry = Registry::new().register(JobKind::DeleteBusiness, move |_job: ClaimedJob| {
        if let Some(tx) = started_tx.lock().unwrap().take() {
            let _ = tx.send(());
        }
        // Never finishes on its own.
        std::future::pending::<Result<(), JobError>>()
    });
    let mut options = WorkerOptions::new("draining", 2);
    options.drain_deadline = StdDuration::from_millis(50);
    let shared: SharedClock = clock.clone();
    let worker = Worker::new(pool.clone(), shared, registry, options);
    enqueue_now(
        &pool,
        &clock,
        JobKind::DeleteBusiness,
        "job:delete_business:1",
    )
    .await;
    let shutdown = Shutdown::new();
    let running = tokio::spawn({
        let shutdown = shutdown.clone();
        async move { worker.run(shutdown).await }
    });
    tokio::time::timeout(StdDuration::from_secs(10), started_rx)
        .await
        .unwrap()
        .unwrap();

    shutdown.trigger();
    running.await.unwrap();
    let row = job_row(&pool, "job:delete_business:1").await;
    assert_eq!(row.status, "running");
    assert_eq!(row.locked_until, Some(clock.now()), "lease ends now");

    // Another instance picks it up as soon as time moves on.
    clock.advance(Duration::milliseconds(1));
    let other = self::worker(
        &pool,
        &clock,
        Registry::new().register(JobKind::DeleteBusiness, |_job: ClaimedJob| async {
            Ok::<(), JobError>(())
        }),
        "other",
        Backoff::Standard,
    );
    assert_eq!(other.drain().await.unwrap(), 1);
    assert_eq!(
        job_row(&pool, "job:delete_business:1").await.status,
        "succeeded"
    );
}

#[sqlx::test]
async fn the_heartbeat_only_moves_forward(pool: PgPool) {
    let clock = test_clock();
    let later = clock.now() + Duration::seconds(30);
    write_heartbeat(&pool, later).await.unwrap();
    write_heartbeat(&pool, clock.now()).await.unwrap();
    let seen: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT last_seen_at FROM service_heartbeat")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(seen, later);
}

/// Slow tier (`scripts/test-slow.sh`): many workers, many jobs, still exactly once each.
#[sqlx::test]
#[ignore = "slow tier: run by scripts/test-slow.sh"]
async fn four_workers_racing_for_5000_jobs_run_each_exactly_once(pool: PgPool) {
    let clock = test_clock();
    let runs: Arc<Mutex<HashMap<Uuid, usize>>> = Arc::default();
    let mut conn = pool.acquire().await.unwrap();
    for n in 0..5000 {
        enqueue(
            &mut conn,
            &NewJob::new(JobKind::SendSms, format!("job:send:{n}"), clock.now()),
        )
        .await
        .unwrap();
    }
    drop(conn);
    let workers: Vec<Worker> = (0..4)
        .map(|n| {
            let runs = runs.clone();
            let registry = Registry::new().register(JobKind::SendSms, move |job: ClaimedJob| {
                *runs.lock().unwrap().entry(job.id).or_default() += 1;
                async { Ok::<(), JobError>(()) }
            });
            worker(&pool, &clock, registry, &format!("w{n}"), Backoff::Standard)
        })
        .collect();
    let ran: usize = futures::future::join_all(workers.iter().map(Worker::drain))
        .await
        .into_iter()
        .map(Result::unwrap)
        .sum();
    assert_eq!(ran, 5000);
    let runs = runs.lock().unwrap();
    assert_eq!(runs.len(), 5000);
    assert!(runs.values().all(|&count| count == 1), "a job ran twice");
}
