//! Phone number normalisation to E.164 (data-model.md §2), using the maintained Rust port of
//! libphonenumber's metadata. Server only: the metadata never reaches the browser bundle.

use phonenumber::{Mode, country};

/// Where a value comes from decides how strictly it is validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Typed by an owner in a form: must pass the library's full validity check.
    Owner,
    /// Sent by Twilio (`From`, `To`): E.164 shape is enough, so newly assigned ranges are
    /// never mistaken for hidden callers.
    Twilio,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Normalized {
    /// Blank input.
    Empty,
    /// Twilio's words and keypad placeholders for a withheld caller ID.
    Hidden,
    Invalid,
    Valid(String),
}

impl Normalized {
    pub fn e164(&self) -> Option<&str> {
        match self {
            Normalized::Valid(e164) => Some(e164),
            _ => None,
        }
    }
}

/// Twilio's spellings of a withheld caller ID ("anonymous", "restricted", "unknown" on a keypad).
const HIDDEN_PLACEHOLDERS: [&str; 5] = [
    "+266696687",
    "+7378742833",
    "+8656696",
    "+2562533",
    "+86282452253",
];
const HIDDEN_WORDS: [&str; 3] = ["anonymous", "restricted", "unknown"];

pub fn normalize(input: &str, source: Source) -> Normalized {
    let input = input.trim();
    if input.is_empty() {
        return Normalized::Empty;
    }
    if source == Source::Twilio
        && (HIDDEN_WORDS.iter().any(|w| input.eq_ignore_ascii_case(w))
            || HIDDEN_PLACEHOLDERS.contains(&input))
    {
        return Normalized::Hidden;
    }
    // Twilio sends E.164 already; parsing it would only return the same string, and costs more
    // than the rest of the voice webhook's CPU work.
    if source == Source::Twilio && has_e164_shape(input) {
        return if north_american_rule_holds(input) {
            Normalized::Valid(input.to_owned())
        } else {
            Normalized::Invalid
        };
    }
    let Ok(number) = phonenumber::parse(Some(country::Id::US), input) else {
        return Normalized::Invalid;
    };
    let e164 = number.format().mode(Mode::E164).to_string();
    let acceptable = match source {
        Source::Owner => phonenumber::is_valid(&number),
        Source::Twilio => has_e164_shape(&e164),
    };
    if acceptable && north_american_rule_holds(&e164) {
        Normalized::Valid(e164)
    } else {
        Normalized::Invalid
    }
}

/// `+` and 8–15 digits, the first not zero.
pub fn has_e164_shape(value: &str) -> bool {
    value.strip_prefix('+').is_some_and(|digits| {
        (8..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0')
    })
}

/// A `+1` number has exactly 11 digits and an area code starting with 2–9, whatever the input.
fn north_american_rule_holds(e164: &str) -> bool {
    match e164.strip_prefix("+1") {
        Some(national) => national.len() == 10 && matches!(national.as_bytes()[0], b'2'..=b'9'),
        None => true,
    }
}

/// A US or Canadian number (the only ones the product texts).
pub fn is_north_american(e164: &str) -> bool {
    e164.starts_with("+1")
}

/// The countries calls may be forwarded and alerts texted to (`SERVED_COUNTRIES`, ISO 3166
/// codes; the United States and Canada by default, where the platform serves businesses).
/// Other `+1` regions (the Caribbean's, billed as international) and every other country are
/// refused, so a tracking number cannot be used to forward calls abroad at the operator's cost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServedCountries(Vec<country::Id>);

impl Default for ServedCountries {
    fn default() -> Self {
        Self(vec![country::Id::US, country::Id::CA])
    }
}

impl ServedCountries {
    /// A comma-separated list of ISO codes, e.g. `US,CA,PR`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut ids = Vec::new();
        for code in raw.split(',').map(str::trim).filter(|c| !c.is_empty()) {
            let id = code
                .to_ascii_uppercase()
                .parse::<country::Id>()
                .map_err(|_| format!("{code:?} is not an ISO 3166 country code"))?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        if ids.is_empty() {
            return Err("name at least one country, e.g. US,CA".into());
        }
        Ok(Self(ids))
    }

    pub fn contains(&self, e164: &str) -> bool {
        phonenumber::parse(None, e164)
            .is_ok_and(|number| number.country().id().is_some_and(|id| self.0.contains(&id)))
    }

    /// What an owner reads when a phone is outside the list.
    pub fn refusal(&self) -> &'static str {
        if *self == Self::default() {
            "Use a US or Canadian phone number: calls and alerts can only go there."
        } else {
            "Use a phone number in a country this service covers: calls and alerts can only go there."
        }
    }

    /// The ISO codes, comma-separated (for the configuration summary).
    pub fn codes(&self) -> String {
        self.0
            .iter()
            .map(|id| -> &str { id.as_ref() })
            .collect::<Vec<_>>()
            .join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner(input: &str) -> Normalized {
        normalize(input, Source::Owner)
    }

    fn valid(e164: &str) -> Normalized {
        Normalized::Valid(e164.to_owned())
    }

    #[test]
    fn spec_vectors() {
        assert_eq!(owner("(512) 555-0100"), valid("+15125550100"));
        assert_eq!(owner("1-512-555-0100"), valid("+15125550100"));
        assert_eq!(owner("+1 512 555 0100"), valid("+15125550100"));
        assert_eq!(owner("+44 20 7946 0958"), valid("+442079460958"));
        assert_eq!(owner("555-0100"), Normalized::Invalid);
        assert_eq!(owner("(012) 345-6789"), Normalized::Invalid);
        assert_eq!(owner("+1 012 345 6789"), Normalized::Invalid);
        assert_eq!(
            normalize("(012) 345-6789", Source::Twilio),
            Normalized::Invalid
        );
        assert_eq!(
            normalize("+10123456789", Source::Twilio),
            Normalized::Invalid
        );
        assert_eq!(
            owner("+44 20 7946 095"),
            Normalized::Invalid,
            "London numbers have 10 national digits"
        );
        assert_eq!(
            owner("+1 512 155 0100"),
            Normalized::Invalid,
            "a NANP exchange cannot start with 1"
        );
        assert_eq!(normalize("anonymous", Source::Twilio), Normalized::Hidden);
        assert_eq!(normalize("+266696687", Source::Twilio), Normalized::Hidden);
    }

    #[test]
    fn twilio_values_need_only_the_e164_shape() {
        assert_eq!(
            normalize("+15125550100", Source::Twilio),
            valid("+15125550100")
        );
        assert_eq!(
            normalize(" Restricted ", Source::Twilio),
            Normalized::Hidden
        );
        assert_eq!(normalize("UNKNOWN", Source::Twilio), Normalized::Hidden);
        for placeholder in HIDDEN_PLACEHOLDERS {
            assert_eq!(
                normalize(placeholder, Source::Twilio),
                Normalized::Hidden,
                "{placeholder}"
            );
        }
        // An owner typing "anonymous" made a mistake; it is not a hidden caller.
        assert_eq!(owner("anonymous"), Normalized::Invalid);
        assert_eq!(owner("   "), Normalized::Empty);
        assert_eq!(
            normalize("+1512555010", Source::Twilio),
            Normalized::Invalid,
            "too short for +1"
        );
        assert_eq!(
            normalize("+151255501000", Source::Twilio),
            Normalized::Invalid,
            "too long for +1"
        );
    }

    #[test]
    fn shapes() {
        assert!(has_e164_shape("+15125550100"));
        assert!(has_e164_shape("+12345678"));
        assert!(!has_e164_shape("+1234567"));
        assert!(!has_e164_shape("+1234567890123456"));
        assert!(!has_e164_shape("15125550100"));
        assert!(!has_e164_shape("+0125550100"));
        assert!(is_north_american("+15125550100"));
        assert!(!is_north_american("+442079460958"));
    }

    #[test]
    fn served_countries_are_the_us_and_canada_by_default() {
        let served = ServedCountries::default();
        assert!(served.contains("+15125550100"));
        assert!(served.contains("+16045550100"), "Vancouver");
        assert!(!served.contains("+18769271234"), "Jamaica shares +1");
        assert!(!served.contains("+442079460958"));
    }

    #[test]
    fn served_countries_parse_iso_codes() {
        let served = ServedCountries::parse(" us, pr ,US").unwrap();
        assert_eq!(served.codes(), "US,PR");
        assert!(served.contains("+17875550100"), "Puerto Rico");
        assert!(!served.contains("+16045550100"), "Canada is not listed");
        assert!(ServedCountries::parse("US,XX").is_err());
        assert!(ServedCountries::parse(" , ").is_err());
        assert_ne!(served.refusal(), ServedCountries::default().refusal());
    }
}
