//! Variables with rules of their own: secrets with generated development defaults, the Twilio
//! and Stripe groups, demo mode, support email and log format.

use std::net::SocketAddr;

use base64::Engine as _;

use super::{
    DEMO_MODE_REFUSED,
    getters::{Need, Reader, random_base64},
};
use crate::server::config::{
    LogFormat, Secret, StripeConfig, TwilioConfig, VarStatus, describe_secret, values,
};
use crate::server::phone::ServedCountries;

impl Reader<'_> {
    pub(super) fn site_addr(&mut self) -> SocketAddr {
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

    pub(super) fn session_secret(&mut self) -> Secret {
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

    pub(super) fn data_encryption_key(&mut self) -> Secret {
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

    pub(super) fn twilio(&mut self) -> TwilioConfig {
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

    pub(super) fn webhook_token(&mut self) -> Option<Secret> {
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

    pub(super) fn stripe(&mut self) -> StripeConfig {
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
    pub(super) fn prefixed_list(
        &mut self,
        name: &'static str,
        prefix: &str,
        secret: bool,
    ) -> Vec<String> {
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

    pub(super) fn demo_mode(&mut self) -> (bool, bool) {
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

    pub(super) fn support_email(&mut self) -> String {
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

    pub(super) fn log_format(&mut self) -> LogFormat {
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

    /// `SERVED_COUNTRIES`: where calls may be forwarded and alerts texted (US and Canada).
    pub(super) fn served_countries(&mut self) -> ServedCountries {
        match self.get("SERVED_COUNTRIES") {
            None => {
                self.default("SERVED_COUNTRIES", "US,CA");
                ServedCountries::default()
            }
            Some(raw) => match ServedCountries::parse(&raw) {
                Ok(served) => {
                    self.ok("SERVED_COUNTRIES", served.codes());
                    served
                }
                Err(problem) => {
                    self.invalid("SERVED_COUNTRIES", problem);
                    ServedCountries::default()
                }
            },
        }
    }
}
