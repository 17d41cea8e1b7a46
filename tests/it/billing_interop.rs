//! Interoperability of the Stripe webhook (billing.md §6.2, quality.md §3): events signed by
//! Stripe's own library (PyPI `stripe`) and delivered by `localstripe` (an independent Stripe
//! fake) are accepted; and demo mode's checkout (B24) runs the whole loop over real HTTP.
//! `scripts/test.sh` provides the Python venv (`SIGNER_PYTHON`).

use std::{net::SocketAddr, process::Command, time::Duration};

use callbackcloser::server::clock::Clock as _;
use callbackcloser::server::{demo, router::router, state::AppState};
use sqlx::PgPool;

use crate::{
    billing_support::*,
    support::{config_with, owner, state_with, test_clock},
    webhook_support::{count, run_jobs_of},
};

fn python() -> String {
    std::env::var("SIGNER_PYTHON").unwrap_or_else(|_| {
        panic!("SIGNER_PYTHON is not set: run scripts/test.sh, which installs Stripe's library")
    })
}

/// `t=…,v1=…` computed by `stripe.WebhookSignature` (the helper Stripe's own tests use), after
/// checking that the library's `construct_event` accepts it.
fn stripe_library_header(payload: &str, secret: &str, t: i64) -> String {
    let script = "import json, sys, stripe\n\
payload, secret, t = json.loads(sys.argv[1])\n\
sig = stripe.WebhookSignature._compute_signature('%d.%s' % (t, payload), secret)\n\
header = 't=%d,v1=%s' % (t, sig)\n\
stripe.Webhook.construct_event(payload, header, secret, tolerance=None)\n\
print(header)\n";
    let input = serde_json::json!([payload, secret, t]).to_string();
    let output = Command::new(python())
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

#[sqlx::test]
async fn events_signed_by_stripes_own_library_are_accepted(pool: PgPool) {
    let b = billing(
        pool.clone(),
        &[("STRIPE_WEBHOOK_SECRET", "whsec_rotated,whsec_test_secret")],
    )
    .await;
    let body = b.fake.event(
        "customer.created",
        serde_json::json!({"id": "cus_ü", "name": "Zoë & Co"}),
    );
    let t = b.hooks.clock.now().timestamp();
    let header = stripe_library_header(&body, WEBHOOK_SECRET, t);
    let reply = post_raw(&b.hooks.app, &body, Some(header.clone()), "203.0.113.9").await;
    assert_eq!(reply.body, r#"{"received":true}"#);
    assert_eq!(count(&pool, "SELECT count(*) FROM stripe_events").await, 1);
    // The library's signature for another body is refused for this one.
    let other = stripe_library_header(&body.replace("Zoë", "Zoe"), WEBHOOK_SECRET, t);
    let refused = post_raw(&b.hooks.app, &body, Some(other), "203.0.113.9").await;
    assert_eq!(refused.body, r#"{"error":"Invalid signature"}"#);
}

/// The router on a real loopback port (for senders outside the process).
async fn serve(state: AppState, listener: tokio::net::TcpListener) {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
}

struct LocalStripe(std::process::Child);

impl Drop for LocalStripe {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[sqlx::test]
async fn localstripe_delivers_its_own_signed_event(pool: PgPool) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app_addr = listener.local_addr().unwrap();
    let state = state_with(
        pool.clone(),
        config_with(&[("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)]),
        test_clock(),
    );
    serve(state, listener).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _localstripe = LocalStripe(
        Command::new(python())
            .args([
                "-c",
                "import sys; from localstripe.server import start; sys.argv = ['localstripe', '--port', sys.argv[1], '--from-scratch']; start()",
                &port.to_string(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start localstripe"),
    );
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let mut registered = false;
    for _ in 0..100 {
        let reply = http
            .post(format!("{base}/_config/webhooks/app"))
            .form(&[
                ("url", format!("http://{app_addr}/api/stripe/webhook")),
                ("secret", WEBHOOK_SECRET.to_owned()),
            ])
            .send()
            .await;
        if reply.is_ok_and(|r| r.status().is_success()) {
            registered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(registered, "localstripe did not start");
    let created = http
        .post(format!("{base}/v1/customers"))
        .basic_auth("sk_test_localstripe", Some(""))
        .form(&[("name", "Acme Plumbing")])
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success());
    // localstripe sends its event a second after the change.
    let mut received = 0;
    for _ in 0..100 {
        received = count(
            &pool,
            "SELECT count(*) FROM stripe_events WHERE type = 'customer.created'",
        )
        .await;
        if received > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(received, 1, "localstripe's signed event was not accepted");
}

#[sqlx::test]
async fn b24_demo_checkout_activates_through_the_simulated_webhook(pool: PgPool) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let mut config = config_with(&[
        ("DEMO_MODE", "true"),
        ("LEPTOS_SITE_ADDR", &addr),
        ("PUBLIC_BASE_URL", "https://app.example.com"),
    ]);
    let _simulators = demo::start_simulators(&mut config).await;
    let state = state_with(pool.clone(), config, test_clock());
    serve(state.clone(), listener).await;
    let app = router(state.clone());
    let (mut visitor, business) = owner(&app, &pool, "owner@example.com").await;
    visitor.origin = "https://app.example.com".into();
    let page = visitor.get("/app/billing").await;
    assert!(page.body.contains("Activate plan (demo)"));
    let reply = visitor
        .submit(
            "/app/billing",
            "/api/billing/checkout",
            &[("plan", "pro"), ("nonce", "nonce-aaaaaaaa")],
        )
        .await;
    let location = reply.header("location").unwrap_or_default().to_owned();
    assert!(
        location.starts_with(
            "https://app.example.com/app/billing?checkout=success&session_id=cs_test_"
        ),
        "{location}"
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM stripe_events WHERE type = 'customer.subscription.created'"
        )
        .await,
        1
    );
    run_jobs_of(&state).await;
    assert_eq!(
        billing_state(&pool, business).await,
        (
            "ACTIVE".into(),
            Some("sub_fake000003".into()),
            Some("price_demo_pro".into())
        )
    );
}
