//! The session store: tower-sessions' Postgres store for creating sessions, with two rules of
//! ours on top (web.md §3.2):
//! - saving never re-inserts: a request that loaded the session before a sign-out and saves it
//!   afterwards (every request saves, to move the inactivity deadline) updates nothing instead
//!   of bringing the signed-out session back;
//! - a session ends `ABSOLUTE_LIFETIME_DAYS` after it was created (at sign-in), however often
//!   it is used.

use async_trait::async_trait;
use chrono::Duration;
use sqlx::PgPool;
use tower_sessions::{
    SessionStore,
    session::{Id, Record},
    session_store,
};
use tower_sessions_sqlx_store::PostgresStore;

use crate::server::clock::SharedClock;

/// However active, a session is signed out this long after its sign-in.
pub const ABSOLUTE_LIFETIME_DAYS: i64 = 90;

#[derive(Clone)]
pub struct SessionRows {
    created_by: PostgresStore,
    pool: PgPool,
    clock: SharedClock,
}

impl SessionRows {
    pub fn new(pool: PgPool, clock: SharedClock) -> Self {
        let created_by = PostgresStore::new(pool.clone())
            .with_schema_name("public")
            .and_then(|store| store.with_table_name("sessions"))
            .expect("constant identifiers are valid");
        Self {
            created_by,
            pool,
            clock,
        }
    }
}

/// `SessionStore` needs `Debug`; the clock has none to give.
impl std::fmt::Debug for SessionRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionRows").finish_non_exhaustive()
    }
}

fn backend(err: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(err.to_string())
}

#[async_trait]
impl SessionStore for SessionRows {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        self.created_by.create(record).await?;
        sqlx::query("UPDATE sessions SET created_at = $2 WHERE id = $1")
            .bind(record.id.to_string())
            .bind(self.clock.now())
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = rmp_serde::to_vec(record)
            .map_err(|err| session_store::Error::Encode(err.to_string()))?;
        sqlx::query("UPDATE sessions SET data = $2, expiry_date = $3 WHERE id = $1")
            .bind(record.id.to_string())
            .bind(data)
            .bind(record.expiry_date)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, session_id: &Id) -> session_store::Result<Option<Record>> {
        // The inactivity expiry is stamped by tower-sessions from the system time; the absolute
        // lifetime is ours, from the injected clock at creation.
        let data: Option<Vec<u8>> = sqlx::query_scalar(
            "SELECT data FROM sessions WHERE id = $1 AND expiry_date > $2 AND created_at > $3",
        )
        .bind(session_id.to_string())
        .bind(chrono::Utc::now())
        .bind(self.clock.now() - Duration::days(ABSOLUTE_LIFETIME_DAYS))
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        data.map(|data| {
            rmp_serde::from_slice(&data)
                .map_err(|err| session_store::Error::Decode(err.to_string()))
        })
        .transpose()
    }

    async fn delete(&self, session_id: &Id) -> session_store::Result<()> {
        self.created_by.delete(session_id).await
    }
}
