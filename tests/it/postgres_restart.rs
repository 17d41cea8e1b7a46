//! R8 (quality.md §6, test-slow): PostgreSQL is stopped and started again while texts keep
//! arriving, and the server is not restarted. While the database is down, voice still connects
//! cached numbers and alerts, the other Twilio routes answer 503 and Stripe 500; once it is back,
//! `twilio_reconcile` (twilio.md §10.5) recovers from Twilio's lists what was not recorded.
//!
//! The database is a private cluster this test creates, so stopping it disturbs no other test.

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use callbackcloser::{
    domain::webhook_urls::{WebhookUrls, path_and_query},
    server::{
        db,
        simulators::{
            twilio::FakeMessage,
            webhook_poster::{PostError, form},
        },
    },
};
use sqlx::{PgPool, postgres::PgPoolOptions};

use crate::{
    server_process::{
        Drill, call, deliver_stripe, eventually, eventually_within, free_port, inbound_text,
    },
    support::TWILIO_SID,
    webhook_support::{TRACKING, alert_sink, count, line_with, listed_call, listed_text},
};

const OUTAGE_CALLER: &str = "+15125550188";

/// A PostgreSQL cluster of the test's own, started and stopped with `pg_ctl`.
struct PrivateCluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
}

impl PrivateCluster {
    fn create() -> Self {
        let bin = server_binaries();
        let dir = std::env::temp_dir().join(format!("callbackcloser-r8-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        if running_as_root() {
            // initdb refuses root; the cluster belongs to the postgres user, as in lib.sh.
            run(Command::new("chown").arg("postgres:").arg(&dir));
        }
        let port = free_port();
        let cluster = Self { bin, dir, port };
        cluster.as_owner("initdb", |command| {
            command.arg("-D").arg(&cluster.dir).args([
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
            ]);
        });
        let settings = format!(
            "port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n\
             fsync = off\nmax_connections = 100\n",
            cluster.dir.display()
        );
        cluster.as_owner("sh", |command| {
            command.arg("-c").arg(format!(
                "printf '%s' \"$1\" >> {}/postgresql.conf",
                cluster.dir.display()
            ));
            command.arg("sh").arg(&settings);
        });
        cluster.start();
        cluster
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn start(&self) {
        let log = self.dir.join("server.log");
        self.as_owner("pg_ctl", |command| {
            command
                .arg("-D")
                .arg(&self.dir)
                .arg("-l")
                .arg(&log)
                .args(["-w", "-t", "60", "start"]);
        });
    }

    fn stop(&self) {
        self.as_owner("pg_ctl", |command| {
            command
                .arg("-D")
                .arg(&self.dir)
                .args(["-m", "fast", "-w", "stop"]);
        });
    }

    /// Runs `program` (from the server binaries unless it is `sh`) as the cluster's owner.
    fn as_owner(&self, program: &str, args: impl FnOnce(&mut Command)) {
        let path = if program == "sh" {
            PathBuf::from("sh")
        } else {
            self.bin.join(program)
        };
        let mut command = if running_as_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path);
            command
        } else {
            Command::new(path)
        };
        args(&mut command);
        run(command.stdout(std::process::Stdio::null()));
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let _ = Command::new(if running_as_root() { "runuser" } else { "true" })
            .args(if running_as_root() {
                vec!["-u", "postgres", "--"]
            } else {
                vec![]
            })
            .arg(self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(&self.dir)
            .args(["-m", "immediate", "-w", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn run(command: &mut Command) {
    let output = command.output().expect("the command starts");
    assert!(
        output.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0")
}

/// `PG_BIN` (set by the test scripts) or the newest Debian server install.
fn server_binaries() -> PathBuf {
    if let Some(bin) = std::env::var_os("PG_BIN") {
        return PathBuf::from(bin);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin"))
        .filter(|bin| Path::new(&bin.join("initdb")).exists())
        .collect();
    found.sort();
    found
        .pop()
        .expect("PostgreSQL server binaries: set PG_BIN or install postgresql")
}

/// A text as Twilio logs it, and the status the app answered when it was not 2xx.
type Sent = (FakeMessage, Result<(), u16>);

/// Texts from a new caller each, posted one after another until told to stop; what each got.
/// Like Twilio, the fake logs each text in its Messages list before the webhook is posted, so a
/// reconcile run at any moment sees every text that reached the app.
struct TextLoad {
    stop: Arc<AtomicBool>,
    sent: Arc<Mutex<Vec<Sent>>>,
}

impl TextLoad {
    fn start(drill: &Drill, base: &str) -> Self {
        let load = Self {
            stop: Arc::default(),
            sent: Arc::default(),
        };
        let poster = drill.twilio_poster(base);
        let twilio = drill.twilio.clone();
        let (stop, sent) = (load.stop.clone(), load.sent.clone());
        tokio::spawn(async move {
            for i in 0..80 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let sid = format!("SMload{i:04}");
                let from = format!("+1512555{:04}", 3000 + i);
                let body = format!("Water heater leaking ({i})");
                let logged = listed_text(&sid, &from, &body, 0);
                twilio.state().messages.push(logged.clone());
                let outcome = match poster
                    .post("/api/twilio/sms", &inbound_text(&sid, &from, &body))
                    .await
                {
                    Ok(_) => Ok(()),
                    Err(PostError::Refused { status, .. }) => Err(status),
                    Err(other) => panic!("{other}"),
                };
                sent.lock().unwrap().push((logged, outcome));
                tokio::time::sleep(Duration::from_millis(40)).await;
            }
        });
        load
    }

    fn count(&self) -> usize {
        self.sent.lock().unwrap().len()
    }

    fn finish(&self) -> Vec<Sent> {
        self.stop.store(true, Ordering::Relaxed);
        self.sent.lock().unwrap().clone()
    }

    async fn until_sent(&self, count: usize) {
        let sent = &self.sent;
        eventually("the load sent more texts", || async move {
            sent.lock().unwrap().len() >= count
        })
        .await;
    }
}

#[ignore = "test-slow: PostgreSQL restarted under load (R8)"]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn r8_a_database_restart_under_load_loses_and_duplicates_nothing() {
    let cluster = PrivateCluster::create();
    let pool: PgPool = PgPoolOptions::new()
        .max_connections(4)
        .connect(&cluster.url())
        .await
        .unwrap();
    db::migrate(&pool).await.unwrap();
    line_with(&pool, "Acme Plumbing", TRACKING, "ACTIVE").await;
    let (alerts, alerts_url) = alert_sink().await;
    let drill = Drill::new(pool.clone())
        .await
        .with_env("ALERT_WEBHOOK_URL", &alerts_url);
    let server = drill.start(None).await;
    let poster = drill.twilio_poster(&server.base);
    // A call before the outage puts the number in the voice cache.
    let ringing = |sid: &str, from: &str| call(sid, from, &[("CallStatus", "ringing")]);
    let twiml = poster
        .post("/api/twilio/voice", &ringing("CAbefore", "+15125550101"))
        .await
        .unwrap();
    assert!(twiml.contains("<Dial"), "{twiml}");

    let load = TextLoad::start(&drill, &server.base);
    load.until_sent(10).await;
    cluster.stop();

    let twiml = poster
        .post("/api/twilio/voice", &ringing("CAoutage", OUTAGE_CALLER))
        .await
        .expect("voice answers 200 while the database is down");
    assert!(
        twiml.contains("<Dial"),
        "the cached number still rings: {twiml}"
    );
    let no_answer = call(
        "CAoutage",
        OUTAGE_CALLER,
        &[
            ("DialCallStatus", "no-answer"),
            ("DialCallSid", "CAoutage-child"),
            ("DialCallDuration", "0"),
        ],
    );
    let refused = |result: Result<String, PostError>| match result {
        Err(PostError::Refused { status, .. }) => status,
        other => panic!("{other:?}"),
    };
    let dial = poster
        .post("/api/twilio/status?event=dial", &no_answer)
        .await;
    assert_eq!(refused(dial), 503);
    let urls = WebhookUrls::new(&server.base, None);
    let message_status_url = urls.message_status(&uuid::Uuid::new_v4().to_string());
    let delivered = poster
        .post(
            path_and_query(&server.base, &message_status_url).unwrap(),
            &form(&[
                ("AccountSid", TWILIO_SID),
                ("MessageSid", "SMstatus"),
                ("MessageStatus", "delivered"),
                ("From", TRACKING),
                ("To", "+15125550102"),
            ]),
        )
        .await;
    assert_eq!(refused(delivered), 503);
    let event = drill.stripe.event(
        "customer.subscription.updated",
        serde_json::json!({ "id": "sub_X", "object": "subscription" }),
    );
    assert_eq!(deliver_stripe(&server, &event).await, 500);
    // Texts keep coming while it is down (each waits out the pool's acquire timeout).
    load.until_sent(load.count() + 2).await;
    let alerts = &alerts;
    eventually("an alert about the outage", || async move {
        !alerts.events().is_empty()
    })
    .await;

    // Twilio's own log of the call, which ended before the database came back.
    drill.twilio.state().calls.extend([
        listed_call("CAoutage", None, OUTAGE_CALLER, "completed", 0),
        listed_call("CAoutage-child", Some("CAoutage"), TRACKING, "no-answer", 0),
    ]);
    cluster.start();
    load.until_sent(load.count() + 10).await;
    let texts = load.finish();
    assert!(
        texts.iter().any(|(_, outcome)| *outcome == Err(503)),
        "some texts arrived while the database was down"
    );

    let all_texts = texts.len() as i64;
    let (pool, drill) = (&pool, &drill);
    // A job whose worker lost the database mid-run waits out its 60 s lease first.
    let limit = Duration::from_secs(150);
    eventually_within(
        limit,
        "every text of the load recorded once",
        || async move {
            count(
                pool,
                "SELECT count(DISTINCT twilio_sid) FROM messages
             WHERE direction = 'inbound' AND twilio_sid LIKE 'SMload%'",
            )
            .await
                == all_texts
        },
    )
    .await;
    eventually_within(limit, "the outage call's intro", || async move {
        drill.texts_to(OUTAGE_CALLER) == 1
    })
    .await;
    drill.until_jobs_done().await;
    let inbound_rows = "SELECT count(*) FROM messages
                        WHERE direction = 'inbound' AND twilio_sid LIKE 'SMload%'";
    assert_eq!(count(pool, inbound_rows).await, all_texts, "no text twice");
    let missed = "SELECT count(*) FROM calls WHERE call_sid = 'CAoutage' AND outcome = 'missed'";
    assert_eq!(count(pool, missed).await, 1);
    for (text, _) in &texts {
        assert_eq!(drill.texts_to(&text.from), 1, "one intro to {}", text.from);
    }
    drill.assert_no_text_twice().await;
    drop(server);
}
