//! The in-process worker: claims due jobs, runs their handlers, records outcomes with backoff,
//! keeps leases alive, and stops cleanly (operations.md §7, §9).

use std::{
    collections::HashMap,
    panic::AssertUnwindSafe,
    sync::{Arc, Mutex},
};

use futures::FutureExt as _;
use sqlx::PgPool;
use tokio::task::JoinSet;
use tracing::Instrument as _;
use uuid::Uuid;

use super::{
    heartbeat::heartbeat_loop,
    kind::{JobKind, Lane},
    listener::JobsReadyListener,
    queue::{self, ClaimedJob, DeadJob, Finish, Finished},
};
pub use super::{
    options::{BULK_SLOTS_PER_BUSINESS, Backoff, WorkerOptions},
    registry::{DeadJobHook, JobError, JobFuture, JobHandler, Registry},
};
use crate::server::{clock::SharedClock, observability::Metrics, shutdown::Shutdown};

#[derive(Clone)]
pub struct Worker {
    inner: Arc<Inner>,
}

struct Inner {
    pool: PgPool,
    clock: SharedClock,
    handlers: HashMap<JobKind, Arc<dyn JobHandler>>,
    dead_hook: Option<Arc<dyn DeadJobHook>>,
    metrics: Option<Arc<Metrics>>,
    /// The registered kinds of each lane.
    lanes: Vec<(Lane, Vec<JobKind>)>,
    options: WorkerOptions,
}

impl Inner {
    async fn report_dead(&self, job: DeadJob) {
        tracing::error!(
            event = "jobs.dead",
            kind = job.kind.as_str(),
            key = job.key,
            error = job.error,
            "job dead"
        );
        if let Some(hook) = &self.dead_hook {
            hook.dead(job).await;
        }
    }
}

impl Worker {
    pub fn new(
        pool: PgPool,
        clock: SharedClock,
        registry: Registry,
        options: WorkerOptions,
    ) -> Self {
        let kinds = registry.kinds();
        let lanes = Lane::ALL
            .into_iter()
            .map(|lane| {
                let kinds = kinds.iter().copied().filter(|k| k.lane() == lane).collect();
                (lane, kinds)
            })
            .collect();
        Self {
            inner: Arc::new(Inner {
                pool,
                clock,
                handlers: registry.handlers,
                dead_hook: registry.dead_hook,
                metrics: registry.metrics,
                lanes,
                options,
            }),
        }
    }

    /// Claims what is due now (up to each lane's capacity) and runs it to completion. Returns
    /// how many jobs ran. Tests step the queue with this instead of waiting for the loop.
    pub async fn run_due_jobs(&self) -> Result<usize, sqlx::Error> {
        self.reap().await?;
        let mut jobs = Vec::new();
        for (lane, _) in &self.inner.lanes {
            jobs.extend(
                self.claim(*lane, self.inner.options.capacity(*lane))
                    .await?,
            );
        }
        let count = jobs.len();
        futures::future::join_all(jobs.into_iter().map(|job| execute(self.inner.clone(), job)))
            .await;
        Ok(count)
    }

    /// Runs due jobs until none is left (jobs that become due later are not waited for).
    pub async fn drain(&self) -> Result<usize, sqlx::Error> {
        let mut total = 0;
        loop {
            let ran = self.run_due_jobs().await?;
            if ran == 0 {
                return Ok(total);
            }
            total += ran;
        }
    }

    /// Jobs whose worker died during their final attempt are dead (and reported as such).
    async fn reap(&self) -> Result<(), sqlx::Error> {
        let inner = &self.inner;
        for dead in queue::reap_exhausted_leases(&inner.pool, inner.clock.now()).await? {
            inner.report_dead(dead).await;
        }
        Ok(())
    }

    async fn claim(&self, lane: Lane, limit: usize) -> Result<Vec<ClaimedJob>, sqlx::Error> {
        let inner = &self.inner;
        let kinds = inner
            .lanes
            .iter()
            .find(|(l, _)| *l == lane)
            .map(|(_, kinds)| kinds.as_slice())
            .unwrap_or_default();
        queue::claim(
            &inner.pool,
            inner.clock.now(),
            &inner.options.worker_id,
            kinds,
            limit,
            inner.options.per_business(lane),
        )
        .await
    }

    /// The worker loop: woken by `NOTIFY jobs_ready`, by the poll interval and by finished jobs;
    /// keeps up to `concurrency` jobs running; on shutdown stops claiming, waits for running jobs
    /// until the drain deadline, then gives the leases of unfinished ones back.
    pub async fn run(&self, shutdown: Shutdown) {
        let inner = self.inner.clone();
        let heartbeat = tokio::spawn(heartbeat_loop(
            inner.pool.clone(),
            inner.clock.clone(),
            inner.options.heartbeat_interval,
            shutdown.clone(),
        ));
        let mut wake_ups = JobsReadyListener::new(inner.pool.clone(), inner.options.poll_interval);
        // One set of running jobs per lane: a lane's free slots are its own.
        let mut urgent: JoinSet<()> = JoinSet::new();
        let mut bulk: JoinSet<()> = JoinSet::new();
        let held: Arc<Mutex<HashMap<Uuid, ClaimedJob>>> = Arc::default();

        while !shutdown.is_triggered() {
            if let Err(err) = self.reap().await {
                tracing::warn!(error = %err, "reaping expired leases failed; retrying on the next wake-up");
            }
            for (lane, running) in [(Lane::Urgent, &mut urgent), (Lane::Bulk, &mut bulk)] {
                let free = free_slots(running, inner.options.capacity(lane));
                if free == 0 {
                    continue;
                }
                match self.claim(lane, free).await {
                    Ok(jobs) => {
                        for job in jobs {
                            lock(&held).insert(job.id, job.clone());
                            let (inner, held) = (inner.clone(), held.clone());
                            running.spawn(async move {
                                let id = job.id;
                                execute(inner, job).await;
                                lock(&held).remove(&id);
                            });
                        }
                    }
                    Err(err) => {
                        tracing::warn!(lane = lane.as_str(), error = %err, "claiming jobs failed; retrying on the next wake-up")
                    }
                }
            }
            tokio::select! {
                _ = shutdown.triggered() => break,
                Some(_) = urgent.join_next(), if !urgent.is_empty() => {}
                Some(_) = bulk.join_next(), if !bulk.is_empty() => {}
                _ = wake_ups.next() => {}
                _ = tokio::time::sleep(inner.options.poll_interval) => {}
            }
        }

        let deadline = tokio::time::sleep(inner.options.drain_deadline);
        tokio::pin!(deadline);
        while !urgent.is_empty() || !bulk.is_empty() {
            tokio::select! {
                Some(_) = urgent.join_next(), if !urgent.is_empty() => {}
                Some(_) = bulk.join_next(), if !bulk.is_empty() => {}
                _ = &mut deadline => break,
            }
        }
        for running in [&mut urgent, &mut bulk] {
            running.abort_all();
            while running.join_next().await.is_some() {}
        }
        let unfinished: Vec<ClaimedJob> = lock(&held).drain().map(|(_, job)| job).collect();
        for job in unfinished {
            tracing::warn!(kind = job.kind.as_str(), job_id = %job.id, "job still running at the drain deadline; lease released");
            if let Err(err) = queue::release(&inner.pool, &job, inner.clock.now()).await {
                tracing::warn!(error = %err, job_id = %job.id, "could not release the lease; it will expire");
            }
        }
        heartbeat.abort();
    }
}

/// The slots of a lane not taken by a running job. Every job that has finished since the loop
/// last looked is collected first: `JoinSet::len` still counts a finished job until it is joined,
/// and the loop joins at most one per wake-up, so without this a busy lane refilled one slot per
/// wake-up (the benchmark's 26 texts/s handed to Twilio, whatever the concurrency).
fn free_slots(running: &mut JoinSet<()>, capacity: usize) -> usize {
    while running.try_join_next().is_some() {}
    capacity.saturating_sub(running.len())
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn execute(inner: Arc<Inner>, job: ClaimedJob) {
    let span = tracing::info_span!(
        "job",
        kind = job.kind.as_str(),
        job_id = %job.id,
        attempt = job.attempts,
        correlation_id = job.correlation_id.as_deref().unwrap_or(""),
    );
    async move {
        let Some(handler) = inner.handlers.get(&job.kind).cloned() else {
            return;
        };
        let started = std::time::Instant::now();
        let limit = inner
            .options
            .run_time_limit
            .unwrap_or_else(|| job.kind.max_run_time());
        let work = tokio::time::timeout(limit, AssertUnwindSafe(handler.run(job.clone())).catch_unwind());
        tokio::pin!(work);
        let renewal = inner.options.lease_renewal;
        let mut renew = tokio::time::interval_at(tokio::time::Instant::now() + renewal, renewal);
        let result = loop {
            tokio::select! {
                result = &mut work => break result,
                _ = renew.tick() => {
                    if let Ok(false) = queue::extend_lease(&inner.pool, &job, inner.clock.now()).await {
                        tracing::warn!("lease lost while the job was running");
                    }
                }
            }
        };
        let result = match result {
            Ok(Ok(result)) => result,
            Ok(Err(_panic)) => Err(JobError::Retryable("job handler panicked".into())),
            Err(_elapsed) => Err(JobError::Retryable(format!(
                "attempt abandoned after its {} s run-time limit",
                limit.as_secs()
            ))),
        };
        let now = inner.clock.now();
        let outcome = match result {
            Ok(()) => Finish::Succeeded,
            Err(JobError::RescheduleAt(at)) => Finish::Reschedule { at },
            Err(JobError::Permanent(error)) => Finish::Dead { error },
            Err(JobError::Retryable(error)) if job.is_final_attempt() => Finish::Dead { error },
            Err(JobError::Retryable(error)) => Finish::RetryAt {
                at: now + inner.options.backoff.delay(job.kind, job.attempts),
                error,
            },
            Err(JobError::RetryNotBefore { reason, .. }) if job.is_final_attempt() => {
                Finish::Dead { error: reason }
            }
            Err(JobError::RetryNotBefore { not_before, reason }) => Finish::RetryAt {
                at: not_before.max(now + inner.options.backoff.delay(job.kind, job.attempts)),
                error: reason,
            },
        };
        let duration_ms = started.elapsed().as_millis() as u64;
        let finished = queue::finish(&inner.pool, &job, &outcome, now).await;
        if let (Some(metrics), Ok(finished)) = (&inner.metrics, &finished) {
            let result = match (finished, &outcome) {
                (Finished::Succeeded, _) => "succeeded",
                (Finished::Dead, _) => "dead",
                (Finished::ClaimLost, _) => "claim_lost",
                (Finished::Queued, Finish::Reschedule { .. }) => "rescheduled",
                (Finished::Queued, _) => "retry",
            };
            metrics.inc("job_runs_total", &[("kind", job.kind.as_str()), ("result", result)]);
        }
        match finished {
            Ok(Finished::Dead) => {
                inner
                    .report_dead(DeadJob::from_claim(&job, outcome_error(&outcome)))
                    .await
            }
            Ok(Finished::Queued) if matches!(outcome, Finish::RetryAt { .. }) => tracing::warn!(
                duration_ms,
                error = outcome_error(&outcome),
                "job attempt failed; retry scheduled"
            ),
            Ok(finished) => tracing::info!(duration_ms, result = ?finished, "job finished"),
            Err(err) => tracing::warn!(error = %err, "could not record the job outcome; the lease will expire and it runs again"),
        }
    }
    .instrument(span)
    .await
}

fn outcome_error(outcome: &Finish) -> &str {
    match outcome {
        Finish::RetryAt { error, .. } | Finish::Dead { error } => error,
        Finish::Succeeded | Finish::Reschedule { .. } => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn finished_jobs_free_their_slots_before_the_loop_joins_them() {
        let mut running = JoinSet::new();
        for _ in 0..4 {
            running.spawn(async {});
        }
        let (release, blocked) = tokio::sync::oneshot::channel::<()>();
        running.spawn(async move {
            let _ = blocked.await;
        });
        // On the test's single-threaded runtime the spawned jobs run while this task yields.
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }

        assert_eq!(free_slots(&mut running, 8), 7);

        release.send(()).unwrap();
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert_eq!(free_slots(&mut running, 8), 8);
    }
}
