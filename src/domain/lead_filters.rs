//! The lead list's query (web.md §6.2): filters, search and the opaque keyset cursor, parsed
//! leniently — anything not understood means "all" or "first page", never an error.

use serde::{Deserialize, Serialize};

/// Longest search text kept.
pub const MAX_SEARCH_CHARS: usize = 100;
pub const PAGE_SIZE: i64 = 25;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Flag {
    BillingRequired,
    Paused,
    OptedOut,
    Unreachable,
}

impl Flag {
    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw.trim().to_ascii_lowercase().as_str() {
            "billing_required" => Flag::BillingRequired,
            "paused" => Flag::Paused,
            "opted_out" => Flag::OptedOut,
            "unreachable" => Flag::Unreachable,
            _ => return None,
        })
    }

    pub fn key(self) -> &'static str {
        match self {
            Flag::BillingRequired => "billing_required",
            Flag::Paused => "paused",
            Flag::OptedOut => "opted_out",
            Flag::Unreachable => "unreachable",
        }
    }
}

/// How `q` searches: phone digits (≥ 3 digits) or a name substring (≥ 2 characters).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Search {
    PhoneDigits(String),
    Name(String),
}

impl Search {
    pub fn parse(raw: &str) -> Option<Self> {
        let text: String = raw.trim().chars().take(MAX_SEARCH_CHARS).collect();
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        if digits.len() >= 3 {
            Some(Search::PhoneDigits(digits))
        } else if text.chars().count() >= 2 {
            Some(Search::Name(text.to_lowercase()))
        } else {
            None
        }
    }
}

/// Position after the last row shown: `created_at` (µs since the epoch) and id, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub created_micros: i64,
    pub id: String,
}

impl Cursor {
    /// Opaque to the browser: hex of the time, a dot, the id without dashes.
    pub fn encode(&self) -> String {
        format!("{:x}.{}", self.created_micros, self.id.replace('-', ""))
    }

    pub fn decode(raw: &str) -> Option<Self> {
        let (time, id) = raw.trim().split_once('.')?;
        let created_micros = i64::from_str_radix(time, 16).ok()?;
        let valid_id = id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit());
        valid_id.then(|| Cursor {
            created_micros,
            id: id.to_ascii_lowercase(),
        })
    }
}

/// Everything the list (and the CSV export) filters by.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadQuery {
    /// Upper-case status, e.g. `NEW`.
    pub status: Option<String>,
    /// A tracking number id (as text; an unknown id simply matches nothing).
    pub number: Option<String>,
    /// `call` or `sms`.
    pub source: Option<String>,
    pub flag: Option<Flag>,
    pub search: Option<Search>,
    /// The raw `q`, for the search box.
    pub q: String,
    pub before: Option<Cursor>,
}

impl LeadQuery {
    /// From the page's query parameters.
    pub fn parse(
        status: Option<&str>,
        number: Option<&str>,
        source: Option<&str>,
        flag: Option<&str>,
        q: Option<&str>,
        before: Option<&str>,
    ) -> Self {
        let status = status
            .map(|s| s.trim().to_ascii_uppercase())
            .filter(|s| ["NEW", "QUALIFIED", "CONTACTED", "BOOKED", "LOST"].contains(&s.as_str()));
        let number = number
            .map(str::trim)
            .filter(|n| n.len() == 36 && n.chars().all(|c| c.is_ascii_hexdigit() || c == '-'))
            .map(str::to_ascii_lowercase);
        let source = source
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| s == "call" || s == "sms");
        let q: String = q
            .unwrap_or_default()
            .trim()
            .chars()
            .take(MAX_SEARCH_CHARS)
            .collect();
        LeadQuery {
            status,
            number,
            source,
            flag: flag.and_then(Flag::parse),
            search: Search::parse(&q),
            q,
            before: before.and_then(Cursor::decode),
        }
    }

    /// The filters as a query string (without the cursor), for links and the export.
    pub fn filters_query(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(status) = &self.status {
            pairs.push(("status", status.to_ascii_lowercase()));
        }
        if let Some(number) = &self.number {
            pairs.push(("number", number.clone()));
        }
        if let Some(source) = &self.source {
            pairs.push(("source", source.clone()));
        }
        if let Some(flag) = self.flag {
            pairs.push(("flag", flag.key().to_owned()));
        }
        if !self.q.is_empty() {
            pairs.push(("q", self.q.clone()));
        }
        pairs
            .into_iter()
            .map(|(k, v)| format!("{k}={}", crate::domain::url::encode_component(&v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_lenient() {
        let q = LeadQuery::parse(
            Some("Booked"),
            Some("not-a-uuid"),
            Some("SMS"),
            Some("paused"),
            None,
            Some("garbage"),
        );
        assert_eq!(q.status.as_deref(), Some("BOOKED"));
        assert_eq!(q.number, None);
        assert_eq!(q.source.as_deref(), Some("sms"));
        assert_eq!(q.flag, Some(Flag::Paused));
        assert_eq!(q.before, None, "an invalid cursor shows the first page");
        let all = LeadQuery::parse(Some("won"), None, Some("fax"), Some("x"), None, None);
        assert_eq!(all, LeadQuery::default());
    }

    #[test]
    fn search_by_digits_or_name() {
        assert_eq!(
            Search::parse("(512) 555"),
            Some(Search::PhoneDigits("512555".into()))
        );
        assert_eq!(Search::parse("55"), Some(Search::Name("55".into())));
        assert_eq!(Search::parse("Pat"), Some(Search::Name("pat".into())));
        assert_eq!(Search::parse("P"), None);
        assert_eq!(Search::parse("  "), None);
        let long = "a".repeat(150);
        assert_eq!(Search::parse(&long), Some(Search::Name("a".repeat(100))));
    }

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let cursor = Cursor {
            created_micros: 1_767_225_600_123_456,
            id: "7b0e0000000000000000000000000001".into(),
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        for bad in [
            "",
            ".",
            "zz.7b0e0000000000000000000000000001",
            "10.123",
            "10",
        ] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn filters_become_a_query_string() {
        let q = LeadQuery::parse(
            Some("new"),
            None,
            Some("call"),
            Some("opted_out"),
            Some("Pat M"),
            None,
        );
        assert_eq!(
            q.filters_query(),
            "status=new&source=call&flag=opted_out&q=Pat%20M"
        );
        assert_eq!(LeadQuery::default().filters_query(), "");
    }
}
