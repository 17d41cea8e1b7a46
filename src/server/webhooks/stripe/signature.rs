//! `Stripe-Signature` (billing.md §6.2), the product's own code so the multi-secret rule and the
//! exact refusals hold: HMAC-SHA256 over `<t>.<raw body>` keyed by the whole secret string
//! (`whsec_` prefix included), any `v1` may match, and `t` within 300 s of now.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq as _;

type HmacSha256 = Hmac<Sha256>;

/// How far `t` may be from now, either way.
pub const TOLERANCE_SECONDS: i64 = 300;

/// Why a signature was refused; logged, never returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invalid {
    /// Not `key=value` items, no `t`, two `t`s, a `t` that is not an integer, or no `v1`.
    Malformed,
    OutsideTolerance,
    NoMatch,
}

/// The lower-case hex HMAC Stripe puts in `v1`.
pub fn expected(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// A header value as Stripe sends it, for fakes and tests.
pub fn header(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", expected(secret, timestamp, body))
}

struct Parsed<'a> {
    timestamp: i64,
    signatures: Vec<&'a str>,
}

fn parse(header: &str) -> Result<Parsed<'_>, Invalid> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for item in header.split(',') {
        let (key, value) = item.trim().split_once('=').ok_or(Invalid::Malformed)?;
        match key {
            "t" if timestamp.is_some() => return Err(Invalid::Malformed),
            "t" => timestamp = Some(value.parse::<i64>().map_err(|_| Invalid::Malformed)?),
            "v1" => signatures.push(value),
            _ => {}
        }
    }
    match timestamp {
        Some(timestamp) if !signatures.is_empty() => Ok(Parsed {
            timestamp,
            signatures,
        }),
        _ => Err(Invalid::Malformed),
    }
}

/// Checks `header` against every secret; `now` is Unix seconds from the injected clock.
pub fn verify(header: &str, body: &[u8], secrets: &[&str], now: i64) -> Result<(), Invalid> {
    let parsed = parse(header)?;
    if now.abs_diff(parsed.timestamp) > TOLERANCE_SECONDS.unsigned_abs() {
        return Err(Invalid::OutsideTolerance);
    }
    let matches = secrets.iter().any(|secret| {
        let expected = expected(secret, parsed.timestamp, body);
        parsed
            .signatures
            .iter()
            .any(|given| bool::from(given.as_bytes().ct_eq(expected.as_bytes())))
    });
    if matches {
        Ok(())
    } else {
        Err(Invalid::NoMatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";
    const S1_BODY: &str = "{\n  \"id\": \"evt_test_webhook\",\n  \"object\": \"event\"\n}";
    const S1_SIG: &str = "4f1cd7feda9826e746b7d482c4badebb657398df1099e1046364f6196a230150";
    const S2_BODY: &str = r#"{"id":"evt_1","object":"event","type":"checkout.session.completed","data":{"object":{"id":"cs_test_1","object":"checkout.session","mode":"subscription","customer":"cus_1","subscription":"sub_1","client_reference_id":"42"}}}"#;
    const T: i64 = 1_700_000_000;

    fn s1_header() -> String {
        format!("t={T},v1={S1_SIG}")
    }

    #[test]
    fn s1_and_s2_vectors() {
        assert_eq!(expected(SECRET, T, S1_BODY.as_bytes()), S1_SIG);
        assert_eq!(
            verify(&s1_header(), S1_BODY.as_bytes(), &[SECRET], T),
            Ok(())
        );
        assert_eq!(
            header(SECRET, T, S2_BODY.as_bytes()),
            "t=1700000000,v1=82b1d5582d8133317fdd8323e11a81f8f41533d7e02c5570d070fc5bdee3acd7"
        );
    }

    #[test]
    fn s3_any_v1_may_match_and_other_schemes_are_ignored() {
        let header = format!("t={T},v1={},v1={S1_SIG},v0=deadbeef", "0".repeat(64));
        assert_eq!(verify(&header, S1_BODY.as_bytes(), &[SECRET], T), Ok(()));
    }

    #[test]
    fn s4_another_secret_does_not_match() {
        assert_eq!(
            verify(&s1_header(), S1_BODY.as_bytes(), &["whsec_other"], T),
            Err(Invalid::NoMatch)
        );
    }

    #[test]
    fn s5_tolerance_is_300_seconds_either_way() {
        let check = |now| verify(&s1_header(), S1_BODY.as_bytes(), &[SECRET], now);
        assert_eq!(check(T + 301), Err(Invalid::OutsideTolerance));
        assert_eq!(check(T + 300), Ok(()));
        assert_eq!(check(T - 300), Ok(()));
        assert_eq!(check(T - 301), Err(Invalid::OutsideTolerance));
    }

    #[test]
    fn s6_one_changed_byte_fails() {
        let mut body = S1_BODY.as_bytes().to_vec();
        body[5] ^= 1;
        assert_eq!(
            verify(&s1_header(), &body, &[SECRET], T),
            Err(Invalid::NoMatch)
        );
    }

    #[test]
    fn rotation_accepts_any_configured_secret() {
        assert_eq!(
            verify(&s1_header(), S1_BODY.as_bytes(), &["whsec_new", SECRET], T),
            Ok(())
        );
    }

    #[test]
    fn malformed_headers() {
        for header in [
            "",
            "garbage",
            "v1=abc",
            "t=1700000000",
            "t=abc,v1=00",
            "t=1700000000,t=1700000000,v1=00",
            "t=1700000000;v1=00",
        ] {
            assert_eq!(
                verify(header, S1_BODY.as_bytes(), &[SECRET], T),
                Err(Invalid::Malformed),
                "{header:?}"
            );
        }
    }

    #[test]
    fn the_prefix_is_part_of_the_key() {
        assert_ne!(
            expected("test_secret", T, S1_BODY.as_bytes()),
            expected(SECRET, T, S1_BODY.as_bytes())
        );
    }
}
