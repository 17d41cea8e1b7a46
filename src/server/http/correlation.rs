//! Correlation ids (operations.md §4), the per-request log line, and the panic guard.
//!
//! One middleware does all three because they share the id: the request span carries it, the
//! response always returns it (401, 429 and 500 included), and a panic turns into a 500 page
//! that quotes it while the process keeps serving.

use std::{panic::AssertUnwindSafe, time::Instant};

use axum::{
    extract::{MatchedPath, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode},
    middleware::Next,
    response::Response,
};
use futures::FutureExt as _;
use rand::Rng as _;
use tracing::Instrument as _;

use super::error_page::error_page;
use crate::server::state::AppState;

pub const HEADER: &str = "x-correlation-id";

/// The request's correlation id, available to handlers as an extension.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorrelationId(pub String);

impl CorrelationId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 1..128 characters of `[A-Za-z0-9._:-]` after trimming.
pub fn accept(raw: &str) -> Option<&str> {
    let trimmed = raw.trim();
    let valid = (1..=128).contains(&trimmed.len())
        && trimmed
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'));
    valid.then_some(trimmed)
}

/// `X-Correlation-Id`, else `X-Request-Id`; a present but invalid header is not skipped over.
pub fn from_headers(headers: &HeaderMap) -> Option<String> {
    let header = headers
        .get(HEADER)
        .or_else(|| headers.get("x-request-id"))?;
    accept(header.to_str().ok()?).map(str::to_owned)
}

/// `req_<8 random base36 chars>_<base36 epoch ms>`.
pub fn generate(epoch_ms: i64) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut rng = rand::rng();
    let random: String = (0..8)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("req_{random}_{}", base36(epoch_ms.max(0) as u64))
}

fn base36(mut n: u64) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut digits = Vec::new();
    loop {
        digits.push(ALPHABET[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    digits.reverse();
    String::from_utf8(digits).unwrap_or_default()
}

/// The 503 for a request past its time limit; `Retry-After` invites a retry.
fn timed_out_page() -> Response {
    let mut response = super::error_page::error_page(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "This is taking too long",
        Some("The server could not answer in time. Try again in a moment."),
    );
    response.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        HeaderValue::from_static("5"),
    );
    response
}

pub async fn correlate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let id = from_headers(request.headers())
        .unwrap_or_else(|| generate(state.clock.now().timestamp_millis()));
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_else(|| "fallback".to_owned());
    request.extensions_mut().insert(CorrelationId(id.clone()));

    let span =
        tracing::info_span!("request", correlation_id = %id, method = %method, route = %route);
    // Every route answers within the request timeout: a handler stuck on a lock or a slow
    // provider gets a 503 the client can retry, never an open connection held forever. A
    // streamed body (CSV export, recordings) only has to start in time.
    let outcome = tokio::time::timeout(
        state.config.request_timeout,
        AssertUnwindSafe(next.run(request)).catch_unwind(),
    )
    .instrument(span.clone())
    .await;
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(_elapsed) => {
            span.in_scope(|| {
                tracing::error!(
                    event = "app.error",
                    source = "http",
                    kind = "request_timeout",
                    "request exceeded its time limit"
                );
            });
            Ok(timed_out_page())
        }
    };
    let mut response = outcome.unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        span.in_scope(|| {
            tracing::error!(event = "app.error", source = "http", kind = "panic", panic = %message, "request handler panicked");
        });
        internal_error_page(&id)
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    state.metrics.observe_request(
        &route,
        method.as_str(),
        response.status().as_u16(),
        started.elapsed(),
    );
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            duration_ms = started.elapsed().as_millis() as u64,
            "request"
        );
    });
    response
}

/// The 500 page: the reference only, never details (web.md §11).
pub fn internal_error_page(correlation_id: &str) -> Response {
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        &format!("Something went wrong. Reference: {correlation_id}"),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn spec_vectors() {
        let both = headers(&[
            ("x-correlation-id", "corr-explicit-123"),
            ("x-request-id", "req-fallback-456"),
        ]);
        assert_eq!(from_headers(&both).as_deref(), Some("corr-explicit-123"));
        let only_request = headers(&[("x-request-id", "req-fallback-456")]);
        assert_eq!(
            from_headers(&only_request).as_deref(),
            Some("req-fallback-456")
        );
        let invalid = headers(&[("x-correlation-id", "has space")]);
        assert_eq!(from_headers(&invalid), None);
    }

    #[test]
    fn accepted_shapes() {
        assert_eq!(accept("  abc.DEF_1:2-3 "), Some("abc.DEF_1:2-3"));
        assert_eq!(accept(&"a".repeat(128)), Some("a".repeat(128).as_str()));
        assert_eq!(accept(&"a".repeat(129)), None);
        assert_eq!(accept(""), None);
        assert_eq!(accept("   "), None);
        assert_eq!(accept("a/b"), None);
        assert_eq!(accept("é"), None);
    }

    #[test]
    fn generated_ids_have_the_documented_shape() {
        let id = generate(1_700_000_000_000);
        let parts: Vec<_> = id.split('_').collect();
        assert_eq!(parts.len(), 3, "{id}");
        assert_eq!(parts[0], "req");
        assert_eq!(parts[1].len(), 8);
        assert!(
            parts[1]
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
        );
        assert_eq!(parts[2], base36(1_700_000_000_000));
        assert_eq!(base36(0), "0");
        assert_eq!(base36(35), "z");
        assert_eq!(base36(36), "10");
        assert!(accept(&id).is_some());
    }

    #[test]
    fn the_error_page_quotes_only_the_reference() {
        let response = internal_error_page("req_<x>");
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
