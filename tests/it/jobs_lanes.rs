//! Job lanes and fairness (issue 21 §1): urgent work never waits behind bulk work, one business
//! cannot take the whole bulk lane, and no attempt outlives its run-time limit.

use std::{
    sync::{Arc, Mutex},
    time::Duration as StdDuration,
};

use sqlx::PgPool;
use uuid::Uuid;

use callbackcloser::server::{
    clock::{Clock as _, ManualClock, SharedClock},
    jobs::{ClaimedJob, JobError, JobKind, NewJob, Registry, Worker, WorkerOptions, enqueue},
    shutdown::Shutdown,
};

use crate::{jobs_queue::job_row, support::test_clock};

async fn enqueue_for(
    pool: &PgPool,
    clock: &ManualClock,
    kind: JobKind,
    key: &str,
    business: Option<Uuid>,
) {
    let mut job = NewJob::new(kind, key, clock.now());
    if let Some(business) = business {
        job = job.business(business);
    }
    let mut conn = pool.acquire().await.unwrap();
    enqueue(&mut conn, &job).await.unwrap();
}

/// A business id: the job queue keeps no foreign keys (architecture.md).
async fn business(_pool: &PgPool, _name: &str) -> Uuid {
    Uuid::new_v4()
}

/// Runs the worker loop until `done` reports `key`, or fails after 10 s.
async fn run_until(worker: Worker, done: tokio::sync::mpsc::UnboundedReceiver<String>, key: &str) {
    let shutdown = Shutdown::new();
    let running = tokio::spawn({
        let shutdown = shutdown.clone();
        async move { worker.run(shutdown).await }
    });
    let mut done = done;
    let waited = tokio::time::timeout(StdDuration::from_secs(10), async {
        while let Some(finished) = done.recv().await {
            if finished == key {
                return;
            }
        }
    })
    .await;
    shutdown.trigger();
    running.await.unwrap();
    assert!(
        waited.is_ok(),
        "{key} did not run while the other jobs hung"
    );
}

/// Webhook deliveries that hang (a receiver that accepts and never answers) for the keys that
/// start with `hang`, and report the others when they finish.
fn registry(done: tokio::sync::mpsc::UnboundedSender<String>) -> Registry {
    let (deliveries, texts) = (
        Arc::new(Mutex::new(done.clone())),
        Arc::new(Mutex::new(done)),
    );
    Registry::new()
        .register(JobKind::WebhookDeliver, move |job: ClaimedJob| {
            let done = deliveries.lock().unwrap().clone();
            async move {
                if job.key.starts_with("job:webhook:hang") {
                    std::future::pending::<()>().await;
                }
                let _ = done.send(job.key);
                Ok::<(), JobError>(())
            }
        })
        .register(JobKind::SendSms, move |job: ClaimedJob| {
            let done = texts.lock().unwrap().clone();
            async move {
                let _ = done.send(job.key);
                Ok::<(), JobError>(())
            }
        })
}

fn options(bulk: usize) -> WorkerOptions {
    let mut options = WorkerOptions::new("lanes", bulk);
    options.poll_interval = StdDuration::from_millis(50);
    options.drain_deadline = StdDuration::from_millis(50);
    options
}

#[sqlx::test]
async fn a_text_is_sent_while_every_bulk_slot_hangs(pool: PgPool) {
    let clock = test_clock();
    let a = business(&pool, "A").await;
    for n in 0..12 {
        enqueue_for(
            &pool,
            &clock,
            JobKind::WebhookDeliver,
            &format!("job:webhook:hang:{n}"),
            Some(a),
        )
        .await;
    }
    let b = business(&pool, "B").await;
    enqueue_for(&pool, &clock, JobKind::SendSms, "job:send:b", Some(b)).await;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let shared: SharedClock = clock.clone();
    let worker = Worker::new(pool.clone(), shared, registry(tx), options(4));
    run_until(worker, rx, "job:send:b").await;
}

#[sqlx::test]
async fn one_business_cannot_take_the_whole_bulk_lane(pool: PgPool) {
    let clock = test_clock();
    let a = business(&pool, "A").await;
    // A's forty pings come first and never finish; B's delivery is queued after them.
    for n in 0..40 {
        enqueue_for(
            &pool,
            &clock,
            JobKind::WebhookDeliver,
            &format!("job:webhook:hang:{n}"),
            Some(a),
        )
        .await;
    }
    let b = business(&pool, "B").await;
    clock.advance(chrono::Duration::milliseconds(1));
    enqueue_for(
        &pool,
        &clock,
        JobKind::WebhookDeliver,
        "job:webhook:b:1",
        Some(b),
    )
    .await;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let shared: SharedClock = clock.clone();
    let worker = Worker::new(pool.clone(), shared, registry(tx), options(4));
    run_until(worker, rx, "job:webhook:b:1").await;
    let running: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM jobs WHERE business_id = $1 AND status = 'running'",
    )
    .bind(a)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(running <= 2, "A held {running} bulk slots");
}

#[sqlx::test]
async fn a_claim_gives_each_business_at_most_its_share(pool: PgPool) {
    use callbackcloser::server::jobs::queue;
    let clock = test_clock();
    let (a, b) = (business(&pool, "A").await, business(&pool, "B").await);
    for n in 0..10 {
        enqueue_for(
            &pool,
            &clock,
            JobKind::AirtablePush,
            &format!("job:airtable:a:{n}"),
            Some(a),
        )
        .await;
    }
    clock.advance(chrono::Duration::seconds(1));
    enqueue_for(
        &pool,
        &clock,
        JobKind::AirtablePush,
        "job:airtable:b:0",
        Some(b),
    )
    .await;
    enqueue_for(&pool, &clock, JobKind::Purge, "job:purge:1", None).await;
    let claimed = queue::claim(
        &pool,
        clock.now(),
        "w",
        &[JobKind::AirtablePush, JobKind::Purge],
        8,
        Some(2),
    )
    .await
    .unwrap();
    let of_a = claimed
        .iter()
        .filter(|job| job.business_id == Some(a))
        .count();
    let mut others: Vec<&str> = claimed
        .iter()
        .filter(|job| job.business_id != Some(a))
        .map(|job| job.key.as_str())
        .collect();
    others.sort();
    assert_eq!(of_a, 2, "A gets its share, not the eight slots");
    assert_eq!(others, ["job:airtable:b:0", "job:purge:1"]);
    // A is at its share: the next claim passes over its eight due jobs.
    let next = queue::claim(
        &pool,
        clock.now(),
        "w2",
        &[JobKind::AirtablePush],
        8,
        Some(2),
    )
    .await
    .unwrap();
    assert!(
        next.is_empty(),
        "{:?}",
        next.iter().map(|j| &j.key).collect::<Vec<_>>()
    );
}

#[sqlx::test]
async fn an_attempt_past_its_run_time_limit_is_abandoned_and_retried(pool: PgPool) {
    let clock = test_clock();
    enqueue_for(
        &pool,
        &clock,
        JobKind::WebhookDeliver,
        "job:webhook:hang:1",
        None,
    )
    .await;
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let mut options = options(1);
    options.run_time_limit = Some(StdDuration::from_millis(100));
    let shared: SharedClock = clock.clone();
    let worker = Worker::new(pool.clone(), shared, registry(tx), options);
    let ran = tokio::time::timeout(StdDuration::from_secs(10), worker.run_due_jobs())
        .await
        .expect("the hanging attempt was cut at its limit")
        .unwrap();
    assert_eq!(ran, 1);
    let row = job_row(&pool, "job:webhook:hang:1").await;
    assert_eq!(row.status, "queued");
    assert!(
        row.last_error
            .as_deref()
            .unwrap_or_default()
            .contains("run-time limit"),
        "{:?}",
        row.last_error
    );
}
