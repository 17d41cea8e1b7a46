//! Security headers on every response, and the Content-Security-Policy of HTML pages
//! (web.md §11).

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::Response,
};

/// What varies between deployments.
#[derive(Clone, Debug, Default)]
pub struct SecurityPolicy {
    pub production: bool,
    /// Non-production only: origins appended to `form-action` (e.g. the Stripe fake's).
    pub extra_form_actions: Vec<String>,
}

impl SecurityPolicy {
    /// The page CSP. `nonce` is the per-response nonce of the hydration script; pages rendered
    /// without scripts (the 500 page) get none.
    pub fn content_security_policy(&self, nonce: Option<&str>) -> String {
        let script_src = match nonce {
            Some(nonce) => format!("script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'"),
            None => "script-src 'self' 'wasm-unsafe-eval'".to_owned(),
        };
        let mut form_action =
            "form-action 'self' https://checkout.stripe.com https://billing.stripe.com".to_owned();
        if !self.production {
            for origin in &self.extra_form_actions {
                form_action.push(' ');
                form_action.push_str(origin);
            }
        }
        format!(
            "default-src 'self'; {script_src}; style-src 'self'; img-src 'self' data:; media-src 'self'; \
             connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
             frame-ancestors 'none'; {form_action}"
        )
    }
}

pub async fn security_headers(
    State(policy): State<Arc<SecurityPolicy>>,
    request: Request,
    next: Next,
) -> Response {
    let private = is_private_path(request.uri().path());
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if policy.production {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    // A signed-in owner's pages hold callers' numbers and messages: never kept by a browser or
    // a shared cache (the back button after sign-out on a shared phone must not show them).
    if private && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    // Pages rendered by Leptos set their own policy with the hydration nonce.
    if is_html
        && !headers.contains_key(header::CONTENT_SECURITY_POLICY)
        && let Ok(value) = HeaderValue::from_str(&policy.content_security_policy(None))
    {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

/// The dashboard (`/app` and below) and its server functions (`/api/app/`).
fn is_private_path(path: &str) -> bool {
    path == "/app" || path.starts_with("/app/") || path.starts_with("/api/app/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dashboard_and_its_functions_are_private() {
        for path in [
            "/app",
            "/app/leads",
            "/app/leads/export.csv",
            "/api/app/leads/reply",
        ] {
            assert!(is_private_path(path), "{path}");
        }
        for path in [
            "/",
            "/application",
            "/pricing",
            "/api/health",
            "/pkg/app.css",
        ] {
            assert!(!is_private_path(path), "{path}");
        }
    }

    #[test]
    fn the_page_policy_matches_the_spec() {
        let policy = SecurityPolicy::default();
        assert_eq!(
            policy.content_security_policy(Some("abc123")),
            "default-src 'self'; script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'; style-src 'self'; \
             img-src 'self' data:; media-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; \
             base-uri 'none'; frame-ancestors 'none'; form-action 'self' https://checkout.stripe.com https://billing.stripe.com"
        );
    }

    #[test]
    fn checkout_origins_are_added_outside_production_only() {
        let dev = SecurityPolicy {
            production: false,
            extra_form_actions: vec!["http://127.0.0.1:4242".into()],
        };
        assert!(
            dev.content_security_policy(None)
                .ends_with("https://billing.stripe.com http://127.0.0.1:4242")
        );
        let prod = SecurityPolicy {
            production: true,
            ..dev
        };
        assert!(!prod.content_security_policy(None).contains("127.0.0.1"));
    }
}
