//! The real server binary as a child process, for the slow drills (R5, R8): started, killed and
//! started again on one database, with Twilio and Stripe as in-process fakes on loopback and
//! webhooks arriving signed over HTTP.
//!
//! The server reads the wall clock (it is another process), so waits here are bounded polls for
//! work it does on its own schedule.

use std::{
    os::unix::process::ExitStatusExt,
    process::{Child, Command, Stdio},
    time::Duration,
};

use callbackcloser::server::{
    failpoint::Failpoint,
    simulators::{
        stripe::FakeStripe,
        twilio::FakeTwilio,
        webhook_poster::{WebhookPoster, form},
    },
    webhooks::stripe::signature,
};
use sqlx::PgPool;

use crate::{
    billing_support::{STRIPE_KEY, WEBHOOK_SECRET},
    support::{DATA_KEY, SESSION_SECRET, TWILIO_SID, TWILIO_TOKEN, url_of},
    webhook_support::{TRACKING, count},
};

const SIGABRT: i32 = 6;

/// The fakes at the edge and what every server start shares.
pub struct Drill {
    pub pool: PgPool,
    pub twilio: FakeTwilio,
    twilio_base: String,
    pub stripe: FakeStripe,
    stripe_base: String,
    site_root: tempdir::Dir,
    extra_env: Vec<(String, String)>,
}

/// One running server process.
pub struct Server {
    child: Child,
    pub base: String,
}

impl Drill {
    pub async fn new(pool: PgPool) -> Self {
        let twilio = FakeTwilio::new(TWILIO_SID, TWILIO_TOKEN);
        let twilio_base = twilio.spawn().await;
        let stripe = FakeStripe::new(STRIPE_KEY);
        let stripe_base = stripe.spawn().await;
        Self {
            pool,
            twilio,
            twilio_base,
            stripe,
            stripe_base,
            site_root: tempdir::Dir::new("callbackcloser-drill-site"),
            extra_env: Vec::new(),
        }
    }

    /// Sets one more variable for every start.
    pub fn with_env(mut self, name: &str, value: &str) -> Self {
        self.extra_env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Starts the server, armed to abort at `failpoint`, and waits until it is healthy.
    pub async fn start(&self, failpoint: Option<Failpoint>) -> Server {
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut command = Command::new(env!("CARGO_BIN_EXE_callbackcloser"));
        command
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .current_dir(self.site_root.path())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        let database_url = url_of(&self.pool);
        let site_addr = format!("127.0.0.1:{port}");
        let site_root = self.site_root.path().to_string_lossy().into_owned();
        let vars: [(&str, &str); 20] = [
            ("APP_ENV", "development"),
            ("DATABASE_URL", &database_url),
            ("LEPTOS_SITE_ADDR", &site_addr),
            ("LEPTOS_SITE_ROOT", &site_root),
            ("LEPTOS_OUTPUT_NAME", "callbackcloser"),
            ("PUBLIC_BASE_URL", &base),
            ("SESSION_SECRET", SESSION_SECRET),
            ("DATA_ENCRYPTION_KEY", DATA_KEY),
            ("SUPPORT_EMAIL", "drills@callbackcloser.test"),
            ("TWILIO_ACCOUNT_SID", TWILIO_SID),
            ("TWILIO_AUTH_TOKEN", TWILIO_TOKEN),
            ("TWILIO_API_BASE", &self.twilio_base),
            ("TWILIO_MESSAGING_API_BASE", &self.twilio_base),
            ("TWILIO_VALIDATE_SIGNATURE", "true"),
            ("STRIPE_SECRET_KEY", STRIPE_KEY),
            ("STRIPE_API_BASE", &self.stripe_base),
            ("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET),
            ("STRIPE_PRICE_STARTER", "price_starter"),
            ("STRIPE_PRICE_PRO", "price_pro"),
            ("RUST_LOG", "warn"),
        ];
        command.envs(vars);
        for (name, value) in &self.extra_env {
            command.env(name, value);
        }
        if let Some(point) = failpoint {
            command.env("CC_FAILPOINT", point.name());
        }
        let child = command.spawn().expect("the server binary starts");
        let server = Server { child, base };
        server.until_healthy().await;
        server
    }

    /// Signs as Twilio does for a server at `base` (its `PUBLIC_BASE_URL`).
    pub fn twilio_poster(&self, base: &str) -> WebhookPoster {
        WebhookPoster::new(base, base, TWILIO_TOKEN)
    }

    /// A job whose worker died keeps its lease for a minute; the drill ends that minute at once
    /// instead of waiting it out (the restarted worker then claims the job as it would anyway).
    #[cfg_attr(not(feature = "failpoints"), allow(dead_code))]
    pub async fn expire_leases(&self) {
        sqlx::query(
            "UPDATE jobs SET locked_until = now() - interval '1 second' WHERE status = 'running'",
        )
        .execute(&self.pool)
        .await
        .unwrap();
    }

    /// Waits until no job is due or running (later ones, such as nudges, wait); at most 150 s,
    /// which covers a job whose worker lost its database and must wait out its 60 s lease.
    pub async fn until_jobs_done(&self) {
        let pool = &self.pool;
        let limit = Duration::from_secs(150);
        eventually_within(limit, "every due job finished", || async move {
            count(
                pool,
                "SELECT count(*) FROM jobs
                 WHERE status = 'running' OR (status = 'queued' AND next_run_at <= now())",
            )
            .await
                == 0
        })
        .await;
    }

    pub fn texts_to(&self, phone: &str) -> usize {
        let state = self.twilio.state();
        state
            .messages
            .iter()
            .filter(|text| text.to == phone)
            .count()
    }

    /// Nothing went to Twilio twice: each text the fake accepted is the one stored for its
    /// outbound row (a repeated send would leave an accepted text no row names).
    pub async fn assert_no_text_twice(&self) {
        let messages: Vec<_> = (self.twilio.state().messages.iter())
            .filter(|message| message.direction == "outbound-api")
            .cloned()
            .collect();
        let stored: Vec<String> = sqlx::query_scalar(
            "SELECT twilio_sid FROM messages WHERE direction = 'outbound' AND twilio_sid IS NOT NULL",
        )
        .fetch_all(&self.pool)
        .await
        .unwrap();
        assert_eq!(
            stored.len(),
            messages.len(),
            "one stored row per accepted text"
        );
        for sid in stored {
            assert!(messages.iter().any(|message| message.sid == sid), "{sid}");
        }
    }
}

impl Server {
    async fn until_healthy(&self) {
        let client = &reqwest::Client::new();
        let url = &format!("{}/api/health", self.base);
        eventually("the server answers /api/health", || async move {
            client
                .get(url)
                .send()
                .await
                .is_ok_and(|reply| reply.status().is_success())
        })
        .await;
    }

    /// Waits for the process to abort at its failpoint.
    #[cfg_attr(not(feature = "failpoints"), allow(dead_code))]
    pub async fn aborted(mut self) {
        for _ in 0..600 {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert_eq!(status.signal(), Some(SIGABRT), "{status:?}");
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = self.child.kill();
        panic!("the server did not reach its failpoint within 30 s");
    }

    /// `kill -9`, between two steps of a drill.
    #[cfg_attr(not(feature = "failpoints"), allow(dead_code))]
    pub fn killed(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls `check` every 50 ms for at most 30 s.
pub async fn eventually<F, Fut>(what: &str, check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    eventually_within(Duration::from_secs(30), what, check).await;
}

/// Polls `check` every 50 ms until it holds; fails after `limit`.
pub async fn eventually_within<F, Fut>(limit: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("waited {limit:?} for: {what}");
}

pub fn inbound_text(sid: &str, from: &str, body: &str) -> Vec<(String, String)> {
    form(&[
        ("AccountSid", TWILIO_SID),
        ("MessageSid", sid),
        ("From", from),
        ("To", TRACKING),
        ("Body", body),
        ("NumMedia", "0"),
    ])
}

pub fn call(sid: &str, from: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut fields = form(&[
        ("AccountSid", TWILIO_SID),
        ("CallSid", sid),
        ("From", from),
        ("To", TRACKING),
        ("Direction", "inbound"),
    ]);
    fields.extend(form(extra));
    fields
}

/// Posts a Stripe event signed with the test secret; the answer's status.
pub async fn deliver_stripe(server: &Server, body: &str) -> u16 {
    let t = chrono::Utc::now().timestamp();
    reqwest::Client::new()
        .post(format!("{}/api/stripe/webhook", server.base))
        .header("content-type", "application/json")
        .header(
            "stripe-signature",
            signature::header(WEBHOOK_SECRET, t, body.as_bytes()),
        )
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// A directory removed when the drill ends (the server's working directory and site root).
mod tempdir {
    pub struct Dir(std::path::PathBuf);

    impl Dir {
        pub fn new(prefix: &str) -> Self {
            let path = std::env::temp_dir().join(format!("{prefix}-{}", uuid::Uuid::new_v4()));
            std::fs::create_dir_all(&path).unwrap();
            Self(path)
        }

        pub fn path(&self) -> &std::path::Path {
            &self.0
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
