//! `GET /metrics` (web.md §9): Prometheus text. With `METRICS_TOKEN` set it needs that bearer
//! token; without one it is open in development and absent (404) in production.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use subtle::ConstantTimeEq as _;

use crate::server::{
    jobs::JobKind,
    observability::{metrics::Gauge, process},
    state::AppState,
};

pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match &state.config.metrics_token {
        Some(token) => {
            let given = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or_default();
            if !bool::from(given.as_bytes().ct_eq(token.expose().as_bytes())) {
                return (
                    StatusCode::UNAUTHORIZED,
                    axum::Json(serde_json::json!({ "error": "Unauthorized" })),
                )
                    .into_response();
            }
        }
        None if state.config.is_production() => return StatusCode::NOT_FOUND.into_response(),
        None => {}
    }
    let gauges = gauges(&state).await;
    let mut text = state.metrics.render(&gauges);
    process::render(&mut text);
    (
        [
            (header::CONTENT_TYPE, "text/plain; version=0.0.4"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        text,
    )
        .into_response()
}

/// Queue depth and pool use, read at scrape time; missing when the database does not answer.
async fn gauges(state: &AppState) -> Vec<Gauge> {
    let query = sqlx::query_as::<_, (String, String, i64)>(
        "SELECT kind, status, count(*) FROM jobs WHERE status IN ('queued', 'dead')
         GROUP BY kind, status",
    )
    .fetch_all(&state.pool);
    let counts = tokio::time::timeout(state.db_budget, query)
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    let mut gauges = Vec::new();
    for (status, name, help) in [
        ("queued", "jobs_queued", "Jobs waiting to run, by kind."),
        (
            "dead",
            "jobs_dead",
            "Jobs that exhausted their attempts, by kind.",
        ),
    ] {
        for kind in JobKind::ALL {
            let value = counts
                .iter()
                .find(|(k, s, _)| k == kind.as_str() && s == status)
                .map_or(0, |(_, _, n)| *n);
            gauges.push(Gauge {
                name,
                help,
                labels: vec![("kind", kind.as_str().to_owned())],
                value,
            });
        }
    }
    let idle = state.pool.num_idle() as i64;
    let size = i64::from(state.pool.size());
    for (label, value) in [("idle", idle), ("busy", size - idle)] {
        gauges.push(Gauge {
            name: "db_pool_connections",
            help: "Database pool connections by state.",
            labels: vec![("state", label.to_owned())],
            value,
        });
    }
    gauges
}
