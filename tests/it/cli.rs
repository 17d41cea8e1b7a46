//! The server binary's subcommands, run as a real process with a controlled environment
//! (operations.md §2, §3).

use std::process::{Command, Output};

use sqlx::PgPool;

use crate::support::{DATA_KEY, SESSION_SECRET, url_of};

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_callbackcloser"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    // An empty working directory: no .env and no Leptos.toml are picked up by accident.
    let dir = std::env::temp_dir().join(format!("callbackcloser-cli-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    command.current_dir(&dir);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().expect("the binary runs");
    let _ = std::fs::remove_dir_all(&dir);
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn production_env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("APP_ENV", "production"),
        ("DATABASE_URL", "postgres://app:pw@127.0.0.1:1/app"),
        ("PUBLIC_BASE_URL", "https://app.example.com"),
        ("SESSION_SECRET", SESSION_SECRET),
        ("DATA_ENCRYPTION_KEY", DATA_KEY),
        ("TWILIO_ACCOUNT_SID", "AC0123456789abcdef0123456789abcdef"),
        ("TWILIO_AUTH_TOKEN", "auth-token-value"),
        ("TWILIO_VALIDATE_SIGNATURE", "true"),
        ("STRIPE_SECRET_KEY", "sk_live_value"),
        ("STRIPE_WEBHOOK_SECRET", "whsec_value"),
        ("STRIPE_PRICE_STARTER", "price_starter"),
        ("STRIPE_PRICE_PRO", "price_pro"),
    ]
}

#[test]
fn check_env_lists_every_production_problem_and_fails() {
    let output = run(
        &["check-env", "--env", "production"],
        &[("DATABASE_URL", "postgres://x/y")],
    );
    assert_eq!(output.status.code(), Some(1));
    let out = stdout(&output);
    for missing in [
        "PUBLIC_BASE_URL",
        "SESSION_SECRET",
        "TWILIO_AUTH_TOKEN",
        "STRIPE_WEBHOOK_SECRET",
    ] {
        let line = out
            .lines()
            .find(|l| l.starts_with(missing))
            .unwrap_or_else(|| panic!("{missing}:\n{out}"));
        assert!(line.contains("missing"), "{line}");
    }
    assert!(
        out.lines()
            .any(|l| l.starts_with("TWILIO_VALIDATE_SIGNATURE") && l.contains("invalid"))
    );
    assert!(out.contains("FAIL: "));
}

#[test]
fn check_env_passes_a_complete_production_environment_without_printing_secrets() {
    let output = run(&["check-env"], &production_env());
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{out}");
    assert!(out.trim_end().ends_with("PASS"));
    assert!(
        out.lines()
            .any(|l| l.starts_with("TWILIO_AUTH_TOKEN") && l.contains("set (16 chars)")),
        "{out}"
    );
    for secret in [
        SESSION_SECRET,
        "auth-token-value",
        "sk_live_value",
        "whsec_value",
        "app:pw",
    ] {
        assert!(!out.contains(secret), "{secret} printed");
    }
}

#[test]
fn serve_refuses_demo_mode_in_production_before_touching_the_database() {
    let mut env = production_env();
    env.push(("DEMO_MODE", "true"));
    let output = run(&["serve"], &env);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains(
            "DEMO_MODE is not allowed in production; set ALLOW_PRODUCTION_DEMO_MODE=true to override"
        ),
        "{}",
        stderr(&output)
    );
    let check = run(&["check-env"], &env);
    assert_eq!(check.status.code(), Some(1));
}

#[test]
fn print_webhooks_prints_the_urls_and_redacts_the_shared_token() {
    let output = run(&["print-webhooks"], &production_env());
    assert_eq!(output.status.code(), Some(0));
    let out = stdout(&output);
    assert!(
        out.contains("POST https://app.example.com/api/twilio/voice#rc=3&rp=all"),
        "{out}"
    );
    assert!(out.contains("POST https://app.example.com/api/twilio/status?event=call#rc=3&rp=all"));
    assert!(
        out.contains(
            "https://app.example.com/api/twilio/message-status?m=<message id>#rc=3&rp=all"
        )
    );
    assert!(out.contains("customer.subscription.deleted"));

    let dev = [
        ("DATABASE_URL", "postgres://x/y"),
        ("PUBLIC_BASE_URL", "https://dev.example.com"),
        ("TWILIO_WEBHOOK_AUTH_TOKEN", "shared-token-0123456789"),
    ];
    let out = stdout(&run(&["print-webhooks"], &dev));
    assert!(
        out.contains("/api/twilio/sms?webhook_token=REDACTED#rc=3&rp=all"),
        "{out}"
    );
    let out = stdout(&run(&["print-webhooks", "--show-token"], &dev));
    assert!(
        out.contains("webhook_token=shared-token-0123456789#"),
        "{out}"
    );
}

#[test]
fn print_webhooks_needs_a_public_base_url_in_production() {
    let env: Vec<_> = production_env()
        .into_iter()
        .filter(|(k, _)| *k != "PUBLIC_BASE_URL")
        .collect();
    assert_eq!(run(&["print-webhooks"], &env).status.code(), Some(1));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(&["no-such-command"], &[]).status.code(), Some(2));
    assert_eq!(
        run(&["check-env", "--env", "staging"], &[]).status.code(),
        Some(2)
    );
}

#[sqlx::test(migrations = false)]
async fn migrate_then_db_smoke_on_an_empty_database(pool: PgPool) {
    let env = [("DATABASE_URL", url_of(&pool))];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();

    let smoke = run(&["db-smoke"], &env);
    assert_eq!(smoke.status.code(), Some(0), "{}", stdout(&smoke));
    let all = callbackcloser::server::db::MIGRATOR.iter().count();
    let pending = format!("{all} pending migration(s)");
    assert!(stdout(&smoke).contains(&pending), "{}", stdout(&smoke));

    let migrate = run(&["migrate"], &env);
    assert_eq!(migrate.status.code(), Some(0), "{}", stderr(&migrate));
    let out = stdout(&migrate);
    assert!(out.contains("applied 1 accounts and platform"), "{out}");
    assert!(out.contains("applied 3 billing and integrations"), "{out}");
    assert_eq!(
        stdout(&run(&["migrate"], &env)).trim(),
        "No pending migrations."
    );

    let smoke = stdout(&run(&["db-smoke"], &env));
    assert!(
        smoke.contains("0 pending migration(s)") && smoke.trim_end().ends_with("PASS"),
        "{smoke}"
    );
}

#[test]
fn db_smoke_fails_plainly_when_the_database_is_unreachable() {
    let output = run(
        &["db-smoke"],
        &[("DATABASE_URL", "postgres://postgres@127.0.0.1:1/nothing")],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).starts_with("FAIL: cannot connect"),
        "{}",
        stdout(&output)
    );
}

/// A minimal HTTP GET over a fresh connection: `(status, body)`, or `None` when nothing listens.
fn http_get(addr: &str, path: &str) -> Option<(u16, String)> {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    Some((status, body))
}

fn free_addr() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

/// operations.md §9: on SIGTERM health says `draining`, then the process stops with status 0.
#[sqlx::test]
async fn serve_drains_then_stops_cleanly_on_sigterm(pool: PgPool) {
    let addr = free_addr();
    let dir = std::env::temp_dir().join(format!("callbackcloser-serve-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_callbackcloser"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", url_of(&pool))
        .env("LEPTOS_SITE_ADDR", &addr)
        .env("LEPTOS_OUTPUT_NAME", "callbackcloser")
        .env("SHUTDOWN_GRACE_SECONDS", "5")
        .current_dir(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();

    let mut healthy = None;
    for _ in 0..300 {
        healthy = http_get(&addr, "/api/health");
        if healthy.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(
        healthy,
        Some((200, r#"{"status":"ok","db":"ok"}"#.to_owned()))
    );

    let signalled = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(signalled.success());
    let mut draining = None;
    for _ in 0..40 {
        match http_get(&addr, "/api/health") {
            Some((503, body)) => {
                draining = Some(body);
                break;
            }
            _ => std::thread::sleep(std::time::Duration::from_millis(25)),
        }
    }
    assert_eq!(
        draining.as_deref(),
        Some(r#"{"status":"draining","db":"ok"}"#)
    );

    let status = server.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(
        http_get(&addr, "/api/health").is_none(),
        "the listener is closed"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[sqlx::test]
async fn issue_reset_link_prints_a_working_link(pool: PgPool) {
    let app = crate::support::app(pool.clone());
    crate::support::signed_up(&app, "pat@example.com").await;
    let env = [
        ("DATABASE_URL", url_of(&pool)),
        ("PUBLIC_BASE_URL", "https://app.example.com".to_owned()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let output = run(&["issue-reset-link", "--email", "Pat@Example.com"], &env);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let link = stdout(&output).trim().to_owned();
    assert!(
        link.starts_with("https://app.example.com/reset-password?token="),
        "{link}"
    );
    let actor: String = sqlx::query_scalar("SELECT actor_type FROM audit_log")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(actor, "operator");
    assert_eq!(
        run(&["issue-reset-link", "--email", "nobody@example.com"], &env)
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn seed_demo_is_refused_in_production_unless_demo_mode_is_allowed_there() {
    let output = run(&["seed-demo"], &production_env());
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains(
            "seed-demo is not allowed in production; set ALLOW_PRODUCTION_DEMO_MODE=true to override"
        ),
        "{}",
        stderr(&output)
    );
    // With the override it gets as far as the (unreachable) database.
    let mut env = production_env();
    env.push(("ALLOW_PRODUCTION_DEMO_MODE", "true"));
    let output = run(&["seed-demo"], &env);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("cannot connect to the database"),
        "{}",
        stderr(&output)
    );
}

#[sqlx::test]
async fn seed_demo_prints_how_to_sign_in_and_is_idempotent(pool: PgPool) {
    let env = [
        ("DATABASE_URL", url_of(&pool)),
        ("PUBLIC_BASE_URL", "http://127.0.0.1:3000".to_owned()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let first = run(&["seed-demo"], &env);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let printed = stdout(&first);
    assert!(printed.contains("Demo data created"), "{printed}");
    assert!(
        printed.contains("http://127.0.0.1:3000/sign-in"),
        "{printed}"
    );
    assert!(
        printed.contains(callbackcloser::server::demo::seed::DEMO_EMAIL)
            && printed.contains(callbackcloser::server::demo::seed::DEMO_PASSWORD),
        "{printed}"
    );
    let second = run(&["seed-demo"], &env);
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert!(stdout(&second).contains("Demo data already present"));
    let businesses: i64 = sqlx::query_scalar("SELECT count(*) FROM businesses")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(businesses, 1);
}

#[sqlx::test]
async fn reconcile_twilio_enqueues_one_job_per_window(pool: PgPool) {
    let env = [("DATABASE_URL", url_of(&pool))];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let args = [
        "reconcile-twilio",
        "--since",
        "2026-05-01T10:00:00Z",
        "--until",
        "2026-05-01T12:00:00+01:00",
    ];
    let first = run(&args, &env);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert_eq!(
        stdout(&first).trim(),
        "twilio_reconcile enqueued for 2026-05-01T10:00:00+00:00 to 2026-05-01T11:00:00+00:00"
    );
    let again = run(&args, &env);
    assert!(
        stdout(&again).contains("already enqueued"),
        "{}",
        stdout(&again)
    );
    let jobs: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE kind = 'twilio_reconcile'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(jobs, 1);
    assert_eq!(
        run(&["reconcile-twilio", "--since", "yesterday"], &env)
            .status
            .code(),
        Some(2),
        "a usage error"
    );
    let backwards = [
        "reconcile-twilio",
        "--since",
        "2026-05-01T10:00:00Z",
        "--until",
        "2026-05-01T09:00:00Z",
    ];
    assert_eq!(run(&backwards, &env).status.code(), Some(1));
}

#[tokio::test(flavor = "multi_thread")]
async fn check_env_test_alert_reaches_the_alert_webhook_or_fails() {
    let (sink, url) = crate::webhook_support::alert_sink().await;
    let mut env: Vec<(String, String)> = production_env()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    env.push(("ALERT_WEBHOOK_URL".into(), url));
    let run_with = |env: Vec<(String, String)>| {
        tokio::task::spawn_blocking(move || {
            let pairs: Vec<(&str, &str)> =
                env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            // Development rules: production requires an https:// alert URL, and the sink is http.
            run(
                &["check-env", "--env", "development", "--test-alert"],
                &pairs,
            )
        })
    };
    let output = run_with(env.clone()).await.unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).contains("Test alert delivered"));
    assert_eq!(sink.events(), ["ops.test_alert"]);

    // Nothing listens there: the gate fails and says why.
    env.retain(|(k, _)| k != "ALERT_WEBHOOK_URL");
    env.push((
        "ALERT_WEBHOOK_URL".into(),
        "http://127.0.0.1:9/alerts".into(),
    ));
    let output = run_with(env).await.unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(stdout(&output).contains("FAIL: test alert not delivered"));
}

/// `delete-user` (operations.md §2), run as the real binary: a business's last owner is refused;
/// an agent is deleted with memberships and sessions (their cookie stops working) while the
/// audit keeps the id; then the owner can go once the business is deleted.
#[sqlx::test]
async fn delete_user_removes_an_agent_and_never_a_business_last_owner(pool: PgPool) {
    let app = crate::support::app(pool.clone());
    let (_, business) = crate::support::owner(&app, &pool, "owner@example.com").await;
    let mut agent = crate::support::agent(&app, &pool, business, "agent@example.com").await;
    assert_eq!(agent.get("/app/leads").await.status, 200);
    let env = [("DATABASE_URL", url_of(&pool))];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();

    let refused = run(&["delete-user", "--email", "Owner@Example.com"], &env);
    assert_eq!(refused.status.code(), Some(1), "{}", stdout(&refused));
    assert!(
        stderr(&refused).contains("last owner"),
        "{}",
        stderr(&refused)
    );

    let agent_id: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'agent@example.com'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let sessions_of_agent = || {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM sessions WHERE position(convert_to($1, 'UTF8') IN data) > 0",
        )
        .bind(agent_id.to_string())
        .fetch_one(&pool)
    };
    assert_eq!(
        sessions_of_agent().await.unwrap(),
        1,
        "the agent is signed in"
    );
    let deleted = run(&["delete-user", "--email", "agent@example.com"], &env);
    assert_eq!(deleted.status.code(), Some(0), "{}", stderr(&deleted));
    let left: (i64, i64) =
        sqlx::query_as("SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM memberships)")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(left, (1, 1), "the owner and their membership stay");
    let audit: (String, Option<uuid::Uuid>, String) = sqlx::query_as(
        "SELECT actor_type, business_id, target_id FROM audit_log WHERE action = 'user.deleted'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        audit,
        ("operator".into(), Some(business), agent_id.to_string())
    );
    assert_eq!(sessions_of_agent().await.unwrap(), 0);
    let after = agent.get("/app/leads").await;
    assert_eq!(after.status, 303, "the deleted agent is signed out");

    assert_eq!(
        run(&["delete-user", "--email", "agent@example.com"], &env)
            .status
            .code(),
        Some(1),
        "no such user any more"
    );
    sqlx::query("UPDATE businesses SET deleted_at = now() WHERE id = $1")
        .bind(business)
        .execute(&pool)
        .await
        .unwrap();
    let owner_gone = run(&["delete-user", "--email", "owner@example.com"], &env);
    assert_eq!(owner_gone.status.code(), Some(0), "{}", stderr(&owner_gone));
}
