//! `router(state)`: the one router `serve` runs and every HTTP test drives.

use axum::{Router, middleware, routing::get};
use leptos_axum::{LeptosRoutes as _, generate_route_list};
use tower_http::compression::CompressionLayer;

use super::{
    http::{correlation::correlate, health::health, security_headers::security_headers},
    state::AppState,
};
use crate::app::{App, shell};

pub fn router(state: AppState) -> Router {
    let options = state.leptos_options.clone();
    let pages = generate_route_list(App);
    let app = Router::new()
        .route("/api/health", get(health))
        .leptos_routes(&state, pages, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .with_state(state.clone());
    with_middleware(app, &state)
}

/// The layers every route gets, outermost last: correlation id, request log and panic guard
/// inside security headers (so the 500 page has them too), compression outside.
pub fn with_middleware(app: Router, state: &AppState) -> Router {
    app.layer(middleware::from_fn_with_state(state.clone(), correlate))
        .layer(middleware::from_fn_with_state(
            state.security.clone(),
            security_headers,
        ))
        .layer(CompressionLayer::new())
}
