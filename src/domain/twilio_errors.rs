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
}
