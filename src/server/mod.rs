//! Server-only code (`ssr`): configuration, state, HTTP plumbing, database access, the job
//! queue and worker, and the command-line tools.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod billing;
pub mod businesses;
pub mod calls;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod conversation;
pub mod db;
pub mod demo;
pub mod errors;
pub mod http;
pub mod insights;
pub mod integrations;
pub mod jobs;
pub mod leads;
pub mod messaging;
pub mod numbers;
pub mod observability;
pub mod outbox;
pub mod phone;
pub mod ratelimit;
pub mod router;
pub mod serve;
pub mod shutdown;
pub mod simulators;
pub mod site;
pub mod state;
pub mod team;
pub mod telemetry;
pub mod twilio_reconcile;
pub mod webhooks;
