//! Who may call the Twilio webhooks (twilio.md §3.1, §3.4): a valid `X-Twilio-Signature`, or
//! outside production the shared webhook token. There is no "allow all" mode.

use axum::http::HeaderMap;
use subtle::ConstantTimeEq as _;

use super::{form::TwilioForm, signature};
use crate::server::config::Config;

/// Why a request was refused; logged, never returned to the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    MissingSignature,
    BadSignature,
    MissingToken,
    BadToken,
    NoCredentialsConfigured,
}

impl Rejection {
    pub fn as_str(self) -> &'static str {
        match self {
            Rejection::MissingSignature => "missing_signature",
            Rejection::BadSignature => "bad_signature",
            Rejection::MissingToken => "missing_token",
            Rejection::BadToken => "bad_token",
            Rejection::NoCredentialsConfigured => "no_credentials_configured",
        }
    }
}

/// What was received, as needed to authenticate it.
pub struct Presented<'a> {
    pub headers: &'a HeaderMap,
    /// The original request path, e.g. `/api/twilio/status`.
    pub path: &'a str,
    /// The raw query string exactly as received, without the `?`.
    pub query: Option<&'a str>,
    pub form: &'a TwilioForm,
}

pub fn authenticate(config: &Config, request: &Presented<'_>) -> Result<(), Rejection> {
    let signature_accepted = config.is_production() || config.twilio.validate_signature;
    let auth_tokens: Vec<&str> = [
        &config.twilio.auth_token,
        &config.twilio.auth_token_previous,
    ]
    .into_iter()
    .flatten()
    .map(|secret| secret.expose())
    .filter(|token| !token.is_empty())
    .collect();
    // The reader never sets the shared token in production; checked again so a mistake there
    // cannot open production to it.
    let shared_token = config.webhook_token().filter(|_| !config.is_production());
    let can_sign = signature_accepted && !auth_tokens.is_empty();
    if !can_sign && shared_token.is_none() {
        return Err(Rejection::NoCredentialsConfigured);
    }

    let mut refusal = None;
    if can_sign {
        match header(request.headers, "x-twilio-signature") {
            Some(given) => {
                let url = signed_url(&config.public_base_url, request.path, request.query);
                if signature::is_valid(given, &auth_tokens, &url, request.form.pairs()) {
                    return Ok(());
                }
                refusal = Some(Rejection::BadSignature);
            }
            None => refusal = Some(Rejection::MissingSignature),
        }
    }
    if let Some(expected) = shared_token {
        return match presented_token(request) {
            Some(given) if bool::from(given.as_bytes().ct_eq(expected.as_bytes())) => Ok(()),
            Some(_) => Err(Rejection::BadToken),
            None => Err(refusal.unwrap_or(Rejection::MissingToken)),
        };
    }
    Err(refusal.unwrap_or(Rejection::MissingSignature))
}

/// `PUBLIC_BASE_URL` + the original path + `?` + the raw query: never the `Host` header or
/// the scheme the server saw, which a proxy may have changed.
pub fn signed_url(base: &str, path: &str, query: Option<&str>) -> String {
    match query {
        Some(query) => format!("{base}{path}?{query}"),
        None => format!("{base}{path}"),
    }
}

/// `X-Webhook-Token`, `Authorization: Bearer`, or the `webhook_token` query parameter.
fn presented_token(request: &Presented<'_>) -> Option<String> {
    if let Some(token) = header(request.headers, "x-webhook-token") {
        return Some(token.trim().to_owned());
    }
    if let Some(value) = header(request.headers, "authorization") {
        let value = value.trim();
        if value.len() > 7 && value[..7].eq_ignore_ascii_case("bearer ") {
            return Some(value[7..].trim().to_owned());
        }
    }
    let query = request.query?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "webhook_token")
        .map(|(_, value)| value.trim().to_owned())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::config::{AppEnv, Secret};

    const SHARED: &str = "shared-webhook-token-0123456789";

    fn config(env: AppEnv, validate: bool, auth: Option<&str>, shared: Option<&str>) -> Config {
        let vars = std::collections::HashMap::from([
            ("DATABASE_URL", "postgres://localhost/db"),
            ("SESSION_SECRET", "s".repeat(64).leak() as &str),
            (
                "DATA_ENCRYPTION_KEY",
                "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=",
            ),
            ("PUBLIC_BASE_URL", "https://app.example.com"),
        ]);
        let (mut config, _) =
            crate::server::config::read(&|name| vars.get(name).map(|v| v.to_string()), None);
        config.app_env = env;
        config.twilio.validate_signature = validate;
        config.twilio.auth_token = auth.map(Secret::new);
        config.twilio.webhook_auth_token = shared.map(Secret::new);
        config
    }

    fn form() -> TwilioForm {
        TwilioForm::parse(b"CallSid=CA1&To=%2B15125550199").unwrap()
    }

    fn signed_headers(token: &str, url: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let signature = signature::sign(token, url, form().pairs());
        headers.insert("x-twilio-signature", signature.parse().unwrap());
        headers
    }

    fn check(config: &Config, headers: &HeaderMap, query: Option<&str>) -> Result<(), Rejection> {
        let form = form();
        authenticate(
            config,
            &Presented {
                headers,
                path: "/api/twilio/voice",
                query,
                form: &form,
            },
        )
    }

    const URL: &str = "https://app.example.com/api/twilio/voice";

    #[test]
    fn production_accepts_only_signatures() {
        let prod = config(AppEnv::Production, true, Some("auth"), None);
        assert_eq!(check(&prod, &signed_headers("auth", URL), None), Ok(()));
        assert_eq!(
            check(&prod, &signed_headers("other", URL), None),
            Err(Rejection::BadSignature)
        );
        assert_eq!(
            check(&prod, &HeaderMap::new(), None),
            Err(Rejection::MissingSignature)
        );
        // Even a configured shared token is ignored in production.
        let prod_with_token = config(AppEnv::Production, true, Some("auth"), Some(SHARED));
        let query = format!("webhook_token={SHARED}");
        assert_eq!(
            check(&prod_with_token, &HeaderMap::new(), Some(&query)),
            Err(Rejection::MissingSignature)
        );
    }

    #[test]
    fn production_without_an_auth_token_fails_closed() {
        let prod = config(AppEnv::Production, true, None, None);
        assert_eq!(
            check(&prod, &signed_headers("", URL), None),
            Err(Rejection::NoCredentialsConfigured)
        );
    }

    #[test]
    fn development_with_validation_accepts_either() {
        let dev = config(AppEnv::Development, true, Some("auth"), Some(SHARED));
        assert_eq!(check(&dev, &signed_headers("auth", URL), None), Ok(()));
        let mut headers = HeaderMap::new();
        headers.insert("x-webhook-token", SHARED.parse().unwrap());
        assert_eq!(check(&dev, &headers, None), Ok(()));
        assert_eq!(
            check(&dev, &HeaderMap::new(), None),
            Err(Rejection::MissingSignature)
        );
        let mut wrong = signed_headers("nope", URL);
        assert_eq!(check(&dev, &wrong, None), Err(Rejection::BadSignature));
        wrong.insert(
            "x-webhook-token",
            "wrong-token-wrong-token".parse().unwrap(),
        );
        assert_eq!(check(&dev, &wrong, None), Err(Rejection::BadToken));
    }

    #[test]
    fn development_without_validation_accepts_only_the_token() {
        let dev = config(AppEnv::Development, false, Some("auth"), Some(SHARED));
        assert_eq!(
            check(&dev, &signed_headers("auth", URL), None),
            Err(Rejection::MissingToken)
        );
        let mut bearer = HeaderMap::new();
        bearer.insert("authorization", format!("bEaReR {SHARED}").parse().unwrap());
        assert_eq!(check(&dev, &bearer, None), Ok(()));
        let query = format!("stage=screen&webhook_token={SHARED}");
        assert_eq!(check(&dev, &HeaderMap::new(), Some(&query)), Ok(()));
        assert_eq!(
            check(&dev, &HeaderMap::new(), Some("webhook_token=short")),
            Err(Rejection::BadToken)
        );
        let mut basic = HeaderMap::new();
        basic.insert("authorization", format!("Basic {SHARED}").parse().unwrap());
        assert_eq!(check(&dev, &basic, None), Err(Rejection::MissingToken));
    }

    #[test]
    fn nothing_configured_rejects_everything() {
        let dev = config(AppEnv::Development, false, Some("auth"), None);
        assert_eq!(
            check(&dev, &signed_headers("auth", URL), None),
            Err(Rejection::NoCredentialsConfigured)
        );
        let dev = config(AppEnv::Development, true, None, None);
        assert_eq!(
            check(&dev, &HeaderMap::new(), None),
            Err(Rejection::NoCredentialsConfigured)
        );
    }

    #[test]
    fn the_signed_url_keeps_the_raw_query() {
        assert_eq!(
            signed_url(
                "https://app.example.com",
                "/api/twilio/status",
                Some("event=dial&x=%20")
            ),
            "https://app.example.com/api/twilio/status?event=dial&x=%20"
        );
        let dev = config(AppEnv::Development, true, Some("auth"), None);
        let with_port = "https://app.example.com:443/api/twilio/voice?stage=screen";
        assert_eq!(
            check(
                &dev,
                &signed_headers("auth", with_port),
                Some("stage=screen")
            ),
            Ok(())
        );
    }

    #[test]
    fn rotation_accepts_the_previous_token() {
        let mut dev = config(AppEnv::Production, true, Some("new"), None);
        dev.twilio.auth_token_previous = Some(Secret::new("old"));
        assert_eq!(check(&dev, &signed_headers("old", URL), None), Ok(()));
        assert_eq!(check(&dev, &signed_headers("new", URL), None), Ok(()));
    }
}
