//! Which business a Twilio request is for (twilio.md §5): the tracking line called, resolved
//! from `To`. The voice webhook's only lookup, so it is cached in-process for at most a few
//! seconds, dropped whenever Postgres announces `numbers_changed`, and kept as the fallback
//! that lets calls ring while the database is down (§6.6).

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use sqlx::{PgPool, postgres::PgListener};
use uuid::Uuid;

/// How long a cached lookup is served before it is read again.
pub const FRESH_FOR: Duration = Duration::from_secs(5);
/// A detached number keeps answering with the moved notice for this long (§10.3).
pub const QUARANTINE_DAYS: i64 = 90;
const CHANNEL: &str = "numbers_changed";

/// An active tracking number with the settings a call uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub number_id: Uuid,
    pub business_id: Uuid,
    pub e164: String,
    pub label: String,
    pub forwarding_number: String,
    pub caller_id_mode: String,
    /// The number's ring timeout, else the business default.
    pub ring_timeout_seconds: i32,
    pub call_screening_enabled: bool,
    pub recording_enabled: bool,
    /// Spoken before dialing: set when recording and the disclosure are both on.
    pub recording_disclosure: Option<String>,
    /// The business's own phones: its notify phone and every active number's forwarding phone.
    pub business_phones: Vec<String>,
}

/// A number detached less than 90 days ago.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MovedLine {
    pub number_id: Uuid,
    pub business_id: Uuid,
    pub e164: String,
    pub label: String,
    /// The replacement sender chosen at detach, while it is still active.
    pub replacement_e164: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolution {
    Active(Arc<Line>),
    Moved(Arc<MovedLine>),
    Unknown,
}

impl Resolution {
    pub fn business_id(&self) -> Option<Uuid> {
        match self {
            Resolution::Active(line) => Some(line.business_id),
            Resolution::Moved(moved) => Some(moved.business_id),
            Resolution::Unknown => None,
        }
    }
}

/// Reads the line for `to` (normalised E.164) from the database.
pub async fn resolve(
    pool: &PgPool,
    to: &str,
    now: DateTime<Utc>,
) -> Result<Resolution, sqlx::Error> {
    type ActiveRow = (
        Uuid,
        Uuid,
        String,
        String,
        String,
        String,
        i32,
        bool,
        bool,
        Option<String>,
        Vec<String>,
    );
    let active: Option<ActiveRow> = sqlx::query_as(
        "SELECT n.id, n.business_id, n.e164, n.label, n.forwarding_number, n.caller_id_mode,
                COALESCE(n.ring_timeout_seconds, b.default_ring_timeout_seconds),
                n.call_screening_enabled, n.recording_enabled,
                CASE WHEN n.recording_enabled AND n.recording_disclosure_enabled
                     THEN n.recording_disclosure_text END,
                b.notify_phone || ARRAY(SELECT f.forwarding_number FROM phone_numbers f
                                        WHERE f.business_id = n.business_id AND f.status = 'active')
         FROM phone_numbers n JOIN businesses b ON b.id = n.business_id
         WHERE n.e164 = $1 AND n.status = 'active' AND b.deleted_at IS NULL",
    )
    .bind(to)
    .fetch_optional(pool)
    .await?;
    if let Some(row) = active {
        return Ok(Resolution::Active(Arc::new(Line {
            number_id: row.0,
            business_id: row.1,
            e164: row.2,
            label: row.3,
            forwarding_number: row.4,
            caller_id_mode: row.5,
            ring_timeout_seconds: row.6,
            call_screening_enabled: row.7,
            recording_enabled: row.8,
            recording_disclosure: row.9,
            business_phones: row.10,
        })));
    }
    let moved: Option<(Uuid, Uuid, String, String, Option<String>)> = sqlx::query_as(
        "SELECT n.id, n.business_id, n.e164, n.label, r.e164
         FROM phone_numbers n
         JOIN businesses b ON b.id = n.business_id
         LEFT JOIN phone_numbers r ON r.id = n.replaced_by_number_id AND r.status = 'active'
         WHERE n.e164 = $1 AND n.status <> 'active' AND b.deleted_at IS NULL
           AND n.detached_at > $2 - make_interval(days => $3)
         ORDER BY n.detached_at DESC
         LIMIT 1",
    )
    .bind(to)
    .bind(now)
    .bind(QUARANTINE_DAYS as i32)
    .fetch_optional(pool)
    .await?;
    Ok(match moved {
        Some(row) => Resolution::Moved(Arc::new(MovedLine {
            number_id: row.0,
            business_id: row.1,
            e164: row.2,
            label: row.3,
            replacement_e164: row.4,
        })),
        None => Resolution::Unknown,
    })
}

/// Lookups by `To`, each remembered with the moment it was read.
pub struct LineCache {
    fresh_for: Duration,
    entries: RwLock<HashMap<String, (Instant, Resolution)>>,
}

/// Where a resolution came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    Current(Resolution),
    /// The database failed; this is the last known answer (an active line only).
    Stale(Arc<Line>),
    /// The database failed and nothing usable was cached.
    Unavailable,
}

impl LineCache {
    pub fn new(fresh_for: Duration) -> Self {
        Self {
            fresh_for,
            entries: RwLock::default(),
        }
    }

    /// The cached answer while fresh, else a database read (bounded by `timeout`); when that
    /// fails, the last known active line.
    pub async fn lookup(
        &self,
        pool: &PgPool,
        to: &str,
        now: DateTime<Utc>,
        timeout: Duration,
    ) -> Lookup {
        if let Some((read_at, resolution)) = self.read().get(to)
            && read_at.elapsed() < self.fresh_for
        {
            return Lookup::Current(resolution.clone());
        }
        match tokio::time::timeout(timeout, resolve(pool, to, now)).await {
            Ok(Ok(resolution)) => {
                let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
                entries.insert(to.to_owned(), (Instant::now(), resolution.clone()));
                Lookup::Current(resolution)
            }
            Ok(Err(err)) => {
                tracing::warn!(error = %err, "tracking number lookup failed");
                self.stale(to)
            }
            Err(_) => {
                tracing::warn!("tracking number lookup timed out");
                self.stale(to)
            }
        }
    }

    fn stale(&self, to: &str) -> Lookup {
        match self.read().get(to) {
            Some((_, Resolution::Active(line))) => Lookup::Stale(line.clone()),
            _ => Lookup::Unavailable,
        }
    }

    /// Marks every entry as needing a fresh read, keeping them as the outage fallback.
    pub fn invalidate(&self) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        let expired = Instant::now()
            .checked_sub(self.fresh_for)
            .unwrap_or_else(Instant::now);
        for (read_at, _) in entries.values_mut() {
            *read_at = expired;
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, (Instant, Resolution)>> {
        self.entries.read().unwrap_or_else(|p| p.into_inner())
    }
}

/// Drops cached lookups on every `numbers_changed` notification; reconnects after failures
/// (meanwhile entries still expire after `FRESH_FOR`).
pub async fn listen_for_changes(
    pool: PgPool,
    cache: Arc<LineCache>,
    shutdown: crate::server::shutdown::Shutdown,
) {
    loop {
        tokio::select! {
            Err(err) = follow_changes(&pool, &cache) => {
                tracing::warn!(error = %err, "numbers_changed listener lost; retrying");
            }
            () = shutdown.triggered() => return,
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(2)) => {}
            () = shutdown.triggered() => return,
        }
    }
}

/// Listens until the connection fails.
async fn follow_changes(pool: &PgPool, cache: &LineCache) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    // Whatever changed while nobody was listening.
    cache.invalidate();
    loop {
        listener.recv().await?;
        cache.invalidate();
    }
}
