//! Pure product rules: no IO, no clock reads, no randomness. Compiled into both builds, so the
//! browser can share validation with the server. Each module is unit-tested exhaustively.

pub mod call_events;
pub mod client_ip;
pub mod csrf;
pub mod email;
pub mod gsm7;
pub mod missed_call_rule;
pub mod next_url;
pub mod owner_texts;
pub mod phone;
pub mod rate_limit;
/// Server only: it needs the `url` crate, which the browser bundle does without.
#[cfg(feature = "ssr")]
pub mod recording_url;
pub mod repeat_caller;
pub mod templates;
pub mod timezones;
pub mod twiml;
pub mod url;
pub mod webhook_urls;
