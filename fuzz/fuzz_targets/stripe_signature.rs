//! Any `Stripe-Signature` header and body: verification never panics, and a header made with
//! the secret at `now` always verifies.
#![no_main]

use callbackcloser::server::webhooks::stripe::signature;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, &str, i64, &[u8])| {
    let (header, secret, now, body) = input;
    let _ = signature::verify(header, body, &[secret], now);
    if !secret.is_empty() {
        let made = signature::header(secret, now, body);
        assert!(signature::verify(&made, body, &[secret], now).is_ok());
    }
});
