//! The generic readers: one method per kind of value, each adding its line to the report.

use std::ops::RangeInclusive;

use base64::Engine as _;
use rand::RngCore as _;

use crate::server::config::{
    AppEnv, ConfigReport, Secret, VarStatus, describe_secret,
    values::{self, IntReading},
};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Need {
    Always,
    InProduction,
    Optional,
}

pub(super) struct Reader<'a> {
    pub(super) lookup: &'a dyn Fn(&str) -> Option<String>,
    pub(super) env: AppEnv,
    pub(super) report: ConfigReport,
}

impl Reader<'_> {
    pub(super) fn prod(&self) -> bool {
        self.env.is_production()
    }

    /// The trimmed value, `None` when unset or blank.
    pub(super) fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    pub(super) fn ok(&mut self, name: &'static str, note: impl Into<String>) {
        self.report.push(name, VarStatus::Ok, note, false);
    }

    pub(super) fn invalid(&mut self, name: &'static str, note: impl Into<String>) {
        self.report.push(name, VarStatus::Invalid, note, true);
    }

    pub(super) fn missing(&mut self, name: &'static str, need: Need) {
        let required = need == Need::Always || (need == Need::InProduction && self.prod());
        let note = if required {
            "required"
        } else {
            "optional, not set"
        };
        self.report.push(name, VarStatus::Missing, note, required);
    }

    pub(super) fn default(&mut self, name: &'static str, note: impl Into<String>) {
        self.report.push(name, VarStatus::Default, note, false);
    }

    pub(super) fn app_env(&mut self, env_override: Option<AppEnv>) -> AppEnv {
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

    pub(super) fn plain(&mut self, name: &'static str, default: &str) -> String {
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

    pub(super) fn secret(&mut self, name: &'static str, need: Need) -> Secret {
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

    pub(super) fn optional_secret(&mut self, name: &'static str) -> Option<Secret> {
        let value = self.get(name);
        match &value {
            Some(v) => self.ok(name, describe_secret(v)),
            None => self.missing(name, Need::Optional),
        }
        value.map(Secret::new)
    }

    pub(super) fn bool(&mut self, name: &'static str, default: bool) -> bool {
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

    pub(super) fn int(
        &mut self,
        name: &'static str,
        default: i64,
        range: RangeInclusive<i64>,
    ) -> i64 {
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
    pub(super) fn base_url(
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
}

pub(super) fn random_base64(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::STANDARD.encode(buf)
}
