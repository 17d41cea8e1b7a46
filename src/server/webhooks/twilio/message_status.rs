//! `POST /api/twilio/message-status` (twilio.md §9): delivery news for one outbound text. Found
//! by `MessageSid`, else by the `m` id the product put in the callback URL; every callback is
//! logged on the row, the status only moves forward, and error codes take effect (§11).

use axum::{
    extract::{Request, State},
    http::StatusCode,
    response::{IntoResponse as _, Response},
};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    pipeline::{self, Accepted, Route},
    reply::{self, Decided},
};
use crate::server::{
    failpoint::{self, Failpoint},
    messaging::delivery::{self, SentText},
    state::AppState,
};

const STATUS_LOG_KEEP: i32 = 10;

pub async fn message_status(State(state): State<AppState>, request: Request) -> Response {
    let request = match pipeline::accept(&state, Route::MessageStatus, request).await {
        Ok(request) => request,
        Err(response) => return response,
    };
    if let Some(response) = missing_either(
        &state,
        &request,
        &[("MessageSid", "SmsSid"), ("MessageStatus", "SmsStatus")],
    ) {
        return response;
    }
    let mut decided = Decided::new(Route::MessageStatus, "status", "unknown_message");
    decided.sid = sid(&request).map(str::to_owned);
    let handled = async {
        let mut tx = state.pool.begin().await?;
        let decision = record(&mut tx, &state, &request, &mut decided).await?;
        tx.commit().await?;
        failpoint::hit(Failpoint::AfterWebhookCommit);
        Ok::<_, sqlx::Error>(decision)
    }
    .await;
    match handled {
        Ok(decision) => {
            decided.decision = decision;
            decided.log(&state.metrics, request.started);
            StatusCode::OK.into_response()
        }
        Err(err) => {
            tracing::error!(event = "app.error", source = "twilio", kind = "message_status_db", error = %err, "message status not recorded");
            decided.decision = "retry_503";
            decided.log(&state.metrics, request.started);
            reply::not_recorded(&state, Route::MessageStatus)
        }
    }
}

/// Step 6 for parameters Twilio sends under either of two names.
pub fn missing_either(
    state: &AppState,
    request: &Accepted,
    pairs: &[(&str, &str)],
) -> Option<Response> {
    let (name, _) = pairs.iter().find(|(name, alias)| {
        request.form.non_blank(name).is_none() && request.form.non_blank(alias).is_none()
    })?;
    Decided::new(request.route, "-", "reject_400_missing").log(&state.metrics, request.started);
    Some(reply::error(
        StatusCode::BAD_REQUEST,
        &format!("Missing required parameter: {name}"),
    ))
}

fn sid(request: &Accepted) -> Option<&str> {
    request
        .form
        .non_blank("MessageSid")
        .or_else(|| request.form.non_blank("SmsSid"))
}

async fn record(
    conn: &mut PgConnection,
    state: &AppState,
    request: &Accepted,
    decided: &mut Decided,
) -> Result<&'static str, sqlx::Error> {
    let now = state.clock.now();
    let form = &request.form;
    let sid = sid(request).unwrap_or_default();
    let reported = form
        .non_blank("MessageStatus")
        .or_else(|| form.non_blank("SmsStatus"))
        .unwrap_or_default()
        .to_ascii_lowercase();
    let code = form.non_blank("ErrorCode").filter(|code| *code != "0");
    let error_message = form.non_blank("ErrorMessage");
    let by_id = request
        .query_param("m")
        .and_then(|id| Uuid::parse_str(&id).ok());
    let Some(text) = find(conn, sid, by_id).await? else {
        return Ok("unknown_message");
    };
    decided.business_id = Some(text.business_id);
    decided.lead_id = text.lead_id;
    let repeated = append_log(conn, text.id, sid, &reported, code, now).await?;
    if repeated {
        return Ok("duplicate");
    }
    let error = code.map(|code| (code, error_message.unwrap_or_default()));
    let moved = delivery::advance_status(conn, &text, &reported, error, now).await?;
    if let Some(code) = code
        && matches!(reported.as_str(), "failed" | "undelivered")
    {
        delivery::apply_error_code(conn, state, &text, code, now).await?;
    }
    Ok(if moved.is_some() {
        "status_recorded"
    } else {
        "status_ignored"
    })
}

/// The message by SID, else by the id in the callback URL (adopting the SID when the row has
/// none yet: the callback beat the REST answer). Locked.
async fn find(
    conn: &mut PgConnection,
    sid: &str,
    by_id: Option<Uuid>,
) -> Result<Option<SentText>, sqlx::Error> {
    let columns = SentText::COLUMNS;
    let found: Option<SentText> = sqlx::query_as(&format!(
        "SELECT {columns} FROM messages WHERE twilio_sid = $1 AND direction = 'outbound' FOR UPDATE"
    ))
    .bind(sid)
    .fetch_optional(&mut *conn)
    .await?;
    if found.is_some() {
        return Ok(found);
    }
    let Some(id) = by_id else {
        return Ok(None);
    };
    sqlx::query_as(&format!(
        "UPDATE messages SET twilio_sid = $2
         WHERE id = $1 AND direction = 'outbound' AND twilio_sid IS NULL
         RETURNING {columns}"
    ))
    .bind(id)
    .bind(sid)
    .fetch_optional(conn)
    .await
}

/// Appends the callback to `status_log` (newest 10). Returns true when this
/// (`MessageSid`, `MessageStatus`) pair was seen before, which makes it a no-op.
async fn append_log(
    conn: &mut PgConnection,
    id: Uuid,
    sid: &str,
    status: &str,
    code: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let entry = json!({ "sid": sid, "status": status, "error_code": code, "at": now });
    let appended = sqlx::query(
        "UPDATE messages SET status_log = jsonb_append_capped(status_log, $2, $3), updated_at = $4
         WHERE id = $1
           AND NOT status_log @> jsonb_build_array(jsonb_build_object('sid', $5::text, 'status', $6::text))",
    )
    .bind(id)
    .bind(&entry)
    .bind(STATUS_LOG_KEEP)
    .bind(now)
    .bind(sid)
    .bind(status)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(appended == 0)
}
