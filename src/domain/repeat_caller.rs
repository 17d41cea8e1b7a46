//! Whether a caller's newest lead is still "open" for a new missed call (twilio.md §7.7): a new
//! call joins it instead of starting another conversation.

use chrono::{DateTime, Duration, Utc};

/// Texts and calls keep joining an unfinished conversation for this long.
pub const ROUTING_WINDOW_DAYS: i64 = 30;

/// `lead_status` and `conversation_state` are the stored values of the newest lead of this
/// business and phone.
pub fn is_open(
    lead_status: &str,
    conversation_state: &str,
    last_activity_at: DateTime<Utc>,
    now: DateTime<Utc>,
    repeat_window_hours: i32,
) -> bool {
    if !matches!(lead_status, "NEW" | "QUALIFIED" | "CONTACTED") {
        return false;
    }
    let window = if conversation_state == "COMPLETED" {
        Duration::hours(i64::from(repeat_window_hours))
    } else {
        Duration::days(ROUTING_WINDOW_DAYS)
    };
    now - last_activity_at < window
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-06-01T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn an_unfinished_conversation_stays_open_for_thirty_days() {
        for state in [
            "NOT_STARTED",
            "AWAITING_SERVICE",
            "AWAITING_ZIP",
            "AWAITING_NAME",
        ] {
            assert!(is_open("NEW", state, now() - Duration::hours(6), now(), 24));
            assert!(
                is_open("NEW", state, now() - Duration::days(3), now(), 24),
                "T25"
            );
            assert!(is_open(
                "CONTACTED",
                state,
                now() - Duration::days(29),
                now(),
                24
            ));
            assert!(!is_open(
                "NEW",
                state,
                now() - Duration::days(30),
                now(),
                24
            ));
        }
    }

    #[test]
    fn a_completed_conversation_stays_open_for_the_repeat_window() {
        assert!(is_open(
            "QUALIFIED",
            "COMPLETED",
            now() - Duration::hours(23),
            now(),
            24
        ));
        assert!(
            !is_open(
                "QUALIFIED",
                "COMPLETED",
                now() - Duration::hours(25),
                now(),
                24
            ),
            "T15"
        );
        assert!(is_open(
            "NEW",
            "COMPLETED",
            now() - Duration::hours(47),
            now(),
            48
        ));
        assert!(!is_open(
            "NEW",
            "COMPLETED",
            now() - Duration::hours(1),
            now(),
            1
        ));
    }

    #[test]
    fn booked_and_lost_leads_are_never_open() {
        for status in ["BOOKED", "LOST"] {
            assert!(!is_open(status, "AWAITING_ZIP", now(), now(), 24));
            assert!(!is_open(status, "COMPLETED", now(), now(), 24));
        }
    }
}
