//! Any inbound text: keyword detection and the answer normalisers never panic; the trimmed
//! answer is part of the text and collapsed whitespace has no runs left.
#![no_main]

use callbackcloser::domain::{sms_keywords, text_normal};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &str| {
    let _ = sms_keywords::detect(body, false);
    let _ = sms_keywords::detect(body, true);
    let _ = sms_keywords::is_possible_opt_out(body);
    let trimmed = text_normal::trim_answer(body);
    assert!(body.contains(trimmed));
    let _ = text_normal::answer_key(body);
    let collapsed = text_normal::collapse_whitespace(body);
    assert!(!collapsed.contains("  "));
});
