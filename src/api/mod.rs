//! Server functions grouped by domain, and the types they share with the pages. The body of a
//! server function runs on the server; the browser build calls it over HTTP.

pub mod account;
pub mod auth;
pub mod billing;
pub mod error;
pub mod forms;
pub mod insights;
pub mod integrations;
pub mod lead_actions;
pub mod lead_page;
pub mod leads;
pub mod numbers;
pub mod onboarding;
pub mod settings;
pub mod simulator;
pub mod site;
pub mod team;
pub mod viewer;
pub mod webhook_endpoints;
