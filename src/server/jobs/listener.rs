//! Wake-ups for the worker loop.

use std::time::Duration;

use sqlx::{PgPool, postgres::PgListener};

use super::queue::JOBS_READY_CHANNEL;

/// `NOTIFY jobs_ready` wake-ups on a dedicated connection; when it breaks, the poll interval
/// carries the load until it reconnects.
pub(super) struct JobsReadyListener {
    pool: PgPool,
    listener: Option<PgListener>,
    retry_pause: Duration,
}

impl JobsReadyListener {
    pub(super) fn new(pool: PgPool, retry_pause: Duration) -> Self {
        Self {
            pool,
            listener: None,
            retry_pause,
        }
    }

    /// Resolves on the next notification, or after a pause while the connection is down.
    pub(super) async fn next(&mut self) {
        if self.listener.is_none() {
            match PgListener::connect_with(&self.pool).await {
                Ok(mut listener) => match listener.listen(JOBS_READY_CHANNEL).await {
                    Ok(()) => self.listener = Some(listener),
                    Err(err) => tracing::warn!(error = %err, "LISTEN failed; polling only"),
                },
                Err(err) => {
                    tracing::warn!(error = %err, "job listener could not connect; polling only")
                }
            }
            if self.listener.is_none() {
                tokio::time::sleep(self.retry_pause).await;
                return;
            }
        }
        if let Some(listener) = self.listener.as_mut()
            && let Err(err) = listener.recv().await
        {
            tracing::warn!(error = %err, "job listener lost its connection; polling until it reconnects");
            self.listener = None;
        }
    }
}
