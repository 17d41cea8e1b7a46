//! Shared test fixtures: configuration, state, requests, and rows to hang tests on.

use std::{collections::HashMap, sync::Arc};

use axum::{
    Router,
    body::Body,
    http::{HeaderMap, Request, StatusCode},
};
use callbackcloser::server::{
    clock::{ManualClock, SharedClock},
    config::{self, Config},
    router::router,
    state::AppState,
    telemetry::{JsonLines, LogBuffer},
};
use http_body_util::BodyExt as _;
use leptos::config::LeptosOptions;
use sqlx::PgPool;
use tower::ServiceExt as _;
use uuid::Uuid;

pub const SESSION_SECRET: &str = "test-session-secret-test-session-secret-test-session-secret-0123";
pub const DATA_KEY: &str = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=";

/// A development configuration plus `overrides` (exactly as environment variables).
pub fn config_with(overrides: &[(&str, &str)]) -> Config {
    let mut vars: HashMap<String, String> = [
        ("DATABASE_URL", "postgres://unused-in-tests/db"),
        ("SESSION_SECRET", SESSION_SECRET),
        ("DATA_ENCRYPTION_KEY", DATA_KEY),
        ("SUPPORT_EMAIL", "help@callbackcloser.test"),
        ("PUBLIC_BASE_URL", "http://localhost:3000"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    for (k, v) in overrides {
        vars.insert((*k).to_owned(), (*v).to_owned());
    }
    let (config, report) = config::read(&move |name| vars.get(name).cloned(), None);
    assert!(
        !report.has_errors(),
        "test configuration is invalid:\n{report}"
    );
    config
}

/// A complete production configuration (https, secrets, signature validation).
pub fn production_overrides() -> Vec<(&'static str, &'static str)> {
    vec![
        ("APP_ENV", "production"),
        ("PUBLIC_BASE_URL", "https://app.example.com"),
        ("TWILIO_ACCOUNT_SID", "AC0123456789abcdef0123456789abcdef"),
        ("TWILIO_AUTH_TOKEN", "test-auth-token"),
        ("TWILIO_VALIDATE_SIGNATURE", "true"),
        ("STRIPE_SECRET_KEY", "sk_test_123"),
        ("STRIPE_WEBHOOK_SECRET", "whsec_test_secret"),
        ("STRIPE_PRICE_STARTER", "price_starter"),
        ("STRIPE_PRICE_PRO", "price_pro"),
    ]
}

pub fn site_options() -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("callbackcloser")
        .site_root("target/site")
        .site_pkg_dir("pkg")
        .build()
}

pub fn test_clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::starting_now())
}

pub fn state_with(pool: PgPool, config: Config, clock: Arc<ManualClock>) -> AppState {
    let clock: SharedClock = clock;
    AppState::new(config, pool, clock, site_options())
}

pub fn app(pool: PgPool) -> Router {
    router(state_with(pool, config_with(&[]), test_clock()))
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    /// The body exactly as received (binary bodies, byte counts).
    pub bytes: axum::body::Bytes,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The HTML without the hydration markers Leptos interleaves with text (`<!>`, `<!--…-->`),
/// so assertions can look for text as a reader sees it.
pub fn without_markers(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<!") {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = if tail.starts_with("<!--") {
            tail.find("-->").map(|i| i + 3)
        } else if tail.starts_with("<!>") {
            Some(3)
        } else {
            // <!DOCTYPE html> and the like are kept.
            out.push_str("<!");
            Some(2)
        };
        rest = &tail[end.unwrap_or(tail.len())..];
    }
    out.push_str(rest);
    out
}

pub async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app
        .clone()
        .oneshot(request)
        .await
        .expect("router never errors");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let raw = String::from_utf8_lossy(&bytes).into_owned();
    let is_html = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    Reply {
        status,
        headers,
        body: if is_html { without_markers(&raw) } else { raw },
        bytes,
    }
}

pub async fn get(app: &Router, path: &str) -> Reply {
    send(app, Request::get(path).body(Body::empty()).unwrap()).await
}

/// Rows other tests hang on: a business with one active tracking number.
pub struct Tenant {
    pub business_id: Uuid,
    pub number_id: Uuid,
}

pub async fn insert_business(pool: &PgPool, name: &str) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO businesses (name, notify_phone) VALUES ($1, '+15125550111') RETURNING id",
    )
    .bind(name)
    .fetch_one(pool)
    .await
    .expect("insert business")
}

pub async fn insert_number(
    pool: &PgPool,
    business_id: Uuid,
    e164: &str,
    status: &str,
) -> Result<Uuid, sqlx::Error> {
    let sid = format!("PN{:032x}", Uuid::new_v4().as_u128());
    sqlx::query_scalar(
        "INSERT INTO phone_numbers (business_id, e164, twilio_sid, forwarding_number, status, detached_at)
         VALUES ($1, $2, $3, '+15125550177', $4, CASE WHEN $4 = 'active' THEN NULL ELSE now() END)
         RETURNING id",
    )
    .bind(business_id)
    .bind(e164)
    .bind(sid)
    .bind(status)
    .fetch_one(pool)
    .await
}

pub async fn tenant(pool: &PgPool) -> Tenant {
    let business_id = insert_business(pool, "Acme Plumbing").await;
    let number_id = insert_number(pool, business_id, "+15125550199", "active")
        .await
        .unwrap();
    Tenant {
        business_id,
        number_id,
    }
}

pub async fn insert_call(
    pool: &PgPool,
    tenant: &Tenant,
    call_sid: &str,
) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO calls (call_sid, business_id, phone_number_id, from_e164, from_raw, to_e164, caller_kind)
         VALUES ($1, $2, $3, '+15125550100', '+15125550100', '+15125550199', 'external') RETURNING id",
    )
    .bind(call_sid)
    .bind(tenant.business_id)
    .bind(tenant.number_id)
    .fetch_one(pool)
    .await
}

pub async fn insert_lead(pool: &PgPool, tenant: &Tenant) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO leads (business_id, phone_number_id, sending_number_id, caller_e164, source, last_activity_at)
         VALUES ($1, $2, $2, '+15125550100', 'call', now()) RETURNING id",
    )
    .bind(tenant.business_id)
    .bind(tenant.number_id)
    .fetch_one(pool)
    .await
    .expect("insert lead")
}

/// The name of the constraint a database error violated, if any.
pub fn violated_constraint(err: &sqlx::Error) -> Option<String> {
    err.as_database_error()
        .and_then(|db| db.constraint())
        .map(str::to_owned)
}

/// Captures this thread's logs (the test runtime is single-threaded) until the guard drops.
pub fn capture_logs() -> (LogBuffer, tracing::subscriber::DefaultGuard) {
    use tracing_subscriber::layer::SubscriberExt as _;
    let logs = LogBuffer::default();
    let subscriber = tracing_subscriber::registry().with(JsonLines::new(logs.clone()));
    (logs, tracing::subscriber::set_default(subscriber))
}

/// A browser stand-in: keeps the session cookie between requests.
pub struct Visitor {
    pub app: Router,
    pub cookie: Option<String>,
    /// The one-time form flash an anonymous visitor carries (`form_flash=…`).
    pub flash_cookie: Option<String>,
    /// The origin pages are "on", for Referer headers of plain form posts.
    pub origin: String,
}

impl Visitor {
    pub fn new(app: Router) -> Self {
        Self {
            app,
            cookie: None,
            flash_cookie: None,
            origin: "http://localhost:3000".to_owned(),
        }
    }

    fn remember(&mut self, reply: &Reply) {
        for value in reply.headers.get_all("set-cookie") {
            let Ok(text) = value.to_str() else { continue };
            let Some(pair) = text.split(';').next() else {
                continue;
            };
            if let Some(sid) = pair.strip_prefix("sid=") {
                let removed = sid.is_empty() || text.contains("Max-Age=0");
                self.cookie = (!removed).then(|| format!("sid={sid}"));
            }
            if let Some(flash) = pair.strip_prefix("form_flash=") {
                let removed = flash.is_empty() || text.contains("Max-Age=0");
                self.flash_cookie = (!removed).then(|| format!("form_flash={flash}"));
            }
        }
    }

    pub async fn send(&mut self, mut request: Request<Body>) -> Reply {
        let cookies: Vec<&str> = [&self.cookie, &self.flash_cookie]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        if !cookies.is_empty() {
            request
                .headers_mut()
                .insert("cookie", cookies.join("; ").parse().unwrap());
        }
        let reply = send(&self.app, request).await;
        self.remember(&reply);
        reply
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        self.send(
            Request::get(path)
                .header("accept", "text/html")
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    /// A server-function call as the browser bundle makes it.
    pub async fn call(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let request = Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(Body::from(encode_form(fields)))
            .unwrap();
        self.send(request).await
    }

    /// A plain HTML form post from `page` (JavaScript off).
    pub async fn submit(&mut self, page: &str, path: &str, fields: &[(&str, &str)]) -> Reply {
        let request = Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "text/html,application/xhtml+xml")
            .header("referer", format!("{}{page}", self.origin))
            .body(Body::from(encode_form(fields)))
            .unwrap();
        self.send(request).await
    }
}

pub fn encode_form(fields: &[(&str, &str)]) -> String {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in fields {
        form.append_pair(name, value);
    }
    form.finish()
}

pub const PASSWORD: &str = "correct horse battery staple";

/// Signs up a new account through the real endpoint; the visitor is then signed in.
pub async fn signed_up(app: &Router, email: &str) -> Visitor {
    let mut visitor = Visitor::new(app.clone());
    let reply = visitor
        .call(
            "/api/auth/sign-up",
            &[("email", email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(reply.status, 200, "sign-up failed: {}", reply.body);
    visitor
}

/// The onboarding form, filled in validly.
pub fn onboarding_fields() -> Vec<(&'static str, &'static str)> {
    vec![
        ("name", "Acme Plumbing"),
        ("timezone", "America/Chicago"),
        ("notify_phone", "(512) 555-0111"),
        ("forwarding_phone", "512-555-0142"),
        ("service_label_1", "Repair"),
        ("service_label_2", "Install"),
        ("service_label_3", "Maintenance"),
        ("ring_timeout", "20"),
    ]
}

/// A signed-in owner of a fresh business, created through the real endpoints.
pub async fn owner(app: &Router, pool: &PgPool, email: &str) -> (Visitor, Uuid) {
    let mut visitor = signed_up(app, email).await;
    let reply = visitor
        .call("/api/app/onboarding", &onboarding_fields())
        .await;
    assert_eq!(reply.status, 200, "onboarding failed: {}", reply.body);
    let business_id = sqlx::query_scalar(
        "SELECT m.business_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = $1",
    )
    .bind(email)
    .fetch_one(pool)
    .await
    .unwrap();
    (visitor, business_id)
}

/// `owner`, on an active Pro plan: numbers can be bought (an active plan is required).
pub async fn buyer(app: &Router, pool: &PgPool, email: &str) -> (Visitor, Uuid) {
    let (visitor, business_id) = owner(app, pool, email).await;
    sqlx::query(
        "UPDATE businesses SET subscription_status = 'ACTIVE', stripe_price_id = 'price_pro'
         WHERE id = $1",
    )
    .bind(business_id)
    .execute(pool)
    .await
    .unwrap();
    (visitor, business_id)
}

/// The buy form's one-time token, as the numbers page renders it for this visitor.
pub async fn buy_form_token(visitor: &mut Visitor) -> String {
    let page = visitor.get("/app/numbers").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let marker = "name=\"nonce\" value=\"";
    let start = page.body.find(marker).expect("the buy form's token") + marker.len();
    let rest = &page.body[start..];
    rest[..rest.find('"').unwrap()].to_owned()
}

/// A signed-in agent of `business_id` (invited directly in the database).
pub async fn agent(app: &Router, pool: &PgPool, business_id: Uuid, email: &str) -> Visitor {
    let visitor = signed_up(app, email).await;
    sqlx::query("INSERT INTO memberships (user_id, business_id, role) SELECT id, $1, 'agent' FROM users WHERE email = $2")
        .bind(business_id)
        .bind(email)
        .execute(pool)
        .await
        .unwrap();
    visitor
}

pub const TWILIO_SID: &str = "AC0123456789abcdef0123456789abcdef";
pub const TWILIO_TOKEN: &str = "twilio-test-auth-token";
pub const MESSAGING_SERVICE: &str = "MG0123456789abcdef0123456789abcdef";

/// The stateful Twilio fake on a loopback port, and an app configured to use it.
pub struct WithTwilio {
    pub fake: callbackcloser::server::simulators::twilio::FakeTwilio,
    pub app: Router,
    pub state: AppState,
}

pub async fn with_twilio(pool: PgPool, extra: &[(&str, &str)]) -> WithTwilio {
    let fake =
        callbackcloser::server::simulators::twilio::FakeTwilio::new(TWILIO_SID, TWILIO_TOKEN);
    let base = fake.spawn().await;
    let mut vars: Vec<(&str, &str)> = vec![
        ("STRIPE_PRICE_STARTER", "price_starter"),
        ("STRIPE_PRICE_PRO", "price_pro"),
        ("TWILIO_ACCOUNT_SID", TWILIO_SID),
        ("TWILIO_AUTH_TOKEN", TWILIO_TOKEN),
        ("TWILIO_API_BASE", &base),
        ("TWILIO_MESSAGING_API_BASE", &base),
        ("TWILIO_MESSAGING_SERVICE_SID", MESSAGING_SERVICE),
        ("PUBLIC_BASE_URL", "https://app.example.com"),
    ];
    vars.extend_from_slice(extra);
    let state = state_with(pool, config_with(&vars), test_clock());
    WithTwilio {
        fake,
        app: router(state.clone()),
        state,
    }
}

/// A signed-in owner (origin set) of a business with one active tracking number `+15125550199`,
/// the business updated with `set` (an SQL `SET` list), on an app wired to the Twilio fake.
pub struct Desk {
    pub env: WithTwilio,
    pub owner: Visitor,
    pub business: Uuid,
    pub number: Uuid,
}

impl Desk {
    /// A new call lead from `caller` on the desk's number.
    pub async fn lead_from(&self, pool: &PgPool, caller: &str) -> Uuid {
        sqlx::query_scalar(
            "INSERT INTO leads (business_id, phone_number_id, sending_number_id, caller_e164, source,
                 last_activity_at)
             VALUES ($1, $2, $2, $3, 'call', now()) RETURNING id",
        )
        .bind(self.business)
        .bind(self.number)
        .bind(caller)
        .fetch_one(pool)
        .await
        .expect("insert lead")
    }
}

pub async fn desk_with(pool: &PgPool, extra: &[(&str, &str)], set: &str) -> Desk {
    let env = with_twilio(pool.clone(), extra).await;
    let (mut owner, business) = owner(&env.app, pool, "owner@example.com").await;
    owner.origin = "https://app.example.com".into();
    sqlx::query(&format!("UPDATE businesses SET {set} WHERE id = $1"))
        .bind(business)
        .execute(pool)
        .await
        .unwrap();
    let number = insert_number(pool, business, "+15125550199", "active")
        .await
        .unwrap();
    Desk {
        env,
        owner,
        business,
        number,
    }
}

/// The URL of the test database behind `pool`.
pub fn url_of(pool: &PgPool) -> String {
    let options = pool.connect_options();
    format!(
        "postgres://{}@{}:{}/{}",
        options.get_username(),
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("postgres")
    )
}
