//! Webhooks from providers: plain axum routes that verify, record, enqueue and answer fast.

pub mod json_reply;
pub mod stripe;
pub mod twilio;

use std::net::SocketAddr;

use axum::{extract::ConnectInfo, http::HeaderMap};

use crate::server::state::AppState;

/// The client address rate limits count by: the peer, or the trusted proxies' forwarded one.
pub fn client_key(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<&ConnectInfo<SocketAddr>>,
) -> String {
    let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    crate::domain::client_ip::client_ip(
        peer.map(|info| info.0.ip()),
        forwarded,
        state.config.rate_limits.trusted_proxy_hops,
    )
    .map_or_else(|| "unknown".to_owned(), crate::domain::client_ip::bucket)
}
