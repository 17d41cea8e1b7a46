//! The script nonce and Content-Security-Policy of pages rendered by Leptos (web.md §11).
//! Runs inside the shell, where the render context carries the state and response options.

use axum::http::{HeaderValue, header};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

use crate::server::state::AppState;

/// Issues a fresh nonce for this response (Leptos puts it on its hydration scripts) and sets a
/// CSP that allows exactly that nonce.
pub fn apply() {
    leptos::nonce::provide_nonce();
    let nonce = leptos::nonce::use_nonce();
    let Some(state) = use_context::<AppState>() else {
        return;
    };
    let policy = state.security.content_security_policy(nonce.as_deref());
    if let (Some(response), Ok(value)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(&policy),
    ) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}
