//! Typed configuration, read once from the environment (operations.md §3) and validated.
//!
//! `read` never panics and never stops at the first problem: it returns the full report that
//! `check-env` prints; `Config::load` accepts the configuration only when nothing required is
//! missing or invalid.

mod reader;
mod report;
pub mod values;

use std::{fmt, net::SocketAddr, time::Duration};

pub use reader::read;

use crate::server::phone::ServedCountries;
pub use report::{ConfigReport, VarLine, VarStatus, describe_secret};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

impl AppEnv {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim() {
            "development" => Some(AppEnv::Development),
            "production" => Some(AppEnv::Production),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AppEnv::Development => "development",
            AppEnv::Production => "production",
        }
    }

    pub fn is_production(self) -> bool {
        self == AppEnv::Production
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

/// A value that must never reach a log line: `Debug` prints its length only.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&describe_secret(&self.0))
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    pub app_env: AppEnv,
    pub database: DatabaseConfig,
    /// Public origin without a trailing slash, e.g. `https://app.example.com`.
    pub public_base_url: String,
    pub site_addr: SocketAddr,
    pub session_secret: Secret,
    pub data_encryption_key: Secret,
    pub twilio: TwilioConfig,
    pub stripe: StripeConfig,
    pub plans: PlanConfig,
    pub rate_limits: RateLimitConfig,
    pub alerts: AlertConfig,
    pub demo_mode: bool,
    pub allow_production_demo_mode: bool,
    pub metrics_token: Option<Secret>,
    pub airtable: AirtableConfig,
    pub support_email: String,
    pub log_format: LogFormat,
    pub rust_log: String,
    pub worker: WorkerSettings,
    pub shutdown_grace: Duration,
    /// How long a request may take to produce its response (a streamed body may take longer).
    pub request_timeout: Duration,
    /// Where forwarding and notify phones may be (`SERVED_COUNTRIES`).
    pub served_countries: ServedCountries,
}

#[derive(Clone, Debug)]
pub struct DatabaseConfig {
    pub url: Secret,
    pub max_connections: u32,
}

#[derive(Clone, Debug)]
pub struct TwilioConfig {
    pub account_sid: Option<String>,
    pub auth_token: Option<Secret>,
    pub auth_token_previous: Option<Secret>,
    pub api_base: String,
    pub messaging_api_base: String,
    pub messaging_service_sid: Option<String>,
    /// Non-production shared token; always `None` in production.
    pub webhook_auth_token: Option<Secret>,
    pub validate_signature: bool,
}

#[derive(Clone, Debug)]
pub struct StripeConfig {
    pub secret_key: Option<Secret>,
    pub webhook_secrets: Vec<Secret>,
    /// Every listed id maps to the plan; the first is used for new checkouts.
    pub price_starter: Vec<String>,
    pub price_pro: Vec<String>,
    pub api_base: String,
    /// Non-production only: extra CSP `form-action` origins (e.g. the Stripe fake's).
    pub checkout_origins: Vec<String>,
}

#[derive(Clone, Copy, Debug)]
pub struct PlanConfig {
    pub starter_conversations: u32,
    pub pro_conversations: u32,
    /// Active tracking numbers each plan may hold.
    pub starter_numbers: u32,
    pub pro_numbers: u32,
}

#[derive(Clone, Copy, Debug)]
pub struct RateLimitConfig {
    pub window: Duration,
    pub twilio_auth_max: u32,
    pub twilio_unauth_max: u32,
    pub stripe_auth_max: u32,
    pub stripe_unauth_max: u32,
    pub protected_api_max: u32,
    pub login_max: u32,
    /// New accounts per client address (an IPv6 /64) per hour.
    pub signup_max: u32,
    pub trusted_proxy_hops: u32,
}

#[derive(Clone, Debug)]
pub struct AlertConfig {
    pub webhook_url: Option<String>,
    pub webhook_token: Option<Secret>,
    pub timeout: Duration,
}

#[derive(Clone, Debug)]
pub struct AirtableConfig {
    pub api_base: String,
    pub max_requests_per_second: u32,
    pub retry_after_429: Duration,
}

#[derive(Clone, Copy, Debug)]
pub struct WorkerSettings {
    pub enabled: bool,
    /// The bulk lane: deliveries, pushes, reconcile, housekeeping.
    pub concurrency: u32,
    /// The urgent lane: texts, call endings, Stripe events, nudges.
    pub urgent_concurrency: u32,
}

impl Config {
    /// Reads the process environment. In development, `.env` in the working directory is read
    /// first; real environment variables always win.
    pub fn from_process_env(env_override: Option<AppEnv>) -> (Config, ConfigReport) {
        let real_env = std::env::var("APP_ENV")
            .ok()
            .and_then(|v| AppEnv::parse(&v));
        let effective = env_override.or(real_env).unwrap_or(AppEnv::Development);
        if !effective.is_production() {
            // dotenvy never overrides variables that are already set.
            let _ = dotenvy::dotenv();
        }
        read(&|name| std::env::var(name).ok(), env_override)
    }

    /// The configuration `serve` and the database tools run with (and its report, for the
    /// warnings), or the report of what is wrong.
    pub fn load() -> Result<(Config, ConfigReport), ConfigReport> {
        let (config, report) = Self::from_process_env(None);
        if report.has_errors() {
            Err(report)
        } else {
            Ok((config, report))
        }
    }

    pub fn is_production(&self) -> bool {
        self.app_env.is_production()
    }

    /// The shared webhook token Twilio URLs carry outside production.
    pub fn webhook_token(&self) -> Option<&str> {
        self.twilio.webhook_auth_token.as_ref().map(Secret::expose)
    }
}

/// The address to reach a server listening on `addr` from this machine: `0.0.0.0` and `::`
/// answer on loopback.
pub fn loopback(addr: std::net::SocketAddr) -> std::net::SocketAddr {
    if addr.ip().is_unspecified() {
        std::net::SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), addr.port())
    } else {
        addr
    }
}
