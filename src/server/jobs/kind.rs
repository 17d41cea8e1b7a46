//! Job kinds, their attempt limits and retry schedules (operations.md §7). Pure and unit-tested.

use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum JobKind {
    SendSms,
    FinalizeCall,
    StallNudge,
    ProcessStripeEvent,
    TwilioReconcile,
    AirtablePush,
    WebhookDeliver,
    DeleteBusiness,
    Purge,
    RateLimitCleanup,
}

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;

/// Which share of the worker a job runs in. Caller- and owner-facing work has capacity of its
/// own, so no flood of bulk or third-party work (webhook deliveries to a hanging receiver, an
/// Airtable resync, a reconcile) can delay a missed caller's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lane {
    Urgent,
    Bulk,
}

impl Lane {
    pub const ALL: [Lane; 2] = [Lane::Urgent, Lane::Bulk];

    pub fn as_str(self) -> &'static str {
        match self {
            Lane::Urgent => "urgent",
            Lane::Bulk => "bulk",
        }
    }
}

impl JobKind {
    pub const ALL: [JobKind; 10] = [
        JobKind::SendSms,
        JobKind::FinalizeCall,
        JobKind::StallNudge,
        JobKind::ProcessStripeEvent,
        JobKind::TwilioReconcile,
        JobKind::AirtablePush,
        JobKind::WebhookDeliver,
        JobKind::DeleteBusiness,
        JobKind::Purge,
        JobKind::RateLimitCleanup,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::SendSms => "send_sms",
            JobKind::FinalizeCall => "finalize_call",
            JobKind::StallNudge => "stall_nudge",
            JobKind::ProcessStripeEvent => "process_stripe_event",
            JobKind::TwilioReconcile => "twilio_reconcile",
            JobKind::AirtablePush => "airtable_push",
            JobKind::WebhookDeliver => "webhook_deliver",
            JobKind::DeleteBusiness => "delete_business",
            JobKind::Purge => "purge",
            JobKind::RateLimitCleanup => "rate_limit_cleanup",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == raw)
    }

    pub fn lane(self) -> Lane {
        match self {
            JobKind::SendSms
            | JobKind::FinalizeCall
            | JobKind::StallNudge
            | JobKind::ProcessStripeEvent => Lane::Urgent,
            JobKind::TwilioReconcile
            | JobKind::AirtablePush
            | JobKind::WebhookDeliver
            | JobKind::DeleteBusiness
            | JobKind::Purge
            | JobKind::RateLimitCleanup => Lane::Bulk,
        }
    }

    /// How long one attempt may run. Past it the attempt is abandoned and retried on the kind's
    /// schedule, so a peer that never answers cannot pin a worker slot by renewing its lease
    /// forever. Each limit is well above the kind's own provider timeouts.
    pub fn max_run_time(self) -> Duration {
        let seconds = match self {
            // Reconcile list (15 s) + create (15 s) + two short transactions.
            JobKind::SendSms | JobKind::FinalizeCall | JobKind::StallNudge => MINUTE,
            // One subscription re-fetch with in-request retries.
            JobKind::ProcessStripeEvent => 2 * MINUTE,
            // One 10 s POST (webhooks) or one Airtable request, plus bookkeeping.
            JobKind::WebhookDeliver => 30,
            JobKind::AirtablePush => MINUTE,
            // Whole passes over many numbers or rows.
            JobKind::TwilioReconcile | JobKind::DeleteBusiness | JobKind::Purge => 15 * MINUTE,
            JobKind::RateLimitCleanup => 5 * MINUTE,
        };
        Duration::from_secs(seconds)
    }

    pub fn max_attempts(self) -> i32 {
        match self {
            JobKind::SendSms => 12,
            JobKind::FinalizeCall => 5,
            JobKind::StallNudge => 5,
            JobKind::ProcessStripeEvent => 20,
            JobKind::TwilioReconcile => 10,
            JobKind::AirtablePush => 10,
            JobKind::WebhookDeliver => 8,
            JobKind::DeleteBusiness => 10,
            JobKind::Purge | JobKind::RateLimitCleanup => 3,
        }
    }

    /// Delay before the next attempt once attempt number `failed_attempt` (1-based) has failed,
    /// before jitter. Schedules that run out repeat their last step.
    pub fn base_delay(self, failed_attempt: u32) -> Duration {
        let step = failed_attempt.max(1) as usize - 1;
        let seconds = match self {
            JobKind::SendSms => pick(
                &[
                    5,
                    15,
                    30,
                    60,
                    2 * MINUTE,
                    5 * MINUTE,
                    10 * MINUTE,
                    15 * MINUTE,
                ],
                step,
            ),
            JobKind::FinalizeCall => pick(&[10, 30, MINUTE, 5 * MINUTE], step),
            JobKind::StallNudge => doubling(MINUTE, step, u64::MAX),
            JobKind::TwilioReconcile => doubling(MINUTE, step, 30 * MINUTE),
            JobKind::AirtablePush => pick(
                &[30, MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 30 * MINUTE],
                step,
            ),
            JobKind::WebhookDeliver => pick(
                &[
                    MINUTE,
                    5 * MINUTE,
                    30 * MINUTE,
                    2 * HOUR,
                    6 * HOUR,
                    12 * HOUR,
                    24 * HOUR,
                ],
                step,
            ),
            JobKind::ProcessStripeEvent
            | JobKind::DeleteBusiness
            | JobKind::Purge
            | JobKind::RateLimitCleanup => 5 * MINUTE,
        };
        Duration::from_secs(seconds)
    }
}

fn pick(schedule: &[u64], step: usize) -> u64 {
    schedule[step.min(schedule.len() - 1)]
}

fn doubling(first: u64, step: usize, cap: u64) -> u64 {
    let factor = 1u64.checked_shl(step.min(32) as u32).unwrap_or(u64::MAX);
    first.saturating_mul(factor).min(cap)
}

/// Spreads retries by ±20 % so jobs that failed together do not retry together.
/// `unit` is a uniform sample from `[0, 1)`.
pub fn with_jitter(delay: Duration, unit: f64) -> Duration {
    let factor = 0.8 + 0.4 * unit.clamp(0.0, 1.0);
    delay.mul_f64(factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(kind: JobKind, attempts: std::ops::RangeInclusive<u32>) -> Vec<u64> {
        attempts.map(|a| kind.base_delay(a).as_secs()).collect()
    }

    #[test]
    fn every_kind_round_trips_through_its_name() {
        for kind in JobKind::ALL {
            assert_eq!(JobKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(JobKind::parse("nope"), None);
    }

    #[test]
    fn attempt_limits_match_the_spec_table() {
        let limits: Vec<_> = JobKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.max_attempts()))
            .collect();
        assert_eq!(
            limits,
            vec![
                ("send_sms", 12),
                ("finalize_call", 5),
                ("stall_nudge", 5),
                ("process_stripe_event", 20),
                ("twilio_reconcile", 10),
                ("airtable_push", 10),
                ("webhook_deliver", 8),
                ("delete_business", 10),
                ("purge", 3),
                ("rate_limit_cleanup", 3),
            ]
        );
    }

    #[test]
    fn caller_and_owner_facing_kinds_run_in_the_urgent_lane() {
        let urgent: Vec<_> = JobKind::ALL
            .into_iter()
            .filter(|kind| kind.lane() == Lane::Urgent)
            .map(JobKind::as_str)
            .collect();
        assert_eq!(
            urgent,
            [
                "send_sms",
                "finalize_call",
                "stall_nudge",
                "process_stripe_event"
            ]
        );
    }

    #[test]
    fn every_kind_has_a_run_time_limit_above_its_provider_timeouts() {
        for kind in JobKind::ALL {
            assert!(kind.max_run_time() >= Duration::from_secs(30), "{kind:?}");
            assert!(kind.max_run_time() < super::super::queue::LEASE.to_std().unwrap() * 20);
        }
        assert_eq!(JobKind::WebhookDeliver.max_run_time().as_secs(), 30);
    }

    #[test]
    fn send_sms_follows_twilio_retry_policy() {
        assert_eq!(
            secs(JobKind::SendSms, 1..=11),
            vec![5, 15, 30, 60, 120, 300, 600, 900, 900, 900, 900]
        );
    }

    #[test]
    fn schedules_of_the_other_kinds() {
        assert_eq!(
            secs(JobKind::FinalizeCall, 1..=5),
            vec![10, 30, 60, 300, 300]
        );
        assert_eq!(secs(JobKind::StallNudge, 1..=4), vec![60, 120, 240, 480]);
        assert_eq!(
            secs(JobKind::TwilioReconcile, 1..=7),
            vec![60, 120, 240, 480, 960, 1800, 1800]
        );
        assert_eq!(
            secs(JobKind::AirtablePush, 1..=9),
            vec![30, 60, 120, 300, 600, 1800, 1800, 1800, 1800]
        );
        assert_eq!(
            secs(JobKind::WebhookDeliver, 1..=7),
            vec![60, 300, 1800, 7200, 21600, 43200, 86400]
        );
        for kind in [
            JobKind::ProcessStripeEvent,
            JobKind::DeleteBusiness,
            JobKind::Purge,
        ] {
            assert_eq!(secs(kind, 1..=3), vec![300, 300, 300]);
        }
        // A huge attempt number never overflows.
        assert_eq!(JobKind::StallNudge.base_delay(200).as_secs(), 60 << 32);
    }

    #[test]
    fn jitter_stays_within_twenty_percent() {
        let base = Duration::from_secs(100);
        assert_eq!(with_jitter(base, 0.0), Duration::from_secs(80));
        assert_eq!(with_jitter(base, 0.5), Duration::from_secs(100));
        assert!(with_jitter(base, 0.999_999) <= Duration::from_secs(120));
        assert_eq!(with_jitter(base, 7.0), Duration::from_secs(120));
    }
}
