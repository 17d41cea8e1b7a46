//! Platform behaviour every route shares: health, correlation ids, security headers, the panic
//! guard (web.md §8, §11; operations.md §4).

use axum::{Router, body::Body, http::Request, routing};
use callbackcloser::server::{router::with_middleware, state::AppState};
use sqlx::{PgPool, postgres::PgPoolOptions};

use crate::support::{
    app, capture_logs, config_with, get, production_overrides, send, state_with, test_clock,
};

#[sqlx::test]
async fn health_reports_a_reachable_database(pool: PgPool) {
    let app = app(pool);
    let reply = get(&app, "/api/health").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, r#"{"status":"ok","db":"ok"}"#);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert!(reply.header("x-correlation-id").is_some());

    let head = send(
        &app,
        Request::head("/api/health").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
}

/// W11: database down → 503 with nothing but the two fields.
#[tokio::test]
async fn health_reports_an_unreachable_database_without_details() {
    let unreachable = PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_millis(500))
        .connect_lazy("postgres://postgres@127.0.0.1:1/nothing")
        .unwrap();
    let app = callbackcloser::server::router::router(state_with(
        unreachable,
        config_with(&[]),
        test_clock(),
    ));
    let reply = get(&app, "/api/health").await;
    assert_eq!(reply.status, 503);
    assert_eq!(reply.body, r#"{"status":"degraded","db":"error"}"#);
}

#[sqlx::test]
async fn health_reports_draining_during_shutdown(pool: PgPool) {
    let state = state_with(pool, config_with(&[]), test_clock());
    state.draining.start();
    let app = callbackcloser::server::router::router(state);
    let reply = get(&app, "/api/health").await;
    assert_eq!(reply.status, 503);
    assert_eq!(reply.body, r#"{"status":"draining","db":"ok"}"#);
}

async fn correlation_of(app: &Router, headers: &[(&str, &str)]) -> String {
    let mut request = Request::get("/api/health");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let reply = send(app, request.body(Body::empty()).unwrap()).await;
    reply
        .header("x-correlation-id")
        .expect("every response carries one")
        .to_owned()
}

#[sqlx::test]
async fn correlation_id_vectors_over_http(pool: PgPool) {
    let app = app(pool);
    assert_eq!(
        correlation_of(
            &app,
            &[
                ("x-correlation-id", "corr-explicit-123"),
                ("x-request-id", "req-fallback-456")
            ]
        )
        .await,
        "corr-explicit-123"
    );
    assert_eq!(
        correlation_of(&app, &[("x-request-id", "req-fallback-456")]).await,
        "req-fallback-456"
    );
    let generated = correlation_of(&app, &[("x-correlation-id", "has space")]).await;
    assert!(generated.starts_with("req_"), "{generated}");
    assert_ne!(
        correlation_of(&app, &[]).await,
        correlation_of(&app, &[]).await
    );
}

#[sqlx::test]
async fn every_response_carries_the_security_headers(pool: PgPool) {
    let app = app(pool);
    for path in ["/api/health", "/", "/no-such-page"] {
        let reply = get(&app, path).await;
        assert_eq!(
            reply.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(reply.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(
            reply.header("referrer-policy"),
            Some("strict-origin-when-cross-origin"),
            "{path}"
        );
        assert_eq!(
            reply.header("permissions-policy"),
            Some("camera=(), microphone=(), geolocation=()"),
            "{path}"
        );
        assert_eq!(
            reply.header("cross-origin-opener-policy"),
            Some("same-origin"),
            "{path}"
        );
        assert_eq!(
            reply.header("strict-transport-security"),
            None,
            "no HSTS outside production"
        );
    }
    assert_eq!(
        get(&app, "/api/health")
            .await
            .header("content-security-policy"),
        None,
        "JSON needs no CSP"
    );
}

/// W8: production pages carry HSTS, a CSP with frame-ancestors 'none', and nosniff.
#[sqlx::test]
async fn production_pages_add_hsts_and_a_nonce_csp(pool: PgPool) {
    let state: AppState = state_with(pool, config_with(&production_overrides()), test_clock());
    let app = callbackcloser::server::router::router(state);
    let reply = get(&app, "/").await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("strict-transport-security"),
        Some("max-age=31536000; includeSubDomains")
    );
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    let csp = reply
        .header("content-security-policy")
        .expect("pages carry a CSP");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("the CSP names a nonce");
    assert!(
        reply.body.contains(&format!("nonce=\"{nonce}\"")),
        "the hydration script carries the CSP's nonce"
    );
    let again = get(&app, "/").await;
    assert_ne!(
        again.header("content-security-policy"),
        Some(csp),
        "a fresh nonce per response"
    );
}

/// W26: extra checkout origins are allowed only outside production.
#[sqlx::test]
async fn checkout_origins_extend_form_action_outside_production(pool: PgPool) {
    let dev = callbackcloser::server::router::router(state_with(
        pool.clone(),
        config_with(&[("STRIPE_CHECKOUT_ORIGINS", "http://127.0.0.1:4242")]),
        test_clock(),
    ));
    let csp = get(&dev, "/")
        .await
        .header("content-security-policy")
        .unwrap()
        .to_owned();
    assert!(
        csp.ends_with("https://billing.stripe.com http://127.0.0.1:4242"),
        "{csp}"
    );

    let mut prod_env = production_overrides();
    prod_env.push(("STRIPE_CHECKOUT_ORIGINS", "http://127.0.0.1:4242"));
    let prod = callbackcloser::server::router::router(state_with(
        pool,
        config_with(&prod_env),
        test_clock(),
    ));
    let csp = get(&prod, "/")
        .await
        .header("content-security-policy")
        .unwrap()
        .to_owned();
    assert!(!csp.contains("127.0.0.1"), "{csp}");
}

async fn panicking_handler() -> &'static str {
    panic!("handler bug")
}

#[sqlx::test]
async fn a_panic_becomes_a_500_page_with_the_reference_and_serving_continues(pool: PgPool) {
    let state = state_with(pool, config_with(&[]), test_clock());
    let routes = Router::new()
        .route("/boom", routing::get(panicking_handler))
        .route("/fine", routing::get(|| async { "fine" }));
    let app = with_middleware(routes, &state);

    let request = Request::get("/boom")
        .header("x-correlation-id", "corr-panic-1")
        .body(Body::empty())
        .unwrap();
    let reply = send(&app, request).await;
    assert_eq!(reply.status, 500);
    assert_eq!(reply.header("x-correlation-id"), Some("corr-panic-1"));
    assert!(
        reply
            .body
            .contains("Something went wrong. Reference: corr-panic-1"),
        "{}",
        reply.body
    );
    assert!(
        !reply.body.contains("handler bug"),
        "never the panic message"
    );
    assert_eq!(reply.header("x-frame-options"), Some("DENY"));
    assert!(reply.header("content-security-policy").is_some());

    let after = get(&app, "/fine").await;
    assert_eq!((after.status.as_u16(), after.body.as_str()), (200, "fine"));
}

#[sqlx::test]
async fn each_request_logs_one_line_with_its_route_template_and_correlation_id(pool: PgPool) {
    let app = app(pool);
    let (logs, guard) = capture_logs();
    let request = Request::get("/api/health")
        .header("x-correlation-id", "corr-log-1")
        .body(Body::empty())
        .unwrap();
    send(&app, request).await;
    get(&app, "/no-such-page").await;
    drop(guard);

    let lines = logs.lines();
    let requests: Vec<_> = lines.iter().filter(|l| l["message"] == "request").collect();
    assert_eq!(requests.len(), 2, "{lines:?}");
    let health = requests[0];
    assert_eq!(health["route"], "/api/health");
    assert_eq!(health["method"], "GET");
    assert_eq!(health["status"], 200);
    assert_eq!(health["correlation_id"], "corr-log-1");
    assert!(health["duration_ms"].is_u64());
    assert_eq!(
        requests[1]["route"], "fallback",
        "raw paths are never logged as routes"
    );
    assert_eq!(requests[1]["status"], 404);
}

#[sqlx::test]
async fn a_request_past_its_time_limit_gets_a_503_it_can_retry(pool: PgPool) {
    let state = state_with(
        pool,
        config_with(&[("REQUEST_TIMEOUT_SECONDS", "1")]),
        test_clock(),
    );
    let routes = Router::new()
        .route("/stuck", routing::get(std::future::pending::<&'static str>))
        .route("/fine", routing::get(|| async { "fine" }));
    let app = with_middleware(routes, &state);
    let reply = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        send(&app, Request::get("/stuck").body(Body::empty()).unwrap()),
    )
    .await
    .expect("answered at the limit, not held open");
    assert_eq!(reply.status, 503);
    assert_eq!(reply.header("retry-after"), Some("5"));
    assert!(reply.header("x-correlation-id").is_some());
    assert!(reply.body.contains("taking too long"), "{}", reply.body);
    let fine = send(&app, Request::get("/fine").body(Body::empty()).unwrap()).await;
    assert_eq!(fine.status, 200);
}

#[sqlx::test]
async fn alerts_queued_at_shutdown_are_flushed_before_the_process_ends(pool: PgPool) {
    use callbackcloser::server::observability::Alert;
    let (sink, url) = crate::webhook_support::alert_sink().await;
    let state = state_with(
        pool,
        config_with(&[("ALERT_WEBHOOK_URL", &url)]),
        test_clock(),
    );
    for event in ["dead", "not_recorded", "credentials_rejected"] {
        state.alerts.report(Alert::new("jobs", event, "stopping"));
    }
    state.alerts.flush(std::time::Duration::from_secs(2)).await;
    // No waiting here: flush returned only once all three were sent.
    assert_eq!(sink.events().len(), 3, "{:?}", sink.events());
}
