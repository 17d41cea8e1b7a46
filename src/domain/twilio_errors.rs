//! What a Twilio error code on a sent text means for the product (twilio.md §11).

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorAction {
    /// 21610: the recipient unsubscribed at the carrier; opt them out of this business.
    CarrierOptOut,
    /// The recipient cannot receive texts: mark the lead unreachable and tell the owner once.
    Unreachable,
    /// 30003: unreachable handset, often temporary; unreachable only if it repeats.
    UnreachableIfRepeated,
    /// 30007: carrier filtering (operator alert, dashboard banner).
    CarrierFiltered,
    /// 30034: the sender is not A2P 10DLC registered (operator alert, dashboard banner).
    NotRegistered,
    /// 21606: the sender cannot send SMS (operator alert).
    SenderNotSmsCapable,
    /// 20003: bad credentials (operator alert).
    BadCredentials,
    /// Recorded with the message, nothing else.
    Other,
}

pub fn action(code: &str) -> ErrorAction {
    match code.trim() {
        "21610" => ErrorAction::CarrierOptOut,
        "21211" | "21614" | "21408" | "21612" | "30005" | "30006" => ErrorAction::Unreachable,
        "30003" => ErrorAction::UnreachableIfRepeated,
        "30007" => ErrorAction::CarrierFiltered,
        "30034" => ErrorAction::NotRegistered,
        "21606" => ErrorAction::SenderNotSmsCapable,
        "20003" => ErrorAction::BadCredentials,
        _ => ErrorAction::Other,
    }
}

/// The one-line explanation in the owner's "Can't text" alert.
/// Our own codes on a failed text: every retry failed (Twilio down or unreachable throughout).
pub const RETRY_EXHAUSTED: &str = "retry_exhausted";
/// Our own code: the send job died before Twilio confirmed the text (the operator is alerted).
pub const SEND_ABANDONED: &str = "send_abandoned";

/// How the lead page explains a failed text: our own codes in words, Twilio's with their number.
pub fn failure_note(code: &str) -> String {
    match code.trim() {
        RETRY_EXHAUSTED => "Not sent: Twilio could not be reached after every retry.".to_owned(),
        SEND_ABANDONED => {
            "Not sent: the send could not be completed. The operator has been alerted.".to_owned()
        }
        code => format!("Error {code}: {}", explanation(code)),
    }
}

pub fn explanation(code: &str) -> &'static str {
    match code.trim() {
        "21211" => "invalid phone number",
        "21614" => "not a mobile number",
        "21408" => "region not permitted",
        "21612" => "number not reachable by SMS",
        "30003" => "phone unreachable",
        "30005" => "unknown destination",
        "30006" => "landline or unreachable carrier",
        _ => "texts cannot be delivered",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_of_the_table() {
        let table = [
            ("21610", ErrorAction::CarrierOptOut),
            ("21211", ErrorAction::Unreachable),
            ("21614", ErrorAction::Unreachable),
            ("21408", ErrorAction::Unreachable),
            ("21612", ErrorAction::Unreachable),
            ("30005", ErrorAction::Unreachable),
            ("30006", ErrorAction::Unreachable),
            ("30003", ErrorAction::UnreachableIfRepeated),
            ("30007", ErrorAction::CarrierFiltered),
            ("30034", ErrorAction::NotRegistered),
            ("21606", ErrorAction::SenderNotSmsCapable),
            ("20003", ErrorAction::BadCredentials),
            ("21617", ErrorAction::Other),
            ("", ErrorAction::Other),
        ];
        for (code, expected) in table {
            assert_eq!(action(code), expected, "{code}");
        }
    }

    #[test]
    fn unreachable_codes_explain_themselves() {
        for code in [
            "21211", "21614", "21408", "21612", "30003", "30005", "30006",
        ] {
            assert_ne!(explanation(code), "texts cannot be delivered", "{code}");
        }
        assert_eq!(explanation("30006"), "landline or unreachable carrier");
    }

    #[test]
    fn failure_notes_explain_our_codes_in_words_and_number_twilios() {
        assert_eq!(
            failure_note(RETRY_EXHAUSTED),
            "Not sent: Twilio could not be reached after every retry."
        );
        assert!(failure_note(SEND_ABANDONED).starts_with("Not sent:"));
        assert_eq!(
            failure_note("30006"),
            "Error 30006: landline or unreachable carrier"
        );
    }
}
