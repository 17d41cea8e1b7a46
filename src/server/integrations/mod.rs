//! Clients of the outside services: Twilio and Stripe (REST), later Airtable. Every base URL
//! comes from configuration, so tests and demo mode point them at loopback fakes.

pub mod stripe;
pub mod twilio;
