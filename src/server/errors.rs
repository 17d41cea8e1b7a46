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

/// SQLSTATEs PostgreSQL answers for a value it cannot store as given: a NUL byte in `text`
/// (22021) or in `jsonb` (22P05). They come from what the client typed, not from a fault here.
const UNSTORABLE_CHARACTER: [&str; 2] = ["22021", "22P05"];

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        let code = err.as_database_error().and_then(|db| db.code());
        if code.is_some_and(|code| UNSTORABLE_CHARACTER.contains(&code.as_ref())) {
            return AppError::bad_request(
                "The text contains a character that cannot be saved (a NUL byte). Remove it and try again.",
            );
        }
        internal(format!("database: {err}"))
    }
}

impl From<crate::server::auth::password::PasswordError> for AppError {
    fn from(err: crate::server::auth::password::PasswordError) -> Self {
        use crate::server::auth::password::{BUSY_RETRY_AFTER_SECONDS, PasswordError};
        match err {
            PasswordError::Busy => AppError::rate_limited(
                BUSY_RETRY_AFTER_SECONDS,
                "The server is busy. Try again in a few seconds.",
            ),
            PasswordError::Failed(cause) => internal(cause),
        }
    }
}
