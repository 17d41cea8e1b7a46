//! When `twilio_reconcile` runs and over which window (twilio.md §10.5): after the database came
//! back, at a start that follows downtime, or on demand. Pure: the job and its triggers do IO.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Twilio's clock and ours may disagree a little; the window starts this much earlier.
pub const MARGIN: Duration = Duration::minutes(5);
/// A heartbeat older than this at startup means nothing was running.
pub const STALE_AFTER: Duration = Duration::minutes(2);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Window {
    /// (a) The database failed at `first_failure` and answered again at `recovered`.
    pub fn after_outage(first_failure: DateTime<Utc>, recovered: DateTime<Utc>) -> Self {
        Self {
            start: first_failure - MARGIN,
            end: recovered,
        }
    }

    /// (b) At startup: the window since the last heartbeat, when it is stale.
    pub fn at_startup(last_seen: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<Self> {
        let last_seen = last_seen?;
        (now - last_seen > STALE_AFTER).then(|| Self {
            start: last_seen - MARGIN,
            end: now,
        })
    }

    /// (c) `reconcile-twilio --since [--until]`; `None` when the window is empty.
    pub fn requested(since: DateTime<Utc>, until: DateTime<Utc>) -> Option<Self> {
        (since < until).then_some(Self {
            start: since,
            end: until,
        })
    }

    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at <= self.end
    }

    /// `job:twilio_reconcile:<window start, epoch seconds>`.
    pub fn job_key(&self) -> String {
        format!("job:twilio_reconcile:{}", self.start.timestamp())
    }

    /// Twilio's `StartTime>=` filter takes a UTC date.
    pub fn start_date(&self) -> String {
        self.start.format("%Y-%m-%d").to_string()
    }
}

/// A call Twilio reports as over (a call in progress is left for its own callbacks).
pub fn call_has_ended(status: &str) -> bool {
    matches!(
        status,
        "completed" | "busy" | "no-answer" | "failed" | "canceled"
    )
}

/// Twilio's list dates: RFC 2822, e.g. `Wed, 18 Aug 2010 20:01:40 +0000`.
pub fn parse_twilio_date(raw: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(raw.trim())
        .ok()
        .map(|at| at.to_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(raw: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(raw).unwrap().to_utc()
    }

    #[test]
    fn an_outage_window_starts_five_minutes_before_the_first_failure() {
        let window = Window::after_outage(at("2026-05-01T10:00:00Z"), at("2026-05-01T10:20:00Z"));
        assert_eq!(window.start, at("2026-05-01T09:55:00Z"));
        assert_eq!(window.end, at("2026-05-01T10:20:00Z"));
        assert_eq!(
            window.job_key(),
            format!("job:twilio_reconcile:{}", window.start.timestamp())
        );
        assert_eq!(window.start_date(), "2026-05-01");
    }

    #[test]
    fn a_start_reconciles_only_after_more_than_two_minutes_of_silence() {
        let now = at("2026-05-01T10:00:00Z");
        assert_eq!(Window::at_startup(None, now), None, "a brand-new database");
        assert_eq!(
            Window::at_startup(Some(now - Duration::seconds(120)), now),
            None
        );
        let window = Window::at_startup(Some(now - Duration::seconds(121)), now).unwrap();
        assert_eq!(window.start, now - Duration::seconds(121) - MARGIN);
        assert_eq!(window.end, now);
    }

    #[test]
    fn a_requested_window_must_not_be_empty_and_includes_its_ends() {
        let (a, b) = (at("2026-05-01T10:00:00Z"), at("2026-05-01T11:00:00Z"));
        assert_eq!(Window::requested(b, a), None);
        assert_eq!(Window::requested(a, a), None);
        let window = Window::requested(a, b).unwrap();
        assert!(window.contains(a) && window.contains(b));
        assert!(!window.contains(a - Duration::seconds(1)));
        assert!(!window.contains(b + Duration::seconds(1)));
    }

    #[test]
    fn only_ended_calls_are_reconciled() {
        for status in ["completed", "busy", "no-answer", "failed", "canceled"] {
            assert!(call_has_ended(status), "{status}");
        }
        for status in ["queued", "ringing", "in-progress", ""] {
            assert!(!call_has_ended(status), "{status}");
        }
    }

    #[test]
    fn twilio_dates_parse_and_garbage_does_not() {
        assert_eq!(
            parse_twilio_date("Wed, 18 Aug 2010 20:01:40 +0000"),
            Some(at("2010-08-18T20:01:40Z"))
        );
        assert_eq!(parse_twilio_date("yesterday"), None);
    }
}
