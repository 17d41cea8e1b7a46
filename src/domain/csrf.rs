//! Cross-site request forgery defence for state-changing requests (web.md §10).

/// What the request says about where it came from.
#[derive(Clone, Copy, Debug, Default)]
pub struct RequestOrigin<'a> {
    pub sec_fetch_site: Option<&'a str>,
    pub origin: Option<&'a str>,
    pub referer: Option<&'a str>,
}

/// Whether a request with this method and path needs the check at all.
pub fn applies(method: &str, path: &str) -> bool {
    matches!(method, "POST" | "PUT" | "PATCH" | "DELETE")
        && !path.starts_with("/api/twilio/")
        && path != "/api/stripe/webhook"
}

/// `allowed_origin` is the origin of `PUBLIC_BASE_URL` (scheme, host, port).
pub fn is_allowed(request: RequestOrigin<'_>, allowed_origin: &str) -> bool {
    if let Some(site) = request.sec_fetch_site {
        return matches!(site.trim(), "same-origin" | "none");
    }
    if let Some(origin) = request.origin {
        return origin.trim().trim_end_matches('/') == allowed_origin;
    }
    if let Some(referer) = request.referer {
        return origin_of(referer).is_some_and(|origin| origin == allowed_origin);
    }
    true
}

/// `scheme://host[:port]` of an absolute URL, without path, query or fragment.
pub fn origin_of(url: &str) -> Option<&str> {
    let scheme_end = url.find("://")?;
    let rest = &url[scheme_end + 3..];
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    (authority_len > 0).then(|| &url[..scheme_end + 3 + authority_len])
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://app.example.com";

    fn check(sec_fetch_site: Option<&str>, origin: Option<&str>, referer: Option<&str>) -> bool {
        is_allowed(
            RequestOrigin {
                sec_fetch_site,
                origin,
                referer,
            },
            BASE,
        )
    }

    #[test]
    fn spec_vectors() {
        assert!(!check(Some("cross-site"), None, None));
        assert!(check(Some("same-origin"), None, None));
        assert!(check(None, Some("https://app.example.com"), None));
        assert!(!check(None, Some("https://attacker.example.com"), None));
        assert!(check(
            None,
            None,
            Some("https://app.example.com/app/billing")
        ));
        assert!(check(None, None, None));
    }

    #[test]
    fn more_cases() {
        assert!(
            check(Some("none"), None, None),
            "typed into the address bar"
        );
        assert!(
            !check(Some("same-site"), Some("https://app.example.com"), None),
            "Sec-Fetch-Site wins"
        );
        assert!(!check(None, Some("null"), None));
        assert!(
            !check(None, Some("http://app.example.com"), None),
            "scheme differs"
        );
        assert!(
            !check(None, Some("https://app.example.com:8443"), None),
            "port differs"
        );
        assert!(!check(
            None,
            None,
            Some("https://app.example.com.evil.example/x")
        ));
        assert!(!check(None, None, Some("not a url")));
    }

    #[test]
    fn webhooks_are_exempt_and_reads_are_not_checked() {
        assert!(applies("POST", "/api/app/leads/reply"));
        assert!(applies("DELETE", "/anything"));
        assert!(!applies("GET", "/api/app/leads"));
        assert!(!applies("POST", "/api/twilio/sms"));
        assert!(!applies("POST", "/api/stripe/webhook"));
        assert!(applies("POST", "/api/stripe/webhook/extra"));
    }

    #[test]
    fn origins_of_urls() {
        assert_eq!(
            origin_of("https://app.example.com/app/billing?x=1"),
            Some("https://app.example.com")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:3000"),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(origin_of("https://"), None);
    }
}
