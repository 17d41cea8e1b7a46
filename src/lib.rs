//! CallbackCloser: turns a missed phone call into a booked job.
//!
//! One crate, two builds. `ssr` is the server (pages rendered on the server, webhooks, the job
//! worker); `hydrate` is the browser bundle that makes those pages interactive. The folders say
//! where a behaviour lives: `app` (Leptos UI), `api` (server functions and the types they share
//! with pages), `domain` (pure rules, no IO) and `server` (everything that touches the network,
//! the database or the process). docs/architecture.md has the map.

// The page views' nested types are deep; builds with coverage instrumentation (the fuzz targets)
// exceed the default limit when computing their layouts.
#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod server;

/// The product's name, used in page titles, legal pages and operator alerts. Texts to callers
/// speak in the business's name, never this one.
pub const PRODUCT_NAME: &str = "CallbackCloser";

/// Browser entry: hydrates the interactive islands of the server-rendered page, then marks the
/// body so browser tests know the page is live (web.md §1).
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
