//! The small JSON refusals every webhook shares: `{"error": "<message>"}`, and the 429 with the
//! four rate-limit headers (twilio.md §4, billing.md §6.1).

use axum::{
    Json,
    http::{HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::domain::rate_limit::Decision;

pub fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

/// 429 with `Retry-After` and the `X-RateLimit-*` headers of `decision`.
pub fn too_many(decision: &Decision, message: &str) -> Response {
    let mut response = error(StatusCode::TOO_MANY_REQUESTS, message);
    let headers = response.headers_mut();
    for (name, value) in [
        ("retry-after", decision.retry_after),
        ("x-ratelimit-limit", decision.limit),
        ("x-ratelimit-remaining", decision.remaining),
        ("x-ratelimit-reset", decision.reset_epoch),
    ] {
        headers.insert(name, HeaderValue::from(value));
    }
    response
}
