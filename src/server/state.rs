//! The one `AppState` every handler, server function and job shares.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;

use super::{
    clock::SharedClock, config::Config, http::security_headers::SecurityPolicy,
    integrations::twilio::TwilioClient, shutdown::Draining,
};

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub config: Arc<Config>,
    pub clock: SharedClock,
    pub leptos_options: LeptosOptions,
    pub security: Arc<SecurityPolicy>,
    pub twilio: TwilioClient,
    pub draining: Draining,
    /// `locked_by` of this process's job claims and `instance` in alerts.
    pub instance_id: Arc<str>,
}

impl AppState {
    pub fn new(
        config: Config,
        pool: PgPool,
        clock: SharedClock,
        leptos_options: LeptosOptions,
    ) -> Self {
        let security = SecurityPolicy {
            production: config.is_production(),
            extra_form_actions: config.stripe.checkout_origins.clone(),
        };
        Self {
            pool,
            twilio: TwilioClient::new(&config),
            config: Arc::new(config),
            clock,
            leptos_options,
            security: Arc::new(security),
            draining: Draining::default(),
            instance_id: instance_id().into(),
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

fn instance_id() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "local".to_owned());
    format!(
        "{host}:{}:{}",
        std::process::id(),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}
