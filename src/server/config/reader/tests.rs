use std::collections::HashMap;

use super::*;
use crate::server::config::{LogFormat, VarStatus};

const SESSION: &str = "0123456789012345678901234567890123456789012345678901234567890123456789";
const KEY_32: &str = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=";

/// The config only when the report has no errors, as `serve` sees it.
fn read_map(
    pairs: &[(&str, &str)],
    env_override: Option<AppEnv>,
) -> (Option<Config>, ConfigReport) {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let (config, report) = read(&move |name| map.get(name).cloned(), env_override);
    ((!report.has_errors()).then_some(config), report)
}

fn production_env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("APP_ENV", "production"),
        ("DATABASE_URL", "postgres://app:pw@db/app"),
        ("PUBLIC_BASE_URL", "https://app.example.com/"),
        ("SESSION_SECRET", SESSION),
        ("DATA_ENCRYPTION_KEY", KEY_32),
        ("TWILIO_ACCOUNT_SID", "AC0123456789abcdef0123456789abcdef"),
        ("TWILIO_AUTH_TOKEN", "twilio-token-value"),
        ("TWILIO_VALIDATE_SIGNATURE", "true"),
        ("STRIPE_SECRET_KEY", "sk_live_abc"),
        ("STRIPE_WEBHOOK_SECRET", "whsec_new,whsec_old"),
        ("STRIPE_PRICE_STARTER", "price_starter"),
        ("STRIPE_PRICE_PRO", "price_new, price_old"),
    ]
}

fn status(report: &ConfigReport, name: &str) -> VarStatus {
    report
        .line(name)
        .unwrap_or_else(|| panic!("{name} has no line"))
        .status
}

#[test]
fn development_needs_only_a_database_url() {
    let (config, report) = read_map(&[("DATABASE_URL", "postgres://localhost/db")], None);
    let config = config.expect("valid development config");
    assert_eq!(config.app_env, AppEnv::Development);
    assert_eq!(config.public_base_url, "http://127.0.0.1:3000");
    assert_eq!(config.rate_limits.twilio_auth_max, 240);
    assert_eq!(config.plans.starter_conversations, 200);
    assert_eq!(config.plans.pro_conversations, 1000);
    assert_eq!(config.worker.concurrency, 4);
    assert_eq!(config.worker.urgent_concurrency, 32);
    assert!(config.worker.enabled);
    assert_eq!(config.log_format, LogFormat::Pretty);
    assert_eq!(config.support_email, "support@example.com");
    assert!(
        config.session_secret.expose().len() >= 64,
        "random per-process secret"
    );
    assert!(!report.has_errors());
    assert_eq!(status(&report, "SESSION_SECRET"), VarStatus::Default);
}

#[test]
fn the_database_url_is_required_in_every_environment() {
    let (config, report) = read_map(&[], None);
    assert!(config.is_none());
    let errors: Vec<_> = report.errors().map(|l| l.name).collect();
    assert_eq!(errors, vec!["DATABASE_URL"]);
}

#[test]
fn production_reports_every_missing_secret_at_once() {
    let (config, report) = read_map(&[("APP_ENV", "production")], None);
    assert!(config.is_none());
    let errors: Vec<_> = report.errors().map(|l| l.name).collect();
    assert_eq!(
        errors,
        vec![
            "DATABASE_URL",
            "PUBLIC_BASE_URL",
            "SESSION_SECRET",
            "DATA_ENCRYPTION_KEY",
            "TWILIO_ACCOUNT_SID",
            "TWILIO_AUTH_TOKEN",
            "TWILIO_VALIDATE_SIGNATURE",
            "STRIPE_SECRET_KEY",
            "STRIPE_WEBHOOK_SECRET",
            "STRIPE_PRICE_STARTER",
            "STRIPE_PRICE_PRO",
        ]
    );
}

#[test]
fn a_complete_production_environment_is_accepted() {
    let (config, report) = read_map(&production_env(), None);
    let config = config.unwrap_or_else(|| panic!("errors:\n{report}"));
    assert_eq!(config.public_base_url, "https://app.example.com");
    assert_eq!(config.stripe.price_pro, vec!["price_new", "price_old"]);
    assert_eq!(config.stripe.webhook_secrets.len(), 2);
    assert_eq!(config.log_format, LogFormat::Json);
    assert!(config.twilio.validate_signature);
}

#[test]
fn production_refuses_plain_http_and_short_secrets() {
    let mut env = production_env();
    env.retain(|(k, _)| !matches!(*k, "PUBLIC_BASE_URL" | "SESSION_SECRET" | "TWILIO_API_BASE"));
    env.push(("PUBLIC_BASE_URL", "http://app.example.com"));
    env.push(("SESSION_SECRET", "short"));
    env.push(("TWILIO_API_BASE", "http://127.0.0.1:9999"));
    let (config, report) = read_map(&env, None);
    assert!(config.is_none());
    let errors: Vec<_> = report.errors().map(|l| l.name).collect();
    assert_eq!(
        errors,
        vec!["PUBLIC_BASE_URL", "SESSION_SECRET", "TWILIO_API_BASE"]
    );
}

#[test]
fn development_accepts_loopback_fakes_over_http() {
    let (config, _) = read_map(
        &[
            ("DATABASE_URL", "postgres://localhost/db"),
            ("TWILIO_API_BASE", "http://127.0.0.1:4010/"),
            ("STRIPE_API_BASE", "http://127.0.0.1:4242"),
        ],
        None,
    );
    let config = config.unwrap();
    assert_eq!(config.twilio.api_base, "http://127.0.0.1:4010");
    assert_eq!(config.stripe.api_base, "http://127.0.0.1:4242");
}

#[test]
fn demo_mode_guard_vectors() {
    // production + demo + no override → refused
    let mut env = production_env();
    env.push(("DEMO_MODE", "true"));
    let (config, report) = read_map(&env, None);
    assert!(config.is_none());
    let line = report.line("DEMO_MODE").unwrap();
    assert_eq!(line.status, VarStatus::Invalid);
    assert_eq!(line.note, DEMO_MODE_REFUSED);

    // production + demo + override → allowed
    env.push(("ALLOW_PRODUCTION_DEMO_MODE", "yes"));
    let (config, _) = read_map(&env, None);
    let config = config.expect("override allows demo mode");
    assert!(config.demo_mode && config.allow_production_demo_mode);

    // development + demo → allowed
    let (config, _) = read_map(
        &[("DATABASE_URL", "postgres://x/y"), ("DEMO_MODE", "1")],
        None,
    );
    assert!(config.unwrap().demo_mode);
}

#[test]
fn check_env_override_selects_the_rules() {
    let (config, report) = read_map(
        &[("DATABASE_URL", "postgres://x/y")],
        Some(AppEnv::Production),
    );
    assert!(config.is_none());
    assert!(report.line("APP_ENV").unwrap().note.contains("--env"));
    assert_eq!(status(&report, "SESSION_SECRET"), VarStatus::Missing);
}

#[test]
fn invalid_values_are_reported_not_guessed() {
    let (config, report) = read_map(
        &[
            ("DATABASE_URL", "postgres://x/y"),
            ("APP_ENV", "staging"),
            ("WORKER_ENABLED", "maybe"),
            ("TWILIO_ACCOUNT_SID", "AC123"),
            ("STRIPE_PRICE_PRO", "prod_123"),
            ("LOG_FORMAT", "xml"),
        ],
        None,
    );
    assert!(config.is_none());
    let errors: Vec<_> = report.errors().map(|l| l.name).collect();
    assert_eq!(
        errors,
        vec![
            "APP_ENV",
            "TWILIO_ACCOUNT_SID",
            "STRIPE_PRICE_PRO",
            "LOG_FORMAT",
            "WORKER_ENABLED"
        ]
    );
}

#[test]
fn integers_use_defaults_and_clamps_with_warnings() {
    let (config, report) = read_map(
        &[
            ("DATABASE_URL", "postgres://x/y"),
            ("RATE_LIMIT_TWILIO_AUTH_MAX", "bad"),
            ("RATE_LIMIT_WINDOW_MS", "10"),
        ],
        None,
    );
    let config = config.unwrap();
    assert_eq!(config.rate_limits.twilio_auth_max, 240);
    assert_eq!(config.rate_limits.window.as_millis(), 1000);
    assert_eq!(
        status(&report, "RATE_LIMIT_TWILIO_AUTH_MAX"),
        VarStatus::Default
    );
    assert!(
        report
            .line("RATE_LIMIT_WINDOW_MS")
            .unwrap()
            .note
            .starts_with("warning:")
    );
    // Two integers plus the random per-process session secret and encryption key.
    assert_eq!(report.warnings().count(), 4, "{report}");
}

#[test]
fn the_shared_token_is_ignored_in_production_and_checked_elsewhere() {
    let mut env = production_env();
    env.push(("TWILIO_WEBHOOK_AUTH_TOKEN", "a-long-enough-shared-token"));
    let (config, report) = read_map(&env, None);
    assert!(config.unwrap().twilio.webhook_auth_token.is_none());
    assert_eq!(
        status(&report, "TWILIO_WEBHOOK_AUTH_TOKEN"),
        VarStatus::Ignored
    );

    let (config, _) = read_map(
        &[
            ("DATABASE_URL", "postgres://x/y"),
            ("TWILIO_WEBHOOK_AUTH_TOKEN", "short"),
        ],
        None,
    );
    assert!(config.is_none());
}

#[test]
fn the_report_never_prints_secret_values() {
    let mut env = production_env();
    env.push(("METRICS_TOKEN", "metrics-secret-value"));
    env.push(("ALERT_WEBHOOK_TOKEN", "alert-secret-value"));
    let (_, report) = read_map(&env, None);
    let printed = report.to_string();
    for secret in [
        SESSION,
        KEY_32,
        "twilio-token-value",
        "sk_live_abc",
        "whsec_new",
        "metrics-secret-value",
        "alert-secret-value",
        "app:pw",
    ] {
        assert!(!printed.contains(secret), "{secret} leaked:\n{printed}");
    }
    assert!(printed.contains("TWILIO_AUTH_TOKEN"));
    assert!(printed.contains("set (18 chars)"));
    let line = printed
        .lines()
        .find(|l| l.starts_with("SESSION_SECRET"))
        .unwrap();
    assert!(line.contains(" ok "), "{line}");
}

#[test]
fn the_public_base_url_defaults_to_the_address_served() {
    let (config, _) = read_map(
        &[
            ("DATABASE_URL", "postgres://localhost/db"),
            ("LEPTOS_SITE_ADDR", "0.0.0.0:8080"),
        ],
        None,
    );
    assert_eq!(
        config.expect("valid").public_base_url,
        "http://127.0.0.1:8080"
    );
    let (config, _) = read_map(
        &[
            ("DATABASE_URL", "postgres://localhost/db"),
            ("LEPTOS_SITE_ADDR", "127.0.0.1:3000"),
            ("PUBLIC_BASE_URL", "https://app.example.com"),
        ],
        None,
    );
    assert_eq!(
        config.expect("valid").public_base_url,
        "https://app.example.com"
    );
}
