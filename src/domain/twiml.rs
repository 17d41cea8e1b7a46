//! The TwiML documents the voice and status webhooks answer with (twilio.md §6, §7.6).
//!
//! Documents are built as strings with every text and attribute value XML-escaped; the shapes
//! are fixed by the spec and pinned by the snapshot tests below.

/// `<Dial>` to the owner's phone for one call (twilio.md §6.1, §6.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DialPlan<'a> {
    /// Spoken before dialing: the recording disclosure, when recording and disclosure are on.
    pub disclosure: Option<&'a str>,
    pub timeout_seconds: i32,
    pub caller_id: &'a str,
    /// Status URL with `event=dial` (and the retry fragment).
    pub action_url: &'a str,
    /// Status URL with `event=recording`, when recording is on.
    pub recording_callback_url: Option<&'a str>,
    /// Voice URL with `stage=screen`, when call screening is on.
    pub screen_url: Option<&'a str>,
    pub forward_to: &'a str,
}

const DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

pub fn dial(plan: &DialPlan<'_>) -> String {
    let mut xml = String::with_capacity(768);
    xml.push_str(DECLARATION);
    xml.push_str("<Response>");
    if let Some(text) = plan.disclosure {
        say(&mut xml, text);
    }
    xml.push_str("<Dial");
    attr(&mut xml, "timeout", &plan.timeout_seconds.to_string());
    attr(&mut xml, "callerId", plan.caller_id);
    attr(&mut xml, "answerOnBridge", "true");
    attr(&mut xml, "action", plan.action_url);
    attr(&mut xml, "method", "POST");
    if let Some(callback) = plan.recording_callback_url {
        attr(&mut xml, "record", "record-from-answer-dual");
        attr(&mut xml, "recordingStatusCallback", callback);
        attr(&mut xml, "recordingStatusCallbackMethod", "POST");
        attr(&mut xml, "recordingStatusCallbackEvent", "completed");
    }
    xml.push_str("><Number");
    if let Some(url) = plan.screen_url {
        attr(&mut xml, "url", url);
        attr(&mut xml, "method", "POST");
    }
    xml.push('>');
    escape_into(&mut xml, plan.forward_to);
    xml.push_str("</Number></Dial></Response>");
    xml
}

/// The whisper on the answering leg: press 1 to accept (twilio.md §6.3). A voicemail greeting
/// cannot press 1, so the leg hangs up and the call counts as missed.
pub fn screen_prompt(label: &str, action_url: &str) -> String {
    let mut xml = String::from(DECLARATION);
    xml.push_str("<Response><Gather");
    attr(&mut xml, "numDigits", "1");
    attr(&mut xml, "timeout", "5");
    attr(&mut xml, "action", action_url);
    attr(&mut xml, "method", "POST");
    xml.push('>');
    say(&mut xml, &format!("Call from {label}. Press 1 to accept."));
    xml.push_str("</Gather><Hangup/></Response>");
    xml
}

/// An empty document: the call ends (or, after a screen accept, the legs are bridged).
pub fn empty() -> String {
    format!("{DECLARATION}<Response/>")
}

pub fn hangup() -> String {
    format!("{DECLARATION}<Response><Hangup/></Response>")
}

/// Says one line, then hangs up.
pub fn say_and_hang_up(text: &str) -> String {
    let mut xml = String::from(DECLARATION);
    xml.push_str("<Response>");
    say(&mut xml, text);
    xml.push_str("<Hangup/></Response>");
    xml
}

pub const NOT_IN_SERVICE: &str = "Sorry, this number is not in service. Goodbye.";
pub const MISSED_NOTICE: &str = "Sorry we missed your call. We will text you shortly.";
pub const TROUBLE_CONNECTING: &str =
    "Sorry, we are having trouble connecting your call. Please try again shortly.";

/// The moved notice naming the replacement's ten digits, grouped 3-3-4 and read one by one:
/// `+15125550199` → `This number has changed. Please call 5 1 2, 5 5 5, 0 1 9 9.`
pub fn moved_notice(replacement_e164: &str) -> String {
    let digits: Vec<char> = replacement_e164
        .trim_start_matches("+1")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let spaced = |part: &[char]| {
        part.iter()
            .map(char::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    };
    let grouped = if digits.len() == 10 {
        format!(
            "{}, {}, {}",
            spaced(&digits[..3]),
            spaced(&digits[3..6]),
            spaced(&digits[6..])
        )
    } else {
        spaced(&digits)
    };
    format!("This number has changed. Please call {grouped}.")
}

fn say(xml: &mut String, text: &str) {
    xml.push_str("<Say>");
    escape_into(xml, text);
    xml.push_str("</Say>");
}

fn attr(xml: &mut String, name: &str, value: &str) {
    xml.push(' ');
    xml.push_str(name);
    xml.push_str("=\"");
    escape_into(xml, value);
    xml.push('"');
}

/// XML-escapes text and attribute values; control characters XML 1.0 cannot carry are dropped.
fn escape_into(xml: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '&' => xml.push_str("&amp;"),
            '<' => xml.push_str("&lt;"),
            '>' => xml.push_str("&gt;"),
            '"' => xml.push_str("&quot;"),
            '\'' => xml.push_str("&apos;"),
            '\t' | '\n' | '\r' => xml.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => xml.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACTION: &str = "https://app.example.com/api/twilio/status?event=dial#rc=3&rp=all";
    const RECORDING: &str = "https://app.example.com/api/twilio/status?event=recording#rc=3&rp=all";
    const SCREEN: &str = "https://app.example.com/api/twilio/voice?stage=screen#rc=3&rp=all";

    #[test]
    fn dial_with_recording_and_screening_matches_the_spec_document() {
        let plan = DialPlan {
            disclosure: Some("This call may be recorded."),
            timeout_seconds: 20,
            caller_id: "+15125550100",
            action_url: ACTION,
            recording_callback_url: Some(RECORDING),
            screen_url: Some(SCREEN),
            forward_to: "+15125550142",
        };
        assert_eq!(
            dial(&plan),
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Response>"#,
                "<Say>This call may be recorded.</Say>",
                r#"<Dial timeout="20" callerId="+15125550100" answerOnBridge="true" "#,
                r#"action="https://app.example.com/api/twilio/status?event=dial#rc=3&amp;rp=all" method="POST" "#,
                r#"record="record-from-answer-dual" "#,
                r#"recordingStatusCallback="https://app.example.com/api/twilio/status?event=recording#rc=3&amp;rp=all" "#,
                r#"recordingStatusCallbackMethod="POST" recordingStatusCallbackEvent="completed">"#,
                r#"<Number url="https://app.example.com/api/twilio/voice?stage=screen#rc=3&amp;rp=all" method="POST">+15125550142</Number>"#,
                "</Dial></Response>"
            )
        );
    }

    #[test]
    fn dial_without_recording_or_screening_has_no_extra_attributes() {
        let plan = DialPlan {
            disclosure: None,
            timeout_seconds: 20,
            caller_id: "+15125550100",
            action_url: ACTION,
            recording_callback_url: None,
            screen_url: None,
            forward_to: "+15125550142",
        };
        assert_eq!(
            dial(&plan),
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Response>"#,
                r#"<Dial timeout="20" callerId="+15125550100" answerOnBridge="true" "#,
                r#"action="https://app.example.com/api/twilio/status?event=dial#rc=3&amp;rp=all" method="POST">"#,
                "<Number>+15125550142</Number></Dial></Response>"
            )
        );
    }

    #[test]
    fn owner_text_is_escaped() {
        let plan = DialPlan {
            disclosure: Some(r#"Calls <may> be "recorded" & kept's"#),
            timeout_seconds: 5,
            caller_id: "+15125550100",
            action_url: "https://x.example/a?b=1&c=2",
            recording_callback_url: Some("https://x.example/r"),
            screen_url: None,
            forward_to: "+15125550142",
        };
        let xml = dial(&plan);
        assert!(
            xml.contains("<Say>Calls &lt;may&gt; be &quot;recorded&quot; &amp; kept&apos;s</Say>")
        );
        assert!(xml.contains(r#"action="https://x.example/a?b=1&amp;c=2""#));
        assert_eq!(xml.matches('<').count(), xml.matches('>').count());
    }

    #[test]
    fn control_characters_are_dropped() {
        assert_eq!(
            say_and_hang_up("a\u{0}b\u{1b}c"),
            r#"<?xml version="1.0" encoding="UTF-8"?><Response><Say>abc</Say><Hangup/></Response>"#
        );
    }

    #[test]
    fn screening_prompt_names_the_line() {
        assert_eq!(
            screen_prompt(
                "Main & Co",
                "https://app.example.com/api/twilio/voice?stage=screen-result#rc=3&rp=all"
            ),
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Response>"#,
                r#"<Gather numDigits="1" timeout="5" action="https://app.example.com/api/twilio/voice?stage=screen-result#rc=3&amp;rp=all" method="POST">"#,
                "<Say>Call from Main &amp; Co. Press 1 to accept.</Say></Gather><Hangup/></Response>"
            )
        );
    }

    #[test]
    fn short_documents() {
        assert_eq!(
            empty(),
            r#"<?xml version="1.0" encoding="UTF-8"?><Response/>"#
        );
        assert_eq!(
            hangup(),
            r#"<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>"#
        );
        assert_eq!(
            say_and_hang_up(NOT_IN_SERVICE),
            r#"<?xml version="1.0" encoding="UTF-8"?><Response><Say>Sorry, this number is not in service. Goodbye.</Say><Hangup/></Response>"#
        );
        assert_eq!(
            say_and_hang_up(MISSED_NOTICE),
            r#"<?xml version="1.0" encoding="UTF-8"?><Response><Say>Sorry we missed your call. We will text you shortly.</Say><Hangup/></Response>"#
        );
    }

    #[test]
    fn moved_notice_reads_the_digits_in_groups() {
        assert_eq!(
            moved_notice("+15125550199"),
            "This number has changed. Please call 5 1 2, 5 5 5, 0 1 9 9."
        );
    }
}
