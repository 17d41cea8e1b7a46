//! `POST /api/stripe/webhook` (billing.md §6): verify the raw body, record the event and its
//! job in one transaction, answer 200. It never calls Stripe; the job does.

pub mod signature;

use std::time::Duration as StdDuration;

use axum::{
    Router,
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::post,
};
use chrono::Duration;

use super::{
    client_key,
    json_reply::{error, too_many},
};
use crate::server::{
    billing::{
        stripe_event,
        stripe_inbox::{self, Recorded},
    },
    failpoint::{self, Failpoint},
    ratelimit,
    state::AppState,
};

pub const MAX_BODY_BYTES: usize = 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/api/stripe/webhook",
        post(webhook).fallback(method_not_allowed),
    )
}

async fn method_not_allowed() -> Response {
    let mut response = error(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed");
    response
        .headers_mut()
        .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
    response
}

pub async fn webhook(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > MAX_BODY_BYTES) {
        return error(StatusCode::PAYLOAD_TOO_LARGE, "Payload too large");
    }
    let Ok(bytes) = to_bytes(Body::new(body), MAX_BODY_BYTES).await else {
        return error(StatusCode::PAYLOAD_TOO_LARGE, "Payload too large");
    };
    let client = client_key(&state, &parts.headers, parts.extensions.get());
    let secrets: Vec<&str> = state
        .config
        .stripe
        .webhook_secrets
        .iter()
        .map(|s| s.expose())
        .filter(|s| !s.is_empty())
        .collect();
    let header = parts
        .headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok());
    let Some(header) = header.filter(|_| !secrets.is_empty()) else {
        tracing::warn!(
            event = "stripe.unauthorized",
            reason = "missing_configuration",
            "stripe webhook refused"
        );
        return over_limit(&state, Limiter::Invalid, &client)
            .await
            .unwrap_or_else(|| {
                error(
                    StatusCode::BAD_REQUEST,
                    "Missing Stripe webhook configuration",
                )
            });
    };
    let now = state.clock.now();
    if let Err(reason) = signature::verify(header, &bytes, &secrets, now.timestamp()) {
        tracing::warn!(event = "stripe.unauthorized", reason = ?reason, "stripe webhook refused");
        return over_limit(&state, Limiter::Invalid, &client)
            .await
            .unwrap_or_else(|| error(StatusCode::BAD_REQUEST, "Invalid signature"));
    }
    if let Some(refused) = over_limit(&state, Limiter::Valid, &client).await {
        return refused;
    }
    let (Some(head), Ok(text)) = (stripe_event::head(&bytes), std::str::from_utf8(&bytes)) else {
        return error(StatusCode::BAD_REQUEST, "Invalid payload");
    };
    let recorded = tokio::time::timeout(
        state.db_budget,
        stripe_inbox::record(&state.pool, &head, text, now),
    )
    .await;
    let result = match &recorded {
        Ok(Ok(Recorded::New)) => "recorded",
        Ok(Ok(Recorded::Duplicate)) => "duplicate",
        _ => "not_recorded",
    };
    state.metrics.inc(
        "stripe_events_total",
        &[("type", head.kind.as_str()), ("result", result)],
    );
    match recorded {
        Ok(Ok(Recorded::New)) => {
            failpoint::hit(Failpoint::AfterWebhookCommit);
            tracing::info!(
                event = "stripe.received",
                event_id = head.id,
                kind = head.kind,
                "stripe event recorded"
            );
            received(r#"{"received":true}"#)
        }
        Ok(Ok(Recorded::Duplicate)) => received(r#"{"received":true,"duplicate":true}"#),
        Ok(Err(err)) => {
            tracing::error!(error = %err, event_id = head.id, "stripe event not recorded");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Webhook processing failed",
            )
        }
        Err(_) => {
            tracing::error!(
                event_id = head.id,
                "stripe event not recorded: database timeout"
            );
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Webhook processing failed",
            )
        }
    }
}

/// The 200 body, written out so the keys keep the documented order.
fn received(body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

#[derive(Clone, Copy)]
enum Limiter {
    Invalid,
    Valid,
}

/// Counts one request against its per-IP limit; `Some(429)` once over it. While the database is
/// unavailable nothing is counted (the request itself decides the answer).
async fn over_limit(state: &AppState, limiter: Limiter, client: &str) -> Option<Response> {
    let limits = &state.config.rate_limits;
    let (key, max, message, name) = match limiter {
        Limiter::Invalid => (
            format!("stripe:unauth:{client}"),
            limits.stripe_unauth_max,
            "Too many invalid webhook attempts",
            "stripe_unauth",
        ),
        Limiter::Valid => (
            format!("stripe:auth:{client}"),
            limits.stripe_auth_max,
            "Rate limit exceeded",
            "stripe_auth",
        ),
    };
    let window = Duration::from_std(limits.window).unwrap_or(Duration::minutes(1));
    let hit = ratelimit::hit(&state.pool, &key, max, window, state.clock.now());
    let budget = state.db_budget.min(StdDuration::from_secs(2));
    match tokio::time::timeout(budget, hit).await {
        Ok(Ok(decision)) if !decision.allowed => {
            state
                .metrics
                .inc("rate_limited_total", &[("limiter", name)]);
            Some(too_many(&decision, message))
        }
        Ok(Ok(_)) => None,
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "stripe webhook limiter unavailable");
            None
        }
        Err(_) => None,
    }
}
