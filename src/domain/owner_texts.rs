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

/// The lead's known qualification answers, for alerts that list them.
#[derive(Clone, Copy, Debug, Default)]
pub struct KnownFields<'a> {
    pub service: Option<&'a str>,
    pub urgency: Option<&'a str>,
    pub postal_code: Option<&'a str>,
}

impl KnownFields<'_> {
    /// `Service: Repair. Urgency: Today. ZIP: 78704` without the unknown segments.
    fn segments(&self) -> Vec<String> {
        [
            ("Service", self.service),
            ("Urgency", self.urgency),
            ("ZIP", self.postal_code),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.map(|value| format!("{name}: {value}")))
        .collect()
    }
}

/// A quoted caller text, cut to 300 characters.
fn quoted(body: &str) -> String {
    const MAX: usize = 300;
    if body.chars().count() > MAX {
        let cut: String = body.chars().take(MAX).collect();
        format!("\"{cut}...\"")
    } else {
        format!("\"{body}\"")
    }
}

/// Joins sentences with ". ", so an omitted one leaves no gap.
fn sentences(parts: Vec<String>) -> String {
    parts.join(". ")
}

pub fn summary(
    business: &str,
    caller: &str,
    label: &str,
    fields: KnownFields<'_>,
    link: &str,
) -> String {
    let mut parts = vec![format!("New lead {} via {label}", display(caller))];
    parts.extend(fields.segments());
    prefixed(business, format!("{}. {link}", sentences(parts)))
}

pub fn emergency(business: &str, caller: &str, service: Option<&str>, link: &str) -> String {
    // The service is always known by the urgency step; "help" only guards a lead edited since.
    let service = service.unwrap_or("help");
    prefixed(
        business,
        format!(
            "EMERGENCY: {} needs {service} now. Call back: {link}",
            display(caller)
        ),
    )
}

pub fn completion_update(
    business: &str,
    caller: &str,
    name: Option<&str>,
    best_time: Option<&str>,
    link: &str,
) -> String {
    let who = match name {
        Some(name) => format!("Lead complete: {} ({name})", display(caller)),
        None => format!("Lead complete: {}", display(caller)),
    };
    let mut parts = vec![who];
    parts.extend(best_time.map(|best| format!("Best time: {best}")));
    prefixed(business, format!("{}. {link}", sentences(parts)))
}

pub fn handoff(
    business: &str,
    caller: &str,
    fields: KnownFields<'_>,
    last_text: &str,
    link: &str,
) -> String {
    let mut parts = vec![format!(
        "{} needs a personal reply (3 unclear answers)",
        display(caller)
    )];
    parts.extend(fields.segments());
    parts.push(format!("Last text: {}", quoted(last_text)));
    prefixed(business, format!("{}. {link}", sentences(parts)))
}

pub fn cannot_text(business: &str, caller: &str, reason: &str, link: &str) -> String {
    prefixed(
        business,
        format!(
            "Can't text {} ({reason}). Call back: {link}",
            display(caller)
        ),
    )
}

pub fn possible_opt_out(business: &str, caller: &str, body: &str, link: &str) -> String {
    prefixed(
        business,
        format!(
            "{} may not want more texts: {}. Automation paused. {link}",
            display(caller),
            quoted(body)
        ),
    )
}

/// A caller's text passed on to the notify phone; the first relay of a lead says that texts to
/// the tracking number do not reach the owner otherwise.
pub fn relay(
    business: &str,
    caller: &str,
    name: Option<&str>,
    body: &str,
    first: bool,
    link: &str,
) -> String {
    let who = name.map_or_else(|| display(caller), str::to_owned);
    let notice = if first {
        "Texts to this number are not forwarded. "
    } else {
        ""
    };
    prefixed(
        business,
        format!("{who}: {} {notice}Reply in app: {link}", quoted(body)),
    )
}

pub fn relay_overflow(business: &str, caller: &str, link: &str) -> String {
    prefixed(
        business,
        format!(
            "More texts from {} are waiting in the app: {link}",
            display(caller)
        ),
    )
}

pub fn owner_hint(business: &str, app_link: &str) -> String {
    prefixed(
        business,
        format!("This number texts your leads. Reply to leads in the app: {app_link}"),
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

    #[test]
    fn conversation_alerts_leave_out_what_is_unknown() {
        let all = KnownFields {
            service: Some("Repair"),
            urgency: Some("Today"),
            postal_code: Some("78704"),
        };
        assert_eq!(
            summary("Acme Plumbing", "+15125550100", "Main line", all, LINK),
            "[Acme Plumbing] New lead (512) 555-0100 via Main line. Service: Repair. Urgency: Today. ZIP: 78704. https://app.example.com/app/leads/abc"
        );
        assert_eq!(
            emergency("Acme", "+15125550100", Some("Repair"), LINK),
            "[Acme] EMERGENCY: (512) 555-0100 needs Repair now. Call back: https://app.example.com/app/leads/abc"
        );
        assert_eq!(
            completion_update("Acme", "+15125550100", Some("Pat"), Some("Morning"), LINK),
            "[Acme] Lead complete: (512) 555-0100 (Pat). Best time: Morning. https://app.example.com/app/leads/abc"
        );
        assert_eq!(
            completion_update("Acme", "+15125550100", None, Some("Anytime"), LINK),
            "[Acme] Lead complete: (512) 555-0100. Best time: Anytime. https://app.example.com/app/leads/abc"
        );
        let no_zip = KnownFields {
            postal_code: None,
            ..all
        };
        assert_eq!(
            handoff("Acme", "+15125550100", no_zip, "TOMORROW", LINK),
            "[Acme] (512) 555-0100 needs a personal reply (3 unclear answers). Service: Repair. Urgency: Today. Last text: \"TOMORROW\". https://app.example.com/app/leads/abc"
        );
        assert_eq!(
            handoff("Acme", "+15125550100", KnownFields::default(), "??", LINK),
            "[Acme] (512) 555-0100 needs a personal reply (3 unclear answers). Last text: \"??\". https://app.example.com/app/leads/abc"
        );
        for text in [
            summary("A", "+15125550100", "L", KnownFields::default(), LINK),
            handoff("A", "+15125550100", KnownFields::default(), "x", LINK),
            completion_update("A", "+15125550100", None, None, LINK),
            emergency("A", "+15125550100", None, LINK),
        ] {
            assert!(
                !text.contains("Unknown") && !text.contains("None"),
                "{text}"
            );
        }
    }

    #[test]
    fn relays_and_notes() {
        assert_eq!(
            relay("Acme", "+15125550100", None, "hello", true, LINK),
            "[Acme] (512) 555-0100: \"hello\" Texts to this number are not forwarded. Reply in app: https://app.example.com/app/leads/abc"
        );
        assert_eq!(
            relay(
                "Acme",
                "+15125550100",
                Some("Pat Morgan"),
                "again",
                false,
                LINK
            ),
            "[Acme] Pat Morgan: \"again\" Reply in app: https://app.example.com/app/leads/abc"
        );
        let long = "x".repeat(301);
        let cut = relay("Acme", "+15125550100", None, &long, false, LINK);
        assert!(cut.contains(&format!("\"{}...\"", "x".repeat(300))));
        assert_eq!(
            relay_overflow("Acme", "+15125550100", LINK),
            "[Acme] More texts from (512) 555-0100 are waiting in the app: https://app.example.com/app/leads/abc"
        );
        assert_eq!(
            possible_opt_out("Acme", "+15125550100", "please stop texting me", LINK),
            "[Acme] (512) 555-0100 may not want more texts: \"please stop texting me\". Automation paused. https://app.example.com/app/leads/abc"
        );
        assert_eq!(
            cannot_text(
                "Acme",
                "+15125550100",
                "landline or unreachable carrier",
                LINK
            ),
            "[Acme] Can't text (512) 555-0100 (landline or unreachable carrier). Call back: https://app.example.com/app/leads/abc"
        );
        assert_eq!(
            owner_hint("Acme", "https://app.example.com/app/leads"),
            "[Acme] This number texts your leads. Reply to leads in the app: https://app.example.com/app/leads"
        );
    }
}
