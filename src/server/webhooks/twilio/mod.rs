//! Twilio's webhooks (twilio.md): every route runs the shared pipeline (size, content type,
//! strict parsing, authentication, rate limits), then its handler records and enqueues in one
//! transaction and answers with TwiML only after commit.

pub mod auth;
pub mod form;
pub mod lines;
pub mod message_status;
pub mod pipeline;
pub mod reply;
pub mod signature;
pub mod sms;
pub mod status;
pub mod voice;

use axum::{Router, routing::post};

use crate::server::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/twilio/voice",
            post(voice::voice).fallback(method_not_allowed),
        )
        .route(
            "/api/twilio/status",
            post(status::status).fallback(method_not_allowed),
        )
        .route(
            "/api/twilio/sms",
            post(sms::sms).fallback(method_not_allowed),
        )
        .route(
            "/api/twilio/message-status",
            post(message_status::message_status).fallback(method_not_allowed),
        )
}

async fn method_not_allowed() -> axum::response::Response {
    reply::method_not_allowed()
}
