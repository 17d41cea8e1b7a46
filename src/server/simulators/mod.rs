//! Stateful stand-ins for the outside services, served over loopback HTTP so the real clients
//! talk to them exactly as they talk to the real thing. The tests use them as the network edge;
//! demo mode uses them in place of Twilio and Stripe.

pub mod airtable;
pub mod alert_sink;
pub mod stripe;
pub mod twilio;
pub mod twilio_calls;
pub mod twilio_delivery;
pub mod twilio_media;
pub mod webhook_poster;
