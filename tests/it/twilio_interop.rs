//! Interoperability (twilio.md §3, quality.md §3): requests signed by Twilio's own helper
//! library (PyPI `twilio`, `RequestValidator`) are accepted through the real router, and a
//! signature it computes for a changed body is refused. `scripts/test.sh` provides the venv.

use std::process::Command;

use sqlx::PgPool;

use crate::{support::send, webhook_support::*};

/// Signs with `twilio.request_validator.RequestValidator.compute_signature`.
fn twilio_library_signature(url: &str, params: &[(String, String)]) -> String {
    let python = std::env::var("SIGNER_PYTHON").unwrap_or_else(|_| {
        panic!("SIGNER_PYTHON is not set: run scripts/test.sh, which installs the Twilio helper library")
    });
    let script = "import json, sys\n\
from twilio.request_validator import RequestValidator\n\
token, url, params = json.loads(sys.argv[1])\n\
print(RequestValidator(token).compute_signature(url, dict(params)))\n";
    let input = serde_json::json!([TOKEN, url, params]).to_string();
    let output = Command::new(python)
        .args(["-c", script, &input])
        .output()
        .expect("run the signer");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

fn with_library_signature(
    path: &str,
    pairs: &[(String, String)],
) -> axum::http::Request<axum::body::Body> {
    let mut request = unsigned(path, pairs, "198.51.100.7");
    let signature = twilio_library_signature(&format!("{BASE}{path}"), pairs);
    request
        .headers_mut()
        .insert("x-twilio-signature", signature.parse().unwrap());
    request
}

#[sqlx::test]
async fn requests_signed_by_twilios_own_library_are_accepted(pool: PgPool) {
    let hooks = hooks(pool.clone(), &crate::twilio_auth::production(&[]));
    active_line(&pool).await;

    let voice = params(&[
        ("AccountSid", ACCOUNT),
        ("CallSid", "CA11111111111111111111111111111111"),
        ("CallerName", "Zoë O'Brien & Sons + Co"),
        ("From", CALLER),
        ("To", TRACKING),
    ]);
    let reply = send(
        &hooks.app,
        with_library_signature("/api/twilio/voice", &voice),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body.contains("<Dial"));

    let dial = params(&[
        ("AccountSid", ACCOUNT),
        ("CallSid", "CA11111111111111111111111111111111"),
        ("DialCallDuration", "0"),
        ("DialCallSid", "CA22222222222222222222222222222222"),
        ("DialCallStatus", "no-answer"),
        ("From", CALLER),
        ("To", TRACKING),
    ]);
    let reply = send(
        &hooks.app,
        with_library_signature("/api/twilio/status?event=dial", &dial),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(count(&pool, "SELECT count(*) FROM leads").await, 1);

    // The library's signature for other parameters does not fit this body.
    let mut forged = unsigned("/api/twilio/status?event=call", &dial, "198.51.100.7");
    let mut other = dial.clone();
    other[4].1 = "completed".into();
    let signature =
        twilio_library_signature(&format!("{BASE}/api/twilio/status?event=call"), &other);
    forged
        .headers_mut()
        .insert("x-twilio-signature", signature.parse().unwrap());
    assert_eq!(send(&hooks.app, forged).await.status, 401);
}

#[test]
fn the_library_agrees_with_the_spec_vector() {
    let v6 = params(&[
        ("AccountSid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        ("CallSid", "CA11111111111111111111111111111111"),
        ("DialCallDuration", "0"),
        ("DialCallSid", "CA22222222222222222222222222222222"),
        ("DialCallStatus", "no-answer"),
        ("From", "+15125550100"),
        ("To", "+15125550199"),
    ]);
    let python =
        std::env::var("SIGNER_PYTHON").unwrap_or_else(|_| panic!("SIGNER_PYTHON is not set"));
    let script = "from twilio.request_validator import RequestValidator\nimport json, sys\n\
p = json.loads(sys.argv[1])\n\
print(RequestValidator('12345').compute_signature('https://app.example.com/api/twilio/status?event=dial', dict(p)))\n";
    let output = Command::new(python)
        .args(["-c", script, &serde_json::to_string(&v6).unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "5kCnTImGyY6Uqw+hxCZlU7S2YhQ="
    );
}
