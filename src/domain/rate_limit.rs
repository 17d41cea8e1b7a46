//! Fixed-window rate limits (twilio.md §4): the arithmetic, separate from the atomic counter
//! the server keeps in Postgres.

use chrono::{DateTime, Duration, Utc};

/// The state of one key's window after counting a hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub started_at: DateTime<Utc>,
    /// Hits in this window, including the one just counted.
    pub count: i64,
}

/// The answer for one hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub limit: i64,
    pub remaining: i64,
    /// Window end as Unix seconds, rounded up.
    pub reset_epoch: i64,
    /// Whole seconds until the window ends, rounded up, at least 1.
    pub retry_after: i64,
}

/// A hit is allowed while the count before it was below the limit.
pub fn decide(window: Window, limit: i64, length: Duration, now: DateTime<Utc>) -> Decision {
    let ends_at = window.started_at + length;
    let millis_left = (ends_at - now).num_milliseconds().max(0);
    Decision {
        allowed: window.count <= limit,
        limit,
        remaining: (limit - window.count).max(0),
        reset_epoch: ceil_div(ends_at.timestamp_millis(), 1000),
        retry_after: ceil_div(millis_left, 1000).max(1),
    }
}

/// Whether a window that started at `started_at` is over at `now`.
pub fn is_expired(started_at: DateTime<Utc>, length: Duration, now: DateTime<Utc>) -> bool {
    now >= started_at + length
}

fn ceil_div(value: i64, by: i64) -> i64 {
    (value + by - 1).div_euclid(by)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_vector_limit_two_window_ten_seconds() {
        let start = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let length = Duration::milliseconds(10_000);
        let at = |ms| start + Duration::milliseconds(ms);
        let hit = |count, ms| {
            decide(
                Window {
                    started_at: start,
                    count,
                },
                2,
                length,
                at(ms),
            )
        };

        let first = hit(1, 0);
        assert!(first.allowed);
        assert_eq!(first.remaining, 1);
        let second = hit(2, 100);
        assert!(second.allowed);
        assert_eq!(second.remaining, 0);
        let third = hit(3, 200);
        assert!(!third.allowed);
        assert_eq!(third.retry_after, 10);
        assert_eq!(third.remaining, 0);
        assert_eq!(third.reset_epoch, 1_700_000_010);

        assert!(is_expired(start, length, at(10_500)), "a new window begins");
        assert!(!is_expired(start, length, at(9_999)));
    }

    #[test]
    fn retry_after_is_at_least_one_second() {
        let start = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let decision = decide(
            Window {
                started_at: start,
                count: 5,
            },
            2,
            Duration::seconds(10),
            start + Duration::milliseconds(9_999),
        );
        assert_eq!(decision.retry_after, 1);
        let late = decide(
            Window {
                started_at: start,
                count: 5,
            },
            2,
            Duration::seconds(10),
            start + Duration::seconds(30),
        );
        assert_eq!(late.retry_after, 1);
    }
}
