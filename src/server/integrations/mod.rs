//! Clients of the outside services: Twilio (REST), later Stripe and Airtable. Every base URL
//! comes from configuration, so tests and demo mode point them at loopback fakes.

pub mod twilio;
