//! Telling Twilio's call callbacks apart and classifying callers (twilio.md §5, §7.1, §7.4).

/// Which status callback a request is (twilio.md §7.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusKind {
    /// The `<Dial action>`: the outcome of ringing the owner.
    Dial,
    /// `recordingStatusCallback`: recording metadata only.
    Recording,
    /// The number's call status callback: the parent call ended.
    Call,
    Unknown,
}

impl StatusKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StatusKind::Dial => "dial",
            StatusKind::Recording => "recording",
            StatusKind::Call => "call",
            StatusKind::Unknown => "unknown",
        }
    }
}

/// The `event` query value wins; without it the parameters present decide.
pub fn status_kind(
    event: Option<&str>,
    has_dial_call_status: bool,
    has_recording_sid: bool,
    has_call_status: bool,
) -> StatusKind {
    match event {
        Some("dial") => return StatusKind::Dial,
        Some("recording") => return StatusKind::Recording,
        Some("call") => return StatusKind::Call,
        _ => {}
    }
    if has_dial_call_status {
        StatusKind::Dial
    } else if has_recording_sid {
        StatusKind::Recording
    } else if has_call_status {
        StatusKind::Call
    } else {
        StatusKind::Unknown
    }
}

/// A parent `CallStatus` after which the call can no longer be answered.
pub fn is_terminal_call_status(status: &str) -> bool {
    matches!(
        status.trim().to_ascii_lowercase().as_str(),
        "completed" | "busy" | "no-answer" | "failed" | "canceled"
    )
}

/// Every call status Twilio documents. A signed callback carries one of these; anything else
/// is a malformed request (quality.md §5), answered 400 before any state changes.
const TWILIO_CALL_STATUSES: [&str; 10] = [
    "queued",
    "initiated",
    "ringing",
    "in-progress",
    "answered",
    "completed",
    "busy",
    "failed",
    "no-answer",
    "canceled",
];

/// Blank, or one of Twilio's call statuses (any case).
pub fn is_valid_call_status(raw: Option<&str>) -> bool {
    match raw.map(str::trim) {
        None | Some("") => true,
        Some(status) => TWILIO_CALL_STATUSES.contains(&status.to_ascii_lowercase().as_str()),
    }
}

/// Blank, or a base-10 count of seconds.
pub fn is_valid_duration(raw: Option<&str>) -> bool {
    match raw.map(str::trim) {
        None | Some("") => true,
        Some(value) => value.len() <= 9 && value.bytes().all(|b| b.is_ascii_digit()),
    }
}

/// The first status or duration parameter of a status callback that is malformed.
pub fn first_invalid_parameter<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Option<&'static str> {
    let statuses = ["DialCallStatus", "CallStatus"];
    let durations = ["DialCallDuration", "CallDuration"];
    statuses
        .into_iter()
        .find(|name| !is_valid_call_status(get(name)))
        .or_else(|| {
            durations
                .into_iter()
                .find(|name| !is_valid_duration(get(name)))
        })
}

/// Who is calling, as far as texting goes (twilio.md §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallerKind {
    External,
    /// The business's own phones or any tracking number of the platform: logged, never texted.
    Internal,
    /// No number to text back.
    Hidden,
}

impl CallerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CallerKind::External => "external",
            CallerKind::Internal => "internal",
            CallerKind::Hidden => "hidden",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "external" => Some(CallerKind::External),
            "internal" => Some(CallerKind::Internal),
            "hidden" => Some(CallerKind::Hidden),
            _ => None,
        }
    }
}

/// `from` is the caller's normalised number, `None` when it does not normalise.
pub fn caller_kind(from: Option<&str>, is_internal: impl FnOnce(&str) -> bool) -> CallerKind {
    match from {
        None => CallerKind::Hidden,
        Some(e164) if is_internal(e164) => CallerKind::Internal,
        Some(_) => CallerKind::External,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_event_query_decides_first() {
        assert_eq!(
            status_kind(Some("dial"), false, true, true),
            StatusKind::Dial
        );
        assert_eq!(
            status_kind(Some("recording"), true, false, true),
            StatusKind::Recording
        );
        assert_eq!(
            status_kind(Some("call"), true, true, false),
            StatusKind::Call
        );
    }

    #[test]
    fn without_an_event_the_parameters_decide() {
        assert_eq!(status_kind(None, true, true, true), StatusKind::Dial);
        assert_eq!(status_kind(None, false, true, true), StatusKind::Recording);
        assert_eq!(status_kind(None, false, false, true), StatusKind::Call);
        assert_eq!(status_kind(None, false, false, false), StatusKind::Unknown);
        assert_eq!(
            status_kind(Some("weird"), false, false, true),
            StatusKind::Call
        );
        assert_eq!(
            status_kind(Some("weird"), false, false, false),
            StatusKind::Unknown
        );
    }

    #[test]
    fn terminal_statuses() {
        for status in [
            "completed",
            "busy",
            "no-answer",
            "failed",
            "canceled",
            " Completed ",
        ] {
            assert!(is_terminal_call_status(status), "{status}");
        }
        for status in ["queued", "ringing", "in-progress", "", "weird"] {
            assert!(!is_terminal_call_status(status), "{status}");
        }
    }

    #[test]
    fn parameter_validation() {
        for status in [
            "completed",
            "No-Answer",
            " busy ",
            "",
            "in-progress",
            "canceled",
        ] {
            assert!(is_valid_call_status(Some(status)), "{status}");
        }
        assert!(is_valid_call_status(None));
        for status in ["weird", "completed!", "no_answer", "null"] {
            assert!(!is_valid_call_status(Some(status)), "{status}");
        }
        for duration in ["0", "15", " 42 ", ""] {
            assert!(is_valid_duration(Some(duration)), "{duration}");
        }
        for duration in ["abc", "-1", "1.5", "1e3", "9999999999"] {
            assert!(!is_valid_duration(Some(duration)), "{duration}");
        }
        let params = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
        };
        assert_eq!(
            first_invalid_parameter(params(&[
                ("DialCallStatus", "completed"),
                ("DialCallDuration", "9")
            ])),
            None
        );
        assert_eq!(
            first_invalid_parameter(params(&[("DialCallStatus", "weird")])),
            Some("DialCallStatus")
        );
        assert_eq!(
            first_invalid_parameter(params(&[("CallDuration", "soon")])),
            Some("CallDuration")
        );
        assert_eq!(
            first_invalid_parameter(params(&[
                ("DialCallDuration", "x"),
                ("CallStatus", "weird")
            ])),
            Some("CallStatus")
        );
    }

    #[test]
    fn caller_kinds() {
        assert_eq!(caller_kind(None, |_| true), CallerKind::Hidden);
        assert_eq!(
            caller_kind(Some("+15125550100"), |p| p == "+15125550100"),
            CallerKind::Internal
        );
        assert_eq!(
            caller_kind(Some("+15125550100"), |_| false),
            CallerKind::External
        );
        for kind in [
            CallerKind::External,
            CallerKind::Internal,
            CallerKind::Hidden,
        ] {
            assert_eq!(CallerKind::parse(kind.as_str()), Some(kind));
        }
    }
}
