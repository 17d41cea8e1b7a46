//! Every webhook URL the product generates for Twilio and Stripe (twilio.md §13, §6.1).
//!
//! Twilio URLs end with the connection-override fragment so Twilio retries connection failures,
//! timeouts and error responses; fragments never reach the server, so signatures exclude them.
//! Outside production, a shared webhook token may be carried in the query string.

/// Twilio's connection-override fragment: up to 3 retries on any failure.
pub const RETRY_FRAGMENT: &str = "#rc=3&rp=all";

/// Stripe events the webhook endpoint must be subscribed to (operations.md §13).
pub const STRIPE_EVENTS: [&str; 6] = [
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "invoice.payment_failed",
    "invoice.payment_succeeded",
];

/// Which callback a status URL is for (twilio.md §7.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusEvent {
    Dial,
    Recording,
    Call,
}

impl StatusEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            StatusEvent::Dial => "dial",
            StatusEvent::Recording => "recording",
            StatusEvent::Call => "call",
        }
    }
}

/// The path and query Twilio requests for `url`, a webhook URL built on `base` (or already a
/// bare path): the `#` fragment never reaches the server and is not signed. `None` when `url`
/// points elsewhere.
pub fn path_and_query<'u>(base: &str, url: &'u str) -> Option<&'u str> {
    let url = url.split('#').next().unwrap_or_default();
    match url.strip_prefix(base.trim_end_matches('/')) {
        Some(rest) if rest.starts_with('/') => Some(rest),
        _ if url.starts_with('/') => Some(url),
        _ => None,
    }
}

/// Builds webhook URLs from the public base URL (no trailing slash) and, outside production,
/// the optional shared webhook token.
#[derive(Clone, Debug)]
pub struct WebhookUrls<'a> {
    base: &'a str,
    token: Option<&'a str>,
}

impl<'a> WebhookUrls<'a> {
    pub fn new(base: &'a str, token: Option<&'a str>) -> Self {
        Self {
            base: base.trim_end_matches('/'),
            token,
        }
    }

    pub fn voice(&self) -> String {
        self.twilio("/api/twilio/voice", &[])
    }

    /// The call-screening legs (`stage=screen`, `stage=screen-result`).
    pub fn voice_stage(&self, stage: &str) -> String {
        self.twilio("/api/twilio/voice", &[("stage", stage)])
    }

    pub fn sms(&self) -> String {
        self.twilio("/api/twilio/sms", &[])
    }

    pub fn status(&self, event: StatusEvent) -> String {
        self.twilio("/api/twilio/status", &[("event", event.as_str())])
    }

    /// The `StatusCallback` of one outbound message (twilio.md §10.2).
    pub fn message_status(&self, message_id: &str) -> String {
        self.twilio("/api/twilio/message-status", &[("m", message_id)])
    }

    pub fn stripe_webhook(&self) -> String {
        format!("{}/api/stripe/webhook", self.base)
    }

    fn twilio(&self, path: &str, query: &[(&str, &str)]) -> String {
        let mut url = format!("{}{}", self.base, path);
        let token = self.token.map(|token| ("webhook_token", token));
        for (index, (name, value)) in query.iter().copied().chain(token).enumerate() {
            url.push(if index == 0 { '?' } else { '&' });
            url.push_str(name);
            url.push('=');
            url.push_str(&super::url::encode_component(value));
        }
        url.push_str(RETRY_FRAGMENT);
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://app.example.com";

    #[test]
    fn a_webhook_url_is_requested_as_its_path_and_query_without_the_fragment() {
        let urls = WebhookUrls::new(BASE, Some("tok"));
        assert_eq!(
            path_and_query(BASE, &urls.message_status("m1")),
            Some("/api/twilio/message-status?m=m1&webhook_token=tok")
        );
        assert_eq!(
            path_and_query(BASE, "/api/twilio/sms#rc=3"),
            Some("/api/twilio/sms")
        );
        assert_eq!(
            path_and_query(BASE, "https://elsewhere.example/api/twilio/sms"),
            None
        );
        assert_eq!(path_and_query(BASE, "https://app.example.comevil/x"), None);
    }

    #[test]
    fn production_urls_carry_only_the_fragment() {
        let urls = WebhookUrls::new(BASE, None);
        assert_eq!(
            urls.voice(),
            "https://app.example.com/api/twilio/voice#rc=3&rp=all"
        );
        assert_eq!(
            urls.sms(),
            "https://app.example.com/api/twilio/sms#rc=3&rp=all"
        );
        assert_eq!(
            urls.status(StatusEvent::Call),
            "https://app.example.com/api/twilio/status?event=call#rc=3&rp=all"
        );
        assert_eq!(
            urls.status(StatusEvent::Dial),
            "https://app.example.com/api/twilio/status?event=dial#rc=3&rp=all"
        );
        assert_eq!(
            urls.status(StatusEvent::Recording),
            "https://app.example.com/api/twilio/status?event=recording#rc=3&rp=all"
        );
        assert_eq!(
            urls.voice_stage("screen"),
            "https://app.example.com/api/twilio/voice?stage=screen#rc=3&rp=all"
        );
        assert_eq!(
            urls.message_status("7b0e"),
            "https://app.example.com/api/twilio/message-status?m=7b0e#rc=3&rp=all"
        );
        assert_eq!(
            urls.stripe_webhook(),
            "https://app.example.com/api/stripe/webhook"
        );
    }

    #[test]
    fn the_shared_token_goes_into_the_query_before_the_fragment() {
        let urls = WebhookUrls::new("http://localhost:3000/", Some("token with space&x"));
        assert_eq!(
            urls.voice(),
            "http://localhost:3000/api/twilio/voice?webhook_token=token%20with%20space%26x#rc=3&rp=all"
        );
        assert_eq!(
            urls.status(StatusEvent::Call),
            "http://localhost:3000/api/twilio/status?event=call&webhook_token=token%20with%20space%26x#rc=3&rp=all"
        );
    }

    #[test]
    fn a_base_with_a_path_prefix_is_kept() {
        let urls = WebhookUrls::new("https://example.com/cc", None);
        assert_eq!(
            urls.sms(),
            "https://example.com/cc/api/twilio/sms#rc=3&rp=all"
        );
    }
}
