//! `X-Twilio-Signature` (twilio.md §3.2): HMAC-SHA1 over the URL and the sorted form
//! parameters, base64, checked for both spellings of the default port, in constant time.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;

type HmacSha1 = Hmac<Sha1>;

/// The string Twilio signs: the URL, then each parameter name (byte-wise ascending) followed
/// by each of its values (ascending, identical duplicates once), with no separators.
pub fn data_to_sign(url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    sorted.sort_unstable_by(|a, b| {
        a.0.as_bytes()
            .cmp(b.0.as_bytes())
            .then(a.1.as_bytes().cmp(b.1.as_bytes()))
    });
    sorted.dedup();
    let mut data = String::from(url);
    for (name, value) in sorted {
        data.push_str(name);
        data.push_str(value);
    }
    data
}

/// base64(HMAC-SHA1(token, data)).
pub fn sign(token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut mac = HmacSha1::new_from_slice(token.as_bytes()).expect("HMAC takes any key length");
    mac.update(data_to_sign(url, params).as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The same URL with the default port toggled: added when absent, removed when present.
pub fn toggled_port(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let default = match scheme {
        "https" => ":443",
        "http" => ":80",
        _ => return None,
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let toggled = match authority.strip_suffix(default) {
        Some(host) => host.to_owned(),
        None if authority.contains(':') => return None,
        None => format!("{authority}{default}"),
    };
    Some(format!("{scheme}://{toggled}{tail}"))
}

/// Valid when the header matches any token for the URL as given or with the port toggled.
/// A header that is not base64 of 20 bytes is invalid.
pub fn is_valid(header: &str, tokens: &[&str], url: &str, params: &[(String, String)]) -> bool {
    let Ok(given) = base64::engine::general_purpose::STANDARD.decode(header.trim()) else {
        return false;
    };
    if given.len() != 20 {
        return false;
    }
    let urls = std::iter::once(url.to_owned()).chain(toggled_port(url));
    let urls: Vec<String> = urls.collect();
    let mut valid = false;
    for token in tokens.iter().filter(|t| !t.is_empty()) {
        for url in &urls {
            let mut mac =
                HmacSha1::new_from_slice(token.as_bytes()).expect("HMAC takes any key length");
            mac.update(data_to_sign(url, params).as_bytes());
            // verify_slice compares in constant time.
            valid |= mac.verify_slice(&given).is_ok();
        }
    }
    valid
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn v1() -> Vec<(String, String)> {
        params(&[
            ("AccountSid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            ("Body", "Hello world"),
            ("From", "+14155550100"),
            ("MessageSid", "SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"),
            ("To", "+14155550199"),
        ])
    }

    fn v2() -> Vec<(String, String)> {
        params(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675309"),
            ("Digits", "1234"),
            ("From", "+14158675309"),
            ("To", "+18005551212"),
        ])
    }

    const V2_URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";

    #[test]
    fn strings_to_sign() {
        assert_eq!(
            data_to_sign("https://example.com/twilio/sms", &v1()),
            "https://example.com/twilio/smsAccountSidACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaBodyHello worldFrom+14155550100MessageSidSMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbTo+14155550199"
        );
        assert_eq!(
            data_to_sign(V2_URL, &v2()),
            "https://mycompany.com/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+14158675309Digits1234From+14158675309To+18005551212"
        );
        let v4 = params(&[
            ("Sid", "CA123"),
            ("SidAccount", "AC123"),
            ("Digits", "5678"),
            ("Digits", "1234"),
        ]);
        assert_eq!(
            data_to_sign(V2_URL, &v4),
            "https://mycompany.com/myapp.php?foo=1&bar=2Digits1234Digits5678SidCA123SidAccountAC123"
        );
    }

    #[test]
    fn spec_vectors() {
        assert_eq!(
            sign("12345", "https://example.com/twilio/sms", &v1()),
            "WJex8kO3Kyt+BY9UpHzb9Kv0jT4="
        );
        assert_eq!(sign("12345", V2_URL, &v2()), "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
        assert_eq!(
            sign(
                "12345",
                "https://mycompany.com:443/myapp.php?foo=1&bar=2",
                &v2()
            ),
            "kvajT1Ptam85bY51eRf/AJRuM3w="
        );
        let v4 = params(&[
            ("Sid", "CA123"),
            ("SidAccount", "AC123"),
            ("Digits", "5678"),
            ("Digits", "1234"),
        ]);
        assert_eq!(sign("12345", V2_URL, &v4), "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
        let v6 = params(&[
            ("AccountSid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            ("CallSid", "CA11111111111111111111111111111111"),
            ("DialCallDuration", "0"),
            ("DialCallSid", "CA22222222222222222222222222222222"),
            ("DialCallStatus", "no-answer"),
            ("From", "+15125550100"),
            ("To", "+15125550199"),
        ]);
        assert_eq!(
            sign(
                "12345",
                "https://app.example.com/api/twilio/status?event=dial",
                &v6
            ),
            "5kCnTImGyY6Uqw+hxCZlU7S2YhQ="
        );
        assert_eq!(
            sign(
                "12345",
                "https://app.example.com:443/api/twilio/status?event=dial",
                &v6
            ),
            "yaBOKNRvjiHNCFZcXS5RZnN7cLA="
        );
        let v7 = params(&[
            ("AccountSid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            ("Body", "STOP"),
            ("From", "+15125550100"),
            ("MessageSid", "SM33333333333333333333333333333333"),
            ("NumMedia", "0"),
            ("To", "+15125550199"),
        ]);
        assert_eq!(
            sign("12345", "https://app.example.com/api/twilio/sms", &v7),
            "7D7yQ/J9duU5auEE0LnSD5fe360="
        );
    }

    #[test]
    fn validation_accepts_the_vectors_and_the_port_toggle() {
        assert!(is_valid(
            "WJex8kO3Kyt+BY9UpHzb9Kv0jT4=",
            &["12345"],
            "https://example.com/twilio/sms",
            &v1()
        ));
        // V2′: signed for the :443 spelling, received at V2's URL.
        assert!(is_valid(
            "kvajT1Ptam85bY51eRf/AJRuM3w=",
            &["12345"],
            V2_URL,
            &v2()
        ));
        assert!(is_valid(
            "RSOYDt4T1cUTdK1PDd93/VVr8B8=",
            &["12345"],
            "https://mycompany.com:443/myapp.php?foo=1&bar=2",
            &v2()
        ));
        // During rotation either token is accepted.
        assert!(is_valid(
            "WJex8kO3Kyt+BY9UpHzb9Kv0jT4=",
            &["new-token", "12345"],
            "https://example.com/twilio/sms",
            &v1()
        ));
    }

    #[test]
    fn negative_cases() {
        let url = "https://example.com/twilio/sms";
        let good = "WJex8kO3Kyt+BY9UpHzb9Kv0jT4=";
        assert!(!is_valid(good, &["54321"], url, &v1()), "wrong token");
        let mut changed = v1();
        changed[1].1 = "Hello worle".into();
        assert!(!is_valid(good, &["12345"], url, &changed), "changed body");
        assert!(
            !is_valid(good, &["12345"], "http://example.com/twilio/sms", &v1()),
            "http instead of https"
        );
        assert!(!is_valid("not base64!!", &["12345"], url, &v1()));
        assert!(!is_valid("", &["12345"], url, &v1()));
        assert!(!is_valid("AAAA", &["12345"], url, &v1()), "wrong length");
        assert!(
            !is_valid(good, &[""], url, &v1()),
            "an empty token never matches"
        );
        assert!(!is_valid(good, &[], url, &v1()));
    }

    #[test]
    fn port_toggling() {
        assert_eq!(
            toggled_port("https://a.example/x?y=1").as_deref(),
            Some("https://a.example:443/x?y=1")
        );
        assert_eq!(
            toggled_port("https://a.example:443/x").as_deref(),
            Some("https://a.example/x")
        );
        assert_eq!(
            toggled_port("http://a.example").as_deref(),
            Some("http://a.example:80")
        );
        assert_eq!(toggled_port("http://a.example:8080/x"), None);
        assert_eq!(toggled_port("ftp://a.example"), None);
    }
}
