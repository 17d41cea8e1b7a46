//! The stored connection of a business (data-model.md §3.18) and the marks the push job
//! leaves on it: last successful push, last error, `error` status when Airtable refuses the key
//! or the base.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Connection {
    pub business_id: Uuid,
    pub base_id: String,
    pub api_key_encrypted: Vec<u8>,
    pub calls_table: String,
    pub leads_table: String,
    pub config_table: Option<String>,
    pub status: String,
    pub last_error: Option<String>,
    pub last_pushed_at: Option<DateTime<Utc>>,
}

pub async fn load(pool: &PgPool, business_id: Uuid) -> Result<Option<Connection>, sqlx::Error> {
    sqlx::query_as(
        "SELECT business_id, base_id, api_key_encrypted, calls_table, leads_table, config_table,
                status, last_error, last_pushed_at
         FROM airtable_connections WHERE business_id = $1",
    )
    .bind(business_id)
    .fetch_optional(pool)
    .await
}

/// What an error does to the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// One record failed (422); the connection keeps pushing the others.
    Record,
    /// The connection stops pushing until the owner reconnects (401, 403, 404, unreadable key).
    Broken,
}

/// Shows `message` as the last error; a broken connection also leaves `active`.
pub async fn record_error(
    pool: &PgPool,
    business_id: Uuid,
    severity: Severity,
    message: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE airtable_connections
         SET status = CASE WHEN $4 THEN 'error' ELSE status END, last_error = $2, updated_at = $3
         WHERE business_id = $1",
    )
    .bind(business_id)
    .bind(message)
    .bind(now)
    .bind(severity == Severity::Broken)
    .execute(pool)
    .await
    .map(drop)
}

pub async fn mark_pushed(
    pool: &PgPool,
    business_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE airtable_connections SET last_pushed_at = $2, updated_at = $2 WHERE business_id = $1",
    )
    .bind(business_id)
    .bind(now)
    .execute(pool)
    .await
    .map(drop)
}
