//! A stateful fake of the parts of Stripe the product uses (billing.md §10): customers,
//! Checkout Sessions, billing portal sessions and subscriptions, with Bearer auth, idempotency
//! keys replayed like Stripe does, scripted outages, and signed event delivery.
//!
//! In demo mode it completes every Checkout at once and posts the signed
//! `customer.subscription.created` event to the app, as Stripe would after a payment.

use std::{
    collections::{BTreeMap, HashMap, VecDeque},
    sync::{Arc, Mutex, MutexGuard},
};

use axum::{
    Router, middleware,
    routing::{get, post},
};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::server::webhooks::stripe::signature;

mod api;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeSubscription {
    pub id: String,
    pub customer: String,
    pub price: String,
    pub status: String,
    pub business_id: Option<String>,
    pub period_end: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeSession {
    pub id: String,
    pub customer: String,
    pub price: String,
    pub client_reference_id: Option<String>,
    pub business_id: Option<String>,
    pub success_url: String,
    pub subscription: Option<String>,
}

/// A request as the fake saw it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub idempotency_key: Option<String>,
    pub form: Vec<(String, String)>,
}

/// Where events go: the app's webhook URL and the signing secret.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub url: String,
    pub secret: String,
}

#[derive(Debug, Default)]
pub struct FakeStripeState {
    pub customers: BTreeMap<String, Value>,
    pub sessions: BTreeMap<String, FakeSession>,
    pub subscriptions: BTreeMap<String, FakeSubscription>,
    pub portal_sessions: Vec<(String, String)>,
    /// Answers already given per idempotency key, replayed for the same key.
    replays: HashMap<String, (u16, Value)>,
    /// While true every request answers 503.
    pub down: bool,
    /// The next requests fail with these statuses, in order.
    pub failures: VecDeque<u16>,
    pub requests: Vec<Recorded>,
    /// Where payments are announced (`customer.subscription.created`), if anywhere.
    pub deliver_to: Option<Delivery>,
    /// Complete each Checkout at once, without the hosted page (demo mode).
    pub instant: bool,
    /// The fake's "now"; the system time when unset.
    pub now: Option<DateTime<Utc>>,
    serial: u64,
}

impl FakeStripeState {
    fn next_id(&mut self, prefix: &str) -> String {
        self.serial += 1;
        format!("{prefix}_fake{:06}", self.serial)
    }

    fn now(&self) -> DateTime<Utc> {
        self.now.unwrap_or_else(Utc::now)
    }
}

#[derive(Clone)]
pub struct FakeStripe {
    state: Arc<Mutex<FakeStripeState>>,
    secret_key: String,
    base: Arc<Mutex<String>>,
}

impl FakeStripe {
    pub fn new(secret_key: &str) -> Self {
        Self {
            state: Arc::default(),
            secret_key: secret_key.to_owned(),
            base: Arc::default(),
        }
    }

    pub fn state(&self) -> MutexGuard<'_, FakeStripeState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route("/v1/customers", post(api::create_customer))
            .route("/v1/checkout/sessions", post(api::create_session))
            .route("/v1/checkout/sessions/{id}", get(api::retrieve_session))
            .route("/v1/billing_portal/sessions", post(api::create_portal))
            .route(
                "/v1/subscriptions/{id}",
                get(api::retrieve_subscription).delete(api::cancel_subscription),
            )
            .layer(middleware::from_fn_with_state(
                self.clone(),
                api::gatekeeper,
            ))
            .route("/checkout/{id}", get(api::checkout_page))
            .route("/checkout/{id}/pay", post(api::pay))
            .route("/portal/{id}", get(api::portal_page))
            .with_state(self.clone())
    }

    /// Serves on a free loopback port; returns the base URL.
    pub async fn spawn(&self) -> String {
        // Nothing calls the fake before `spawn` returns, so its base is known in time.
        let base = crate::server::simulators::serve_on_loopback(self.router()).await;
        *self.base.lock().unwrap_or_else(|p| p.into_inner()) = base.clone();
        base
    }

    fn base(&self) -> String {
        self.base.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Adds a subscription directly (a state Stripe already holds).
    pub fn insert_subscription(&self, subscription: FakeSubscription) {
        self.state()
            .subscriptions
            .insert(subscription.id.clone(), subscription);
    }

    pub fn set_status(&self, subscription_id: &str, status: &str) {
        if let Some(sub) = self.state().subscriptions.get_mut(subscription_id) {
            sub.status = status.to_owned();
        }
    }

    /// Pays a Checkout Session: an `active` subscription for its customer and price.
    pub fn complete(&self, session_id: &str) -> Option<String> {
        let mut state = self.state();
        let session = state.sessions.get(session_id)?.clone();
        if let Some(existing) = session.subscription {
            return Some(existing);
        }
        let id = state.next_id("sub");
        let period_end = (state.now() + chrono::Duration::days(30)).timestamp();
        state.subscriptions.insert(
            id.clone(),
            FakeSubscription {
                id: id.clone(),
                customer: session.customer.clone(),
                price: session.price.clone(),
                status: "active".to_owned(),
                business_id: session.business_id.clone(),
                period_end,
            },
        );
        if let Some(session) = state.sessions.get_mut(session_id) {
            session.subscription = Some(id.clone());
        }
        Some(id)
    }

    pub fn subscription_json(&self, id: &str) -> Option<Value> {
        self.state().subscriptions.get(id).map(subscription_json)
    }

    /// An event body as Stripe sends it, with a fresh id.
    pub fn event(&self, kind: &str, object: Value) -> String {
        let mut state = self.state();
        let id = state.next_id("evt");
        let created = state.now().timestamp();
        json!({
            "id": id, "object": "event", "type": kind, "created": created, "livemode": false,
            "api_version": "2025-03-31.basil", "pending_webhooks": 1,
            "data": { "object": object },
        })
        .to_string()
    }

    /// Posts a signed event to `delivery.url`; returns the HTTP status.
    pub async fn deliver(delivery: &Delivery, body: String, now: i64) -> Result<u16, String> {
        let header = signature::header(&delivery.secret, now, body.as_bytes());
        reqwest::Client::new()
            .post(&delivery.url)
            .header("stripe-signature", header)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .map(|r| r.status().as_u16())
            .map_err(|e| e.to_string())
    }

    /// Completes a session and, when a delivery target is set, sends its event.
    async fn complete_and_announce(&self, session_id: &str) {
        let Some(subscription) = self.complete(session_id) else {
            return;
        };
        let delivery = self.state().deliver_to.clone();
        let (Some(delivery), Some(object)) = (delivery, self.subscription_json(&subscription))
        else {
            return;
        };
        let body = self.event("customer.subscription.created", object);
        let now = self.state().now().timestamp();
        if let Err(err) = Self::deliver(&delivery, body, now).await {
            tracing::warn!(error = err, "simulated Stripe event not delivered");
        }
    }
}

fn subscription_json(sub: &FakeSubscription) -> Value {
    json!({
        "id": sub.id, "object": "subscription", "status": sub.status, "customer": sub.customer,
        "metadata": sub.business_id.as_ref().map_or(json!({}), |b| json!({ "businessId": b })),
        "items": { "object": "list", "data": [{
            "id": format!("si_{}", sub.id), "object": "subscription_item",
            "price": { "id": sub.price, "object": "price" },
            "current_period_end": sub.period_end,
        }]},
    })
}

fn session_json(session: &FakeSession, url: &str) -> Value {
    json!({
        "id": session.id, "object": "checkout.session", "mode": "subscription",
        "customer": session.customer, "client_reference_id": session.client_reference_id,
        "subscription": session.subscription, "url": url,
        "status": if session.subscription.is_some() { "complete" } else { "open" },
        "metadata": session.business_id.as_ref().map_or(json!({}), |b| json!({ "businessId": b })),
    })
}
