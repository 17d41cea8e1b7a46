//! Fixtures for the billing tests: the app wired to the stateful Stripe fake, and Stripe events
//! signed the way Stripe signs them.

use axum::{Router, body::Body, http::Request};
use callbackcloser::server::clock::Clock as _;
use callbackcloser::server::{
    simulators::stripe::{FakeStripe, FakeSubscription},
    webhooks::stripe::signature,
};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use crate::{
    support::{Reply, send},
    webhook_support::{Hooks, Line, TRACKING, hooks, line_with},
};

pub const STRIPE_KEY: &str = "sk_test_fake_key";
pub const WEBHOOK_SECRET: &str = "whsec_test_secret";

/// The webhook app (Twilio signing as in `webhook_support`) plus the Stripe fake it calls.
pub struct Billing {
    pub hooks: Hooks,
    pub fake: FakeStripe,
}

pub async fn billing(pool: PgPool, extra: &[(&str, &str)]) -> Billing {
    let fake = FakeStripe::new(STRIPE_KEY);
    let base = fake.spawn().await;
    let mut vars = vec![
        ("STRIPE_SECRET_KEY", STRIPE_KEY),
        ("STRIPE_API_BASE", base.as_str()),
        ("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET),
    ];
    vars.extend_from_slice(extra);
    Billing {
        hooks: hooks(pool, &vars),
        fake,
    }
}

/// A webhook request with `Stripe-Signature` for `body` at Unix time `t`.
pub fn event_request(body: &str, header: Option<String>, ip: &str) -> Request<Body> {
    let mut request = Request::post("/api/stripe/webhook")
        .header("content-type", "application/json")
        .extension(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            ip.parse::<std::net::IpAddr>().unwrap(),
            443,
        ))));
    if let Some(header) = header {
        request = request.header("stripe-signature", header);
    }
    request.body(Body::from(body.to_owned())).unwrap()
}

/// Posts `body` signed with the test secret at the app clock's "now".
pub async fn deliver(billing: &Billing, body: &str) -> Reply {
    let t = billing.hooks.clock.now().timestamp();
    let header = signature::header(WEBHOOK_SECRET, t, body.as_bytes());
    send(
        &billing.hooks.app,
        event_request(body, Some(header), "203.0.113.9"),
    )
    .await
}

/// Delivers `body` and runs the jobs it queued.
pub async fn deliver_and_run(billing: &Billing, body: &str) {
    deliver(billing, body).await;
    crate::webhook_support::run_jobs(&billing.hooks).await;
}

pub async fn post_raw(app: &Router, body: &str, header: Option<String>, ip: &str) -> Reply {
    send(app, event_request(body, header, ip)).await
}

/// A subscription the fake holds for `business_id`.
pub fn subscription(
    id: &str,
    business_id: Uuid,
    customer: &str,
    price: &str,
    status: &str,
) -> FakeSubscription {
    FakeSubscription {
        id: id.to_owned(),
        customer: customer.to_owned(),
        price: price.to_owned(),
        status: status.to_owned(),
        business_id: Some(business_id.to_string()),
        period_end: 1_900_000_000,
    }
}

/// A business in `status` with a tracking line, whose subscription at the fake is `sub_A` of
/// customer `cus_A` on `price`, now `stripe_status`.
pub async fn subscribed(b: &Billing, status: &str, price: &str, stripe_status: &str) -> Line {
    let line = line_with(&b.hooks.pool, "Acme Plumbing", TRACKING, status).await;
    b.fake.insert_subscription(subscription(
        "sub_A",
        line.business_id,
        "cus_A",
        price,
        stripe_status,
    ));
    line
}

/// The event Stripe would send for the fake's current copy of `subscription_id`.
pub fn subscription_event(fake: &FakeStripe, kind: &str, subscription_id: &str) -> String {
    let object = fake.subscription_json(subscription_id).unwrap();
    fake.event(kind, object)
}

/// An invoice event naming `subscription_id` the newer way (`parent.subscription_details`).
pub fn invoice_event(
    fake: &FakeStripe,
    kind: &str,
    customer: &str,
    subscription_id: &str,
) -> String {
    let object = serde_json::json!({
        "id": "in_1", "object": "invoice", "customer": customer,
        "parent": { "subscription_details": { "subscription": subscription_id } },
    });
    fake.event(kind, object)
}

/// `(subscription_status, stripe_subscription_id, stripe_price_id)` of a business.
pub async fn billing_state(
    pool: &PgPool,
    business_id: Uuid,
) -> (String, Option<String>, Option<String>) {
    sqlx::query_as(
        "SELECT subscription_status, stripe_subscription_id, stripe_price_id FROM businesses WHERE id = $1",
    )
    .bind(business_id)
    .fetch_one(pool)
    .await
    .unwrap()
}

pub async fn set_business(pool: &PgPool, business_id: Uuid, set: &str) {
    sqlx::query(&format!("UPDATE businesses SET {set} WHERE id = $1"))
        .bind(business_id)
        .execute(pool)
        .await
        .unwrap();
}

/// `(processed, last_error, attempts)` of an inbox row.
pub async fn inbox_row(pool: &PgPool, event_id: &str) -> (bool, Option<String>, i32) {
    sqlx::query_as(
        "SELECT processed_at IS NOT NULL, last_error, attempts FROM stripe_events WHERE event_id = $1",
    )
    .bind(event_id)
    .fetch_one(pool)
    .await
    .unwrap()
}

pub fn event_id(body: &str) -> String {
    serde_json::from_str::<Value>(body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}
