//! Operator alerts (operations.md §6): `report` logs `app.error` and queues the alert; a
//! background dispatcher throttles each `<source>.<event>` across instances through a Postgres
//! bucket (in-process while the database is down) and posts it to `ALERT_WEBHOOK_URL`.
//!
//! Reporting never blocks and never fails: the queue is bounded (100) and overflow is counted.

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::PgPool;
use tokio::sync::mpsc;

use super::metrics::Metrics;
use crate::server::{
    clock::SharedClock,
    config::{AlertConfig, Secret},
    ratelimit,
};

const QUEUE: usize = 100;
const DEFAULT_WINDOW: Duration = Duration::from_secs(5 * 60);

/// One alert to raise.
#[derive(Clone, Debug)]
pub struct Alert {
    pub source: &'static str,
    pub event: &'static str,
    pub message: String,
    pub metadata: Value,
    pub correlation_id: Option<String>,
    /// Appended to the throttle key (e.g. a business and price id).
    pub throttle_suffix: Option<String>,
    pub throttle_window: Duration,
}

impl Alert {
    pub fn new(source: &'static str, event: &'static str, message: impl Into<String>) -> Self {
        Self {
            source,
            event,
            message: message.into(),
            metadata: json!({}),
            correlation_id: None,
            throttle_suffix: None,
            throttle_window: DEFAULT_WINDOW,
        }
    }

    pub fn metadata(mut self, metadata: Value) -> Self {
        self.metadata = metadata;
        self
    }

    pub fn correlation_id(mut self, id: impl Into<String>) -> Self {
        self.correlation_id = Some(id.into());
        self
    }

    pub fn throttle(mut self, suffix: impl Into<String>, window: Duration) -> Self {
        self.throttle_suffix = Some(suffix.into());
        self.throttle_window = window;
        self
    }

    fn name(&self) -> String {
        format!("{}.{}", self.source, self.event)
    }

    fn throttle_key(&self) -> String {
        match &self.throttle_suffix {
            Some(suffix) => format!("alert:{}:{suffix}", self.name()),
            None => format!("alert:{}", self.name()),
        }
    }
}

/// The handle every part of the server reports through.
#[derive(Clone)]
pub struct Alerts {
    queue: Option<mpsc::Sender<Alert>>,
    metrics: Arc<Metrics>,
    /// Alerts queued and not yet sent or throttled, for `flush`.
    pending: Arc<AtomicUsize>,
}

/// Who sends, where to, and how the throttle is kept.
pub struct Dispatcher {
    pub pool: PgPool,
    pub clock: SharedClock,
    pub config: AlertConfig,
    pub environment: &'static str,
    pub instance: Arc<str>,
    pub metrics: Arc<Metrics>,
}

impl Alerts {
    /// Starts the dispatcher on the current Tokio runtime. Outside a runtime (some CLI paths)
    /// alerts are logged only.
    pub fn start(dispatcher: Dispatcher) -> Self {
        let metrics = dispatcher.metrics.clone();
        let pending = Arc::new(AtomicUsize::new(0));
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return Self {
                queue: None,
                metrics,
                pending,
            };
        };
        let (tx, rx) = mpsc::channel(QUEUE);
        runtime.spawn(dispatcher.run(rx, pending.clone()));
        Self {
            queue: Some(tx),
            metrics,
            pending,
        }
    }

    /// Logs `app.error` and queues the alert for dispatch.
    pub fn report(&self, alert: Alert) {
        tracing::error!(
            event = "app.error",
            source = alert.source,
            kind = alert.event,
            metadata = %alert.metadata,
            "{}",
            alert.message
        );
        let Some(queue) = &self.queue else {
            return;
        };
        self.pending.fetch_add(1, Ordering::SeqCst);
        if queue.try_send(alert).is_err() {
            self.pending.fetch_sub(1, Ordering::SeqCst);
            self.metrics.inc("alerts_throttled_total", &[]);
        }
    }

    /// Waits until every queued alert has been sent (or throttled), at most `deadline`: at
    /// shutdown, so what was raised while stopping is not lost with the process.
    pub async fn flush(&self, deadline: Duration) {
        let give_up = tokio::time::Instant::now() + deadline;
        while self.pending.load(Ordering::SeqCst) > 0 && tokio::time::Instant::now() < give_up {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Dispatcher {
    async fn run(self, mut queue: mpsc::Receiver<Alert>, pending: Arc<AtomicUsize>) {
        let http = reqwest::Client::builder()
            .timeout(self.config.timeout)
            .build()
            .unwrap_or_default();
        let mut throttle = LocalThrottle::default();
        while let Some(alert) = queue.recv().await {
            self.dispatch(&http, &mut throttle, &alert).await;
            pending.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Sends one alert unless its throttle window already had one.
    async fn dispatch(&self, http: &reqwest::Client, throttle: &mut LocalThrottle, alert: &Alert) {
        let now = self.clock.now();
        let key = alert.throttle_key();
        let window = chrono::Duration::from_std(alert.throttle_window)
            .unwrap_or(chrono::Duration::minutes(5));
        let allowed = match ratelimit::hit(&self.pool, &key, 1, window, now).await {
            Ok(decision) => decision.allowed,
            Err(_) => throttle.allow(&key, window, now),
        };
        if !allowed {
            throttle.suppressed(&key);
            self.metrics.inc("alerts_throttled_total", &[]);
            return;
        }
        let suppressed = throttle.take_suppressed(&key);
        self.send(http, alert, suppressed, now).await;
    }

    async fn send(
        &self,
        http: &reqwest::Client,
        alert: &Alert,
        suppressed: u64,
        now: DateTime<Utc>,
    ) {
        let body = payload(alert, self.environment, &self.instance, suppressed, now);
        match post(http, &self.config, &body).await {
            Ok(()) => self.metrics.inc("alerts_sent_total", &[]),
            Err(PostError::NotConfigured) => {}
            Err(err) => {
                tracing::warn!(event = "app.alert_dispatch_failed", error = %err, alert = %alert.name())
            }
        }
    }
}

/// The JSON every alert is posted as (operations.md §6).
fn payload(
    alert: &Alert,
    environment: &str,
    instance: &str,
    suppressed: u64,
    now: DateTime<Utc>,
) -> Value {
    let correlation_id = alert.correlation_id.clone().unwrap_or_default();
    json!({
        "text": format!("[CallbackCloser] {} ({correlation_id})", alert.name()),
        "source": alert.source,
        "event": alert.event,
        "correlation_id": correlation_id,
        "message": alert.message,
        "metadata": alert.metadata,
        "environment": environment,
        "instance": instance,
        "timestamp": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "suppressed": suppressed,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum PostError {
    #[error("ALERT_WEBHOOK_URL is not set")]
    NotConfigured,
    #[error("the alert webhook answered {0}")]
    Status(u16),
    #[error("the alert webhook could not be reached: {0}")]
    Unreachable(String),
}

async fn post(http: &reqwest::Client, config: &AlertConfig, body: &Value) -> Result<(), PostError> {
    let url = config
        .webhook_url
        .as_ref()
        .ok_or(PostError::NotConfigured)?;
    let mut request = http.post(url).json(body);
    if let Some(token) = config.webhook_token.as_ref().map(Secret::expose) {
        request = request.bearer_auth(token);
    }
    match request.send().await {
        Ok(response) if response.status().is_success() => Ok(()),
        Ok(response) => Err(PostError::Status(response.status().as_u16())),
        Err(err) => Err(PostError::Unreachable(err.to_string())),
    }
}

/// `check-env --test-alert`: one `ops.test_alert` straight to the webhook (no queue, no
/// throttle, no database), so a deploy gate proves the operator's channel works.
pub async fn send_test_alert(config: &AlertConfig, environment: &str) -> Result<(), PostError> {
    let http = reqwest::Client::builder()
        .timeout(config.timeout)
        .build()
        .unwrap_or_default();
    let alert = Alert::new(
        "ops",
        "test_alert",
        "Test alert from check-env: the operator alert channel works",
    );
    let body = payload(&alert, environment, "check-env", 0, Utc::now());
    post(&http, config, &body).await
}

/// The throttle used while Postgres is unreachable, and the suppressed counts reported with
/// the next alert of a key.
#[derive(Default)]
struct LocalThrottle {
    windows: HashMap<String, DateTime<Utc>>,
    suppressed: HashMap<String, u64>,
}

impl LocalThrottle {
    fn allow(&mut self, key: &str, window: chrono::Duration, now: DateTime<Utc>) -> bool {
        match self.windows.get(key) {
            Some(started) if now < *started + window => false,
            _ => {
                self.windows.insert(key.to_owned(), now);
                true
            }
        }
    }

    fn suppressed(&mut self, key: &str) {
        *self.suppressed.entry(key.to_owned()).or_default() += 1;
    }

    fn take_suppressed(&mut self, key: &str) -> u64 {
        self.suppressed.remove(key).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_keys() {
        assert_eq!(
            Alert::new("twilio", "authorized_burst", "x").throttle_key(),
            "alert:twilio.authorized_burst"
        );
        assert_eq!(
            Alert::new("billing", "unknown_price", "x")
                .throttle("b1:price_9", Duration::from_secs(86_400))
                .throttle_key(),
            "alert:billing.unknown_price:b1:price_9"
        );
    }

    #[test]
    fn local_throttle_allows_once_per_window() {
        let mut throttle = LocalThrottle::default();
        let start = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let window = chrono::Duration::minutes(5);
        assert!(throttle.allow("k", window, start));
        assert!(!throttle.allow("k", window, start + chrono::Duration::minutes(4)));
        throttle.suppressed("k");
        assert!(throttle.allow("k", window, start + chrono::Duration::minutes(5)));
        assert_eq!(throttle.take_suppressed("k"), 1);
        assert_eq!(throttle.take_suppressed("k"), 0);
        assert!(throttle.allow("other", window, start));
    }
}
