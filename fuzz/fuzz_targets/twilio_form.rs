//! Any body: the strict form parser answers Ok or Malformed, never panics, and what it accepts
//! survives the accessors the webhook routes use.
#![no_main]

use callbackcloser::server::webhooks::twilio::form::TwilioForm;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    if let Ok(form) = TwilioForm::parse(body) {
        let _ = form.to_json();
        let _ = form.first_missing(&["CallSid", "From", "To", "MessageSid"]);
        for (name, _) in form.pairs() {
            assert!(form.get(name).is_some());
            let _ = form.non_blank(name);
        }
    }
});
