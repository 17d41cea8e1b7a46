//! Outbound texts after they are queued (twilio.md §9–§12): consent, the `send_sms` job, and
//! what Twilio reports back about delivery.

pub mod consent;
pub mod delivery;
pub mod health;
pub mod send_job;
