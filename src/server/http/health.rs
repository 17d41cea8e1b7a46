//! `GET`/`HEAD /api/health` (web.md §8): a database ping with a 2-second limit. Never reveals
//! error text, versions or configuration.

use std::time::Duration;

use axum::{
    Json,
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;

use crate::server::state::AppState;

pub const DB_TIMEOUT: Duration = Duration::from_secs(2);

/// Field order as documented: `{"status":"ok","db":"ok"}`.
#[derive(Serialize)]
struct Health {
    status: &'static str,
    db: &'static str,
}

pub async fn health(State(state): State<AppState>) -> Response {
    let (code, status, db) = if state.draining.is_draining() {
        (StatusCode::SERVICE_UNAVAILABLE, "draining", "ok")
    } else if ping(&state).await {
        (StatusCode::OK, "ok", "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "degraded", "error")
    };
    let headers = [(header::CACHE_CONTROL, "no-store")];
    (code, headers, Json(Health { status, db })).into_response()
}

async fn ping(state: &AppState) -> bool {
    let query = sqlx::query("SELECT 1").execute(&state.pool);
    match tokio::time::timeout(DB_TIMEOUT, query).await {
        Ok(Ok(_)) => true,
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "health check: database error");
            false
        }
        Err(_) => {
            tracing::warn!("health check: database did not answer within 2 s");
            false
        }
    }
}
