//! Integration tests: real Postgres (a fresh migrated database per test via `#[sqlx::test]`),
//! the real router, fakes only at the network edge. One test binary keeps link time down.

mod account;
mod airtable;
mod airtable_import;
mod airtable_support;
mod auth;
mod billing_checkout;
mod billing_gating;
mod billing_interop;
mod billing_support;
mod billing_webhook;
mod cli;
mod dashboard;
mod demo;
mod http_pages;
mod http_platform;
mod isolation;
mod jobs_maintenance;
mod jobs_queue;
mod jobs_worker;
mod lead_actions;
mod numbers;
mod onboarding;
mod outbound_webhook_support;
mod outbound_webhooks;
mod postgres_restart;
#[cfg(feature = "failpoints")]
mod restart_drills;
mod schema;
mod server_process;
mod settings;
mod sms_conversation;
mod sms_delivery;
mod sms_no_loss;
mod sms_support;
mod stripe_malformed;
mod support;
mod team;
mod twilio_auth;
mod twilio_contract;
mod twilio_interop;
mod twilio_malformed;
mod twilio_reconcile;
mod twilio_status;
mod twilio_voice;
mod webhook_support;
