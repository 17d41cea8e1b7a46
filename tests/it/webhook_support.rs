//! Fixtures for the Twilio webhook tests: a configured app, a business with an active plan and
//! tracking line, and requests signed the way Twilio signs them.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use axum::{Router, body::Body, extract::ConnectInfo, http::Request};
use callbackcloser::server::{
    clock::ManualClock,
    router::router,
    simulators::{alert_sink::AlertSink, twilio::FakeMessage, twilio_calls::FakeCall},
    state::AppState,
    webhooks::twilio::{lines::LineCache, signature},
};
use sqlx::PgPool;
use uuid::Uuid;

use crate::support::{Reply, config_with, send, state_with, test_clock};

pub const BASE: &str = "https://app.example.com";
pub const TOKEN: &str = "twilio-webhook-test-token";
pub const SHARED_TOKEN: &str = "shared-webhook-token-0123456789";
pub const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
pub const TRACKING: &str = "+15125550199";
pub const FORWARD_TO: &str = "+15125550142";
pub const NOTIFY: &str = "+15125550111";
pub const CALLER: &str = "+15125550100";

/// The app as Twilio reaches it, plus what tests inspect.
pub struct Hooks {
    pub app: Router,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    pub pool: PgPool,
}

/// Development configuration with signature validation on and the test auth token, plus
/// `extra` variables.
pub fn hooks(pool: PgPool, extra: &[(&str, &str)]) -> Hooks {
    let mut vars = vec![
        ("PUBLIC_BASE_URL", BASE),
        ("TWILIO_ACCOUNT_SID", ACCOUNT),
        ("TWILIO_AUTH_TOKEN", TOKEN),
        ("TWILIO_VALIDATE_SIGNATURE", "true"),
        ("STRIPE_PRICE_STARTER", "price_starter"),
        ("STRIPE_PRICE_PRO", "price_pro"),
        // Nothing listens on the discard port: a send job that runs reaches no real Twilio.
        ("TWILIO_API_BASE", "https://127.0.0.1:9"),
        ("TWILIO_MESSAGING_API_BASE", "https://127.0.0.1:9"),
    ];
    vars.extend_from_slice(extra);
    let clock = test_clock();
    let mut state = state_with(pool.clone(), config_with(&vars), clock.clone());
    // Tests change numbers in SQL between requests; nothing here listens for NOTIFY.
    state.lines = Arc::new(LineCache::new(Duration::ZERO));
    Hooks {
        app: router(state.clone()),
        state,
        clock,
        pool,
    }
}

/// An alert sink and the variables that point the app at it.
pub async fn alert_sink() -> (AlertSink, String) {
    let sink = AlertSink::default();
    let url = sink.spawn().await;
    (sink, url)
}

/// Waits (bounded) until the sink has `count` alerts: dispatch is asynchronous.
pub async fn wait_for_alerts(sink: &AlertSink, count: usize) -> Vec<String> {
    for _ in 0..200 {
        if sink.state().received.len() >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    sink.events()
}

/// A business on the Starter plan with one active tracking line.
pub struct Line {
    pub business_id: Uuid,
    pub number_id: Uuid,
}

pub async fn active_line(pool: &PgPool) -> Line {
    line_with(pool, "Acme Plumbing", TRACKING, "ACTIVE").await
}

pub async fn line_with(pool: &PgPool, name: &str, e164: &str, subscription: &str) -> Line {
    let business_id: Uuid = sqlx::query_scalar(
        "INSERT INTO businesses (name, notify_phone, subscription_status, stripe_price_id, timezone)
         VALUES ($1, $2, $3, 'price_starter', 'America/Chicago') RETURNING id",
    )
    .bind(name)
    .bind(NOTIFY)
    .bind(subscription)
    .fetch_one(pool)
    .await
    .unwrap();
    let number_id = add_number(pool, business_id, e164, FORWARD_TO).await;
    Line {
        business_id,
        number_id,
    }
}

pub async fn add_number(pool: &PgPool, business_id: Uuid, e164: &str, forward_to: &str) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO phone_numbers (business_id, e164, twilio_sid, forwarding_number, label)
         VALUES ($1, $2, $3, $4, 'Main line') RETURNING id",
    )
    .bind(business_id)
    .bind(e164)
    .bind(format!("PN{:032x}", Uuid::new_v4().as_u128()))
    .bind(forward_to)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Runs an `UPDATE phone_numbers SET <set> WHERE id = <number>`.
pub async fn set_number(pool: &PgPool, number_id: Uuid, set: &str) {
    sqlx::query(&format!("UPDATE phone_numbers SET {set} WHERE id = $1"))
        .bind(number_id)
        .execute(pool)
        .await
        .unwrap();
}

pub fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn encode(params: &[(String, String)]) -> String {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in params {
        form.append_pair(name, value);
    }
    form.finish()
}

/// A form POST from `ip`, with no credentials.
pub fn unsigned(path_and_query: &str, params: &[(String, String)], ip: &str) -> Request<Body> {
    let mut request = Request::post(path_and_query)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(encode(params)))
        .unwrap();
    let peer: SocketAddr = format!("{ip}:40000").parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    request
}

/// A form POST signed with `token` for `BASE` + `path_and_query`, as Twilio sends it.
pub fn signed_with(
    token: &str,
    path_and_query: &str,
    params: &[(String, String)],
) -> Request<Body> {
    let mut request = unsigned(path_and_query, params, "198.51.100.7");
    let signature = signature::sign(token, &format!("{BASE}{path_and_query}"), params);
    request
        .headers_mut()
        .insert("x-twilio-signature", signature.parse().unwrap());
    request
}

pub async fn post_signed(hooks: &Hooks, path_and_query: &str, pairs: &[(&str, &str)]) -> Reply {
    send(
        &hooks.app,
        signed_with(TOKEN, path_and_query, &params(pairs)),
    )
    .await
}

/// The voice webhook's parameters for a call from `from`.
pub async fn voice(hooks: &Hooks, call_sid: &str, from: &str) -> Reply {
    post_signed(
        hooks,
        "/api/twilio/voice",
        &[
            ("AccountSid", ACCOUNT),
            ("CallSid", call_sid),
            ("From", from),
            ("To", TRACKING),
            ("CallStatus", "ringing"),
            ("Direction", "inbound"),
        ],
    )
    .await
}

/// The `<Dial action>` callback.
pub async fn dial(
    hooks: &Hooks,
    call_sid: &str,
    from: &str,
    status: &str,
    duration: &str,
) -> Reply {
    post_signed(
        hooks,
        "/api/twilio/status?event=dial",
        &[
            ("AccountSid", ACCOUNT),
            ("CallSid", call_sid),
            ("DialCallDuration", duration),
            ("DialCallSid", &format!("{call_sid}-child")),
            ("DialCallStatus", status),
            ("From", from),
            ("To", TRACKING),
        ],
    )
    .await
}

/// A missed call from `from`: voice webhook, then `no-answer`.
pub async fn missed_call(hooks: &Hooks, call_sid: &str, from: &str) -> Reply {
    let reply = voice(hooks, call_sid, from).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    dial(hooks, call_sid, from, "no-answer", "0").await
}

pub async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

/// Waits (at most 5 s) until `sql`'s count is `expected`: for work another task does on its own
/// schedule (a simulator's callbacks, a watcher), never for the app's own clock.
pub async fn until_count(pool: &PgPool, sql: &str, expected: i64) {
    for _ in 0..200 {
        if count(pool, sql).await == expected {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("never reached {expected}: {sql}");
}

/// Rows the webhooks may create, for "nothing changed" assertions.
pub async fn state_rows(pool: &PgPool) -> (i64, i64, i64, i64) {
    (
        count(pool, "SELECT count(*) FROM calls").await,
        count(pool, "SELECT count(*) FROM leads").await,
        count(pool, "SELECT count(*) FROM messages").await,
        count(
            pool,
            "SELECT count(*) FROM jobs WHERE kind <> 'purge' AND kind <> 'rate_limit_cleanup'",
        )
        .await,
    )
}

/// Runs every due job with the app's own registry and clock.
pub async fn run_jobs(hooks: &Hooks) -> usize {
    run_jobs_of(&hooks.state).await
}

/// `run_jobs` for any app state (tests built on `support::with_twilio`).
pub async fn run_jobs_of(state: &AppState) -> usize {
    use callbackcloser::server::{
        jobs::{Worker, WorkerOptions},
        serve::job_registry,
    };
    let worker = Worker::new(
        state.pool.clone(),
        state.clock.clone(),
        job_registry(state),
        WorkerOptions::new("test-worker", 4),
    );
    worker.drain().await.unwrap()
}

/// The call's `(outcome, missed_reason)`.
pub async fn outcome(pool: &PgPool, call_sid: &str) -> (String, Option<String>) {
    sqlx::query_as("SELECT outcome, missed_reason FROM calls WHERE call_sid = $1")
        .bind(call_sid)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Bodies of the messages of `kind`, oldest first.
pub async fn bodies(pool: &PgPool, kind: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT body FROM messages WHERE kind = $1 ORDER BY created_at, id")
        .bind(kind)
        .fetch_all(pool)
        .await
        .unwrap()
}

/// A call as Twilio's Calls list shows it, started `minutes_ago` (twilio.md §10.5).
pub fn listed_call(
    sid: &str,
    parent: Option<&str>,
    from: &str,
    status: &str,
    minutes_ago: i64,
) -> FakeCall {
    FakeCall {
        sid: sid.into(),
        parent_call_sid: parent.map(str::to_owned),
        from: from.into(),
        to: TRACKING.into(),
        status: status.into(),
        start_time: chrono::Utc::now() - chrono::Duration::minutes(minutes_ago),
        duration: 0,
    }
}

/// An inbound text as Twilio's Messages list shows it, created `minutes_ago`.
pub fn listed_text(sid: &str, from: &str, body: &str, minutes_ago: i64) -> FakeMessage {
    FakeMessage {
        sid: sid.into(),
        to: TRACKING.into(),
        from: from.into(),
        body: body.into(),
        status_callback: String::new(),
        status: "received".into(),
        direction: "inbound".into(),
        date_created: chrono::Utc::now() - chrono::Duration::minutes(minutes_ago),
    }
}
