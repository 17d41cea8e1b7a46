//! The service heartbeat: every running worker records that it is alive, so a starting instance
//! can tell how long nothing was running (twilio.md §10.5).

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::server::{clock::SharedClock, shutdown::Shutdown};

/// Touches the heartbeat every `interval` until shutdown.
pub(super) async fn heartbeat_loop(
    pool: PgPool,
    clock: SharedClock,
    interval: Duration,
    shutdown: Shutdown,
) {
    loop {
        if let Err(err) = write_heartbeat(&pool, clock.now()).await {
            tracing::warn!(error = %err, "heartbeat write failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.triggered() => return,
        }
    }
}

/// Records that a worker is alive (read at startup to detect an outage, twilio.md §10.5).
pub async fn write_heartbeat(pool: &PgPool, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO service_heartbeat (id, last_seen_at) VALUES (true, $1)
         ON CONFLICT (id) DO UPDATE
         SET last_seen_at = GREATEST(service_heartbeat.last_seen_at, EXCLUDED.last_seen_at)",
    )
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}
