//! Quiet hours for the stall nudge (conversation.md §9.4): a nudge due inside the business's
//! local window `[start, end)` waits for the window's end. Server only (time zone tables).

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone as _, Utc};
use chrono_tz::Tz;

/// When a nudge due at `due` may go out: `due` itself outside quiet hours, else the end of the
/// window. An end that does not exist that day (spring forward) means the first local time
/// after it that exists; a repeated one (fall back) means the earlier instant.
pub fn next_allowed(
    due: DateTime<Utc>,
    timezone: Tz,
    start: NaiveTime,
    end: NaiveTime,
) -> DateTime<Utc> {
    if start == end {
        return due;
    }
    let local = due.with_timezone(&timezone).naive_local();
    let time = local.time();
    let end_date = if start < end {
        if time < start || time >= end {
            return due;
        }
        local.date()
    } else if time >= start {
        local.date().succ_opt().unwrap_or(local.date())
    } else if time < end {
        local.date()
    } else {
        return due;
    };
    resolve(timezone, end_date, end)
}

fn resolve(timezone: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let mut naive = date.and_time(time);
    // Gaps are at most a few hours; step minute by minute to the first time that exists.
    for _ in 0..(24 * 60) {
        match timezone.from_local_datetime(&naive) {
            LocalResult::Single(at) => return at.with_timezone(&Utc),
            LocalResult::Ambiguous(earlier, _) => return earlier.with_timezone(&Utc),
            LocalResult::None => naive += Duration::minutes(1),
        }
    }
    Utc.from_utc_datetime(&naive)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339).unwrap().to_utc()
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    const CHICAGO: Tz = chrono_tz::America::Chicago;

    #[test]
    fn spec_examples_in_chicago() {
        let default = |due| next_allowed(at(due), CHICAGO, hm(21, 0), hm(8, 0));
        assert_eq!(default("2026-03-02T03:00:00Z"), at("2026-03-02T14:00:00Z"));
        assert_eq!(default("2026-03-02T02:59:00Z"), at("2026-03-02T02:59:00Z"));
        // After midnight, still quiet: the same local morning.
        assert_eq!(default("2026-03-02T10:00:00Z"), at("2026-03-02T14:00:00Z"));
        // 08:00 itself is allowed.
        assert_eq!(default("2026-03-02T14:00:00Z"), at("2026-03-02T14:00:00Z"));
        // 14:00 local (C53) goes out at once; 22:30 local (C54) waits for 08:00.
        assert_eq!(default("2026-03-02T20:00:00Z"), at("2026-03-02T20:00:00Z"));
        assert_eq!(default("2026-03-03T04:30:00Z"), at("2026-03-03T14:00:00Z"));
    }

    #[test]
    fn c61_an_end_inside_the_spring_forward_gap_moves_to_the_first_real_time() {
        assert_eq!(
            next_allowed(at("2026-03-08T05:00:00Z"), CHICAGO, hm(21, 0), hm(2, 30)),
            at("2026-03-08T08:00:00Z")
        );
    }

    #[test]
    fn a_repeated_end_time_means_the_earlier_instant() {
        // 1 November 2026: 01:30 happens twice in Chicago (CDT, then CST).
        assert_eq!(
            next_allowed(at("2026-11-01T04:00:00Z"), CHICAGO, hm(22, 0), hm(1, 30)),
            at("2026-11-01T06:30:00Z")
        );
    }

    #[test]
    fn daytime_windows_and_empty_windows() {
        // A window that does not cross midnight.
        let due = at("2026-03-02T19:00:00Z"); // 13:00 local
        assert_eq!(
            next_allowed(due, CHICAGO, hm(12, 0), hm(14, 0)),
            at("2026-03-02T20:00:00Z")
        );
        assert_eq!(next_allowed(due, CHICAGO, hm(14, 0), hm(16, 0)), due);
        assert_eq!(next_allowed(due, CHICAGO, hm(9, 0), hm(9, 0)), due);
    }
}
