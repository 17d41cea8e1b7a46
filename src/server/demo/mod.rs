//! Demo mode (operations.md §3.3): Twilio and Stripe are replaced by the in-process simulators,
//! reached over loopback by the same clients production uses; signature validation stays on
//! with credentials generated at startup.

use rand::RngCore as _;
use sqlx::PgPool;

use super::{
    config::{Config, Secret},
    simulators::{
        stripe::{Delivery, FakeStripe},
        twilio::{FakeNumber, FakeTwilio, StatusCallbacks},
        webhook_poster::WebhookPoster,
    },
};

pub mod phone;
pub mod seed;
pub mod simulator;

/// How long the simulated Twilio takes from accepting a text to reporting it `sent`, and again
/// to `delivered`: quick, but slow enough to watch the marks change.
const DELIVERY_STEP: std::time::Duration = std::time::Duration::from_millis(700);

/// The running simulators; dropping them does not stop them, keeping them documents intent.
pub struct Simulators {
    pub twilio: FakeTwilio,
    pub stripe: FakeStripe,
}

fn random_hex() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Starts the simulated services and points the configuration at them.
pub async fn start_simulators(config: &mut Config) -> Simulators {
    // Credentials set in the environment are kept, so a script can sign webhooks to a demo
    // server; otherwise they are generated.
    let account_sid = config
        .twilio
        .account_sid
        .clone()
        .unwrap_or_else(|| format!("AC{}", random_hex()));
    let auth_token = config
        .twilio
        .auth_token
        .as_ref()
        .map_or_else(random_hex, |token| token.expose().to_owned());
    let twilio = FakeTwilio::new(&account_sid, &auth_token);
    twilio.state().status_callbacks = Some(StatusCallbacks {
        poster: webhook_poster(config, &auth_token),
        step: DELIVERY_STEP,
    });
    let base = twilio.spawn().await;
    config.twilio.account_sid = Some(account_sid);
    config.twilio.auth_token = Some(Secret::new(auth_token));
    config.twilio.auth_token_previous = None;
    config.twilio.api_base = base.clone();
    config.twilio.messaging_api_base = base.clone();
    config.twilio.validate_signature = true;
    let stripe = start_stripe(config).await;
    tracing::info!(twilio = %base, stripe = %config.stripe.api_base, "demo mode: Twilio and Stripe are simulated in-process; nothing reaches a real phone or card");
    Simulators { twilio, stripe }
}

/// On every demo start: seeds the demo data the first time (operations.md §3.3), prints how to
/// sign in, and tells the simulated Twilio about the numbers already in the database so the
/// numbers page can update and release them.
pub async fn prepare(simulators: &Simulators, pool: &PgPool, config: &Config) {
    let price = super::commands::demo_price(config);
    match seed::seed_demo(pool, chrono::Utc::now(), &price).await {
        Ok(seeded) => println!("{}", super::commands::credentials(config, &seeded)),
        Err(err) => tracing::warn!(error = %err, "demo mode: could not seed the demo data"),
    }
    let numbers: Result<Vec<(String, String, String)>, _> =
        sqlx::query_as("SELECT twilio_sid, e164, label FROM phone_numbers WHERE status = 'active'")
            .fetch_all(pool)
            .await;
    match numbers {
        Ok(numbers) => {
            let mut fake = simulators.twilio.state();
            for (sid, e164, label) in numbers {
                fake.numbers.entry(sid.clone()).or_insert(FakeNumber {
                    sid,
                    phone_number: e164,
                    friendly_name: label,
                    ..FakeNumber::default()
                });
            }
        }
        Err(err) => tracing::warn!(error = %err, "demo mode: could not list the numbers"),
    }
}

/// Checkout completes at once and the simulator posts the signed event to this server.
async fn start_stripe(config: &mut Config) -> FakeStripe {
    let secret_key = format!("sk_test_demo_{}", random_hex());
    let webhook_secret = format!("whsec_demo_{}", random_hex());
    let stripe = FakeStripe::new(&secret_key);
    config.stripe.api_base = stripe.spawn().await;
    // Checkout and the portal are the simulator's pages on its own port: the billing forms
    // redirect there, which the CSP `form-action` must allow or "Activate plan" does nothing.
    config
        .stripe
        .checkout_origins
        .push(config.stripe.api_base.trim_end_matches('/').to_owned());
    config.stripe.secret_key = Some(Secret::new(secret_key));
    config.stripe.webhook_secrets = vec![Secret::new(webhook_secret.clone())];
    if config.stripe.price_starter.is_empty() {
        config.stripe.price_starter = vec!["price_demo_starter".to_owned()];
    }
    if config.stripe.price_pro.is_empty() {
        config.stripe.price_pro = vec!["price_demo_pro".to_owned()];
    }
    {
        let mut state = stripe.state();
        state.instant = true;
        state.deliver_to = Some(Delivery {
            url: format!(
                "http://{}/api/stripe/webhook",
                crate::server::config::loopback(config.site_addr)
            ),
            secret: webhook_secret,
        });
    }
    stripe
}

/// Signs for this app's public URL and delivers to its own listener.
pub fn webhook_poster(config: &Config, auth_token: &str) -> WebhookPoster {
    WebhookPoster::new(
        &config.public_base_url,
        &format!(
            "http://{}",
            crate::server::config::loopback(config.site_addr)
        ),
        auth_token,
    )
}
