//! Any reply at any step: the step parsers answer an Answer or a Refusal and never panic; a ZIP
//! the finder returns is a US or Canadian code.
#![no_main]

use callbackcloser::domain::{
    lead_conversation::{Step, parse_answer},
    postal_code,
};
use libfuzzer_sys::fuzz_target;

const LABELS: [&str; 4] = ["Repair", "Install", "Maintenance", "Other"];

fuzz_target!(|input: (u8, &str)| {
    let (pick, body) = input;
    let steps = [
        Step::Service,
        Step::Urgency,
        Step::Zip,
        Step::BestTime,
        Step::Name,
    ];
    let step = steps[usize::from(pick) % steps.len()];
    let _ = parse_answer(step, body, &LABELS);
    let _ = parse_answer(step, body, &[]);
    if let Some(found) = postal_code::find(body) {
        assert!(matches!(found.country, "US" | "CA"), "{found:?}");
        assert!(found.code.len() >= 5, "{found:?}");
    }
});
