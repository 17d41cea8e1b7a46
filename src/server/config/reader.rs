//! Reads every variable of operations.md §3.2 into a `Config` and a `ConfigReport`.

use std::{net::SocketAddr, ops::RangeInclusive, time::Duration};

use base64::Engine as _;
use rand::RngCore as _;

use super::{
    AirtableConfig, AlertConfig, AppEnv, Config, ConfigReport, DatabaseConfig, LogFormat,
    PlanConfig, RateLimitConfig, Secret, StripeConfig, TwilioConfig, VarStatus, WorkerSettings,
    describe_secret,
    values::{self, IntReading},
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
    let public_base_url = r.base_url(
        "PUBLIC_BASE_URL",
        Some("http://localhost:3000"),
        Need::InProduction,
    );
    let site_addr = r.site_addr();
    let session_secret = r.session_secret();
    let data_encryption_key = r.data_encryption_key();
    let twilio = r.twilio();
    let stripe = r.stripe();
    let plans = PlanConfig {
        starter_conversations: r.int("PLAN_STARTER_CONVERSATIONS", 200, 0..=1_000_000) as u32,
        pro_conversations: r.int("PLAN_PRO_CONVERSATIONS", 1000, 0..=1_000_000) as u32,
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
    };
    let shutdown_grace = Duration::from_secs(r.int("SHUTDOWN_GRACE_SECONDS", 25, 1..=300) as u64);

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
    };
    (config, r.report)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Need {
    Always,
    InProduction,
    Optional,
}

struct Reader<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    env: AppEnv,
    report: ConfigReport,
}

impl Reader<'_> {
    fn prod(&self) -> bool {
        self.env.is_production()
    }

    /// The trimmed value, `None` when unset or blank.
    fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    fn ok(&mut self, name: &'static str, note: impl Into<String>) {
        self.report.push(name, VarStatus::Ok, note, false);
    }

    fn invalid(&mut self, name: &'static str, note: impl Into<String>) {
        self.report.push(name, VarStatus::Invalid, note, true);
    }

    fn missing(&mut self, name: &'static str, need: Need) {
        let required = need == Need::Always || (need == Need::InProduction && self.prod());
        let note = if required {
            "required"
        } else {
            "optional, not set"
        };
        self.report.push(name, VarStatus::Missing, note, required);
    }

    fn default(&mut self, name: &'static str, note: impl Into<String>) {
        self.report.push(name, VarStatus::Default, note, false);
    }

    fn app_env(&mut self, env_override: Option<AppEnv>) -> AppEnv {
        if let Some(env) = env_override {
            self.ok("APP_ENV", format!("{} (from --env)", env.as_str()));
            return env;
        }
        match self.get("APP_ENV") {
            None => {
                self.default("APP_ENV", "development");
                AppEnv::Development
            }
            Some(raw) => match AppEnv::parse(&raw) {
                Some(env) => {
                    self.ok("APP_ENV", env.as_str());
                    env
                }
                None => {
                    self.invalid("APP_ENV", "must be development or production");
                    AppEnv::Development
                }
            },
        }
    }

    fn plain(&mut self, name: &'static str, default: &str) -> String {
        match self.get(name) {
            Some(value) => {
                self.ok(name, value.clone());
                value
            }
            None => {
                self.default(name, default);
                default.to_owned()
            }
        }
    }

    fn secret(&mut self, name: &'static str, need: Need) -> Secret {
        match self.get(name) {
            Some(value) => {
                self.ok(name, describe_secret(&value));
                Secret::new(value)
            }
            None => {
                self.missing(name, need);
                Secret::new(String::new())
            }
        }
    }

    fn optional_secret(&mut self, name: &'static str) -> Option<Secret> {
        let value = self.get(name);
        match &value {
            Some(v) => self.ok(name, describe_secret(v)),
            None => self.missing(name, Need::Optional),
        }
        value.map(Secret::new)
    }

    fn bool(&mut self, name: &'static str, default: bool) -> bool {
        match (self.lookup)(name) {
            None => {
                self.default(name, default.to_string());
                default
            }
            Some(raw) => match values::parse_bool(&raw) {
                Some(value) => {
                    self.ok(name, value.to_string());
                    value
                }
                None => {
                    self.invalid(name, "not a boolean (use true/false, 1/0, yes/no, on/off)");
                    default
                }
            },
        }
    }

    fn int(&mut self, name: &'static str, default: i64, range: RangeInclusive<i64>) -> i64 {
        let Some(raw) = self.get(name) else {
            self.default(name, default.to_string());
            return default;
        };
        let reading = values::parse_int(&raw, default, range.clone());
        match reading {
            IntReading::Exact(v) => self.ok(name, v.to_string()),
            IntReading::NotANumber(v) => self.default(
                name,
                format!("warning: {raw:?} is not a number; using the default {v}"),
            ),
            IntReading::Clamped(v) => self.ok(
                name,
                format!(
                    "warning: {raw} is outside {}..{}; using {v}",
                    range.start(),
                    range.end()
                ),
            ),
        }
        reading.value()
    }

    /// Base URLs must be https in production; outside it loopback fakes use http.
    fn base_url(
        &mut self,
        name: &'static str,
        default: Option<&str>,
        need: Need,
    ) -> Option<String> {
        let Some(raw) = self.get(name) else {
            if let Some(default) = default.filter(|_| !(need == Need::InProduction && self.prod()))
            {
                self.default(name, default);
                return Some(default.to_owned());
            }
            self.missing(name, need);
            return None;
        };
        match values::parse_base_url(&raw, self.prod()) {
            Ok(url) => {
                self.ok(name, url.clone());
                Some(url)
            }
            Err(err) => {
                self.invalid(name, err.message());
                None
            }
        }
    }

    fn site_addr(&mut self) -> SocketAddr {
        const DEFAULT: &str = "127.0.0.1:3000";
        match self.get("LEPTOS_SITE_ADDR") {
            None => {
                self.default("LEPTOS_SITE_ADDR", DEFAULT);
                DEFAULT.parse().expect("constant address")
            }
            Some(raw) => match raw.parse() {
                Ok(addr) => {
                    self.ok("LEPTOS_SITE_ADDR", raw);
                    addr
                }
                Err(_) => {
                    self.invalid("LEPTOS_SITE_ADDR", "must be host:port, e.g. 0.0.0.0:3000");
                    DEFAULT.parse().expect("constant address")
                }
            },
        }
    }

    fn session_secret(&mut self) -> Secret {
        const NAME: &str = "SESSION_SECRET";
        match self.get(NAME) {
            Some(value) if value.chars().count() >= 64 => {
                self.ok(NAME, describe_secret(&value));
                Secret::new(value)
            }
            Some(value) => {
                self.invalid(
                    NAME,
                    format!("{}; needs at least 64 chars", describe_secret(&value)),
                );
                Secret::new(value)
            }
            None if self.prod() => {
                self.missing(NAME, Need::InProduction);
                Secret::new(String::new())
            }
            None => {
                self.default(
                    NAME,
                    "warning: random per process; sessions end at every restart",
                );
                Secret::new(random_base64(48))
            }
        }
    }

    fn data_encryption_key(&mut self) -> Secret {
        const NAME: &str = "DATA_ENCRYPTION_KEY";
        let engine = base64::engine::general_purpose::STANDARD;
        match self.get(NAME) {
            Some(value) => match engine.decode(&value) {
                Ok(bytes) if bytes.len() == 32 => {
                    self.ok(NAME, describe_secret(&value));
                    Secret::new(value)
                }
                _ => {
                    self.invalid(NAME, "must be base64 of exactly 32 bytes");
                    Secret::new(value)
                }
            },
            None if self.prod() => {
                self.missing(NAME, Need::InProduction);
                Secret::new(String::new())
            }
            None => {
                self.default(NAME, "warning: random per process; stored integration secrets will not survive a restart");
                Secret::new(random_base64(32))
            }
        }
    }

    fn twilio(&mut self) -> TwilioConfig {
        let account_sid = match self.get("TWILIO_ACCOUNT_SID") {
            Some(sid) if values::is_twilio_sid(&sid, "AC") => {
                self.ok("TWILIO_ACCOUNT_SID", sid.clone());
                Some(sid)
            }
            Some(_) => {
                self.invalid("TWILIO_ACCOUNT_SID", "must match ^AC[0-9a-fA-F]{32}$");
                None
            }
            None => {
                self.missing("TWILIO_ACCOUNT_SID", Need::InProduction);
                None
            }
        };
        let auth_token = Some(self.secret("TWILIO_AUTH_TOKEN", Need::InProduction))
            .filter(|s| !s.expose().is_empty());
        let auth_token_previous = self.optional_secret("TWILIO_AUTH_TOKEN_PREVIOUS");
        let api_base = self
            .base_url(
                "TWILIO_API_BASE",
                Some("https://api.twilio.com"),
                Need::Optional,
            )
            .unwrap_or_default();
        let messaging_api_base = self
            .base_url(
                "TWILIO_MESSAGING_API_BASE",
                Some("https://messaging.twilio.com"),
                Need::Optional,
            )
            .unwrap_or_default();
        let messaging_service_sid = match self.get("TWILIO_MESSAGING_SERVICE_SID") {
            Some(sid) if values::is_twilio_sid(&sid, "MG") => {
                self.ok("TWILIO_MESSAGING_SERVICE_SID", sid.clone());
                Some(sid)
            }
            Some(_) => {
                self.invalid(
                    "TWILIO_MESSAGING_SERVICE_SID",
                    "must match ^MG[0-9a-fA-F]{32}$",
                );
                None
            }
            None => {
                self.missing("TWILIO_MESSAGING_SERVICE_SID", Need::Optional);
                None
            }
        };
        let webhook_auth_token = self.webhook_token();
        let validate_signature = self.bool("TWILIO_VALIDATE_SIGNATURE", false);
        if self.prod() && !validate_signature {
            self.report.set(
                "TWILIO_VALIDATE_SIGNATURE",
                VarStatus::Invalid,
                "must be true in production",
                true,
            );
        }
        TwilioConfig {
            account_sid,
            auth_token,
            auth_token_previous,
            api_base,
            messaging_api_base,
            messaging_service_sid,
            webhook_auth_token,
            validate_signature,
        }
    }

    fn webhook_token(&mut self) -> Option<Secret> {
        const NAME: &str = "TWILIO_WEBHOOK_AUTH_TOKEN";
        let value = self.get(NAME);
        match value {
            Some(_) if self.prod() => {
                self.report.push(
                    NAME,
                    VarStatus::Ignored,
                    "warning: shared tokens are not accepted in production",
                    false,
                );
                None
            }
            Some(token) if token.chars().count() >= 16 => {
                self.ok(NAME, describe_secret(&token));
                Some(Secret::new(token))
            }
            Some(token) => {
                self.invalid(
                    NAME,
                    format!("{}; needs at least 16 chars", describe_secret(&token)),
                );
                None
            }
            None => {
                self.missing(NAME, Need::Optional);
                None
            }
        }
    }

    fn stripe(&mut self) -> StripeConfig {
        let secret_key = match self.get("STRIPE_SECRET_KEY") {
            Some(key) => {
                let known = ["sk_live_", "sk_test_", "rk_live_", "rk_test_"];
                if !known.iter().any(|prefix| key.starts_with(prefix)) {
                    self.invalid(
                        "STRIPE_SECRET_KEY",
                        "must start with sk_live_, sk_test_, rk_live_ or rk_test_",
                    );
                } else if self.prod() && key.contains("_test_") {
                    self.ok(
                        "STRIPE_SECRET_KEY",
                        format!(
                            "{}; warning: a test-mode key in production",
                            describe_secret(&key)
                        ),
                    );
                } else {
                    self.ok("STRIPE_SECRET_KEY", describe_secret(&key));
                }
                Some(Secret::new(key))
            }
            None => {
                self.missing("STRIPE_SECRET_KEY", Need::InProduction);
                None
            }
        };
        let webhook_secrets = self.prefixed_list("STRIPE_WEBHOOK_SECRET", "whsec_", true);
        let price_starter = self.prefixed_list("STRIPE_PRICE_STARTER", "price_", false);
        let price_pro = self.prefixed_list("STRIPE_PRICE_PRO", "price_", false);
        let api_base = self
            .base_url(
                "STRIPE_API_BASE",
                Some("https://api.stripe.com"),
                Need::Optional,
            )
            .unwrap_or_default();
        let checkout_origins = match self.get("STRIPE_CHECKOUT_ORIGINS") {
            Some(_) if self.prod() => {
                self.report.push(
                    "STRIPE_CHECKOUT_ORIGINS",
                    VarStatus::Ignored,
                    "warning: only used outside production",
                    false,
                );
                Vec::new()
            }
            Some(raw) => {
                let origins = values::parse_list(&raw);
                let all_valid = origins
                    .iter()
                    .all(|o| values::parse_base_url(o, false).is_ok_and(|u| u == *o));
                if all_valid {
                    self.ok("STRIPE_CHECKOUT_ORIGINS", origins.join(","));
                    origins
                } else {
                    self.invalid(
                        "STRIPE_CHECKOUT_ORIGINS",
                        "must be comma-separated origins such as http://127.0.0.1:4242",
                    );
                    Vec::new()
                }
            }
            None => {
                self.missing("STRIPE_CHECKOUT_ORIGINS", Need::Optional);
                Vec::new()
            }
        };
        StripeConfig {
            secret_key,
            webhook_secrets: webhook_secrets.into_iter().map(Secret::new).collect(),
            price_starter,
            price_pro,
            api_base,
            checkout_origins,
        }
    }

    /// One or more comma-separated values, each with `prefix`; required in production.
    fn prefixed_list(&mut self, name: &'static str, prefix: &str, secret: bool) -> Vec<String> {
        let Some(raw) = self.get(name) else {
            self.missing(name, Need::InProduction);
            return Vec::new();
        };
        let items = values::parse_list(&raw);
        if items.is_empty() || items.iter().any(|item| !item.starts_with(prefix)) {
            self.invalid(
                name,
                format!("every comma-separated value must start with {prefix}"),
            );
            return Vec::new();
        }
        let note = if secret {
            format!("{} value(s) set", items.len())
        } else {
            items.join(",")
        };
        self.ok(name, note);
        items
    }

    fn demo_mode(&mut self) -> (bool, bool) {
        let demo = self.bool("DEMO_MODE", false);
        let allow = self.bool("ALLOW_PRODUCTION_DEMO_MODE", false);
        if demo && self.prod() {
            if allow {
                self.report.set(
                    "DEMO_MODE",
                    VarStatus::Ok,
                    "warning: demo mode in production (ALLOW_PRODUCTION_DEMO_MODE=true)",
                    false,
                );
            } else {
                self.report
                    .set("DEMO_MODE", VarStatus::Invalid, DEMO_MODE_REFUSED, true);
            }
        }
        (demo, allow)
    }

    fn support_email(&mut self) -> String {
        const DEFAULT: &str = "support@example.com";
        match self.get("SUPPORT_EMAIL") {
            Some(email) if email.contains('@') => {
                self.ok("SUPPORT_EMAIL", email.clone());
                email
            }
            Some(_) => {
                self.invalid("SUPPORT_EMAIL", "must be an email address");
                DEFAULT.to_owned()
            }
            None if self.prod() => {
                self.default(
                    "SUPPORT_EMAIL",
                    format!("warning: recommended in production; using {DEFAULT}"),
                );
                DEFAULT.to_owned()
            }
            None => {
                self.default("SUPPORT_EMAIL", DEFAULT);
                DEFAULT.to_owned()
            }
        }
    }

    fn log_format(&mut self) -> LogFormat {
        let default = if self.prod() {
            LogFormat::Json
        } else {
            LogFormat::Pretty
        };
        match self.get("LOG_FORMAT").map(|v| v.to_ascii_lowercase()) {
            None => {
                self.default("LOG_FORMAT", if self.prod() { "json" } else { "pretty" });
                default
            }
            Some(v) if v == "json" => {
                self.ok("LOG_FORMAT", "json");
                LogFormat::Json
            }
            Some(v) if v == "pretty" => {
                self.ok("LOG_FORMAT", "pretty");
                LogFormat::Pretty
            }
            Some(_) => {
                self.invalid("LOG_FORMAT", "must be json or pretty");
                default
            }
        }
    }
}

fn random_base64(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::STANDARD.encode(buf)
}

#[cfg(test)]
mod tests;
