//! Sessions in Postgres (web.md §3.2): cookie `sid`, HttpOnly, SameSite=Lax, Secure in
//! production, signed with a key derived from `SESSION_SECRET`, expiring after 30 days of
//! inactivity.

use super::{backend::Backend, session_rows::SessionRows};
use crate::server::{clock::SharedClock, config::Config};
use axum_login::{AuthManagerLayer, AuthManagerLayerBuilder};
use sha2::{Digest, Sha512};
use sqlx::PgPool;
use tower_sessions::{
    Expiry, SessionManagerLayer,
    cookie::{Key, SameSite, time::Duration},
    service::SignedCookie,
};

pub const COOKIE_NAME: &str = "sid";
pub const INACTIVITY_DAYS: i64 = 30;

pub type AuthLayer = AuthManagerLayer<Backend, SessionRows, SignedCookie>;

pub fn auth_layer(pool: PgPool, config: &Config, clock: SharedClock) -> AuthLayer {
    let key = Key::from(&Sha512::digest(config.session_secret.expose().as_bytes()));
    let sessions = SessionManagerLayer::new(SessionRows::new(pool.clone(), clock))
        .with_name(COOKIE_NAME)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_secure(config.is_production())
        .with_expiry(Expiry::OnInactivity(Duration::days(INACTIVITY_DAYS)))
        // Every request moves the inactivity deadline, so a used session never expires.
        .with_always_save(true)
        .with_signed(key);
    AuthManagerLayerBuilder::new(Backend::new(pool), sessions).build()
}
