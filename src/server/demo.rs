//! Demo mode (operations.md §3.3): Twilio is replaced by the in-process simulator, reached over
//! loopback by the same client production uses; signature validation stays on with a demo
//! auth token generated at startup.

use rand::RngCore as _;

use super::{
    config::{Config, Secret},
    simulators::twilio::FakeTwilio,
};

/// Starts the simulated services and points the configuration at them. Returns the simulator
/// so the caller can keep it alive.
pub async fn start_simulators(config: &mut Config) -> FakeTwilio {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let account_sid = format!("AC{}", hex::encode(bytes));
    rand::rng().fill_bytes(&mut bytes);
    let auth_token = hex::encode(bytes);
    let twilio = FakeTwilio::new(&account_sid, &auth_token);
    let base = twilio.spawn().await;
    config.twilio.account_sid = Some(account_sid);
    config.twilio.auth_token = Some(Secret::new(auth_token));
    config.twilio.auth_token_previous = None;
    config.twilio.api_base = base.clone();
    config.twilio.messaging_api_base = base.clone();
    config.twilio.validate_signature = true;
    tracing::info!(twilio = %base, "demo mode: Twilio is simulated in-process; nothing reaches a real phone");
    twilio
}
