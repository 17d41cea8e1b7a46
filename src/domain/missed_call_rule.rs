//! Was a forwarded call answered or missed? (twilio.md §7.2). Evaluated once, when the dial
//! outcome arrives, or at finalize when the caller hung up before any dial outcome.

/// Why a call counts as missed; stored in `calls.missed_reason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MissedReason {
    NoAnswer,
    Busy,
    Failed,
    Canceled,
    /// Screening was on and nobody pressed 1: a voicemail greeting, or the owner declined.
    ScreeningNotAccepted,
    /// Answered for less than the number's threshold (a carrier voicemail picking up).
    ShortAnswer,
    /// The caller hung up while it was still ringing: no dial outcome ever arrived.
    CallerHungUp,
}

impl MissedReason {
    pub fn as_str(self) -> &'static str {
        match self {
            MissedReason::NoAnswer => "no_answer",
            MissedReason::Busy => "busy",
            MissedReason::Failed => "failed",
            MissedReason::Canceled => "canceled",
            MissedReason::ScreeningNotAccepted => "screening_not_accepted",
            MissedReason::ShortAnswer => "short_answer",
            MissedReason::CallerHungUp => "caller_hung_up",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Classification {
    Answered,
    Missed(MissedReason),
}

/// What the dial action callback said, with the call's configuration snapshot.
#[derive(Clone, Copy, Debug)]
pub struct DialReport<'a> {
    /// `DialCallStatus` as received (any case, any whitespace, possibly empty).
    pub dial_call_status: &'a str,
    /// `DialCallDuration` as received; missing or unparsable counts as 0.
    pub dial_call_duration: Option<&'a str>,
    pub screening_required: bool,
    pub screen_accepted: bool,
    pub short_answer_threshold_seconds: Option<i32>,
}

/// Rules 1–8: the first matching row wins.
pub fn classify_dial(report: &DialReport<'_>) -> Classification {
    use Classification::Missed;
    let status = report.dial_call_status.trim().to_ascii_lowercase();
    match status.as_str() {
        "no-answer" => Missed(MissedReason::NoAnswer),
        "busy" => Missed(MissedReason::Busy),
        "failed" => Missed(MissedReason::Failed),
        "canceled" => Missed(MissedReason::Canceled),
        "completed" | "answered" => {
            if report.screening_required && !report.screen_accepted {
                return Missed(MissedReason::ScreeningNotAccepted);
            }
            let duration = parse_seconds(report.dial_call_duration).unwrap_or(0);
            match report.short_answer_threshold_seconds {
                Some(threshold) if duration < i64::from(threshold) => {
                    Missed(MissedReason::ShortAnswer)
                }
                _ => Classification::Answered,
            }
        }
        _ => Missed(MissedReason::NoAnswer),
    }
}

/// Rule 9: the parent call ended and no dial outcome was ever received.
pub fn classify_without_dial_outcome() -> Classification {
    Classification::Missed(MissedReason::CallerHungUp)
}

/// A Twilio duration: a base-10, non-negative integer of seconds, else `None`.
pub fn parse_seconds(raw: Option<&str>) -> Option<i64> {
    let raw = raw?.trim();
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    raw.parse::<i64>()
        .ok()
        .filter(|v| *v <= i64::from(i32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Classification::{Answered, Missed};
    use MissedReason::*;

    fn report<'a>(status: &'a str, duration: Option<&'a str>) -> DialReport<'a> {
        DialReport {
            dial_call_status: status,
            dial_call_duration: duration,
            screening_required: false,
            screen_accepted: false,
            short_answer_threshold_seconds: None,
        }
    }

    #[test]
    fn failure_statuses_are_missed_with_their_reason() {
        for (status, reason) in [
            ("no-answer", NoAnswer),
            ("busy", Busy),
            ("failed", Failed),
            ("canceled", Canceled),
            ("  BUSY \n", Busy),
            ("No-Answer", NoAnswer),
        ] {
            assert_eq!(
                classify_dial(&report(status, Some("0"))),
                Missed(reason),
                "{status:?}"
            );
        }
    }

    #[test]
    fn completed_or_answered_is_answered_by_default() {
        assert_eq!(classify_dial(&report("completed", Some("120"))), Answered);
        assert_eq!(classify_dial(&report("answered", None)), Answered);
        assert_eq!(classify_dial(&report(" Completed ", Some("0"))), Answered);
    }

    #[test]
    fn screening_not_accepted_wins_over_duration() {
        let mut r = report("completed", Some("300"));
        r.screening_required = true;
        assert_eq!(classify_dial(&r), Missed(ScreeningNotAccepted));
        r.screen_accepted = true;
        assert_eq!(classify_dial(&r), Answered);
        // Acceptance without screening being required changes nothing.
        let mut r = report("completed", Some("300"));
        r.screen_accepted = true;
        assert_eq!(classify_dial(&r), Answered);
    }

    #[test]
    fn short_answer_threshold() {
        let with = |duration| DialReport {
            short_answer_threshold_seconds: Some(15),
            ..report("completed", duration)
        };
        assert_eq!(classify_dial(&with(Some("9"))), Missed(ShortAnswer));
        assert_eq!(classify_dial(&with(Some("14"))), Missed(ShortAnswer));
        assert_eq!(classify_dial(&with(Some("15"))), Answered);
        assert_eq!(classify_dial(&with(Some("120"))), Answered);
        // Missing or unparsable durations count as 0.
        assert_eq!(classify_dial(&with(None)), Missed(ShortAnswer));
        assert_eq!(classify_dial(&with(Some("abc"))), Missed(ShortAnswer));
        assert_eq!(classify_dial(&with(Some("-5"))), Missed(ShortAnswer));
        assert_eq!(classify_dial(&with(Some("9.5"))), Missed(ShortAnswer));
    }

    #[test]
    fn screening_is_checked_before_the_threshold() {
        let r = DialReport {
            screening_required: true,
            short_answer_threshold_seconds: Some(15),
            ..report("answered", Some("3"))
        };
        assert_eq!(classify_dial(&r), Missed(ScreeningNotAccepted));
    }

    #[test]
    fn unknown_or_empty_status_is_no_answer() {
        for status in [
            "",
            "   ",
            "weird",
            "in-progress",
            "ringing",
            "queued",
            "null",
        ] {
            assert_eq!(
                classify_dial(&report(status, Some("60"))),
                Missed(NoAnswer),
                "{status:?}"
            );
        }
    }

    #[test]
    fn hang_up_before_any_dial_outcome() {
        assert_eq!(classify_without_dial_outcome(), Missed(CallerHungUp));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_seconds(Some("0")), Some(0));
        assert_eq!(parse_seconds(Some(" 42 ")), Some(42));
        assert_eq!(parse_seconds(Some("")), None);
        assert_eq!(parse_seconds(Some("+4")), None);
        assert_eq!(parse_seconds(Some("1e3")), None);
        assert_eq!(parse_seconds(Some("99999999999999999999")), None);
        assert_eq!(parse_seconds(Some("3000000000")), None);
        assert_eq!(parse_seconds(None), None);
    }

    #[test]
    fn reasons_match_the_schema_values() {
        let all = [
            NoAnswer,
            Busy,
            Failed,
            Canceled,
            ScreeningNotAccepted,
            ShortAnswer,
            CallerHungUp,
        ];
        let names: Vec<_> = all.iter().map(|r| r.as_str()).collect();
        assert_eq!(
            names,
            [
                "no_answer",
                "busy",
                "failed",
                "canceled",
                "screening_not_accepted",
                "short_answer",
                "caller_hung_up"
            ]
        );
    }
}
