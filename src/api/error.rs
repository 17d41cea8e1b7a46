//! The error every server function returns, as the browser and API clients see it.
//!
//! On the wire (JSON): a 422 is `{"errors":{"<field>":"<message>"}}`; every other failure is
//! `{"code":"<code>","error":"<message safe to show>"}`. The HTTP status follows the code
//! (`server::http::forms` sets it), and plain HTML forms get the redirects of web.md §2.3.

use std::collections::BTreeMap;

use leptos::server_fn::{
    ServerFnError,
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// The key of a message about the whole form rather than one field.
pub const FORM: &str = "form";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    RateLimited,
    Internal,
}

impl ErrorCode {
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::BadRequest => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict => 409,
            ErrorCode::RateLimited => 429,
            ErrorCode::Internal => 500,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(untagged)]
pub enum AppError {
    /// 422: what is wrong with each field.
    #[error("Please correct the highlighted fields.")]
    Invalid { errors: BTreeMap<String, String> },
    /// Any other failure, with a message fit for the person who made the request.
    #[error("{error}")]
    Failed {
        code: ErrorCode,
        error: String,
        /// Seconds to wait, for `rate_limited`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
    },
}

impl AppError {
    fn failed(code: ErrorCode, error: impl Into<String>) -> Self {
        AppError::Failed {
            code,
            error: error.into(),
            retry_after: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::failed(ErrorCode::BadRequest, message)
    }

    pub fn unauthorized() -> Self {
        Self::failed(ErrorCode::Unauthorized, "Unauthorized")
    }

    pub fn forbidden() -> Self {
        Self::failed(ErrorCode::Forbidden, "You don't have access to this page")
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::failed(ErrorCode::NotFound, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::failed(ErrorCode::Conflict, message)
    }

    pub fn rate_limited(retry_after: u64, message: impl Into<String>) -> Self {
        AppError::Failed {
            code: ErrorCode::RateLimited,
            error: message.into(),
            retry_after: Some(retry_after),
        }
    }

    /// The generic 500 message; `reference` is the request's correlation id.
    pub fn internal(reference: &str) -> Self {
        Self::failed(
            ErrorCode::Internal,
            format!("Something went wrong. Reference: {reference}"),
        )
    }

    /// A 422 for one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid {
            errors: BTreeMap::from([(field.to_owned(), message.into())]),
        }
    }

    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            AppError::Invalid { .. } => None,
            AppError::Failed { code, .. } => Some(*code),
        }
    }

    pub fn status(&self) -> u16 {
        self.code().map_or(422, ErrorCode::status)
    }

    /// The message for one field of a 422.
    pub fn field(&self, name: &str) -> Option<&str> {
        match self {
            AppError::Invalid { errors } => errors.get(name).map(String::as_str),
            AppError::Failed { .. } => None,
        }
    }

    /// A message about the request as a whole (a 409's reason, a rate limit, …).
    pub fn message(&self) -> Option<&str> {
        match self {
            AppError::Invalid { errors } => errors.get(FORM).map(String::as_str),
            AppError::Failed { error, .. } => Some(error),
        }
    }
}

/// Collects field errors while a form is validated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors(BTreeMap<String, String>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_owned())
            .or_insert_with(|| message.into());
    }

    /// The value, or `None` after recording the field's message.
    pub fn check<T>(&mut self, field: &str, result: Result<T, &'static str>) -> Option<T> {
        result.map_err(|message| self.add(field, message)).ok()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_error(self) -> AppError {
        AppError::Invalid { errors: self.0 }
    }

    /// `Ok(value)` when nothing was added, else the 422.
    pub fn into_result<T>(self, value: T) -> Result<T, AppError> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(AppError::Invalid { errors: self.0 })
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::Deserialization(_) => {
                AppError::bad_request("The form could not be read. Please try again.")
            }
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => AppError::failed(
                ErrorCode::Internal,
                "The server could not be reached. Please try again.",
            ),
            other => AppError::failed(
                ErrorCode::Internal,
                format!("Something went wrong ({other})"),
            ),
        }
    }
}

impl From<ServerFnError> for AppError {
    fn from(value: ServerFnError) -> Self {
        AppError::failed(
            ErrorCode::Internal,
            format!("Something went wrong ({value})"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_shapes_are_the_documented_ones() {
        let invalid = AppError::invalid("name", "Enter the business name.");
        assert_eq!(
            serde_json::to_string(&invalid).unwrap(),
            r#"{"errors":{"name":"Enter the business name."}}"#
        );
        assert_eq!(invalid.status(), 422);
        let conflict = AppError::conflict("The caller opted out.");
        assert_eq!(
            serde_json::to_string(&conflict).unwrap(),
            r#"{"code":"conflict","error":"The caller opted out."}"#
        );
        assert_eq!(conflict.status(), 409);
        let limited =
            AppError::rate_limited(60, "Too many sign-in attempts. Try again in 1 minute.");
        assert_eq!(limited.status(), 429);
        assert!(
            serde_json::to_string(&limited)
                .unwrap()
                .contains(r#""retry_after":60"#)
        );
        for error in [
            invalid,
            conflict,
            limited,
            AppError::internal("req_1"),
            AppError::unauthorized(),
        ] {
            let round_trip: AppError =
                serde_json::from_str(&serde_json::to_string(&error).unwrap()).unwrap();
            assert_eq!(round_trip, error);
        }
    }

    #[test]
    fn field_errors_keep_the_first_message_per_field() {
        let mut errors = FieldErrors::default();
        assert_eq!(errors.clone().into_result(1), Ok(1));
        errors.add("email", "Enter your email.");
        errors.add("email", "Second message");
        let error = errors.into_result(()).unwrap_err();
        assert_eq!(error.field("email"), Some("Enter your email."));
        assert_eq!(error.message(), None);
    }
}
