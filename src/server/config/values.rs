//! Parsing rules for environment values (operations.md §3.1). Pure functions, unit-tested.

use std::ops::RangeInclusive;

/// `1`, `true`, `yes`, `on` / `0`, `false`, `no`, `off`, empty; anything else is invalid.
pub fn parse_bool(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" | "" => Some(false),
        _ => None,
    }
}

/// How an integer variable was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntReading {
    /// The value as given.
    Exact(i64),
    /// Not a number: the default is used (reported with a warning).
    NotANumber(i64),
    /// Outside the range: clamped into it (reported with a warning).
    Clamped(i64),
}

impl IntReading {
    pub fn value(self) -> i64 {
        match self {
            IntReading::Exact(v) | IntReading::NotANumber(v) | IntReading::Clamped(v) => v,
        }
    }
}

/// Non-numeric → the default; out of range → clamped to the range.
pub fn parse_int(raw: &str, default: i64, range: RangeInclusive<i64>) -> IntReading {
    match raw.trim().parse::<i64>() {
        Ok(value) if range.contains(&value) => IntReading::Exact(value),
        Ok(value) => IntReading::Clamped(value.clamp(*range.start(), *range.end())),
        Err(_) => IntReading::NotANumber(default),
    }
}

/// Why a base URL was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BaseUrlError {
    NotAbsolute,
    HasQueryOrFragment,
    NotHttps,
}

impl BaseUrlError {
    pub fn message(&self) -> &'static str {
        match self {
            BaseUrlError::NotAbsolute => "must be an absolute http(s) URL",
            BaseUrlError::HasQueryOrFragment => "must not contain a query or fragment",
            BaseUrlError::NotHttps => "must use https://",
        }
    }
}

/// An absolute `http(s)` URL with the trailing `/` removed; query and fragment refused.
pub fn parse_base_url(raw: &str, require_https: bool) -> Result<String, BaseUrlError> {
    let raw = raw.trim();
    let parsed = url::Url::parse(raw).map_err(|_| BaseUrlError::NotAbsolute)?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(BaseUrlError::NotAbsolute);
    }
    if parsed.query().is_some() || parsed.fragment().is_some() || raw.contains(['?', '#']) {
        return Err(BaseUrlError::HasQueryOrFragment);
    }
    if require_https && parsed.scheme() != "https" {
        return Err(BaseUrlError::NotHttps);
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

/// Comma-separated list, items trimmed, empty items dropped.
pub fn parse_list(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `AC` / `MG` / `PN` followed by 32 hex digits.
pub fn is_twilio_sid(raw: &str, prefix: &str) -> bool {
    raw.len() == 34 && raw.starts_with(prefix) && raw[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_follow_the_spec_lists_case_insensitively() {
        for truthy in ["1", "true", "YES", "On", " true "] {
            assert_eq!(parse_bool(truthy), Some(true), "{truthy}");
        }
        for falsy in ["0", "false", "No", "OFF", ""] {
            assert_eq!(parse_bool(falsy), Some(false), "{falsy}");
        }
        for invalid in ["2", "maybe", "y", "enabled"] {
            assert_eq!(parse_bool(invalid), None, "{invalid}");
        }
    }

    #[test]
    fn integers_fall_back_to_the_default_or_clamp() {
        // Spec vectors: RATE_LIMIT_TWILIO_AUTH_MAX=bad → 240; RATE_LIMIT_WINDOW_MS=10 → 1000.
        assert_eq!(
            parse_int("bad", 240, 10..=10_000),
            IntReading::NotANumber(240)
        );
        assert_eq!(
            parse_int("10", 60_000, 1000..=3_600_000),
            IntReading::Clamped(1000)
        );
        assert_eq!(
            parse_int("99999999", 60_000, 1000..=3_600_000),
            IntReading::Clamped(3_600_000)
        );
        assert_eq!(parse_int(" 25 ", 4, 1..=64), IntReading::Exact(25));
        assert_eq!(parse_int("", 4, 1..=64), IntReading::NotANumber(4));
        assert_eq!(parse_int("1.5", 4, 1..=64).value(), 4);
    }

    #[test]
    fn base_urls_lose_the_trailing_slash_and_refuse_query_and_fragment() {
        assert_eq!(
            parse_base_url("https://app.example.com/", true).unwrap(),
            "https://app.example.com"
        );
        assert_eq!(
            parse_base_url("http://localhost:3000", false).unwrap(),
            "http://localhost:3000"
        );
        assert_eq!(
            parse_base_url("https://example.com/cc/", true).unwrap(),
            "https://example.com/cc"
        );
        assert_eq!(
            parse_base_url("http://localhost:3000", true),
            Err(BaseUrlError::NotHttps)
        );
        assert_eq!(
            parse_base_url("https://a.example?x=1", false),
            Err(BaseUrlError::HasQueryOrFragment)
        );
        assert_eq!(
            parse_base_url("https://a.example#x", false),
            Err(BaseUrlError::HasQueryOrFragment)
        );
        assert_eq!(
            parse_base_url("https://a.example?", false),
            Err(BaseUrlError::HasQueryOrFragment)
        );
        assert_eq!(
            parse_base_url("app.example.com", false),
            Err(BaseUrlError::NotAbsolute)
        );
        assert_eq!(
            parse_base_url("ftp://a.example", false),
            Err(BaseUrlError::NotAbsolute)
        );
    }

    #[test]
    fn lists_and_sids() {
        assert_eq!(
            parse_list(" price_a, ,price_b "),
            vec!["price_a", "price_b"]
        );
        assert!(parse_list(" , ").is_empty());
        assert!(is_twilio_sid("AC0123456789abcdef0123456789ABCDEF", "AC"));
        assert!(!is_twilio_sid("AC0123456789abcdef0123456789ABCDEG", "AC"));
        assert!(!is_twilio_sid("MG0123456789abcdef0123456789ABCDEF", "AC"));
        assert!(!is_twilio_sid("AC123", "AC"));
    }
}
