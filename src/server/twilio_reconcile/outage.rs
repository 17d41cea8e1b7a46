//! Trigger (a) of twilio.md §10.5: a webhook that could not reach the database notes the time;
//! a watcher then probes the database and, once it answers, enqueues `twilio_reconcile` for
//! [first failure − 5 min, recovery] so whatever Twilio gave up on is recovered.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::{domain::reconcile_window::Window, server::clock::SharedClock};

/// How often the watcher asks the database whether it is back.
const PROBE_EVERY: Duration = Duration::from_secs(2);

#[derive(Clone, Debug, Default)]
pub struct OutageWatch {
    /// Off without Twilio credentials: there would be nothing to read.
    enabled: bool,
    first_failure: Arc<Mutex<Option<DateTime<Utc>>>>,
}

impl OutageWatch {
    pub fn new(enabled: bool) -> Self {
        Self {
            enabled,
            first_failure: Arc::default(),
        }
    }

    /// Whether an outage is being watched (reported and not yet recovered).
    pub fn is_watching(&self) -> bool {
        self.first_failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    /// A webhook could not record its state. The first report of an outage starts the watcher;
    /// later ones while it runs change nothing.
    pub fn database_failed(&self, pool: &PgPool, clock: &SharedClock) {
        if !self.enabled {
            return;
        }
        {
            let mut first = self.first_failure.lock().unwrap_or_else(|p| p.into_inner());
            if first.is_some() {
                return;
            }
            *first = Some(clock.now());
        }
        tokio::spawn(watch(self.clone(), pool.clone(), clock.clone()));
    }
}

async fn watch(outage: OutageWatch, pool: PgPool, clock: SharedClock) {
    let Some(first_failure) = *outage
        .first_failure
        .lock()
        .unwrap_or_else(|p| p.into_inner())
    else {
        return;
    };
    loop {
        let probe = tokio::time::timeout(PROBE_EVERY, sqlx::query("SELECT 1").execute(&pool)).await;
        if matches!(probe, Ok(Ok(_))) {
            let window = Window::after_outage(first_failure, clock.now());
            let enqueued = match pool.acquire().await {
                Ok(mut conn) => super::enqueue(&mut conn, window, clock.now()).await,
                Err(err) => Err(err),
            };
            match enqueued {
                Ok(_) => {
                    tracing::info!(event = "twilio.reconcile_enqueued", start = %window.start, end = %window.end, "the database is back; reconciling Twilio's logs for the outage");
                    *outage
                        .first_failure
                        .lock()
                        .unwrap_or_else(|p| p.into_inner()) = None;
                    return;
                }
                Err(err) => {
                    tracing::warn!(error = %err, "database answered but the reconcile job could not be enqueued; retrying")
                }
            }
        }
        tokio::time::sleep(PROBE_EVERY).await;
    }
}
