//! `POST /api/twilio/voice` (twilio.md §6): log the call and ring the owner, the screening
//! legs, and the answers for unknown, moved and unreachable-database cases.

use axum::{
    extract::{Request, State},
    http::StatusCode,
    response::Response,
};
use serde_json::json;

use super::{
    lines::{Line, Lookup, MovedLine, Resolution},
    pipeline::{self, Accepted, Route},
    reply::{self, Decided},
};
use crate::{
    domain::{
        call_events::{CallerKind, caller_kind},
        twiml::{self, DialPlan},
        webhook_urls::{StatusEvent, WebhookUrls},
    },
    server::{
        calls::{owner_notes, store},
        failpoint::{self, Failpoint},
        observability::Alert,
        phone::{Source, normalize},
        state::AppState,
    },
};

pub async fn voice(State(state): State<AppState>, request: Request) -> Response {
    let request = match pipeline::accept(&state, Route::Voice, request).await {
        Ok(request) => request,
        Err(response) => return response,
    };
    match request.query_param("stage").as_deref() {
        None => incoming(&state, request).await,
        Some("screen") => screen(&state, request).await,
        Some("screen-result") => screen_result(&state, request).await,
        Some(_) => {
            Decided::new(Route::Voice, "-", "reject_400_stage")
                .log(&state.metrics, request.started);
            reply::error(StatusCode::BAD_REQUEST, "Unknown stage")
        }
    }
}

async fn incoming(state: &AppState, request: Accepted) -> Response {
    if let Some(response) = request.missing_required(&state.metrics, &["CallSid", "To"]) {
        return response;
    }
    let call_sid = request
        .form
        .non_blank("CallSid")
        .unwrap_or_default()
        .to_owned();
    let mut decided = Decided::new(Route::Voice, "incoming", "");
    decided.sid = Some(call_sid.clone());
    let from_raw = request
        .form
        .get("From")
        .map(str::trim)
        .filter(|v| !v.is_empty());
    let from = from_raw.and_then(|raw| normalize(raw, Source::Twilio).e164().map(str::to_owned));

    let response = match &request.line {
        Lookup::Current(Resolution::Active(line)) => {
            decided.business_id = Some(line.business_id);
            let kind = match record_call(state, &request, line, from.as_deref(), from_raw).await {
                Ok(kind) => {
                    decided.decision = "dial";
                    kind
                }
                Err(err) => {
                    // The call still rings; its row comes from the status callback's upsert
                    // or the reconcile job (§6.6).
                    fallback_alert(state, &request, &err.to_string());
                    decided.decision = "dial_unrecorded";
                    caller_kind(from.as_deref(), |_| false)
                }
            };
            dial(state, line, from.as_deref(), kind)
        }
        Lookup::Stale(line) => {
            fallback_alert(
                state,
                &request,
                "database unavailable; answered from the cache",
            );
            decided.business_id = Some(line.business_id);
            decided.decision = "dial_cached";
            let kind = caller_kind(from.as_deref(), |_| false);
            dial(state, line, from.as_deref(), kind)
        }
        Lookup::Unavailable => {
            fallback_alert(state, &request, "database unavailable; number not cached");
            decided.decision = "db_unavailable";
            twiml::say_and_hang_up(twiml::TROUBLE_CONNECTING)
        }
        Lookup::Current(Resolution::Moved(moved)) => {
            decided.business_id = Some(moved.business_id);
            decided.decision = "moved_number";
            if let Err(err) =
                record_moved_call(state, &request, moved, from.as_deref(), from_raw).await
            {
                fallback_alert(state, &request, &err.to_string());
            }
            match &moved.replacement_e164 {
                Some(replacement) => twiml::say_and_hang_up(&twiml::moved_notice(replacement)),
                None => twiml::say_and_hang_up(twiml::NOT_IN_SERVICE),
            }
        }
        Lookup::Current(Resolution::Unknown) => {
            decided.decision = "unknown_number";
            twiml::say_and_hang_up(twiml::NOT_IN_SERVICE)
        }
    };
    decided.log(&state.metrics, request.started);
    reply::twiml(response)
}

/// The call row: one statement (no explicit transaction), bounded by the database budget.
async fn record_call(
    state: &AppState,
    request: &Accepted,
    line: &Line,
    from: Option<&str>,
    from_raw: Option<&str>,
) -> Result<CallerKind, sqlx::Error> {
    let kind = caller_kind(from, |phone| {
        line.business_phones.iter().any(|p| p == phone)
    });
    let now = state.clock.now();
    let call = store::NewCall {
        call_sid: request.form.non_blank("CallSid").unwrap_or_default(),
        business_id: line.business_id,
        phone_number_id: line.number_id,
        from_e164: from,
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
    let entry = store::log_entry("voice", now, request.form.to_json());
    let upsert = store::upsert(&state.pool, &call, &entry, now);
    match tokio::time::timeout(state.db_budget, upsert).await {
        Ok(Ok(stored)) => {
            failpoint::hit(Failpoint::AfterWebhookCommit);
            Ok(CallerKind::parse(&stored.caller_kind).unwrap_or(kind))
        }
        Ok(Err(err)) => Err(err),
        Err(_) => Err(sqlx::Error::PoolTimedOut),
    }
}

/// A call to a detached number: logged as `moved`, and the owner told once per call.
async fn record_moved_call(
    state: &AppState,
    request: &Accepted,
    moved: &MovedLine,
    from: Option<&str>,
    from_raw: Option<&str>,
) -> Result<(), sqlx::Error> {
    let now = state.clock.now();
    let call_sid = request.form.non_blank("CallSid").unwrap_or_default();
    let mut tx = state.pool.begin().await?;
    let call = store::NewCall {
        call_sid,
        business_id: moved.business_id,
        phone_number_id: moved.number_id,
        from_e164: from,
        from_raw,
        to_e164: &moved.e164,
        caller_kind: if from.is_some() { "external" } else { "hidden" },
        forwarded_to: None,
        ring_timeout_used: None,
        screening_required: false,
        recording_requested: false,
        outcome: "moved",
    };
    let entry = store::log_entry("voice", now, request.form.to_json());
    if store::upsert(&mut *tx, &call, &entry, now).await?.created {
        owner_notes::call_to_old_number(&mut tx, moved, call_sid, from, now).await?;
    }
    tx.commit().await
}

fn dial(state: &AppState, line: &Line, from: Option<&str>, kind: CallerKind) -> String {
    let urls = WebhookUrls::new(&state.config.public_base_url, state.config.webhook_token());
    let caller_id = match (kind, from, line.caller_id_mode.as_str()) {
        (CallerKind::Hidden, _, _) | (_, None, _) | (_, _, "tracking_number") => line.e164.as_str(),
        (_, Some(from), _) => from,
    };
    let action = urls.status(StatusEvent::Dial);
    let recording = line
        .recording_enabled
        .then(|| urls.status(StatusEvent::Recording));
    let screen = line
        .call_screening_enabled
        .then(|| urls.voice_stage("screen"));
    twiml::dial(&DialPlan {
        disclosure: line.recording_disclosure.as_deref(),
        timeout_seconds: line.ring_timeout_seconds,
        caller_id,
        action_url: &action,
        recording_callback_url: recording.as_deref(),
        screen_url: screen.as_deref(),
        forward_to: &line.forwarding_number,
    })
}

fn fallback_alert(state: &AppState, request: &Accepted, cause: &str) {
    state.db_outage.database_failed(&state.pool, &state.clock);
    state.alerts.report(
        Alert::new(
            "twilio",
            "voice_db_fallback",
            "Voice webhook answered without the database",
        )
        .metadata(json!({ "cause": cause }))
        .correlation_id(request.correlation_id.clone()),
    );
}

/// The answering leg: ask the person who picked up to press 1 (§6.3).
async fn screen(state: &AppState, request: Accepted) -> Response {
    if let Some(response) = request.missing_required(&state.metrics, &["ParentCallSid"]) {
        return response;
    }
    let parent = request.form.non_blank("ParentCallSid").unwrap_or_default();
    let label = async {
        let mut conn = state.pool.acquire().await?;
        store::line_label(&mut conn, parent).await
    };
    let label = match tokio::time::timeout(state.db_budget, label).await {
        Ok(Ok(Some(label))) => label,
        _ => "your business line".to_owned(),
    };
    let urls = WebhookUrls::new(&state.config.public_base_url, state.config.webhook_token());
    let mut decided = Decided::new(Route::Voice, "screen", "screen_prompt");
    decided.sid = Some(parent.to_owned());
    decided.log(&state.metrics, request.started);
    reply::twiml(twiml::screen_prompt(
        &label,
        &urls.voice_stage("screen-result"),
    ))
}

/// The digit pressed on the answering leg: `1` bridges the call, anything else hangs up.
async fn screen_result(state: &AppState, request: Accepted) -> Response {
    if let Some(response) = request.missing_required(&state.metrics, &["ParentCallSid"]) {
        return response;
    }
    let parent = request.form.non_blank("ParentCallSid").unwrap_or_default();
    let mut decided = Decided::new(Route::Voice, "screen_result", "screen_declined");
    decided.sid = Some(parent.to_owned());
    if request.form.non_blank("Digits") != Some("1") {
        decided.log(&state.metrics, request.started);
        return reply::twiml(twiml::hangup());
    }
    let accept = async {
        let mut conn = state.pool.acquire().await?;
        store::accept_screen(&mut conn, parent, state.clock.now()).await
    };
    decided.decision = "screen_accepted";
    if !matches!(
        tokio::time::timeout(state.db_budget, accept).await,
        Ok(Ok(_))
    ) {
        // The owner is on the line: connect the call even though the acceptance could not be
        // stored (decisions.md).
        fallback_alert(state, &request, "screen acceptance not stored");
        decided.decision = "screen_accepted_unrecorded";
    }
    decided.log(&state.metrics, request.started);
    reply::twiml(twiml::empty())
}
