//! The simulated Twilio's call log (`GET …/Calls.json`), which `twilio_reconcile` reads: tests
//! put calls there that the app never heard about.

use std::collections::BTreeMap;

use axum::{
    Json,
    extract::{Query, State},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::twilio::FakeTwilio;

/// A call in the log: a parent (the inbound call) or a child (the dialled leg).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeCall {
    pub sid: String,
    pub parent_call_sid: Option<String>,
    pub from: String,
    pub to: String,
    pub status: String,
    pub start_time: DateTime<Utc>,
    pub duration: u32,
}

fn call_json(call: &FakeCall) -> Value {
    json!({
        "sid": call.sid,
        "parent_call_sid": call.parent_call_sid,
        "from": call.from,
        "to": call.to,
        "status": call.status,
        "start_time": call.start_time.to_rfc2822(),
        "duration": call.duration.to_string(),
    })
}

/// Newest first, filtered by `To`, `ParentCallSid` and `StartTime>=` (a UTC date).
pub(super) async fn list_calls(
    State(fake): State<FakeTwilio>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let state = fake.state();
    let since = query.get("StartTime>").cloned().unwrap_or_default();
    let mut calls: Vec<&FakeCall> = state
        .calls
        .iter()
        .filter(|c| query.get("To").is_none_or(|to| to == &c.to))
        .filter(|c| {
            query
                .get("ParentCallSid")
                .is_none_or(|parent| c.parent_call_sid.as_ref() == Some(parent))
        })
        .filter(|c| c.start_time.format("%Y-%m-%d").to_string() >= since)
        .collect();
    calls.sort_by_key(|c| std::cmp::Reverse(c.start_time));
    let calls: Vec<Value> = calls.into_iter().map(call_json).collect();
    Json(json!({"calls": calls, "next_page_uri": null})).into_response()
}
