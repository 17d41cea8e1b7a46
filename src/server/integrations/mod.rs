//! Clients of the outside services: Twilio, Stripe and Airtable (REST). Every base URL comes
//! from configuration, so tests and demo mode point them at loopback fakes.

pub mod airtable;
pub mod stripe;
pub mod twilio;
