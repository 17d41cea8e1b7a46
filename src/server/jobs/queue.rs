//! The durable job queue: every outbound effect is a row here, written in the same transaction
//! as the state change that needs it (operations.md §7). Every time comparison binds the
//! injected clock's instant; nothing here reads `now()`.

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::kind::JobKind;

/// How long a claim holds a job before another worker may take it.
pub const LEASE: Duration = Duration::seconds(60);

pub use super::claim::claim;

/// Channel the worker listens on; `NOTIFY` inside a transaction is delivered at commit.
pub const JOBS_READY_CHANNEL: &str = "jobs_ready";

#[derive(Clone, Debug)]
pub struct NewJob {
    pub kind: JobKind,
    /// Unique; starts with `job:` (data-model.md §5).
    pub key: String,
    pub payload: Value,
    pub run_at: DateTime<Utc>,
    pub business_id: Option<Uuid>,
    pub correlation_id: Option<String>,
}

impl NewJob {
    pub fn new(kind: JobKind, key: impl Into<String>, run_at: DateTime<Utc>) -> Self {
        Self {
            kind,
            key: key.into(),
            payload: Value::Object(Default::default()),
            run_at,
            business_id: None,
            correlation_id: None,
        }
    }

    pub fn payload(mut self, payload: Value) -> Self {
        self.payload = payload;
        self
    }

    pub fn business(mut self, business_id: Uuid) -> Self {
        self.business_id = Some(business_id);
        self
    }

    pub fn correlation_id(mut self, correlation_id: impl Into<String>) -> Self {
        self.correlation_id = Some(correlation_id.into());
        self
    }
}

const INSERT_JOB: &str = "INSERT INTO jobs
    (kind, idempotency_key, payload, max_attempts, next_run_at, business_id, correlation_id)
    VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// Runs `INSERT_JOB` + `on_conflict` for `job` and, when a row was written, `NOTIFY jobs_ready`
/// (delivered at commit) in the same round trip; returns the number of rows written.
async fn insert_job(
    conn: &mut PgConnection,
    job: &NewJob,
    on_conflict: &str,
) -> Result<u64, sqlx::Error> {
    let written: i64 = sqlx::query_scalar(&format!(
        "WITH written AS ({INSERT_JOB} {on_conflict} RETURNING 1)
         SELECT count(*) FROM (SELECT pg_notify($8, '') FROM written) AS notified"
    ))
    .bind(job.kind.as_str())
    .bind(&job.key)
    .bind(&job.payload)
    .bind(job.kind.max_attempts())
    .bind(job.run_at)
    .bind(job.business_id)
    .bind(&job.correlation_id)
    .bind(JOBS_READY_CHANNEL)
    .fetch_one(&mut *conn)
    .await?;
    Ok(written as u64)
}

/// Inserts the job unless its key exists. Returns whether a new job was created.
pub async fn enqueue(conn: &mut PgConnection, job: &NewJob) -> Result<bool, sqlx::Error> {
    Ok(insert_job(conn, job, "ON CONFLICT (idempotency_key) DO NOTHING").await? == 1)
}

/// Inserts the job, or re-arms an existing one: a job that is not running becomes `queued` at
/// `run_at` with its attempts reset; a running one is flagged to run once more when it finishes.
pub async fn enqueue_or_reschedule(
    conn: &mut PgConnection,
    job: &NewJob,
) -> Result<(), sqlx::Error> {
    insert_job(
        conn,
        job,
        "ON CONFLICT (idempotency_key) DO UPDATE SET
             payload = EXCLUDED.payload,
             next_run_at = EXCLUDED.next_run_at,
             correlation_id = COALESCE(EXCLUDED.correlation_id, jobs.correlation_id),
             status = CASE WHEN jobs.status = 'running' THEN 'running' ELSE 'queued' END,
             attempts = CASE WHEN jobs.status = 'running' THEN jobs.attempts ELSE 0 END,
             last_error = CASE WHEN jobs.status = 'running' THEN jobs.last_error ELSE NULL END,
             rerun_requested = (jobs.status = 'running'),
             finished_at = NULL,
             updated_at = now()",
    )
    .await?;
    Ok(())
}

/// A job held by this worker. `attempts` identifies the claim: a worker whose lease expired and
/// was re-claimed elsewhere can no longer finish or extend it.
#[derive(Clone, Debug)]
pub struct ClaimedJob {
    pub id: Uuid,
    pub kind: JobKind,
    pub key: String,
    pub payload: Value,
    pub attempts: i32,
    pub max_attempts: i32,
    pub business_id: Option<Uuid>,
    pub correlation_id: Option<String>,
    pub locked_by: String,
}

impl ClaimedJob {
    pub fn is_final_attempt(&self) -> bool {
        self.attempts >= self.max_attempts
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ClaimedRow {
    pub(super) id: Uuid,
    pub(super) kind: String,
    pub(super) idempotency_key: String,
    pub(super) payload: Value,
    pub(super) attempts: i32,
    pub(super) max_attempts: i32,
    pub(super) business_id: Option<Uuid>,
    pub(super) correlation_id: Option<String>,
}

/// A job that will not run again, as the dead-job hook is told of it.
#[derive(Clone, Debug, PartialEq)]
pub struct DeadJob {
    pub id: Uuid,
    pub kind: JobKind,
    pub key: String,
    pub payload: Value,
    pub business_id: Option<Uuid>,
    pub correlation_id: Option<String>,
    pub error: String,
}

impl DeadJob {
    pub fn from_claim(job: &ClaimedJob, error: impl Into<String>) -> Self {
        Self {
            id: job.id,
            kind: job.kind,
            key: job.key.clone(),
            payload: job.payload.clone(),
            business_id: job.business_id,
            correlation_id: job.correlation_id.clone(),
            error: error.into(),
        }
    }
}

const LEASE_EXPIRED_IN_FINAL_ATTEMPT: &str = "lease expired during the final attempt";

/// A worker that died during a job's final attempt leaves it running with an expired lease;
/// such jobs are dead rather than retried past their limit. Returns the jobs marked dead.
pub async fn reap_exhausted_leases(
    pool: &PgPool,
    now: DateTime<Utc>,
) -> Result<Vec<DeadJob>, sqlx::Error> {
    let rows: Vec<ClaimedRow> = sqlx::query_as(
        "UPDATE jobs SET status = 'dead', last_error = $2,
             locked_until = NULL, locked_by = NULL, finished_at = $1, updated_at = now()
         WHERE status = 'running' AND locked_until < $1 AND attempts >= max_attempts
         RETURNING id, kind, idempotency_key, payload, attempts, max_attempts, business_id,
                   correlation_id",
    )
    .bind(now)
    .bind(LEASE_EXPIRED_IN_FINAL_ATTEMPT)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(DeadJob {
                kind: JobKind::parse(&row.kind)?,
                id: row.id,
                key: row.idempotency_key,
                payload: row.payload,
                business_id: row.business_id,
                correlation_id: row.correlation_id,
                error: LEASE_EXPIRED_IN_FINAL_ATTEMPT.to_owned(),
            })
        })
        .collect())
}

/// Pushes the lease forward while a job is still running. False when the claim was lost.
pub async fn extend_lease(
    pool: &PgPool,
    job: &ClaimedJob,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query(
        "UPDATE jobs SET locked_until = $2 + $5 * interval '1 second', updated_at = now()
         WHERE id = $1 AND status = 'running' AND locked_by = $3 AND attempts = $4",
    )
    .bind(job.id)
    .bind(now)
    .bind(&job.locked_by)
    .bind(job.attempts)
    .bind(LEASE.num_seconds() as f64)
    .execute(pool)
    .await?
    .rows_affected();
    Ok(updated == 1)
}

/// How an attempt ended, as recorded on the row.
#[derive(Clone, Debug, PartialEq)]
pub enum Finish {
    Succeeded,
    /// Try again at this instant (backoff already applied).
    RetryAt {
        at: DateTime<Utc>,
        error: String,
    },
    /// Permanent failure, or the attempts are exhausted.
    Dead {
        error: String,
    },
    /// Not a failure: run again at this instant without counting the attempt (pacing).
    Reschedule {
        at: DateTime<Utc>,
    },
}

/// What the row became.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finished {
    Succeeded,
    Queued,
    Dead,
    /// The claim had been lost (lease expired and re-claimed); nothing was written.
    ClaimLost,
}

/// Records the end of an attempt. A job re-armed while it ran (`rerun_requested`) goes back to
/// `queued` with a fresh attempt budget whatever the outcome, because new work arrived.
pub async fn finish(
    pool: &PgPool,
    job: &ClaimedJob,
    outcome: &Finish,
    now: DateTime<Utc>,
) -> Result<Finished, sqlx::Error> {
    let (status, next_run_at, error, undo_attempt) = match outcome {
        Finish::Succeeded => ("succeeded", None, None, false),
        Finish::RetryAt { at, error } => ("queued", Some(*at), Some(error.as_str()), false),
        Finish::Dead { error } => ("dead", None, Some(error.as_str()), false),
        Finish::Reschedule { at } => ("queued", Some(*at), None, true),
    };
    let row: Option<(String,)> = sqlx::query_as(
        "UPDATE jobs SET
             status = CASE WHEN rerun_requested THEN 'queued' ELSE $5 END,
             next_run_at = CASE WHEN rerun_requested THEN next_run_at ELSE COALESCE($6, next_run_at) END,
             attempts = CASE WHEN rerun_requested THEN 0
                             WHEN $8 THEN attempts - 1
                             ELSE attempts END,
             last_error = CASE WHEN rerun_requested THEN NULL ELSE COALESCE($7, last_error) END,
             rerun_requested = false,
             locked_until = NULL,
             locked_by = NULL,
             finished_at = CASE WHEN rerun_requested OR $5 = 'queued' THEN NULL ELSE $2 END,
             updated_at = now()
         WHERE id = $1 AND status = 'running' AND locked_by = $3 AND attempts = $4
         RETURNING status",
    )
    .bind(job.id)
    .bind(now)
    .bind(&job.locked_by)
    .bind(job.attempts)
    .bind(status)
    .bind(next_run_at)
    .bind(error)
    .bind(undo_attempt)
    .fetch_optional(pool)
    .await?;
    Ok(match row.as_ref().map(|(s,)| s.as_str()) {
        None => Finished::ClaimLost,
        Some("succeeded") => Finished::Succeeded,
        Some("dead") => Finished::Dead,
        Some(_) => Finished::Queued,
    })
}

/// Gives a job back at shutdown: its lease ends now, so another instance claims it as it would
/// a crashed worker's (operations.md §9).
pub async fn release(
    pool: &PgPool,
    job: &ClaimedJob,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE jobs SET locked_until = $2, updated_at = now()
         WHERE id = $1 AND status = 'running' AND locked_by = $3 AND attempts = $4",
    )
    .bind(job.id)
    .bind(now)
    .bind(&job.locked_by)
    .bind(job.attempts)
    .execute(pool)
    .await?;
    Ok(())
}

/// `requeue-dead`: dead jobs go back to `queued` with a fresh attempt budget.
pub async fn requeue_dead(
    pool: &PgPool,
    now: DateTime<Utc>,
    kind: Option<JobKind>,
    id: Option<Uuid>,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE jobs SET status = 'queued', attempts = 0, next_run_at = $1, last_error = NULL,
             finished_at = NULL, updated_at = now()
         WHERE status = 'dead' AND ($2::text IS NULL OR kind = $2) AND ($3::uuid IS NULL OR id = $3)",
    )
    .bind(now)
    .bind(kind.map(JobKind::as_str))
    .bind(id)
    .execute(pool)
    .await?
    .rows_affected())
}
