//! The outbox and job queue (operations.md §7): enqueue in the caller's transaction, claim with
//! `FOR UPDATE SKIP LOCKED`, leases, backoff, dead jobs, and the in-process worker.

mod claim;
pub mod heartbeat;
pub mod kind;
mod listener;
pub mod maintenance;
mod options;
pub mod queue;
mod registry;
pub mod worker;

pub use kind::JobKind;
pub use queue::{ClaimedJob, DeadJob, NewJob, enqueue, enqueue_or_reschedule};
pub use worker::{Backoff, DeadJobHook, JobError, Registry, Worker, WorkerOptions};
