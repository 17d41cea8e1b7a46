//! The one `AppState` every handler, server function and job shares.

use std::{sync::Arc, time::Duration};

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;

use super::{
    clock::SharedClock,
    config::Config,
    demo::phone::DemoPhone,
    http::security_headers::SecurityPolicy,
    integrations::{airtable::AirtableClient, stripe::StripeClient, twilio::TwilioClient},
    observability::{Alerts, Metrics, alerts::Dispatcher},
    outbound_webhooks::client::WebhookClient,
    secrets_at_rest::SecretBox,
    shutdown::Draining,
    twilio_reconcile::outage::OutageWatch,
    webhooks::twilio::lines::{self, LineCache},
};

/// How long a webhook waits for the database before answering without it (twilio.md §6.6).
pub const DB_BUDGET: Duration = Duration::from_secs(2);

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub config: Arc<Config>,
    pub clock: SharedClock,
    pub leptos_options: LeptosOptions,
    pub security: Arc<SecurityPolicy>,
    pub twilio: TwilioClient,
    pub stripe: StripeClient,
    pub airtable: AirtableClient,
    /// Outbound webhooks; refuses non-public addresses in production.
    pub webhooks: WebhookClient,
    /// Seals and opens the secrets owners give us (Airtable keys, webhook secrets).
    pub secrets: SecretBox,
    pub draining: Draining,
    /// `locked_by` of this process's job claims and `instance` in alerts.
    pub instance_id: Arc<str>,
    pub metrics: Arc<Metrics>,
    pub alerts: Alerts,
    /// Tracking-number lookups by `To`, shared by the Twilio webhooks.
    pub lines: Arc<LineCache>,
    /// Upper bound on a webhook's wait for the database.
    pub db_budget: Duration,
    /// The caller's side of the phone simulator; present only in demo mode.
    pub demo_phone: Option<DemoPhone>,
    /// Notices webhooks that could not reach the database, to reconcile once it is back.
    pub db_outage: OutageWatch,
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
        let instance_id: Arc<str> = instance_id().into();
        let metrics = Arc::new(Metrics::default());
        let alerts = Alerts::start(Dispatcher {
            pool: pool.clone(),
            clock: clock.clone(),
            config: config.alerts.clone(),
            environment: config.app_env.as_str(),
            instance: instance_id.clone(),
            metrics: metrics.clone(),
        });
        Self {
            pool,
            demo_phone: DemoPhone::from_config(&config),
            db_outage: OutageWatch::new(config.twilio.account_sid.is_some()),
            twilio: TwilioClient::new(&config),
            stripe: StripeClient::new(&config),
            airtable: AirtableClient::new(&config.airtable.api_base),
            webhooks: WebhookClient::new(config.is_production()),
            secrets: SecretBox::new(&config.data_encryption_key),
            config: Arc::new(config),
            clock,
            leptos_options,
            security: Arc::new(security),
            draining: Draining::default(),
            instance_id,
            metrics,
            alerts,
            lines: Arc::new(LineCache::new(lines::FRESH_FOR)),
            db_budget: DB_BUDGET,
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
