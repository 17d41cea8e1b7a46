//! A stateful Airtable (integrations.md §2, quality.md §3): the tables metadata call, upserts
//! merged on their key field, record pages with `offset`, a request log stamped with a clock
//! the test controls (for per-second counting), scripted 429s and an outage switch.

use std::{
    collections::{BTreeMap, VecDeque},
    sync::{Arc, Mutex, MutexGuard},
};

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::server::clock::SharedClock;

/// One request the fake answered (or refused), for assertions.
#[derive(Clone, Debug)]
pub struct AirtableRequest {
    pub at: DateTime<Utc>,
    pub method: &'static str,
    pub base_id: String,
    pub table: String,
    pub status: u16,
    pub body: Value,
}

#[derive(Debug, Default)]
pub struct FakeAirtableState {
    /// Base id → table name → field names.
    pub bases: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    /// (base, table) → records' fields, in insertion order.
    pub records: BTreeMap<(String, String), Vec<Map<String, Value>>>,
    /// The next requests are answered with these statuses instead, in order.
    pub failures: VecDeque<u16>,
    /// While true every request gets 503, as during an Airtable outage.
    pub down: bool,
    pub requests: Vec<AirtableRequest>,
}

#[derive(Clone)]
pub struct FakeAirtable {
    state: Arc<Mutex<FakeAirtableState>>,
    token: String,
    clock: SharedClock,
}

impl FakeAirtable {
    pub fn new(token: &str, clock: SharedClock) -> Self {
        Self {
            state: Arc::default(),
            token: token.to_owned(),
            clock,
        }
    }

    pub fn state(&self) -> MutexGuard<'_, FakeAirtableState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a table with these fields to a base.
    pub fn add_table(&self, base_id: &str, table: &str, fields: &[&str]) {
        self.state()
            .bases
            .entry(base_id.to_owned())
            .or_default()
            .insert(
                table.to_owned(),
                fields.iter().map(|f| (*f).to_owned()).collect(),
            );
    }

    /// The records of a table.
    pub fn records(&self, base_id: &str, table: &str) -> Vec<Map<String, Value>> {
        let key = (base_id.to_owned(), table.to_owned());
        self.state().records.get(&key).cloned().unwrap_or_default()
    }

    /// Upserts (PATCH requests) that reached the fake and were answered 200.
    pub fn upserts(&self) -> Vec<AirtableRequest> {
        let state = self.state();
        state
            .requests
            .iter()
            .filter(|r| r.method == "PATCH" && r.status == 200)
            .cloned()
            .collect()
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route("/v0/meta/bases/{base}/tables", get(tables))
            .route(
                "/v0/{base}/{table}",
                get(list_records).patch(upsert_records),
            )
            .with_state(self.clone())
    }

    /// Serves on a free loopback port; returns the base URL.
    pub async fn spawn(&self) -> String {
        super::serve_on_loopback(self.router()).await
    }

    /// Logs the request; `Some` is the answer when the fake refuses it (outage, scripted
    /// failure, wrong token).
    fn gate(
        &self,
        headers: &HeaderMap,
        method: &'static str,
        base_id: &str,
        table: &str,
        body: &Value,
    ) -> Option<Response> {
        let authorized = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == format!("Bearer {}", self.token));
        let mut state = self.state();
        let refusal = if state.down {
            Some(503)
        } else if let Some(status) = state.failures.pop_front() {
            Some(status)
        } else if !authorized {
            Some(401)
        } else {
            None
        };
        state.requests.push(AirtableRequest {
            at: self.clock.now(),
            method,
            base_id: base_id.to_owned(),
            table: table.to_owned(),
            status: refusal.unwrap_or(200),
            body: body.clone(),
        });
        refusal.map(|status| {
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let error = match status {
                401 => json!({"error": {"type": "AUTHENTICATION_REQUIRED", "message": "Authentication required"}}),
                422 => json!({"error": {"type": "INVALID_VALUE_FOR_COLUMN", "message": "Field \"Calls\" cannot accept the provided value"}}),
                429 => json!({"error": {"type": "RATE_LIMIT_REACHED", "message": "Rate limit exceeded"}}),
                _ => json!({"error": {"type": "SERVER_ERROR", "message": "Try again later"}}),
            };
            (code, Json(error)).into_response()
        })
    }

    fn not_found() -> Response {
        (
            StatusCode::NOT_FOUND,
            Json(json!({"error": {"type": "NOT_FOUND", "message": "Could not find table"}})),
        )
            .into_response()
    }
}

async fn tables(
    State(fake): State<FakeAirtable>,
    Path(base_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = fake.gate(&headers, "GET", &base_id, "", &Value::Null) {
        return refused;
    }
    let state = fake.state();
    let Some(tables) = state.bases.get(&base_id) else {
        return FakeAirtable::not_found();
    };
    let tables: Vec<Value> = tables
        .iter()
        .enumerate()
        .map(|(i, (name, fields))| {
            json!({
                "id": format!("tbl{i:014}"),
                "name": name,
                "fields": fields.iter().map(|f| json!({"name": f, "type": "singleLineText"})).collect::<Vec<_>>(),
            })
        })
        .collect();
    Json(json!({ "tables": tables })).into_response()
}

#[derive(Deserialize)]
struct PageQuery {
    offset: Option<String>,
    #[serde(rename = "pageSize")]
    page_size: Option<usize>,
}

async fn list_records(
    State(fake): State<FakeAirtable>,
    Path((base_id, table)): Path<(String, String)>,
    Query(page): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = fake.gate(&headers, "GET", &base_id, &table, &Value::Null) {
        return refused;
    }
    let state = fake.state();
    if !state
        .bases
        .get(&base_id)
        .is_some_and(|tables| tables.contains_key(&table))
    {
        return FakeAirtable::not_found();
    }
    let records = state
        .records
        .get(&(base_id, table))
        .cloned()
        .unwrap_or_default();
    let start: usize = page.offset.and_then(|o| o.parse().ok()).unwrap_or(0);
    let size = page.page_size.unwrap_or(100).clamp(1, 100);
    let end = (start + size).min(records.len());
    let page: Vec<Value> = records[start.min(end)..end]
        .iter()
        .enumerate()
        .map(|(i, fields)| json!({"id": format!("rec{:014}", start + i), "fields": fields}))
        .collect();
    let mut body = json!({ "records": page });
    if end < records.len() {
        body["offset"] = json!(end.to_string());
    }
    Json(body).into_response()
}

async fn upsert_records(
    State(fake): State<FakeAirtable>,
    Path((base_id, table)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refused) = fake.gate(&headers, "PATCH", &base_id, &table, &body) {
        return refused;
    }
    let mut state = fake.state();
    let Some(known) = state
        .bases
        .get(&base_id)
        .and_then(|tables| tables.get(&table))
        .cloned()
    else {
        return FakeAirtable::not_found();
    };
    let merge_on: Vec<String> = body["performUpsert"]["fieldsToMergeOn"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f.as_str().map(str::to_owned))
        .collect();
    let incoming: Vec<Map<String, Value>> = body["records"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["fields"].as_object().cloned())
        .collect();
    if merge_on.is_empty() || incoming.is_empty() {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(
                json!({"error": {"type": "INVALID_REQUEST_UNKNOWN", "message": "Invalid request"}}),
            ),
        )
            .into_response();
    }
    if let Some(unknown) = incoming
        .iter()
        .flat_map(|fields| fields.keys())
        .find(|name| !known.contains(name))
    {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"error": {"type": "UNKNOWN_FIELD_NAME", "message": format!("Unknown field name: \"{unknown}\"")}})),
        )
            .into_response();
    }
    let rows = state.records.entry((base_id, table)).or_default();
    for fields in incoming {
        let same =
            |row: &Map<String, Value>| merge_on.iter().all(|key| row.get(key) == fields.get(key));
        match rows.iter_mut().find(|row| same(row)) {
            Some(row) => row.extend(fields),
            None => rows.push(fields),
        }
    }
    Json(json!({ "records": [] })).into_response()
}
