use std::{process::ExitCode, time::Duration};

use sqlx::PgPool;

use crate::server::{
    cli::RequeueDeadArgs,
    clock::{Clock as _, SystemClock},
    db,
    jobs::{JobKind, queue},
};

use super::load_config;

/// The configured database, or the exit code after saying what is wrong.
async fn connect_configured(retry_for: Duration) -> Result<PgPool, ExitCode> {
    let config = load_config()?;
    db::connect(&config.database, retry_for)
        .await
        .map_err(|err| {
            eprintln!("cannot connect to the database: {err}");
            ExitCode::FAILURE
        })
}

/// `migrate`: apply pending migrations, one line per applied version.
pub async fn migrate() -> ExitCode {
    let pool = match connect_configured(Duration::from_secs(30)).await {
        Ok(pool) => pool,
        Err(code) => return code,
    };
    match db::migrate(&pool).await {
        Ok(applied) if applied.is_empty() => {
            println!("No pending migrations.");
            ExitCode::SUCCESS
        }
        Ok(applied) => {
            for migration in applied {
                println!("applied {} {}", migration.version, migration.description);
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("migration failed: {err}");
            ExitCode::FAILURE
        }
    }
}

/// `db-smoke`: PASS or `FAIL: <reason>`.
pub async fn db_smoke() -> ExitCode {
    let config = match load_config() {
        Ok(config) => config,
        Err(code) => return code,
    };
    match db::smoke(&config.database).await {
        Ok(summary) => {
            println!("{summary}\nPASS");
            ExitCode::SUCCESS
        }
        Err(reason) => {
            println!("FAIL: {reason}");
            ExitCode::FAILURE
        }
    }
}

/// `requeue-dead [--kind] [--id]`.
pub async fn requeue_dead(args: RequeueDeadArgs) -> ExitCode {
    let kind = match args
        .kind
        .as_deref()
        .map(|raw| JobKind::parse(raw).ok_or(raw))
    {
        Some(Err(raw)) => {
            let known: Vec<_> = JobKind::ALL.iter().map(|k| k.as_str()).collect();
            eprintln!("unknown job kind {raw:?}; one of: {}", known.join(", "));
            return ExitCode::from(2);
        }
        Some(Ok(kind)) => Some(kind),
        None => None,
    };
    let pool = match connect_configured(Duration::from_secs(10)).await {
        Ok(pool) => pool,
        Err(code) => return code,
    };
    match queue::requeue_dead(&pool, SystemClock.now(), kind, args.id).await {
        Ok(count) => {
            println!("{count} dead job(s) requeued");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("requeue failed: {err}");
            ExitCode::FAILURE
        }
    }
}
