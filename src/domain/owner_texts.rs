//! Texts to the business owner about calls (conversation.md §6.3). Every one starts with
//! `[{business}] `; phone numbers are in display format; a value that is not known is left out
//! rather than shown as "Unknown".

use super::phone::display;

/// Why a missed caller was not texted (the "missed call, not texted" alert).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotTexted {
    OptedOut,
    CannotReceiveTexts,
    International,
    TextingOff,
}

impl NotTexted {
    pub fn as_str(self) -> &'static str {
        match self {
            NotTexted::OptedOut => "caller opted out of texts",
            NotTexted::CannotReceiveTexts => "number cannot receive texts",
            NotTexted::International => "international number",
            NotTexted::TextingOff => "texting is off for this number",
        }
    }
}

fn prefixed(business: &str, text: String) -> String {
    format!("[{business}] {text}")
}

pub fn lead_link(base_url: &str, lead_id: &str) -> String {
    format!("{base_url}/app/leads/{lead_id}")
}

pub fn called_again(business: &str, caller: &str, call_count: i32, link: &str) -> String {
    prefixed(
        business,
        format!(
            "{} called again ({call_count} calls). {link}",
            display(caller)
        ),
    )
}

pub fn missed_not_texted(
    business: &str,
    caller: &str,
    label: &str,
    reason: NotTexted,
    link: &str,
) -> String {
    prefixed(
        business,
        format!(
            "Missed call from {} on {label}. Not texted: {}. Call back: {link}",
            display(caller),
            reason.as_str()
        ),
    )
}

pub fn missed_hidden(business: &str, label: &str) -> String {
    prefixed(
        business,
        format!("Missed call from a hidden number on {label}."),
    )
}

/// `caller` is `None` for a hidden caller: the segment is written without a number.
pub fn call_to_old_number(
    business: &str,
    caller: Option<&str>,
    number: &str,
    label: &str,
) -> String {
    let who = caller.map_or_else(|| "A hidden number".to_owned(), display);
    prefixed(
        business,
        format!(
            "{who} called your old number {} ({label}) and heard the moved notice.",
            display(number)
        ),
    )
}

pub fn limit_reached(business: &str, used: i32, limit: i32, billing_link: &str) -> String {
    prefixed(
        business,
        format!(
            "Monthly limit reached ({used}/{limit} conversations). New missed calls are saved but not texted. Upgrade: {billing_link}"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINK: &str = "https://app.example.com/app/leads/abc";

    #[test]
    fn exact_texts() {
        assert_eq!(
            called_again("Acme Plumbing", "+15125550100", 2, LINK),
            "[Acme Plumbing] (512) 555-0100 called again (2 calls). https://app.example.com/app/leads/abc"
        );
        assert_eq!(
            missed_not_texted(
                "Acme",
                "+15125550100",
                "Main line",
                NotTexted::OptedOut,
                LINK
            ),
            "[Acme] Missed call from (512) 555-0100 on Main line. Not texted: caller opted out of texts. Call back: https://app.example.com/app/leads/abc"
        );
        assert_eq!(
            missed_not_texted(
                "Acme",
                "+442079460958",
                "Yard",
                NotTexted::International,
                LINK
            ),
            "[Acme] Missed call from +442079460958 on Yard. Not texted: international number. Call back: https://app.example.com/app/leads/abc"
        );
        assert_eq!(
            missed_hidden("Acme", "Main line"),
            "[Acme] Missed call from a hidden number on Main line."
        );
        assert_eq!(
            call_to_old_number("Acme", Some("+15125550100"), "+15125550199", "Van ad"),
            "[Acme] (512) 555-0100 called your old number (512) 555-0199 (Van ad) and heard the moved notice."
        );
        assert_eq!(
            limit_reached("Acme", 200, 200, "https://app.example.com/app/billing"),
            "[Acme] Monthly limit reached (200/200 conversations). New missed calls are saved but not texted. Upgrade: https://app.example.com/app/billing"
        );
    }

    #[test]
    fn every_reason_has_its_words() {
        let reasons = [
            (NotTexted::OptedOut, "caller opted out of texts"),
            (NotTexted::CannotReceiveTexts, "number cannot receive texts"),
            (NotTexted::International, "international number"),
            (NotTexted::TextingOff, "texting is off for this number"),
        ];
        for (reason, words) in reasons {
            assert_eq!(reason.as_str(), words);
        }
    }

    #[test]
    fn no_placeholders_for_unknown_values() {
        let text = call_to_old_number("Acme", None, "+15125550199", "Van ad");
        assert!(!text.contains("Unknown"));
        assert!(text.starts_with("[Acme] A hidden number called"));
    }
}
