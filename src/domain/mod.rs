//! Pure product rules: no IO, no clock reads, no randomness. Compiled into both builds, so the
//! browser can share validation with the server. Each module is unit-tested exhaustively.

pub mod client_ip;
pub mod csrf;
pub mod email;
pub mod gsm7;
pub mod next_url;
pub mod phone;
pub mod rate_limit;
pub mod templates;
pub mod timezones;
pub mod url;
pub mod webhook_urls;
