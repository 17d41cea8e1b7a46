//! Demo mode (operations.md §3.3): Twilio and Stripe are replaced by the in-process simulators,
//! reached over loopback by the same clients production uses; signature validation stays on
//! with credentials generated at startup.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use rand::RngCore as _;

use super::{
    config::{Config, Secret},
    simulators::{
        stripe::{Delivery, FakeStripe},
        twilio::FakeTwilio,
    },
};

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

/// Checkout completes at once and the simulator posts the signed event to this server.
async fn start_stripe(config: &mut Config) -> FakeStripe {
    let secret_key = format!("sk_test_demo_{}", random_hex());
    let webhook_secret = format!("whsec_demo_{}", random_hex());
    let stripe = FakeStripe::new(&secret_key);
    config.stripe.api_base = stripe.spawn().await;
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
            url: format!("http://{}/api/stripe/webhook", loopback(config.site_addr)),
            secret: webhook_secret,
        });
    }
    stripe
}

/// The address this server answers on, reachable from inside the process.
fn loopback(addr: SocketAddr) -> SocketAddr {
    if addr.ip().is_unspecified() {
        SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
    } else {
        addr
    }
}
