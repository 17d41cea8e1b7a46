//! The HTTP side of outbound webhooks (integrations.md §3.1, §3.4): a 10 s `POST` that never
//! follows redirects and, in production, never connects to a non-public address — checked when
//! the owner saves the URL and again on every attempt, through a resolver that drops such
//! addresses, so a host name that later points inward is refused too.

use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
    time::{Duration, Instant},
};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::domain::webhook_destination::{NOT_ALLOWED, is_public};

const TIMEOUT: Duration = Duration::from_secs(10);

/// Why a URL cannot be a destination.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DestinationError {
    #[error("Enter a full URL, such as https://example.com/hooks/callbackcloser.")]
    Malformed,
    #[error("Use an https:// URL.")]
    NotHttps,
    #[error("{NOT_ALLOWED}")]
    NotAllowed,
    #[error("The host name could not be resolved.")]
    Unresolvable,
    #[error("Use a URL of at most 2048 characters.")]
    TooLong,
}

/// Longer URLs are refused at save (browsers and proxies stop around here).
const MAX_URL_LENGTH: usize = 2048;

/// What one attempt got.
#[derive(Debug)]
pub struct Attempt {
    /// `None` when no answer came (timeout, refused connection, refused address).
    pub status: Option<u16>,
    pub duration: Duration,
    pub error: Option<String>,
}

/// The headers of one attempt besides the content type.
pub struct Signed<'a> {
    pub event_id: &'a str,
    pub timestamp: i64,
    pub signature: String,
    pub correlation_id: String,
}

#[derive(Clone, Debug)]
pub struct WebhookClient {
    http: reqwest::Client,
    public_only: bool,
}

impl WebhookClient {
    /// `public_only` in production: loopback, private and reserved addresses are refused.
    pub fn new(public_only: bool) -> Self {
        let mut builder = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            // A proxy from HTTP(S)_PROXY would connect on our behalf, past the resolver that
            // refuses non-public addresses: deliveries always connect directly.
            .no_proxy()
            .user_agent("CallbackCloser-Webhooks/1.0");
        if public_only {
            builder = builder.dns_resolver(Arc::new(PublicOnlyResolver));
        }
        Self {
            http: builder.build().expect("an HTTP client with a timeout"),
            public_only,
        }
    }

    /// Checks an endpoint URL the owner typed (§3.1); returns it normalized.
    pub async fn check_destination(&self, raw: &str) -> Result<String, DestinationError> {
        if raw.trim().len() > MAX_URL_LENGTH {
            return Err(DestinationError::TooLong);
        }
        let url = url::Url::parse(raw.trim()).map_err(|_| DestinationError::Malformed)?;
        let https = url.scheme() == "https";
        if !(https || url.scheme() == "http") || url.host_str().is_none() {
            return Err(DestinationError::Malformed);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(DestinationError::Malformed);
        }
        if self.public_only {
            if !https {
                return Err(DestinationError::NotHttps);
            }
            check_host_is_public(&url).await?;
        }
        Ok(url.to_string())
    }

    /// One `POST` of `body` (§3.3 headers).
    pub async fn post(&self, url: &str, body: Vec<u8>, signed: Signed<'_>) -> Attempt {
        let started = Instant::now();
        if self.public_only
            && let Ok(parsed) = url::Url::parse(url)
            && let Err(err) = check_literal_is_public(&parsed)
        {
            return Attempt {
                status: None,
                duration: started.elapsed(),
                error: Some(err.to_string()),
            };
        }
        let sent = self
            .http
            .post(url)
            .header("Content-Type", "application/json")
            .header("X-Webhook-Id", signed.event_id)
            .header("X-Webhook-Timestamp", signed.timestamp.to_string())
            .header("X-Webhook-Signature", signed.signature)
            .header("X-Correlation-Id", signed.correlation_id)
            .body(body)
            .send()
            .await;
        let duration = started.elapsed();
        match sent {
            Ok(response) => {
                let status = response.status();
                let error = (!status.is_success()).then(|| match status.canonical_reason() {
                    Some(reason) => format!("HTTP {} {reason}", status.as_u16()),
                    None => format!("HTTP {}", status.as_u16()),
                });
                Attempt {
                    status: Some(status.as_u16()),
                    duration,
                    error,
                }
            }
            Err(err) => Attempt {
                status: None,
                duration,
                error: Some(describe(&err)),
            },
        }
    }
}

/// A short cause a page can show; never the whole error chain.
fn describe(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        "Timed out after 10 s".to_owned()
    } else if err.is_connect() {
        // The resolver's refusal sits somewhere down the chain of causes.
        let mut cause: Option<&dyn std::error::Error> = Some(err);
        while let Some(current) = cause {
            if current.to_string().contains(NOT_ALLOWED) {
                return NOT_ALLOWED.to_owned();
            }
            cause = current.source();
        }
        "Could not connect".to_owned()
    } else {
        "The request failed".to_owned()
    }
}

fn literal_ip(url: &url::Url) -> Option<IpAddr> {
    match url.host()? {
        url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        url::Host::Domain(_) => None,
    }
}

fn check_literal_is_public(url: &url::Url) -> Result<(), DestinationError> {
    match literal_ip(url) {
        Some(ip) if !is_public(ip) => Err(DestinationError::NotAllowed),
        _ => Ok(()),
    }
}

/// An IP literal must be public; a host name must resolve, and only to public addresses.
async fn check_host_is_public(url: &url::Url) -> Result<(), DestinationError> {
    if literal_ip(url).is_some() {
        return check_literal_is_public(url);
    }
    let host = url.host_str().ok_or(DestinationError::Malformed)?;
    let port = url.port_or_known_default().unwrap_or(443);
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| DestinationError::Unresolvable)?
        .collect();
    if addresses.is_empty() {
        return Err(DestinationError::Unresolvable);
    }
    if addresses.iter().all(|address| is_public(address.ip())) {
        Ok(())
    } else {
        Err(DestinationError::NotAllowed)
    }
}

/// Resolves like the system does, then refuses the name unless every address is public.
struct PublicOnlyResolver;

impl Resolve for PublicOnlyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addresses: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if addresses.is_empty() || !addresses.iter().all(|a| is_public(a.ip())) {
                return Err(NOT_ALLOWED.into());
            }
            let addrs: Addrs = Box::new(addresses.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn outside_production_any_http_url_is_accepted() {
        let client = WebhookClient::new(false);
        assert_eq!(
            client
                .check_destination(" http://127.0.0.1:8080/hook ")
                .await,
            Ok("http://127.0.0.1:8080/hook".to_owned())
        );
        for malformed in [
            "",
            "example.com/hook",
            "ftp://example.com",
            "https://",
            "https://user:pw@example.com/",
        ] {
            assert_eq!(
                client.check_destination(malformed).await,
                Err(DestinationError::Malformed),
                "{malformed}"
            );
        }
        let long = format!("https://example.com/{}", "a".repeat(2048));
        assert_eq!(
            client.check_destination(&long).await,
            Err(DestinationError::TooLong)
        );
    }

    #[tokio::test]
    async fn in_production_only_https_to_public_addresses() {
        let client = WebhookClient::new(true);
        assert_eq!(
            client.check_destination("http://93.184.215.14/hook").await,
            Err(DestinationError::NotHttps)
        );
        for inward in [
            "https://10.0.0.5/hook",
            "https://127.0.0.1/hook",
            "https://[::1]/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://[::ffff:192.168.1.1]/hook",
            "https://localhost/hook",
        ] {
            assert_eq!(
                client.check_destination(inward).await,
                Err(DestinationError::NotAllowed),
                "{inward}"
            );
        }
        assert_eq!(
            client.check_destination("https://93.184.215.14/hook").await,
            Ok("https://93.184.215.14/hook".to_owned())
        );
    }

    #[tokio::test]
    async fn in_production_an_attempt_to_an_inward_address_is_not_sent() {
        let client = WebhookClient::new(true);
        let signed = || Signed {
            event_id: "evt_x",
            timestamp: 1,
            signature: "t=1,v1=00".into(),
            correlation_id: "c".into(),
        };
        let attempt = client
            .post("https://10.0.0.5/hook", b"{}".to_vec(), signed())
            .await;
        assert_eq!(attempt.status, None);
        assert_eq!(attempt.error.as_deref(), Some(NOT_ALLOWED));
        let attempt = client
            .post("https://localhost:9/hook", b"{}".to_vec(), signed())
            .await;
        assert_eq!(attempt.status, None);
        assert_eq!(attempt.error.as_deref(), Some(NOT_ALLOWED));
    }
}
