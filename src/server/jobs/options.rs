//! How a worker runs: its lanes' capacities, the per-business share of the bulk lane, retry
//! delays, and the intervals of its loop (operations.md §7, §9).

use std::time::Duration;

use rand::Rng as _;

use super::kind::{JobKind, Lane, with_jitter};

/// Delays between attempts. Production always uses `Standard`; tests substitute `Fixed` so
/// retry scenarios run in seconds (quality.md §2.1).
#[derive(Clone, Copy, Debug)]
pub enum Backoff {
    Standard,
    Fixed(Duration),
}

impl Backoff {
    pub(super) fn delay(self, kind: JobKind, failed_attempt: i32) -> chrono::Duration {
        let delay = match self {
            Backoff::Standard => with_jitter(
                kind.base_delay(failed_attempt.max(1) as u32),
                rand::rng().random::<f64>(),
            ),
            Backoff::Fixed(delay) => delay,
        };
        chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX)
    }
}

/// How many running jobs a business may have in the bulk lane at once (webhook deliveries,
/// Airtable pushes): one business's 40 hanging pings or 250 000-row resync takes at most these
/// slots, and the others go to everyone else.
pub const BULK_SLOTS_PER_BUSINESS: usize = 2;

#[derive(Clone, Debug)]
pub struct WorkerOptions {
    /// `locked_by` on claimed rows: unique per process.
    pub worker_id: String,
    /// Jobs running at once in the urgent lane (texts, call endings, Stripe events, nudges).
    /// Sends wait on Twilio, not on the CPU, so this is much larger than the core count.
    pub urgent_concurrency: usize,
    /// Jobs running at once in the bulk lane (deliveries, pushes, reconcile, housekeeping).
    pub bulk_concurrency: usize,
    /// The bulk lane's share per business (`None`: uncapped).
    pub bulk_per_business: Option<usize>,
    /// Fallback wake-up when no notification arrives (also picks up delayed jobs).
    pub poll_interval: Duration,
    pub lease_renewal: Duration,
    pub heartbeat_interval: Duration,
    pub backoff: Backoff,
    /// How long shutdown waits for running jobs before giving their leases back.
    pub drain_deadline: Duration,
    /// One limit for every attempt instead of each kind's `max_run_time` (tests only, so a
    /// hanging handler is abandoned in milliseconds).
    pub run_time_limit: Option<Duration>,
}

impl WorkerOptions {
    /// `concurrency` jobs at once in each lane.
    pub fn new(worker_id: impl Into<String>, concurrency: usize) -> Self {
        Self {
            worker_id: worker_id.into(),
            urgent_concurrency: concurrency.max(1),
            bulk_concurrency: concurrency.max(1),
            bulk_per_business: Some(BULK_SLOTS_PER_BUSINESS),
            poll_interval: Duration::from_secs(5),
            lease_renewal: Duration::from_secs(20),
            heartbeat_interval: Duration::from_secs(30),
            backoff: Backoff::Standard,
            drain_deadline: Duration::from_secs(25),
            run_time_limit: None,
        }
    }

    pub(super) fn capacity(&self, lane: Lane) -> usize {
        match lane {
            Lane::Urgent => self.urgent_concurrency,
            Lane::Bulk => self.bulk_concurrency,
        }
    }

    pub(super) fn per_business(&self, lane: Lane) -> Option<usize> {
        match lane {
            Lane::Urgent => None,
            Lane::Bulk => self.bulk_per_business,
        }
    }
}
