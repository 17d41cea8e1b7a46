//! Pure product rules: no IO, no clock reads, no randomness. Compiled into both builds, so the
//! browser can share validation with the server. Each module is unit-tested exhaustively.

pub mod webhook_urls;
