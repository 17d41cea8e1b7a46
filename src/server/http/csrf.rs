//! Rejects cross-site state-changing requests (web.md §10); Twilio and Stripe webhooks are
//! exempt (they authenticate by signature).

use std::sync::Arc;

use axum::{
    Json,
    extract::{Request, State},
    http::{HeaderMap, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::domain::csrf::{RequestOrigin, applies, is_allowed, origin_of};

/// The origin of `PUBLIC_BASE_URL`, the only one allowed to post.
#[derive(Clone, Debug)]
pub struct AllowedOrigin(pub String);

impl AllowedOrigin {
    pub fn from_base_url(base: &str) -> Self {
        AllowedOrigin(origin_of(base).unwrap_or(base).to_owned())
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

pub async fn csrf(
    State(allowed): State<Arc<AllowedOrigin>>,
    request: Request,
    next: Next,
) -> Response {
    if applies(request.method().as_str(), request.uri().path()) {
        let headers = request.headers();
        let origin = RequestOrigin {
            sec_fetch_site: header(headers, "sec-fetch-site"),
            origin: header(headers, "origin"),
            referer: header(headers, "referer"),
        };
        if !is_allowed(origin, &allowed.0) {
            tracing::warn!(event = "csrf.rejected", "cross-site request refused");
            return (
                StatusCode::FORBIDDEN,
                Json(json!({"error": "Invalid request origin"})),
            )
                .into_response();
        }
    }
    next.run(request).await
}
