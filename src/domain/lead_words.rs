//! The words the lead page uses for stored values (web.md §6.3): call outcomes, delivery
//! statuses and suppression reasons.

/// `Answered`, or `Missed - <reason>`; `None` while the call is still open.
pub fn call_outcome(outcome: &str, missed_reason: Option<&str>) -> Option<String> {
    match outcome {
        "answered" => Some("Answered".to_owned()),
        "missed" => {
            let reason = match missed_reason.unwrap_or_default() {
                "no_answer" => "no answer",
                "busy" => "busy",
                "failed" => "failed",
                "canceled" => "canceled",
                "screening_not_accepted" => "voicemail or not accepted",
                "short_answer" => "answered too briefly",
                "caller_hung_up" => "caller hung up",
                _ => "no answer",
            };
            Some(format!("Missed - {reason}"))
        }
        "pending" => None,
        other => Some(other.replace('_', " ")),
    }
}

/// The delivery status of an outbound message as the transcript shows it.
pub fn delivery(status: &str) -> &'static str {
    match status {
        "pending" | "submitting" => "Pending",
        "accepted" | "scheduled" | "queued" | "sending" => "Sending",
        "sent" => "Sent",
        "delivered" => "Delivered",
        "read" => "Read",
        "undelivered" => "Undelivered",
        "failed" => "Failed",
        "suppressed" => "Suppressed",
        "canceled" => "Canceled",
        _ => "Unknown",
    }
}

/// Why a text was withheld, in the owner's words.
pub fn suppression(reason: &str) -> &'static str {
    match reason {
        "opted_out" => "recipient opted out",
        "billing_inactive" => "billing inactive",
        "automation_paused" => "automation paused",
        "no_sender" => "no sending number",
        _ => "not sent",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes() {
        assert_eq!(call_outcome("answered", None).as_deref(), Some("Answered"));
        assert_eq!(
            call_outcome("missed", Some("screening_not_accepted")).as_deref(),
            Some("Missed - voicemail or not accepted")
        );
        assert_eq!(
            call_outcome("missed", Some("short_answer")).as_deref(),
            Some("Missed - answered too briefly")
        );
        assert_eq!(call_outcome("pending", None), None);
    }

    #[test]
    fn delivery_words() {
        assert_eq!(delivery("submitting"), "Pending");
        assert_eq!(delivery("queued"), "Sending");
        assert_eq!(delivery("delivered"), "Delivered");
        assert_eq!(suppression("no_sender"), "no sending number");
    }
}
