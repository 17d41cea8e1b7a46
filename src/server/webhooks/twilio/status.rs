//! `POST /api/twilio/status` (twilio.md §7): the dial outcome, recording metadata and the
//! parent call's end, told apart by `event` (or the parameters present).

use axum::{
    extract::{Request, State},
    response::Response,
};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::{
    lines::{Line, Lookup, Resolution},
    pipeline::{self, Accepted, Route},
    reply::{self, Decided},
};
use crate::{
    domain::{
        call_events::{
            CallerKind, StatusKind, caller_kind, first_invalid_parameter, is_terminal_call_status,
            status_kind,
        },
        missed_call_rule::{Classification, DialReport, classify_dial, parse_seconds},
        recording_url, twiml,
    },
    server::{
        calls::{self, finalize, lead_procedure, store},
        failpoint::{self, Failpoint},
        jobs::enqueue,
        phone::{Source, normalize},
        state::AppState,
    },
};

pub async fn status(State(state): State<AppState>, request: Request) -> Response {
    let request = match pipeline::accept(&state, Route::Status, request).await {
        Ok(request) => request,
        Err(response) => return response,
    };
    if let Some(response) = request.missing_required(&state.metrics, &["CallSid"]) {
        return response;
    }
    let form = &request.form;
    if let Some(name) = first_invalid_parameter(|name| form.get(name)) {
        Decided::new(Route::Status, "-", "reject_400_invalid").log(&state.metrics, request.started);
        return reply::error(
            axum::http::StatusCode::BAD_REQUEST,
            &format!("Invalid parameter: {name}"),
        );
    }
    let kind = status_kind(
        request.query_param("event").as_deref(),
        form.get("DialCallStatus").is_some(),
        form.get("RecordingSid").is_some(),
        form.get("CallStatus").is_some(),
    );
    let mut decided = Decided::new(Route::Status, kind.as_str(), "ignored_unknown_callback");
    decided.sid = form.non_blank("CallSid").map(str::to_owned);
    let handled = match kind {
        StatusKind::Unknown => Ok(twiml::empty()),
        StatusKind::Dial => {
            in_transaction(&state, async |tx| {
                dial(tx, &state, &request, &mut decided).await
            })
            .await
        }
        StatusKind::Call => {
            in_transaction(&state, async |tx| {
                parent_call(tx, &state, &request, &mut decided).await
            })
            .await
        }
        StatusKind::Recording => {
            in_transaction(&state, async |tx| {
                recording(tx, &state, &request, &mut decided).await
            })
            .await
        }
    };
    match handled {
        Ok(xml) => {
            decided.log(&state.metrics, request.started);
            reply::twiml(xml)
        }
        Err(err) => {
            tracing::error!(event = "app.error", source = "twilio", kind = "status_db", error = %err, "status callback not recorded");
            decided.decision = "retry_503";
            decided.log(&state.metrics, request.started);
            reply::not_recorded(&state, Route::Status)
        }
    }
}

/// Runs `work` in one transaction and commits before the response is built.
async fn in_transaction<F>(state: &AppState, work: F) -> Result<String, sqlx::Error>
where
    F: AsyncFnOnce(&mut PgConnection) -> Result<String, sqlx::Error>,
{
    let mut tx = state.pool.begin().await?;
    let xml = work(&mut tx).await?;
    tx.commit().await?;
    failpoint::hit(Failpoint::AfterWebhookCommit);
    Ok(xml)
}

/// The call row for `CallSid`, created from `To`/`From` when the voice webhook's insert never
/// happened, locked; `None` when `To` is no active line and no row exists.
async fn locked_call(
    conn: &mut PgConnection,
    request: &Accepted,
    kind: StatusKind,
    now: DateTime<Utc>,
) -> Result<Option<store::LockedCall>, sqlx::Error> {
    let call_sid = request.form.non_blank("CallSid").unwrap_or_default();
    let entry = store::log_entry(kind.as_str(), now, request.form.to_json());
    if let Some(call) = store::lock(conn, call_sid).await? {
        store::append_payload(conn, call.id, &entry, now).await?;
        return Ok(Some(call));
    }
    let line = match &request.line {
        Lookup::Current(Resolution::Active(line)) | Lookup::Stale(line) => line.clone(),
        Lookup::Unavailable => return Err(sqlx::Error::PoolTimedOut),
        Lookup::Current(_) => return Ok(None),
    };
    insert_call(conn, request, &line, call_sid, &entry, now).await?;
    store::lock(conn, call_sid).await
}

async fn insert_call(
    conn: &mut PgConnection,
    request: &Accepted,
    line: &Line,
    call_sid: &str,
    entry: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let from_raw = request.form.non_blank("From");
    let from = from_raw.and_then(|raw| normalize(raw, Source::Twilio).e164().map(str::to_owned));
    let kind = caller_kind(from.as_deref(), |phone| {
        line.business_phones.iter().any(|p| p == phone)
    });
    let call = store::NewCall {
        call_sid,
        business_id: line.business_id,
        phone_number_id: line.number_id,
        from_e164: from.as_deref(),
        from_raw,
        to_e164: &line.e164,
        caller_kind: kind.as_str(),
        forwarded_to: Some(&line.forwarding_number),
        ring_timeout_used: Some(line.ring_timeout_seconds),
        screening_required: line.call_screening_enabled,
        recording_requested: line.recording_enabled,
        outcome: if kind == CallerKind::Internal {
            "internal"
        } else {
            "pending"
        },
    };
    store::upsert(&mut *conn, &call, entry, now).await?;
    Ok(())
}

/// The number's settings the dial outcome is judged with.
#[derive(sqlx::FromRow)]
struct DialSettings {
    short_answer_threshold_seconds: Option<i32>,
    missed_call_say_enabled: bool,
}

/// §7.3: store the dial outcome once, classify, and run what a missed call sets in motion.
async fn dial(
    conn: &mut PgConnection,
    state: &AppState,
    request: &Accepted,
    decided: &mut Decided,
) -> Result<String, sqlx::Error> {
    let now = state.clock.now();
    let Some(call) = locked_call(conn, request, StatusKind::Dial, now).await? else {
        decided.decision = "unknown_number";
        return Ok(twiml::empty());
    };
    decided.business_id = Some(call.business_id);
    let settings: DialSettings = sqlx::query_as(
        "SELECT short_answer_threshold_seconds, missed_call_say_enabled FROM phone_numbers WHERE id = $1",
    )
    .bind(call.phone_number_id)
    .fetch_one(&mut *conn)
    .await?;
    let missed_notice = |claimed: bool| {
        if claimed && settings.missed_call_say_enabled {
            twiml::say_and_hang_up(twiml::MISSED_NOTICE)
        } else {
            twiml::empty()
        }
    };
    if let Some(first_at) = call.dial_outcome_at {
        decided.decision = "duplicate";
        return Ok(missed_notice(
            intro_claimed_at(conn, call.id, first_at).await?,
        ));
    }

    let form = &request.form;
    let dial_status = form.get("DialCallStatus").unwrap_or_default();
    let duration = form.get("DialCallDuration");
    let classification = classify_dial(&DialReport {
        dial_call_status: dial_status,
        dial_call_duration: duration,
        screening_required: call.screening_required,
        screen_accepted: call.screen_accepted_at.is_some(),
        short_answer_threshold_seconds: settings.short_answer_threshold_seconds,
    });
    let fields = store::DialFields {
        dial_call_sid: form.non_blank("DialCallSid"),
        dial_call_status: dial_status.trim(),
        dial_call_duration_seconds: parse_seconds(duration).map(|v| v as i32),
    };
    // Finalize already decided (caller hung up), or the call was never a lead candidate:
    // the outcome is kept and only the dial fields are stored.
    if call.outcome != "pending" {
        store::store_dial_outcome(
            conn,
            call.id,
            &fields,
            &call.outcome,
            call.missed_reason.as_deref(),
            now,
        )
        .await?;
        decided.decision = if call.outcome == "missed" {
            "already_missed"
        } else {
            "internal"
        };
        store_recording_fields(conn, request, false, now).await?;
        return Ok(twiml::empty());
    }
    let (outcome, reason) = match classification {
        Classification::Answered => ("answered", None),
        Classification::Missed(reason) => ("missed", Some(reason.as_str())),
    };
    store::store_dial_outcome(conn, call.id, &fields, outcome, reason, now).await?;
    store_recording_fields(conn, request, false, now).await?;

    let correlation = Some(request.correlation_id.as_str()).filter(|id| !id.is_empty());
    match (
        classification,
        call.caller_kind.as_str(),
        call.from_e164.as_deref(),
    ) {
        (Classification::Answered, "external", Some(caller)) => {
            let answered = lead_procedure::MissedCall {
                call_id: call.id,
                call_sid: &call.call_sid,
                business_id: call.business_id,
                number_id: call.phone_number_id,
                caller,
                correlation_id: correlation,
            };
            decided.lead_id = lead_procedure::attach_answered(conn, &answered, now).await?;
            decided.decision = "answered";
            Ok(twiml::empty())
        }
        (Classification::Answered, _, _) => {
            decided.decision = "answered";
            Ok(twiml::empty())
        }
        (Classification::Missed(_), _, _) => {
            let after = calls::after_missed(conn, state, &call, correlation, now).await?;
            decided.decision = after.decision;
            decided.lead_id = after.lead_id;
            Ok(missed_notice(after.intro_claimed))
        }
    }
}

/// Whether the dial outcome stored at `first_at` claimed an intro in its transaction (the
/// intro row carries the same timestamp), so a replay answers exactly as the first time.
async fn intro_claimed_at(
    conn: &mut PgConnection,
    call_id: uuid::Uuid,
    first_at: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (
             SELECT 1 FROM lead_calls lc
             JOIN messages m ON m.lead_id = lc.lead_id
                AND m.idempotency_key = 'lead:' || lc.lead_id::text || ':intro'
             WHERE lc.call_id = $1 AND m.created_at = $2)",
    )
    .bind(call_id)
    .bind(first_at)
    .fetch_one(conn)
    .await
}

/// §7.4: the parent call's own status; a terminal status without a dial outcome schedules
/// `finalize_call`.
async fn parent_call(
    conn: &mut PgConnection,
    state: &AppState,
    request: &Accepted,
    decided: &mut Decided,
) -> Result<String, sqlx::Error> {
    let now = state.clock.now();
    let Some(call) = locked_call(conn, request, StatusKind::Call, now).await? else {
        decided.decision = "unknown_number";
        return Ok(twiml::empty());
    };
    decided.business_id = Some(call.business_id);
    let status = request.form.non_blank("CallStatus");
    let terminal = status.is_some_and(is_terminal_call_status);
    let duration = parse_seconds(request.form.get("CallDuration")).map(|v| v as i32);
    store::store_call_status(
        conn,
        call.id,
        status,
        duration,
        terminal.then_some(now),
        now,
    )
    .await?;
    decided.decision = "call_status";
    if terminal && call.dial_outcome_at.is_none() && call.outcome == "pending" {
        enqueue(conn, &finalize::job(&call.call_sid, call.business_id, now)).await?;
        decided.decision = "finalize_scheduled";
    }
    Ok(twiml::empty())
}

/// §7.5: recording metadata only; never leads or outcomes.
async fn recording(
    conn: &mut PgConnection,
    state: &AppState,
    request: &Accepted,
    decided: &mut Decided,
) -> Result<String, sqlx::Error> {
    let now = state.clock.now();
    decided.decision = if store_recording_fields(conn, request, true, now).await? {
        "recording_stored"
    } else {
        "recording_no_call"
    };
    Ok(twiml::empty())
}

/// Stores recording fields when the request carries any (a dial action may too; its payload
/// is already in the log, so `log_payload` is false then).
async fn store_recording_fields(
    conn: &mut PgConnection,
    request: &Accepted,
    log_payload: bool,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let form = &request.form;
    let url = form.non_blank("RecordingUrl");
    let allowed_url = url.filter(|url| recording_url::is_allowed(url));
    if url.is_some() && allowed_url.is_none() {
        tracing::warn!(
            event = "twilio.recording_url_rejected",
            "recording URL failed the allowlist"
        );
    }
    let fields = store::RecordingFields {
        recording_sid: form.non_blank("RecordingSid"),
        recording_url: allowed_url,
        recording_status: form.non_blank("RecordingStatus"),
        recording_duration_seconds: parse_seconds(form.get("RecordingDuration")).map(|v| v as i32),
    };
    let nothing = fields.recording_sid.is_none()
        && fields.recording_url.is_none()
        && fields.recording_status.is_none()
        && fields.recording_duration_seconds.is_none();
    if nothing {
        return Ok(false);
    }
    let call_sid = form.non_blank("CallSid").unwrap_or_default();
    let entry = log_payload.then(|| store::log_entry("recording", now, form.to_json()));
    store::store_recording(conn, call_sid, &fields, entry.as_ref(), now).await
}
