//! The Postgres pool, embedded migrations and the `db-smoke` check.

use std::{collections::HashSet, time::Duration};

use sqlx::{
    PgPool,
    migrate::Migrator,
    postgres::{PgConnectOptions, PgPoolOptions},
};

use super::config::DatabaseConfig;

/// Migrations are compiled into the binary, so a release needs no migrations folder.
pub static MIGRATOR: Migrator = sqlx::migrate!();

/// No statement on a pooled connection runs longer: a runaway query or a lock wait cannot hold
/// one of the few connections every tenant's webhooks share. Housekeeping raises it locally.
pub const STATEMENT_TIMEOUT: &str = "30s";
/// A transaction left idle (a task stuck between its statements) is ended by the server, so
/// its connection and row locks come back.
pub const IDLE_IN_TRANSACTION_TIMEOUT: &str = "60s";

/// Connects, retrying for up to `retry_for` while Postgres is starting (operations.md §2).
/// Every connection carries `STATEMENT_TIMEOUT` and `IDLE_IN_TRANSACTION_TIMEOUT`.
pub async fn connect(config: &DatabaseConfig, retry_for: Duration) -> Result<PgPool, sqlx::Error> {
    let options: PgConnectOptions = config.url.expose().parse()?;
    let options = options.options([
        ("statement_timeout", STATEMENT_TIMEOUT),
        (
            "idle_in_transaction_session_timeout",
            IDLE_IN_TRANSACTION_TIMEOUT,
        ),
    ]);
    let deadline = tokio::time::Instant::now() + retry_for;
    loop {
        let attempt = PgPoolOptions::new()
            .max_connections(config.max_connections)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options.clone())
            .await;
        match attempt {
            Ok(pool) => return Ok(pool),
            Err(err) if tokio::time::Instant::now() < deadline => {
                tracing::warn!(error = %err, "database not reachable yet; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(err) => return Err(err),
        }
    }
}

/// A migration applied by `migrate`.
#[derive(Debug)]
pub struct Applied {
    pub version: i64,
    pub description: String,
}

/// Applies pending migrations under Postgres's migration advisory lock (so concurrent
/// instances never race) and returns what was applied.
pub async fn migrate(pool: &PgPool) -> Result<Vec<Applied>, sqlx::migrate::MigrateError> {
    let before = applied_versions(pool).await.unwrap_or_default();
    // On a connection of its own without the pool's statement timeout (an index build on a big
    // table may take minutes); it is closed afterwards rather than returned with that setting.
    let mut conn = pool.acquire().await?.detach();
    sqlx::query("SET statement_timeout = 0")
        .execute(&mut conn)
        .await?;
    MIGRATOR.run(&mut conn).await?;
    Ok(MIGRATOR
        .iter()
        .filter(|m| !before.contains(&m.version))
        .map(|m| Applied {
            version: m.version,
            description: m.description.to_string(),
        })
        .collect())
}

async fn applied_versions(pool: &PgPool) -> Result<HashSet<i64>, sqlx::Error> {
    let exists: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(pool)
        .await?;
    if !exists {
        return Ok(HashSet::new());
    }
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(pool)
            .await?;
    Ok(versions.into_iter().collect())
}

/// Migrations compiled into this binary that the database has not applied.
pub async fn pending_migrations(pool: &PgPool) -> Result<usize, sqlx::Error> {
    let applied = applied_versions(pool).await?;
    Ok(MIGRATOR
        .iter()
        .filter(|m| !applied.contains(&m.version))
        .count())
}

/// `db-smoke`: connect, `SELECT 1`, server version, pending migrations.
pub async fn smoke(config: &DatabaseConfig) -> Result<String, String> {
    let pool = connect(config, Duration::from_secs(5))
        .await
        .map_err(|err| {
            format!(
                "cannot connect: {}",
                err.to_string().lines().next().unwrap_or("")
            )
        })?;
    let one: i32 = sqlx::query_scalar("SELECT 1")
        .fetch_one(&pool)
        .await
        .map_err(|err| format!("SELECT 1 failed: {err}"))?;
    let version: String = sqlx::query_scalar("SHOW server_version")
        .fetch_one(&pool)
        .await
        .map_err(|err| format!("cannot read the server version: {err}"))?;
    let pending = pending_migrations(&pool)
        .await
        .map_err(|err| format!("cannot read migrations: {err}"))?;
    pool.close().await;
    Ok(format!(
        "SELECT 1 = {one}; PostgreSQL {version}; {pending} pending migration(s)"
    ))
}
