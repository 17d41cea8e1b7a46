//! A stand-in for the operator's alert webhook (quality.md §3): records every alert posted to
//! it, with its `Authorization` header, and answers with a scripted status.

use std::sync::{Arc, Mutex, MutexGuard};

use axum::{
    Json, Router,
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
};
use serde_json::Value;

#[derive(Clone, Debug)]
pub struct Received {
    pub authorization: Option<String>,
    pub body: Value,
}

#[derive(Debug)]
pub struct SinkState {
    pub received: Vec<Received>,
    /// The status every post is answered with.
    pub status: StatusCode,
}

#[derive(Clone)]
pub struct AlertSink {
    state: Arc<Mutex<SinkState>>,
}

impl Default for AlertSink {
    fn default() -> Self {
        Self {
            state: Arc::new(Mutex::new(SinkState {
                received: Vec::new(),
                status: StatusCode::OK,
            })),
        }
    }
}

impl AlertSink {
    pub fn state(&self) -> MutexGuard<'_, SinkState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The `<source>.<event>` of every alert received, in order.
    pub fn events(&self) -> Vec<String> {
        self.state()
            .received
            .iter()
            .map(|r| {
                format!(
                    "{}.{}",
                    r.body["source"].as_str().unwrap_or_default(),
                    r.body["event"].as_str().unwrap_or_default()
                )
            })
            .collect()
    }

    /// Serves on a free loopback port; returns the URL to post alerts to.
    pub async fn spawn(&self) -> String {
        let router = Router::new()
            .route("/alerts", post(receive))
            .with_state(self.clone());
        format!("{}/alerts", super::serve_on_loopback(router).await)
    }
}

async fn receive(
    State(sink): State<AlertSink>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> StatusCode {
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut state = sink.state();
    state.received.push(Received {
        authorization,
        body,
    });
    state.status
}
