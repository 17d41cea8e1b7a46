//! Turning server-side failures into what clients may see: a generic message with the
//! correlation id, while the log gets the cause.

use std::fmt::Display;

use axum::http::request::Parts;
use leptos::prelude::use_context;

use super::http::correlation::CorrelationId;
use crate::api::error::AppError;

/// The correlation id of the request being handled, inside a server function.
pub fn current_correlation_id() -> String {
    use_context::<Parts>()
        .and_then(|parts| parts.extensions.get::<CorrelationId>().cloned())
        .map(|id| id.0)
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Logs the cause and returns the 500 the client sees.
pub fn internal(cause: impl Display) -> AppError {
    tracing::error!(event = "app.error", error = %cause, "request failed");
    AppError::internal(&current_correlation_id())
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        internal(format!("database: {err}"))
    }
}
