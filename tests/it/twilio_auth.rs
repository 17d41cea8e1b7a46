//! Twilio webhook pipeline: size, content type, parsing, authentication in both environments,
//! the shared unauthorized limiter and authorized-burst counting (twilio.md §2–§4).

use axum::{body::Body, http::Request};
use callbackcloser::server::{clock::Clock as _, webhooks::twilio::signature};
use sqlx::PgPool;

use crate::{
    support::{production_overrides, send},
    webhook_support::*,
};

fn voice_params() -> Vec<(String, String)> {
    params(&[
        ("AccountSid", ACCOUNT),
        ("CallSid", "CA00000000000000000000000000000001"),
        ("From", CALLER),
        ("To", TRACKING),
    ])
}

pub fn production(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut vars: Vec<_> = production_overrides()
        .into_iter()
        .filter(|(k, _)| *k != "TWILIO_AUTH_TOKEN")
        .collect();
    vars.push(("TWILIO_AUTH_TOKEN", TOKEN));
    vars.extend_from_slice(extra);
    vars
}

#[sqlx::test]
async fn production_accepts_a_valid_signature_and_nothing_else(pool: PgPool) {
    let hooks = hooks(pool.clone(), &production(&[]));
    active_line(&pool).await;

    let reply = send(
        &hooks.app,
        signed_with(TOKEN, "/api/twilio/voice", &voice_params()),
    )
    .await;
    assert_eq!(reply.status, 200, "T1: {}", reply.body);
    assert!(reply.body.contains("<Dial"));
    assert_eq!(count(&pool, "SELECT count(*) FROM calls").await, 1);
    assert!(reply.header("x-correlation-id").is_some());

    // T2: a shared token is ignored in production, wherever it is presented.
    let path = format!("/api/twilio/voice?webhook_token={SHARED_TOKEN}");
    let reply = send(&hooks.app, unsigned(&path, &voice_params(), "198.51.100.7")).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.body, r#"{"error":"Unauthorized"}"#);
    let mut with_header = unsigned("/api/twilio/voice", &voice_params(), "198.51.100.7");
    with_header
        .headers_mut()
        .insert("x-webhook-token", SHARED_TOKEN.parse().unwrap());
    assert_eq!(send(&hooks.app, with_header).await.status, 401);

    // Wrong token, changed parameter, another URL: all refused.
    let reply = send(
        &hooks.app,
        signed_with("wrong", "/api/twilio/voice", &voice_params()),
    )
    .await;
    assert_eq!(reply.status, 401);
    let mut tampered = signed_with(TOKEN, "/api/twilio/voice", &voice_params());
    *tampered.uri_mut() = "/api/twilio/voice?stage=screen".parse().unwrap();
    assert_eq!(send(&hooks.app, tampered).await.status, 401);
    let mut bad = signed_with(TOKEN, "/api/twilio/voice", &voice_params());
    bad.headers_mut()
        .insert("x-twilio-signature", "not base64!".parse().unwrap());
    assert_eq!(send(&hooks.app, bad).await.status, 401);
    assert_eq!(
        count(&pool, "SELECT count(*) FROM calls").await,
        1,
        "refusals store nothing"
    );
}

#[sqlx::test]
async fn the_default_port_spelling_and_the_previous_token_are_accepted(pool: PgPool) {
    let hooks = hooks(
        pool.clone(),
        &production(&[("TWILIO_AUTH_TOKEN_PREVIOUS", "the-old-auth-token")]),
    );
    active_line(&pool).await;
    let mut request = unsigned("/api/twilio/voice", &voice_params(), "198.51.100.7");
    let with_port = signature::sign(
        TOKEN,
        "https://app.example.com:443/api/twilio/voice",
        &voice_params(),
    );
    request
        .headers_mut()
        .insert("x-twilio-signature", with_port.parse().unwrap());
    assert_eq!(send(&hooks.app, request).await.status, 200);

    let reply = send(
        &hooks.app,
        signed_with("the-old-auth-token", "/api/twilio/voice", &voice_params()),
    )
    .await;
    assert_eq!(reply.status, 200, "rotation: {}", reply.body);
}

#[sqlx::test]
async fn production_without_an_auth_token_fails_closed(pool: PgPool) {
    let mut vars = production(&[]);
    vars.retain(|(k, _)| *k != "TWILIO_AUTH_TOKEN");
    // The config reader refuses production without a token at startup; this is the runtime
    // guard behind it.
    let mut hooks = hooks(pool.clone(), &vars);
    let mut config = (*hooks.state.config).clone();
    config.twilio.auth_token = None;
    hooks.state.config = std::sync::Arc::new(config);
    let app = callbackcloser::server::router::router(hooks.state.clone());
    let reply = send(
        &app,
        signed_with(TOKEN, "/api/twilio/voice", &voice_params()),
    )
    .await;
    assert_eq!(reply.status, 401);
}

#[sqlx::test]
async fn development_accepts_the_shared_token_in_each_place(pool: PgPool) {
    // T3: validation off, shared token only.
    let hooks = hooks(
        pool.clone(),
        &[
            ("TWILIO_VALIDATE_SIGNATURE", "false"),
            ("TWILIO_WEBHOOK_AUTH_TOKEN", SHARED_TOKEN),
        ],
    );
    active_line(&pool).await;
    let status_params = params(&[
        ("CallSid", "CA9"),
        ("CallStatus", "ringing"),
        ("To", TRACKING),
        ("From", CALLER),
    ]);

    let mut header = unsigned("/api/twilio/status", &status_params, "198.51.100.7");
    header
        .headers_mut()
        .insert("x-webhook-token", SHARED_TOKEN.parse().unwrap());
    assert_eq!(send(&hooks.app, header).await.status, 200);

    let mut bearer = unsigned("/api/twilio/status", &status_params, "198.51.100.7");
    bearer.headers_mut().insert(
        "authorization",
        format!("bearer {SHARED_TOKEN}").parse().unwrap(),
    );
    assert_eq!(send(&hooks.app, bearer).await.status, 200);

    let path = format!("/api/twilio/status?webhook_token={SHARED_TOKEN}");
    assert_eq!(
        send(&hooks.app, unsigned(&path, &status_params, "198.51.100.7"))
            .await
            .status,
        200
    );

    // A valid signature is not enough while validation is off, and a wrong token never is.
    let reply = send(
        &hooks.app,
        signed_with(TOKEN, "/api/twilio/status", &status_params),
    )
    .await;
    assert_eq!(reply.status, 401);
    let path = "/api/twilio/status?webhook_token=wrong-token-wrong-token";
    assert_eq!(
        send(&hooks.app, unsigned(path, &status_params, "198.51.100.7"))
            .await
            .status,
        401
    );
}

#[sqlx::test]
async fn development_with_validation_accepts_either_credential(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[("TWILIO_WEBHOOK_AUTH_TOKEN", SHARED_TOKEN)]);
    active_line(&pool).await;
    assert_eq!(
        send(
            &hooks.app,
            signed_with(TOKEN, "/api/twilio/voice", &voice_params())
        )
        .await
        .status,
        200
    );
    let mut token = unsigned("/api/twilio/voice", &voice_params(), "198.51.100.7");
    token
        .headers_mut()
        .insert("x-webhook-token", SHARED_TOKEN.parse().unwrap());
    assert_eq!(send(&hooks.app, token).await.status, 200);
    assert_eq!(
        send(
            &hooks.app,
            unsigned("/api/twilio/voice", &voice_params(), "198.51.100.7")
        )
        .await
        .status,
        401
    );
}

#[sqlx::test]
async fn nothing_is_accepted_when_no_credential_is_configured(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[("TWILIO_VALIDATE_SIGNATURE", "false")]);
    active_line(&pool).await;
    let reply = send(
        &hooks.app,
        signed_with(TOKEN, "/api/twilio/voice", &voice_params()),
    )
    .await;
    assert_eq!(reply.status, 401);
}

#[sqlx::test]
async fn the_41st_unauthorized_request_from_one_ip_gets_429_and_twilio_still_gets_through(
    pool: PgPool,
) {
    let hooks = hooks(pool.clone(), &[]);
    active_line(&pool).await;
    for i in 1..=40 {
        let reply = send(
            &hooks.app,
            unsigned("/api/twilio/voice", &voice_params(), "203.0.113.5"),
        )
        .await;
        assert_eq!(reply.status, 401, "request {i}");
    }
    let reply = send(
        &hooks.app,
        unsigned("/api/twilio/voice", &voice_params(), "203.0.113.5"),
    )
    .await;
    assert_eq!(reply.status, 429, "T4");
    assert_eq!(reply.body, r#"{"error":"Too many unauthorized requests"}"#);
    let window_end = hooks.clock.now().timestamp() + 60;
    assert_eq!(reply.header("retry-after"), Some("60"));
    assert_eq!(reply.header("x-ratelimit-limit"), Some("40"));
    assert_eq!(reply.header("x-ratelimit-remaining"), Some("0"));
    let reset: i64 = reply.header("x-ratelimit-reset").unwrap().parse().unwrap();
    assert!(
        (window_end..=window_end + 1).contains(&reset),
        "{reset} vs {window_end}"
    );

    // Another route has its own bucket; another address too.
    assert_eq!(
        send(
            &hooks.app,
            unsigned("/api/twilio/status", &voice_params(), "203.0.113.5")
        )
        .await
        .status,
        401
    );
    assert_eq!(
        send(
            &hooks.app,
            unsigned("/api/twilio/voice", &voice_params(), "203.0.113.6")
        )
        .await
        .status,
        401
    );

    // A genuine Twilio request from the same address is never refused.
    let mut genuine = signed_with(TOKEN, "/api/twilio/voice", &voice_params());
    genuine
        .extensions_mut()
        .insert(axum::extract::ConnectInfo::<std::net::SocketAddr>(
            "203.0.113.5:1".parse().unwrap(),
        ));
    assert_eq!(send(&hooks.app, genuine).await.status, 200);

    // The window ends: allowed (401) again.
    hooks.clock.advance(chrono::Duration::seconds(61));
    let reply = send(
        &hooks.app,
        unsigned("/api/twilio/voice", &voice_params(), "203.0.113.5"),
    )
    .await;
    assert_eq!(reply.status, 401);
}

#[sqlx::test]
async fn malformed_bodies_count_as_unauthorized(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[("RATE_LIMIT_TWILIO_UNAUTH_MAX", "5")]);
    let malformed = || {
        let mut request = Request::post("/api/twilio/status")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from("CallSid=%ZZ"))
            .unwrap();
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo::<std::net::SocketAddr>(
                "203.0.113.8:1".parse().unwrap(),
            ));
        request
    };
    for _ in 0..5 {
        let reply = send(&hooks.app, malformed()).await;
        assert_eq!(reply.status, 400, "T23");
        assert_eq!(reply.body, r#"{"error":"Malformed body"}"#);
    }
    assert_eq!(send(&hooks.app, malformed()).await.status, 429);
}

#[sqlx::test]
async fn authorized_traffic_over_the_limit_is_processed_counted_and_alerted_once(pool: PgPool) {
    let (sink, url) = alert_sink().await;
    let hooks = hooks(
        pool.clone(),
        &[
            ("RATE_LIMIT_TWILIO_AUTH_MAX", "10"),
            ("ALERT_WEBHOOK_URL", &url),
            ("ALERT_WEBHOOK_TOKEN", "alert-bearer-token"),
        ],
    );
    active_line(&pool).await;
    for i in 0..12 {
        let sid = format!("CA{i:032}");
        let reply = voice(&hooks, &sid, CALLER).await;
        assert_eq!(reply.status, 200, "request {i} is never refused");
    }
    assert_eq!(
        count(&pool, "SELECT count(*) FROM calls").await,
        12,
        "all processed"
    );
    let excess = hooks
        .state
        .metrics
        .counter("rate_limited_total", &[("limiter", "twilio_auth")]);
    assert_eq!(excess, 2, "T27: each excess hit is counted");
    let events = wait_for_alerts(&sink, 1).await;
    assert_eq!(
        events,
        ["twilio.authorized_burst"],
        "one alert, the second is throttled"
    );
    let received = sink.state().received[0].clone();
    assert_eq!(
        received.authorization.as_deref(),
        Some("Bearer alert-bearer-token")
    );
    assert_eq!(received.body["environment"], "development");
    assert!(
        received.body["text"]
            .as_str()
            .unwrap()
            .starts_with("[CallbackCloser] twilio.authorized_burst (")
    );

    let metrics = crate::support::get(&hooks.app, "/metrics").await;
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .body
            .contains("rate_limited_total{limiter=\"twilio_auth\"} 2"),
        "{}",
        metrics.body
    );
}

#[sqlx::test]
async fn size_content_type_method_and_required_parameters(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    active_line(&pool).await;

    let big = format!("Body={}", "a".repeat(64 * 1024));
    let request = Request::post("/api/twilio/voice")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(big))
        .unwrap();
    let reply = send(&hooks.app, request).await;
    assert_eq!(reply.status, 413);
    assert_eq!(reply.body, r#"{"error":"Payload too large"}"#);

    for content_type in [
        "application/json",
        "text/plain",
        "multipart/form-data; boundary=x",
    ] {
        let request = Request::post("/api/twilio/status")
            .header("content-type", content_type)
            .body(Body::from(r#"{"CallSid":"CA1"}"#))
            .unwrap();
        let reply = send(&hooks.app, request).await;
        assert_eq!(reply.status, 415, "T28 {content_type}");
        assert_eq!(reply.body, r#"{"error":"Unsupported content type"}"#);
    }

    for path in ["/api/twilio/voice", "/api/twilio/status"] {
        for method in ["GET", "PUT", "DELETE"] {
            let request = Request::builder()
                .method(method)
                .uri(path)
                .body(Body::empty())
                .unwrap();
            let reply = send(&hooks.app, request).await;
            assert_eq!(reply.status, 405, "T24 {method} {path}");
            assert_eq!(reply.header("allow"), Some("POST"));
        }
    }

    let reply = post_signed(
        &hooks,
        "/api/twilio/voice",
        &[("To", TRACKING), ("From", CALLER)],
    )
    .await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.body,
        r#"{"error":"Missing required parameter: CallSid"}"#
    );
    let reply = post_signed(
        &hooks,
        "/api/twilio/voice",
        &[("CallSid", "CA1"), ("To", "  ")],
    )
    .await;
    assert_eq!(reply.body, r#"{"error":"Missing required parameter: To"}"#);
    let reply = post_signed(
        &hooks,
        "/api/twilio/status?event=dial",
        &[("DialCallStatus", "busy")],
    )
    .await;
    assert_eq!(
        reply.body,
        r#"{"error":"Missing required parameter: CallSid"}"#
    );
    let reply = post_signed(
        &hooks,
        "/api/twilio/voice?stage=elsewhere",
        &[("CallSid", "CA1"), ("To", TRACKING)],
    )
    .await;
    assert_eq!(reply.status, 400);

    // Unknown enum values and non-numeric durations are malformed, not guessed at.
    let reply = dial(&hooks, "CA2", CALLER, "weird", "0").await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.body,
        r#"{"error":"Invalid parameter: DialCallStatus"}"#
    );
    let reply = dial(&hooks, "CA2", CALLER, "completed", "ten").await;
    assert_eq!(
        reply.body,
        r#"{"error":"Invalid parameter: DialCallDuration"}"#
    );
    assert_eq!(
        state_rows(&pool).await,
        (0, 0, 0, 0),
        "nothing stored by any refusal"
    );
}

#[sqlx::test]
async fn metrics_need_the_token_when_one_is_set(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[("METRICS_TOKEN", "metrics-secret-value")]);
    assert_eq!(
        crate::support::get(&hooks.app, "/metrics").await.status,
        401
    );
    let request = Request::get("/metrics")
        .header("authorization", "Bearer metrics-secret-value")
        .body(Body::empty())
        .unwrap();
    let reply = send(&hooks.app, request).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain; version=0.0.4")
    );
    assert!(reply.body.contains("# TYPE jobs_queued gauge"));

    let production = hooks_production(pool).await;
    assert_eq!(
        crate::support::get(&production, "/metrics").await.status,
        404
    );
}

async fn hooks_production(pool: PgPool) -> axum::Router {
    hooks(pool, &production(&[])).app
}

/// R6: two instances on one database share the unauthorized limiter (it lives in Postgres), so
/// the 41st unauthorized request across both is refused.
#[sqlx::test]
async fn r6_two_instances_share_the_unauthorized_limit(pool: PgPool) {
    let (first, second) = (hooks(pool.clone(), &[]), hooks(pool.clone(), &[]));
    active_line(&pool).await;
    for i in 1..=40 {
        let instance = if i % 2 == 0 { &first } else { &second };
        let reply = send(
            &instance.app,
            unsigned("/api/twilio/voice", &voice_params(), "203.0.113.9"),
        )
        .await;
        assert_eq!(reply.status, 401, "request {i}");
    }
    let reply = send(
        &first.app,
        unsigned("/api/twilio/voice", &voice_params(), "203.0.113.9"),
    )
    .await;
    assert_eq!(reply.status, 429);
}
