//! The answers a Twilio webhook can give (twilio.md §2): TwiML on success, small JSON bodies on
//! refusal, and the one structured log line (plus metric) per webhook (§14).

use std::time::Instant;

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;
use uuid::Uuid;

use super::pipeline::Route;
use crate::{domain::rate_limit::Decision, server::observability::Metrics};

pub fn twiml(xml: String) -> Response {
    ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], xml).into_response()
}

pub use crate::server::webhooks::json_reply::error;

/// 429 from the unauthorized limiter (§4).
pub fn too_many(decision: &Decision) -> Response {
    crate::server::webhooks::json_reply::too_many(decision, "Too many unauthorized requests")
}

/// The state could not be recorded: notes the outage, so what Twilio gives up on is reconciled
/// once the database answers again (twilio.md §10.5), and asks Twilio to retry.
pub fn not_recorded(state: &crate::server::state::AppState, route: Route) -> Response {
    state.db_outage.database_failed(&state.pool, &state.clock);
    state.alerts.report(
        crate::server::observability::Alert::new(
            "twilio",
            "webhook_not_recorded",
            "A Twilio webhook could not be recorded (database unavailable); Twilio will retry",
        )
        .metadata(json!({ "route": route.as_str() })),
    );
    retry_later(route)
}

/// 503 that Twilio retries (the URL's fragment asks it to): the state was not recorded.
fn retry_later(route: Route) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({
            "error": "Temporary webhook processing failure",
            "retryable": true,
            "route": route.as_str(),
        })),
    )
        .into_response()
}

pub fn method_not_allowed() -> Response {
    let mut response = error(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed");
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    response
}

/// What one webhook decided, logged once with masked phone numbers and counted.
pub struct Decided {
    pub route: Route,
    pub kind: &'static str,
    pub decision: &'static str,
    pub sid: Option<String>,
    pub business_id: Option<Uuid>,
    pub lead_id: Option<Uuid>,
}

impl Decided {
    pub fn new(route: Route, kind: &'static str, decision: &'static str) -> Self {
        Self {
            route,
            kind,
            decision,
            sid: None,
            business_id: None,
            lead_id: None,
        }
    }

    pub fn log(&self, metrics: &Metrics, started: Instant) {
        metrics.inc(
            "twilio_webhooks_total",
            &[
                ("route", self.route.as_str()),
                ("kind", self.kind),
                ("decision", self.decision),
            ],
        );
        let sid_field = match self.route {
            Route::Sms | Route::MessageStatus => "message_sid",
            Route::Voice | Route::Status => "call_sid",
        };
        tracing::info!(
            event = "twilio.webhook",
            route = self.route.as_str(),
            kind = self.kind,
            decision = self.decision,
            sid_field,
            sid = self.sid.as_deref().unwrap_or(""),
            business_id = self
                .business_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            lead_id = self.lead_id.map(|id| id.to_string()).unwrap_or_default(),
            duration_ms = started.elapsed().as_secs_f64() * 1000.0,
            "twilio webhook"
        );
    }
}

/// `+15125550100` → `+1******0100`: enough to tell calls apart in a log, not to dial.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() <= 6 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..2].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 6))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_masked() {
        assert_eq!(mask_phone("+15125550100"), "+1******0100");
        assert_eq!(mask_phone("+442079460958"), "+4*******0958");
        assert_eq!(mask_phone("123"), "***");
    }
}
