//! What a worker runs: the handler of each job kind, the hook told of dead jobs, and the errors
//! an attempt ends with (operations.md §7).

use std::{collections::HashMap, future::Future, sync::Arc};

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;

use super::{
    kind::JobKind,
    queue::{ClaimedJob, DeadJob},
};
use crate::server::observability::Metrics;

/// Why an attempt did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth another attempt after the kind's backoff (network trouble, 5xx, a database blip).
    #[error("{0}")]
    Retryable(String),
    /// Like `Retryable`, but not before `not_before` (a `Retry-After` answer).
    #[error("{reason}")]
    RetryNotBefore {
        not_before: DateTime<Utc>,
        reason: String,
    },
    /// Retrying cannot help (bad input, a rejected request): the job is dead at once.
    #[error("{0}")]
    Permanent(String),
    /// Not a failure: run again at this instant without counting the attempt (pacing).
    #[error("rescheduled to {0}")]
    RescheduleAt(DateTime<Utc>),
}

impl From<sqlx::Error> for JobError {
    fn from(err: sqlx::Error) -> Self {
        JobError::Retryable(format!("database error: {err}"))
    }
}

pub type JobFuture = BoxFuture<'static, Result<(), JobError>>;

/// Runs one kind of job. Handlers re-read current rows and check claim markers, so running one
/// twice is harmless.
pub trait JobHandler: Send + Sync + 'static {
    fn run(&self, job: ClaimedJob) -> JobFuture;
}

impl<F, Fut> JobHandler for F
where
    F: Fn(ClaimedJob) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), JobError>> + Send + 'static,
{
    fn run(&self, job: ClaimedJob) -> JobFuture {
        Box::pin(self(job))
    }
}

/// Told of every job that will not run again (its attempts are spent, it failed permanently,
/// or its worker died during the final attempt), so the work it stood for is not silently lost.
pub trait DeadJobHook: Send + Sync + 'static {
    fn dead(&self, job: DeadJob) -> BoxFuture<'static, ()>;
}

impl<F, Fut> DeadJobHook for F
where
    F: Fn(DeadJob) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    fn dead(&self, job: DeadJob) -> BoxFuture<'static, ()> {
        Box::pin(self(job))
    }
}

/// The handlers this worker runs; it only claims jobs of registered kinds.
#[derive(Clone, Default)]
pub struct Registry {
    pub(super) handlers: HashMap<JobKind, Arc<dyn JobHandler>>,
    pub(super) dead_hook: Option<Arc<dyn DeadJobHook>>,
    pub(super) metrics: Option<Arc<Metrics>>,
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn register(mut self, kind: JobKind, handler: impl JobHandler) -> Self {
        self.handlers.insert(kind, Arc::new(handler));
        self
    }

    /// Counts every finished attempt in `job_runs_total{kind, result}`.
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    pub fn on_dead(mut self, hook: impl DeadJobHook) -> Self {
        self.dead_hook = Some(Arc::new(hook));
        self
    }

    pub fn kinds(&self) -> Vec<JobKind> {
        let mut kinds: Vec<_> = self.handlers.keys().copied().collect();
        kinds.sort();
        kinds
    }
}
