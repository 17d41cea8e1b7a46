//! The rules of a business's own fields (data-model.md §3.2, web.md §6.1): one function per
//! field, each returning the stored value or the message the form shows.

use std::str::FromStr as _;

use crate::{
    api::error::FieldErrors,
    domain::gsm7::{is_gsm7, normalise_punctuation},
    server::phone::{Normalized, ServedCountries, Source, normalize},
};

pub const DEFAULT_TIMEZONE: &str = "America/New_York";
pub const NOT_A_TRACKING_NUMBER: &str = "Use the phone that should ring, not a tracking number.";
const GSM7_ONLY: &str =
    "Use letters, digits and common punctuation only (no emoji or special symbols).";

/// Business name: curly quotes and long dashes made plain, 2..120 GSM-7 characters.
pub fn business_name(raw: &str) -> Result<String, &'static str> {
    let name = normalise_punctuation(raw.trim());
    let length = name.chars().count();
    if length < 2 {
        Err("Enter your business name (at least 2 characters).")
    } else if length > 120 {
        Err("Use at most 120 characters.")
    } else if !is_gsm7(&name) {
        Err(GSM7_ONLY)
    } else {
        Ok(name)
    }
}

/// A service label: 1..40 GSM-7 characters; `None` when blank.
pub fn service_label(raw: &str) -> Result<Option<String>, &'static str> {
    let label = normalise_punctuation(raw.trim());
    match label.chars().count() {
        0 => Ok(None),
        41.. => Err("Use at most 40 characters."),
        _ if !is_gsm7(&label) => Err(GSM7_ONLY),
        _ => Ok(Some(label)),
    }
}

/// An IANA time zone from the tz database; blank means the default.
pub fn timezone(raw: &str) -> Result<String, &'static str> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(DEFAULT_TIMEZONE.to_owned());
    }
    chrono_tz::Tz::from_str(raw)
        .map(|tz| tz.name().to_owned())
        .map_err(|_| "Choose a time zone from the list.")
}

/// A phone typed by an owner, required, in a country the platform serves.
pub fn owner_phone(raw: &str, served: &ServedCountries) -> Result<String, &'static str> {
    match normalize(raw, Source::Owner) {
        Normalized::Valid(e164) if !served.contains(&e164) => Err(served.refusal()),
        Normalized::Valid(e164) => Ok(e164),
        Normalized::Empty => Err("Enter a phone number."),
        _ => Err("Enter a valid phone number, like (512) 555-0100."),
    }
}

/// Seconds a call rings before it counts as missed: 5..90.
pub fn ring_timeout(raw: &str, default: i32) -> Result<i32, &'static str> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(default);
    }
    match raw.parse::<i32>() {
        Ok(seconds) if (5..=90).contains(&seconds) => Ok(seconds),
        _ => Err("Use a whole number of seconds from 5 to 90."),
    }
}

pub use crate::api::onboarding::ProfileForm as ProfileInput;

/// The same, validated and normalised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    pub timezone: String,
    pub notify_phone: String,
    pub forwarding_phone: String,
    pub service_labels: [Option<String>; 3],
    pub ring_timeout: i32,
}

/// Checks every field and reports every problem at once.
pub fn profile(input: &ProfileInput, served: &ServedCountries) -> Result<Profile, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = errors.check("name", business_name(&input.name));
    let timezone = errors.check("timezone", timezone(&input.timezone));
    let notify_phone = errors.check("notify_phone", owner_phone(&input.notify_phone, served));
    let forwarding_phone = errors.check(
        "forwarding_phone",
        owner_phone(&input.forwarding_phone, served),
    );
    let label_1 = errors.check("service_label_1", service_label(&input.service_label_1));
    let label_2 = errors.check("service_label_2", service_label(&input.service_label_2));
    let label_3 = errors.check("service_label_3", service_label(&input.service_label_3));
    let ring_timeout = errors.check("ring_timeout", ring_timeout(&input.ring_timeout, 20));
    if matches!(label_1, Some(None)) {
        errors.add(
            "service_label_1",
            "Enter at least one service, like Repair.",
        );
    }
    if matches!((&label_2, &label_3), (Some(None), Some(Some(_)))) {
        errors.add(
            "service_label_3",
            "Fill in the second service before the third.",
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Profile {
        name: name.unwrap_or_default(),
        timezone: timezone.unwrap_or_default(),
        notify_phone: notify_phone.unwrap_or_default(),
        forwarding_phone: forwarding_phone.unwrap_or_default(),
        service_labels: [label_1.flatten(), label_2.flatten(), label_3.flatten()],
        ring_timeout: ring_timeout.unwrap_or(20),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid_input() -> ProfileInput {
        ProfileInput {
            name: "Acme Plumbing".into(),
            timezone: "America/Chicago".into(),
            notify_phone: "(512) 555-0111".into(),
            forwarding_phone: "512-555-0142".into(),
            service_label_1: "Repair".into(),
            service_label_2: "Install".into(),
            service_label_3: "".into(),
            ring_timeout: "".into(),
        }
    }

    #[test]
    fn a_valid_profile_is_normalised() {
        let profile = profile(&valid_input(), &ServedCountries::default()).unwrap();
        assert_eq!(profile.notify_phone, "+15125550111");
        assert_eq!(profile.forwarding_phone, "+15125550142");
        assert_eq!(
            profile.service_labels,
            [Some("Repair".into()), Some("Install".into()), None]
        );
        assert_eq!(profile.ring_timeout, 20);
        assert_eq!(profile.timezone, "America/Chicago");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let input = ProfileInput {
            name: "A".into(),
            timezone: "Mars/Olympus".into(),
            notify_phone: "555-0100".into(),
            forwarding_phone: "".into(),
            service_label_1: "".into(),
            service_label_2: "".into(),
            service_label_3: "Maintenance".into(),
            ring_timeout: "120".into(),
        };
        let errors = profile(&input, &ServedCountries::default())
            .unwrap_err()
            .into_result(())
            .unwrap_err();
        for field in [
            "name",
            "timezone",
            "notify_phone",
            "forwarding_phone",
            "service_label_1",
            "service_label_3",
            "ring_timeout",
        ] {
            assert!(errors.field(field).is_some(), "{field}: {errors:?}");
        }
    }

    #[test]
    fn names_follow_the_gsm7_rule_after_plain_punctuation() {
        // W29
        assert_eq!(
            business_name("Joe’s Plumbing – Austin").as_deref(),
            Ok("Joe's Plumbing - Austin")
        );
        assert!(business_name("Joe's Plumbing 🔧").is_err());
        assert!(business_name(&"x".repeat(121)).is_err());
        assert_eq!(business_name("  AB  ").as_deref(), Ok("AB"));
    }

    #[test]
    fn field_rules() {
        assert_eq!(timezone("").as_deref(), Ok(DEFAULT_TIMEZONE));
        assert_eq!(
            timezone("Pacific/Honolulu").as_deref(),
            Ok("Pacific/Honolulu")
        );
        assert!(timezone("EST5EDT and more").is_err());
        assert_eq!(ring_timeout("5", 20), Ok(5));
        assert_eq!(ring_timeout("90", 20), Ok(90));
        assert!(ring_timeout("4", 20).is_err());
        assert!(ring_timeout("twenty", 20).is_err());
        assert_eq!(service_label("  ").unwrap(), None);
        assert!(service_label(&"x".repeat(41)).is_err());
        let us_ca = ServedCountries::default();
        assert_eq!(
            owner_phone("+44 20 7946 0958", &us_ca),
            Err("Use a US or Canadian phone number: calls and alerts can only go there.")
        );
        assert_eq!(
            owner_phone("+1 604 555 0100", &us_ca).as_deref(),
            Ok("+16045550100")
        );
        assert_eq!(
            owner_phone("(512) 555-0100", &us_ca).as_deref(),
            Ok("+15125550100")
        );
        assert!(
            owner_phone("+1 876 927 1234", &us_ca).is_err(),
            "Jamaica shares +1"
        );
        assert!(owner_phone("+1 512 155 0100", &us_ca).is_err());
        let elsewhere = ServedCountries::parse("GB").unwrap();
        assert_eq!(
            owner_phone("+44 20 7946 0958", &elsewhere).as_deref(),
            Ok("+442079460958")
        );
        assert!(owner_phone("(512) 555-0100", &elsewhere).is_err());
    }
}
