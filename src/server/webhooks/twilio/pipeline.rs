//! The steps every Twilio webhook goes through before its handler (twilio.md §2, §4): size,
//! content type, strict parsing, authentication with the shared unauthorized limiter, and the
//! authorized-traffic count that is observed but never refused.

use std::time::Instant;

use axum::{
    body::{Body, to_bytes},
    extract::Request,
    http::{HeaderMap, StatusCode, header},
    response::Response,
};
use chrono::Duration;

use super::{
    auth::{self, Presented},
    form::TwilioForm,
    lines::Lookup,
    reply::{self, Decided},
};
use crate::server::{
    http::correlation::CorrelationId,
    observability::{Alert, Metrics},
    phone::{Source, normalize},
    ratelimit,
    state::AppState,
};

pub const MAX_BODY_BYTES: usize = 64 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    Voice,
    Status,
    Sms,
    MessageStatus,
}

impl Route {
    pub fn as_str(self) -> &'static str {
        match self {
            Route::Voice => "voice",
            Route::Status => "status",
            Route::Sms => "sms",
            Route::MessageStatus => "message-status",
        }
    }
}

/// A request that passed steps 1–5.
pub struct Accepted {
    pub route: Route,
    pub form: TwilioForm,
    /// The raw query string, without `?`.
    pub query: Option<String>,
    pub correlation_id: String,
    pub started: Instant,
    /// `To` normalised, when it normalises.
    pub to: Option<String>,
    /// The line `To` resolved to while counting (served from the cache when fresh).
    pub line: Lookup,
}

impl Accepted {
    /// A query parameter of the request URL.
    pub fn query_param(&self, name: &str) -> Option<String> {
        let query = self.query.as_deref()?;
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }

    /// Step 6: the 400 answer for the first missing required parameter, if any.
    pub fn missing_required(&self, metrics: &Metrics, names: &[&str]) -> Option<Response> {
        match self.form.first_missing(names) {
            Some(name) => {
                Decided::new(self.route, "-", "reject_400_missing").log(metrics, self.started);
                Some(reply::error(
                    StatusCode::BAD_REQUEST,
                    &format!("Missing required parameter: {name}"),
                ))
            }
            None => None,
        }
    }
}

/// Steps 1–5 of the pipeline; `Err` is the response to send.
pub async fn accept(
    state: &AppState,
    route: Route,
    request: Request,
) -> Result<Accepted, Response> {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let correlation_id = parts
        .extensions
        .get::<CorrelationId>()
        .map(|id| id.0.clone())
        .unwrap_or_default();
    let refuse = |status: StatusCode, message: &str, decision: &'static str| {
        Decided::new(route, "-", decision).log(&state.metrics, started);
        reply::error(status, message)
    };

    // 1. Size.
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > MAX_BODY_BYTES) {
        return Err(refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Payload too large",
            "reject_413",
        ));
    }
    let Ok(bytes) = to_bytes(Body::new(body), MAX_BODY_BYTES).await else {
        return Err(refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Payload too large",
            "reject_413",
        ));
    };
    // 2. Content type.
    if !is_form(&parts.headers) {
        return Err(refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported content type",
            "reject_415",
        ));
    }
    let client = crate::server::webhooks::client_key(state, &parts.headers, parts.extensions.get());
    // 3. Parse; a malformed body counts as unauthorized.
    let Ok(form) = TwilioForm::parse(&bytes) else {
        return Err(
            unauthorized(state, route, &client, started, "malformed_body")
                .await
                .unwrap_or_else(|| {
                    refuse(
                        StatusCode::BAD_REQUEST,
                        "Malformed body",
                        "reject_400_malformed",
                    )
                }),
        );
    };
    // 4. Authenticate.
    let query = parts.uri.query().map(str::to_owned);
    let presented = Presented {
        headers: &parts.headers,
        path: parts.uri.path(),
        query: query.as_deref(),
        form: &form,
    };
    if let Err(reason) = auth::authenticate(&state.config, &presented) {
        return Err(
            unauthorized(state, route, &client, started, reason.as_str())
                .await
                .unwrap_or_else(|| refuse(StatusCode::UNAUTHORIZED, "Unauthorized", "reject_401")),
        );
    }
    let form = form.storable();
    // 5. Count authorized traffic per customer account; never refused.
    let to = form
        .get("To")
        .and_then(|raw| normalize(raw, Source::Twilio).e164().map(str::to_owned));
    let line = match &to {
        Some(to) => {
            state
                .lines
                .lookup(&state.pool, to, state.clock.now(), state.db_budget)
                .await
        }
        None => Lookup::Current(super::lines::Resolution::Unknown),
    };
    let accepted = Accepted {
        route,
        form,
        query,
        correlation_id,
        started,
        to,
        line,
    };
    count_authorized(state, &accepted).await;
    Ok(accepted)
}

/// `application/x-www-form-urlencoded`, with any parameters (`; charset=utf-8`).
fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| {
            media
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// Counts an unauthorized request; `Some(429)` once the client is over the limit, `None` for
/// the caller to answer 400/401. While the database is down nothing is counted.
async fn unauthorized(
    state: &AppState,
    route: Route,
    client: &str,
    started: Instant,
    reason: &str,
) -> Option<Response> {
    tracing::warn!(
        event = "twilio.unauthorized",
        route = route.as_str(),
        reason,
        "twilio webhook refused"
    );
    let limits = &state.config.rate_limits;
    let key = format!("twilio:{}:unauth:{client}", route.as_str());
    let window = Duration::from_std(limits.window).unwrap_or(Duration::minutes(1));
    let hit = ratelimit::hit(
        &state.pool,
        &key,
        limits.twilio_unauth_max,
        window,
        state.clock.now(),
    );
    match tokio::time::timeout(state.db_budget, hit).await {
        Ok(Ok(decision)) if !decision.allowed => {
            state
                .metrics
                .inc("rate_limited_total", &[("limiter", "twilio_unauth")]);
            Decided::new(route, "-", "reject_429").log(&state.metrics, started);
            Some(reply::too_many(&decision))
        }
        Ok(Ok(_)) => None,
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "unauthorized limiter unavailable");
            None
        }
        Err(_) => None,
    }
}

/// Counts one authenticated request for the customer account owning `To` (the `AccountSid`
/// when `To` matches no business). Over the limit it is still processed: the excess is
/// counted and raises the throttled `twilio.authorized_burst` alert.
async fn count_authorized(state: &AppState, request: &Accepted) {
    let account = match &request.line {
        Lookup::Current(resolution) => resolution.business_id().map(|id| id.to_string()),
        Lookup::Stale(line) => Some(line.business_id.to_string()),
        // The database is down: nothing can be counted.
        Lookup::Unavailable => return,
    }
    .or_else(|| request.form.non_blank("AccountSid").map(str::to_owned))
    .unwrap_or_else(|| "unknown".to_owned());
    let limits = &state.config.rate_limits;
    let key = format!("twilio:{}:auth:{account}", request.route.as_str());
    let window = Duration::from_std(limits.window).unwrap_or(Duration::minutes(1));
    let hit = ratelimit::hit(
        &state.pool,
        &key,
        limits.twilio_auth_max,
        window,
        state.clock.now(),
    );
    match tokio::time::timeout(state.db_budget, hit).await {
        Ok(Ok(decision)) if !decision.allowed => {
            state
                .metrics
                .inc("rate_limited_total", &[("limiter", "twilio_auth")]);
            state.alerts.report(
                Alert::new(
                    "twilio",
                    "authorized_burst",
                    format!(
                        "Authenticated Twilio traffic on {} is over {} per window; still processed",
                        request.route.as_str(),
                        limits.twilio_auth_max
                    ),
                )
                .metadata(
                    serde_json::json!({ "route": request.route.as_str(), "account": account }),
                )
                .correlation_id(request.correlation_id.clone()),
            );
        }
        Ok(Ok(_)) => {}
        Ok(Err(err)) => tracing::warn!(error = %err, "authorized counter unavailable"),
        Err(_) => tracing::warn!("authorized counter timed out"),
    }
}
