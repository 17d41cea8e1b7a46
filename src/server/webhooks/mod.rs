//! Webhooks from providers: plain axum routes that verify, record, enqueue and answer fast.

pub mod twilio;
