//! The outbound-webhook tests' fixture: a receiver on loopback that answers scripted statuses and
//! checks every signature the way integrations.md §3.3 tells receivers to (HMAC-SHA256 over
//! `"<t>.<body>"`, constant-time, `t` at most 5 minutes old), and an owner of a business with a
//! tracking line whose calls and texts come through the real Twilio webhooks.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
};
use callbackcloser::server::{clock::Clock as _, simulators::serve_on_loopback};
use chrono::Duration;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::PgPool;
use uuid::Uuid;

use crate::{
    support::{Reply, Visitor, signed_up},
    webhook_support::{BASE, Hooks, Line, active_line, hooks, run_jobs},
};

/// One request the receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub body: Vec<u8>,
    pub headers: HeaderMap,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    /// `t` of the signature header.
    pub fn signed_at(&self) -> i64 {
        signature_parts(self.header("x-webhook-signature"))
            .map(|(t, _)| t)
            .unwrap_or_default()
    }
}

#[derive(Default)]
struct Script {
    statuses: VecDeque<u16>,
    received: Vec<Received>,
}

/// A receiver answering the scripted statuses in turn, then 200.
#[derive(Clone, Default)]
pub struct Receiver {
    script: Arc<Mutex<Script>>,
}

impl Receiver {
    pub async fn spawn(&self) -> String {
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(self.clone());
        format!("{}/hook", serve_on_loopback(app).await)
    }

    pub fn answer(&self, statuses: &[u16]) {
        self.script.lock().unwrap().statuses.extend(statuses);
    }

    pub fn received(&self) -> Vec<Received> {
        self.script.lock().unwrap().received.clone()
    }

    pub fn types(&self) -> Vec<String> {
        self.received()
            .iter()
            .map(|received| received.json()["type"].as_str().unwrap().to_owned())
            .collect()
    }
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let mut script = receiver.script.lock().unwrap();
    script.received.push(Received {
        body: body.to_vec(),
        headers,
    });
    let status = script.statuses.pop_front().unwrap_or(200);
    StatusCode::from_u16(status).unwrap()
}

fn signature_parts(header: &str) -> Option<(i64, Vec<u8>)> {
    let (t, v1) = header.split_once(',')?;
    let t = t.strip_prefix("t=")?.parse().ok()?;
    let v1 = hex::decode(v1.strip_prefix("v1=")?).ok()?;
    Some((t, v1))
}

/// What a careful receiver does with a delivery: the signature is checked in constant time over
/// `"<t>.<body>"`, and `t` must be within 5 minutes of the receiver's `now`.
pub fn verify(secret: &str, received: &Received, now: i64) -> Result<(), &'static str> {
    let (t, v1) = signature_parts(received.header("x-webhook-signature")).ok_or("malformed")?;
    if received.header("x-webhook-timestamp") != t.to_string() {
        return Err("timestamp header differs");
    }
    if (now - t).abs() > 300 {
        return Err("stale");
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(&received.body);
    mac.verify_slice(&v1).map_err(|_| "bad signature")
}

/// An owner on the integrations page of a business with an active tracking line.
pub struct Outbound {
    pub hooks: Hooks,
    pub line: Line,
    pub owner: Visitor,
    pub receiver: Receiver,
    pub receiver_url: String,
}

impl Outbound {
    pub async fn new(pool: PgPool) -> Self {
        let hooks = hooks(pool.clone(), &[]);
        let line = active_line(&pool).await;
        let mut owner = signed_up(&hooks.app, "owner@example.com").await;
        owner.origin = BASE.into();
        sqlx::query(
            "INSERT INTO memberships (user_id, business_id, role)
             SELECT id, $1, 'owner' FROM users WHERE email = 'owner@example.com'",
        )
        .bind(line.business_id)
        .execute(&pool)
        .await
        .unwrap();
        let receiver = Receiver::default();
        let receiver_url = receiver.spawn().await;
        Self {
            hooks,
            line,
            owner,
            receiver,
            receiver_url,
        }
    }

    pub fn pool(&self) -> &PgPool {
        &self.hooks.pool
    }

    /// Adds an endpoint at the receiver for `events` and returns the secret the page shows once.
    pub async fn add_endpoint(&mut self, events: &[&str]) -> (Uuid, String) {
        let url = self.receiver_url.clone();
        let reply = self.add(&url, events).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        // Endpoints are told apart by when they were added.
        self.hooks.clock.advance(Duration::seconds(1));
        // Where the browser lands after adding.
        let landing = reply.header("location").expect("a redirect").to_owned();
        let page = self.owner.get(&landing).await;
        let secret = secret_on(&page.body).expect("the secret is shown after adding");
        let id = sqlx::query_scalar(
            "SELECT id FROM webhook_endpoints WHERE business_id = $1 ORDER BY created_at DESC LIMIT 1",
        )
        .bind(self.line.business_id)
        .fetch_one(self.pool())
        .await
        .unwrap();
        (id, secret)
    }

    pub async fn add(&mut self, url: &str, events: &[&str]) -> Reply {
        let mut fields = vec![("url", url.to_owned())];
        for event in events {
            fields.push((field_of(event), "on".to_owned()));
        }
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.owner
            .call("/api/app/integrations/webhooks/add", &fields)
            .await
    }

    /// Runs due jobs, then moves the clock by `minutes` (retries carry ±20 % jitter).
    pub async fn run_then_wait(&self, minutes: i64) {
        run_jobs(&self.hooks).await;
        self.hooks.clock.advance(Duration::minutes(minutes));
    }

    pub fn now(&self) -> i64 {
        self.hooks.clock.now().timestamp()
    }

    /// The id of the business's one lead.
    pub async fn only_lead(&self) -> String {
        sqlx::query_scalar("SELECT id::text FROM leads")
            .fetch_one(self.pool())
            .await
            .unwrap()
    }

    /// `(attempt, status_code, error)` of each attempt at `endpoint`, oldest first.
    pub async fn attempts(&self, endpoint: Uuid) -> Vec<(i32, Option<i32>, Option<String>)> {
        sqlx::query_as(
            "SELECT attempt, status_code, error FROM webhook_deliveries
             WHERE endpoint_id = $1 ORDER BY at, attempt",
        )
        .bind(endpoint)
        .fetch_all(self.pool())
        .await
        .unwrap()
    }
}

fn field_of(event: &str) -> &'static str {
    callbackcloser::domain::outbound_events::EventType::parse(event)
        .unwrap()
        .field_name()
}

/// The signing secret in a page's one-time notice.
pub fn secret_on(html: &str) -> Option<String> {
    let start = html.find("whk_")?;
    let secret: String = html[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    Some(secret)
}
