//! Reads every variable of operations.md §3.2 into a `Config` and a `ConfigReport`.

mod getters;
mod providers;

use std::time::Duration;

use getters::{Need, Reader};

use super::{
    AirtableConfig, AlertConfig, AppEnv, Config, ConfigReport, DatabaseConfig, PlanConfig,
    RateLimitConfig, WorkerSettings,
};

/// Message `serve` prints when demo mode is refused (operations.md §3.3).
pub const DEMO_MODE_REFUSED: &str =
    "DEMO_MODE is not allowed in production; set ALLOW_PRODUCTION_DEMO_MODE=true to override";

/// Reads the configuration through `lookup` (the process environment in production, a map in
/// tests). `env_override` is `check-env --env`. The `Config` is always built (invalid values
/// fall back to defaults) so tools such as `print-webhooks` can use what is valid; `serve`
/// refuses to start when the report has errors.
pub fn read(
    lookup: &dyn Fn(&str) -> Option<String>,
    env_override: Option<AppEnv>,
) -> (Config, ConfigReport) {
    let mut r = Reader {
        lookup,
        env: AppEnv::Development,
        report: ConfigReport::default(),
    };
    r.env = r.app_env(env_override);
    let prod = r.env.is_production();

    let database = DatabaseConfig {
        url: r.secret("DATABASE_URL", Need::Always),
        max_connections: r.int("DATABASE_MAX_CONNECTIONS", 10, 2..=100) as u32,
    };
    let site_addr = r.site_addr();
    // Unset outside production: the address this server answers on, so every link, redirect
    // and cookie agrees with the address the run command prints (a `localhost` base on a
    // server opened at 127.0.0.1 is another origin: another cookie jar, and a redirect the
    // page's CSP `form-action` refuses).
    let served = format!("http://{}", super::loopback(site_addr));
    let public_base_url = r.base_url("PUBLIC_BASE_URL", Some(&served), Need::InProduction);
    let session_secret = r.session_secret();
    let data_encryption_key = r.data_encryption_key();
    let twilio = r.twilio();
    let stripe = r.stripe();
    let plans = PlanConfig {
        starter_conversations: r.int("PLAN_STARTER_CONVERSATIONS", 200, 0..=1_000_000) as u32,
        pro_conversations: r.int("PLAN_PRO_CONVERSATIONS", 1000, 0..=1_000_000) as u32,
        starter_numbers: r.int("PLAN_STARTER_NUMBERS", 1, 1..=100) as u32,
        pro_numbers: r.int("PLAN_PRO_NUMBERS", 5, 1..=100) as u32,
    };
    let rate_limits = RateLimitConfig {
        window: Duration::from_millis(
            r.int("RATE_LIMIT_WINDOW_MS", 60_000, 1000..=3_600_000) as u64
        ),
        twilio_auth_max: r.int("RATE_LIMIT_TWILIO_AUTH_MAX", 240, 10..=10_000) as u32,
        twilio_unauth_max: r.int("RATE_LIMIT_TWILIO_UNAUTH_MAX", 40, 5..=5000) as u32,
        stripe_auth_max: r.int("RATE_LIMIT_STRIPE_AUTH_MAX", 240, 10..=10_000) as u32,
        stripe_unauth_max: r.int("RATE_LIMIT_STRIPE_UNAUTH_MAX", 40, 5..=5000) as u32,
        protected_api_max: r.int("RATE_LIMIT_PROTECTED_API_MAX", 80, 10..=10_000) as u32,
        login_max: r.int("RATE_LIMIT_LOGIN_MAX", 10, 3..=1000) as u32,
        // Production guards against scripted sign-ups; elsewhere test suites and demos create
        // many accounts from one loopback address.
        signup_max: r.int(
            "RATE_LIMIT_SIGNUP_MAX",
            if prod { 20 } else { 500 },
            1..=100_000,
        ) as u32,
        trusted_proxy_hops: r.int("RATE_LIMIT_TRUSTED_PROXY_HOPS", 0, 0..=5) as u32,
    };
    let alerts = AlertConfig {
        webhook_url: r.base_url("ALERT_WEBHOOK_URL", None, Need::Optional),
        webhook_token: r.optional_secret("ALERT_WEBHOOK_TOKEN"),
        timeout: Duration::from_millis(
            r.int("ALERT_WEBHOOK_TIMEOUT_MS", 4000, 1000..=60_000) as u64
        ),
    };
    let (demo_mode, allow_production_demo_mode) = r.demo_mode();
    let metrics_token = r.optional_secret("METRICS_TOKEN");
    let airtable = AirtableConfig {
        api_base: r
            .base_url(
                "AIRTABLE_API_BASE",
                Some("https://api.airtable.com"),
                Need::Optional,
            )
            .unwrap_or_default(),
        max_requests_per_second: r.int("AIRTABLE_MAX_REQUESTS_PER_SECOND", 5, 1..=5) as u32,
        retry_after_429: Duration::from_secs(
            r.int("AIRTABLE_RETRY_AFTER_429_SECONDS", 30, 30..=300) as u64,
        ),
    };
    let support_email = r.support_email();
    let log_format = r.log_format();
    let rust_log = r.plain("RUST_LOG", "info");
    let worker = WorkerSettings {
        enabled: r.bool("WORKER_ENABLED", true),
        concurrency: r.int("WORKER_CONCURRENCY", 4, 1..=64) as u32,
        urgent_concurrency: r.int("WORKER_URGENT_CONCURRENCY", 32, 1..=256) as u32,
    };
    let shutdown_grace = Duration::from_secs(r.int("SHUTDOWN_GRACE_SECONDS", 25, 1..=300) as u64);
    let request_timeout = Duration::from_secs(r.int("REQUEST_TIMEOUT_SECONDS", 30, 1..=300) as u64);
    let served_countries = r.served_countries();

    let config = Config {
        app_env: r.env,
        database,
        public_base_url: public_base_url.unwrap_or_default(),
        site_addr,
        session_secret,
        data_encryption_key,
        twilio,
        stripe,
        plans,
        rate_limits,
        alerts,
        demo_mode,
        allow_production_demo_mode: prod && allow_production_demo_mode,
        metrics_token,
        airtable,
        support_email,
        log_format,
        rust_log,
        worker,
        shutdown_grace,
        request_timeout,
        served_countries,
    };
    (config, r.report)
}

#[cfg(test)]
mod tests;
