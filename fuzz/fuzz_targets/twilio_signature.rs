//! Any header, URL and form: the check never panics, and a signature made with the token for
//! the same URL and parameters always verifies.
#![no_main]

use callbackcloser::server::webhooks::twilio::{form::TwilioForm, signature};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, &str, &str, &[u8])| {
    let (header, token, url, body) = input;
    let Ok(form) = TwilioForm::parse(body) else {
        return;
    };
    let params = form.pairs();
    let _ = signature::is_valid(header, &[token], url, params);
    let _ = signature::toggled_port(url);
    if !token.is_empty() {
        let signed = signature::sign(token, url, params);
        assert!(signature::is_valid(&signed, &[token], url, params));
    }
});
