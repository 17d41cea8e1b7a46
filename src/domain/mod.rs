//! Pure product rules: no IO, no clock reads, no randomness. Compiled into both builds, so the
//! browser can share validation with the server. Each module is unit-tested exhaustively.

/// Server only: time zone tables stay out of the browser bundle.
#[cfg(feature = "ssr")]
pub mod airtable_records;
pub mod billing;
pub mod call_events;
pub mod call_webhooks;
pub mod caller_replies;
pub mod client_ip;
pub mod conversation_texts;
pub mod csrf;
pub mod csv;
pub mod email;
pub mod gsm7;
pub mod lead_conversation;
pub mod lead_filters;
pub mod lead_words;
pub mod message_status;
pub mod messaging_banners;
pub mod missed_call_rule;
pub mod next_url;
pub mod number_import;
pub mod outbound_events;
pub mod owner_texts;
pub mod phone;
pub mod postal_code;
/// Server only: time zone tables stay out of the browser bundle.
#[cfg(feature = "ssr")]
pub mod quiet_hours;
pub mod rate_limit;
/// Server only: the reconcile job's windows.
#[cfg(feature = "ssr")]
pub mod reconcile_window;
/// Server only: it needs the `url` crate, which the browser bundle does without.
#[cfg(feature = "ssr")]
pub mod recording_url;
pub mod repeat_caller;
pub mod sms_keywords;
pub mod templates;
pub mod text_normal;
pub mod timezones;
pub mod twilio_errors;
pub mod twiml;
pub mod url;
pub mod webhook_destination;
pub mod webhook_urls;
