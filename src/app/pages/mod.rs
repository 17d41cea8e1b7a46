//! One module per page or page group.

pub mod account;
pub mod auth;
pub mod billing;
pub mod forbidden;
pub mod insights;
pub mod integrations;
pub mod lead;
pub mod leads;
pub mod not_found;
pub mod numbers;
pub mod onboarding;
pub mod public;
pub mod settings;
pub mod simulator;
pub mod team;
pub mod webhook_endpoints;
