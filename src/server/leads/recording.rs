//! `GET /api/leads/{id}/recording[?call=<call id>]` (web.md §7): a streaming proxy to Twilio for
//! members allowed to play recordings. The stored URL is checked against the allowlist again
//! here; the Twilio URL never reaches the browser and the body is never buffered whole.

use axum::{
    body::Body,
    extract::{Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use uuid::Uuid;

use crate::{
    api::viewer::Role,
    domain::recording_url,
    server::{
        audit::{Actor, Entry},
        auth::AuthSession,
        integrations::twilio::TwilioError,
        observability::Alert,
        state::AppState,
        webhooks::json_reply::error,
    },
};

#[derive(Debug, Deserialize)]
pub struct RecordingQuery {
    call: Option<String>,
}

const NOT_AVAILABLE: &str = "Recording not available for this lead";

pub async fn recording(
    State(state): State<AppState>,
    auth: AuthSession,
    Path(lead): Path<String>,
    Query(query): Query<RecordingQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(user) = auth.user else {
        return error(StatusCode::UNAUTHORIZED, "Unauthorized");
    };
    let not_found = || error(StatusCode::NOT_FOUND, "Lead not found");
    let (Some((business_id, role)), Ok(lead_id)) = (user.membership(), Uuid::parse_str(&lead))
    else {
        return not_found();
    };
    let allowed: Option<bool> = match sqlx::query_scalar(
        "SELECT b.agents_can_play_recordings FROM leads l JOIN businesses b ON b.id = l.business_id
         WHERE l.id = $1 AND l.business_id = $2",
    )
    .bind(lead_id)
    .bind(business_id)
    .fetch_optional(&state.pool)
    .await
    {
        Ok(found) => found,
        Err(err) => return unavailable(&err.to_string()),
    };
    let Some(agents_may_play) = allowed else {
        return not_found();
    };
    if role == Role::Agent && !agents_may_play {
        return error(StatusCode::FORBIDDEN, "Forbidden");
    }
    let call_id = query.call.as_deref().map(|c| Uuid::parse_str(c.trim()));
    let call: Option<(Uuid, String, Option<String>)> = match call_id {
        Some(Err(_)) => None,
        Some(Ok(call_id)) => sqlx::query_as(
            "SELECT c.id, c.call_sid, c.recording_url FROM lead_calls lc JOIN calls c ON c.id = lc.call_id
             WHERE lc.lead_id = $1 AND c.id = $2",
        )
        .bind(lead_id)
        .bind(call_id)
        .fetch_optional(&state.pool)
        .await
        .unwrap_or(None),
        None => sqlx::query_as(
            "SELECT c.id, c.call_sid, c.recording_url FROM lead_calls lc JOIN calls c ON c.id = lc.call_id
             WHERE lc.lead_id = $1 AND c.recording_url IS NOT NULL
             ORDER BY c.created_at DESC LIMIT 1",
        )
        .bind(lead_id)
        .fetch_optional(&state.pool)
        .await
        .unwrap_or(None),
    };
    let Some((call_id, call_sid, Some(url))) = call else {
        return error(StatusCode::NOT_FOUND, NOT_AVAILABLE);
    };
    if !recording_url::is_allowed(&url) {
        return error(StatusCode::NOT_FOUND, NOT_AVAILABLE);
    }
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    let upstream = match state.twilio.fetch_recording(&url, range).await {
        Ok(upstream) => upstream,
        Err(TwilioError::NotConfigured) => return error(StatusCode::NOT_FOUND, NOT_AVAILABLE),
        Err(err) => return unavailable(&err.to_string()),
    };
    match upstream.status().as_u16() {
        200 | 206 => {}
        404 => return error(StatusCode::NOT_FOUND, NOT_AVAILABLE),
        416 => return error(StatusCode::RANGE_NOT_SATISFIABLE, "Range not satisfiable"),
        401 | 403 => {
            state.alerts.report(Alert::new(
                "twilio",
                "recording_auth_failed",
                "Twilio refused the credentials while fetching a recording",
            ));
            return unavailable("upstream auth error");
        }
        status => return unavailable(&format!("upstream answered {status}")),
    }
    if range.is_none_or(|r| r.trim().starts_with("bytes=0-")) {
        let entry = Entry::new(
            state.clock.now(),
            Actor::User(user.id),
            "lead.recording_played",
        )
        .business(business_id)
        .target("lead", lead_id)
        .change("call", serde_json::Value::Null, call_id.to_string());
        if let Ok(mut conn) = state.pool.acquire().await
            && let Err(err) = entry.write(&mut conn).await
        {
            tracing::warn!(error = %err, "recording audit not written");
        }
    }
    stream_back(upstream, &call_sid)
}

fn stream_back(upstream: reqwest::Response, call_sid: &str) -> Response {
    let status = StatusCode::from_u16(upstream.status().as_u16()).unwrap_or(StatusCode::OK);
    let copied: Vec<(header::HeaderName, HeaderValue)> =
        [header::CONTENT_LENGTH, header::CONTENT_RANGE]
            .into_iter()
            .filter_map(|name| {
                let value = upstream.headers().get(name.as_str())?.to_str().ok()?;
                Some((name, HeaderValue::from_str(value).ok()?))
            })
            .collect();
    let mut response = Body::from_stream(upstream.bytes_stream()).into_response();
    *response.status_mut() = status;
    let headers = response.headers_mut();
    for (name, value) in copied {
        headers.insert(name, value);
    }
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/mpeg"));
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    let safe_sid: String = call_sid
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    if let Ok(value) =
        HeaderValue::from_str(&format!("inline; filename=\"recording-{safe_sid}.mp3\""))
    {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

fn unavailable(cause: &str) -> Response {
    tracing::warn!(error = cause, "recording not fetched");
    error(StatusCode::BAD_GATEWAY, "Recording temporarily unavailable")
}
