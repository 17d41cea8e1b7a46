//! `router(state)`: the one router `serve` runs and every HTTP test drives.

use axum::{
    Router, middleware,
    routing::{get, get_service},
};
use leptos_axum::{LeptosRoutes as _, generate_route_list};
use tower_http::{
    compression::{
        CompressionLayer,
        predicate::{DefaultPredicate, NotForContentType, Predicate as _},
    },
    services::{ServeDir, ServeFile},
};

use super::{
    accounts::reset::reset_page_gate,
    auth::{gate::gate, session::auth_layer},
    billing::buy::buy,
    http::{
        correlation::correlate,
        csrf::{AllowedOrigin, csrf},
        forms::mutations,
        health::health,
        metrics::metrics,
        security_headers::security_headers,
    },
    leads::{export::export, recording::recording},
    state::AppState,
    team::accept::{accept, accept_confirmed},
    webhooks,
};
use crate::app::{App, shell};

pub fn router(state: AppState) -> Router {
    let options = state.leptos_options.clone();
    let pages = generate_route_list(App);
    // What people use through a browser: pages and server functions, behind sessions.
    let browser = Router::new()
        .route("/buy", get(buy))
        .route("/app/team/accept", get(accept).post(accept_confirmed))
        .route("/api/leads/{id}/recording", get(recording))
        .route("/app/leads/export.csv", get(export))
        .leptos_routes(&state, pages, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn(gate))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            reset_page_gate,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), mutations))
        .layer(auth_layer(
            state.pool.clone(),
            &state.config,
            state.clock.clone(),
        ));
    // Machine endpoints and static files need no session.
    let site_root = std::path::Path::new(&*state.leptos_options.site_root);
    let pkg = site_root.join(&*state.leptos_options.site_pkg_dir);
    let platform = Router::new()
        .route("/api/health", get(health))
        .route("/metrics", get(metrics))
        .merge(webhooks::twilio::routes())
        .merge(webhooks::stripe::routes())
        .nest_service(
            &format!("/{}", state.leptos_options.site_pkg_dir),
            ServeDir::new(pkg).precompressed_br().precompressed_gzip(),
        )
        .route_service(
            "/favicon.svg",
            get_service(ServeFile::new(site_root.join("favicon.svg"))),
        )
        .route_service(
            "/manifest.webmanifest",
            get_service(ServeFile::new(site_root.join("manifest.webmanifest"))),
        );
    let app = platform.merge(browser).with_state(state.clone());
    with_middleware(app, &state)
}

/// The layers every route gets, innermost first: CSRF, then correlation id + request log +
/// panic guard, security headers (so even the 500 page has them), compression outermost.
pub fn with_middleware(app: Router, state: &AppState) -> Router {
    let allowed = std::sync::Arc::new(AllowedOrigin::from_base_url(&state.config.public_base_url));
    app.layer(middleware::from_fn_with_state(allowed, csrf))
        .layer(middleware::from_fn_with_state(state.clone(), correlate))
        .layer(middleware::from_fn_with_state(
            state.security.clone(),
            security_headers,
        ))
        // Audio is already compressed, and a compressed 206 would not match its Content-Range.
        .layer(
            CompressionLayer::new()
                .compress_when(DefaultPredicate::new().and(NotForContentType::const_new("audio/"))),
        )
}
