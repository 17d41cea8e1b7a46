//! Which recording URLs the product stores and fetches (web.md §7): Twilio's API hosts over
//! https only, so a forged callback cannot make the server fetch anything else.

const TWILIO_API_HOSTS: [&str; 4] = [
    "api.twilio.com",
    "api.us1.twilio.com",
    "api.ie1.twilio.com",
    "api.au1.twilio.com",
];

pub fn is_allowed(raw: &str) -> bool {
    let Ok(url) = url::Url::parse(raw) else {
        return false;
    };
    url.scheme() == "https"
        && url.username().is_empty()
        && url.password().is_none()
        && url.port().is_none_or(|port| port == 443)
        && url
            .host_str()
            .is_some_and(|host| TWILIO_API_HOSTS.contains(&host))
        && url.path().contains("/Recordings/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_table() {
        let cases = [
            (
                "https://api.twilio.com/2010-04-01/Accounts/ACxx/Recordings/RExx",
                true,
            ),
            (
                "https://api.ie1.twilio.com/2010-04-01/Accounts/ACxx/Recordings/RExx",
                true,
            ),
            (
                "http://api.twilio.com/2010-04-01/Accounts/ACxx/Recordings/RExx",
                false,
            ),
            (
                "https://api.twilio.com.evil.example/2010-04-01/Recordings/RExx",
                false,
            ),
            (
                "https://user@api.twilio.com/2010-04-01/Recordings/RExx",
                false,
            ),
            (
                "https://api.twilio.com:8443/2010-04-01/Recordings/RExx",
                false,
            ),
            (
                "https://api.twilio.com/2010-04-01/Accounts/ACxx/Calls/CAxx",
                false,
            ),
            ("https://api.twilio.com/recordings/RE123", false),
        ];
        for (url, valid) in cases {
            assert_eq!(is_allowed(url), valid, "{url}");
        }
    }

    #[test]
    fn other_shapes() {
        assert!(is_allowed(
            "https://api.twilio.com:443/2010-04-01/Accounts/AC1/Recordings/RE1"
        ));
        assert!(is_allowed(
            "https://API.TWILIO.COM/2010-04-01/Accounts/AC1/Recordings/RE1"
        ));
        assert!(is_allowed("https://api.au1.twilio.com/x/Recordings/RE1"));
        assert!(!is_allowed(
            "https://user:pw@api.twilio.com/x/Recordings/RE1"
        ));
        assert!(!is_allowed("https://:pw@api.twilio.com/x/Recordings/RE1"));
        assert!(!is_allowed(
            "https://evil.example/api.twilio.com/Recordings/RE1"
        ));
        assert!(!is_allowed("not a url"));
        assert!(!is_allowed(""));
        assert!(!is_allowed("https://api.eu1.twilio.com/x/Recordings/RE1"));
    }
}
