//! The owner's Airtable actions (integrations.md §2.1, §2.3): connect (checked against the
//! base's tables first), disconnect, "Send test record", "Resync all", and the page's view.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use sqlx::PgConnection;

use super::{
    connection::{self, Connection},
    push,
};
use crate::{
    api::{
        error::{AppError, FORM, FieldErrors},
        integrations::{AirtableForm, AirtableView, ImportReport},
    },
    domain::airtable_records::{
        CALL_FIELDS, LEAD_FIELDS, LEAD_MERGE_FIELD, missing_fields, test_lead_fields,
    },
    server::{
        audit::Actor,
        auth::viewer::{Member, audit_entry, require_owner, state},
        businesses::local_time,
        integrations::airtable::{AirtableError, Table},
        jobs::JobKind,
        state::AppState,
    },
};

/// "Resync all" covers this far back.
const RESYNC_DAYS: i64 = 90;
const MAX_TABLE_NAME: usize = 100;

/// The connection as the page shows it; `None` when not connected.
pub async fn view(state: &AppState, owner: &Member) -> Result<Option<AirtableView>, sqlx::Error> {
    let Some(connection) = connection::load(&state.pool, owner.business_id).await? else {
        return Ok(None);
    };
    let (queued, dead): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE status IN ('queued', 'running')),
                count(*) FILTER (WHERE status = 'dead')
         FROM jobs WHERE kind = 'airtable_push' AND business_id = $1",
    )
    .bind(owner.business_id)
    .fetch_one(&state.pool)
    .await?;
    let zone = local_time::zone(&state.pool, owner.business_id).await?;
    let import: Option<(DateTime<Utc>, Option<serde_json::Value>)> = sqlx::query_as(
        "SELECT last_import_at, last_import_report FROM airtable_connections
         WHERE business_id = $1 AND last_import_at IS NOT NULL",
    )
    .bind(owner.business_id)
    .fetch_optional(&state.pool)
    .await?;
    let last_import = import.map(|(at, report)| ImportReport {
        at: local_time::label(at, zone),
        rows: report
            .and_then(|report| serde_json::from_value(report).ok())
            .unwrap_or_default(),
    });
    Ok(Some(AirtableView {
        last_import,
        last_pushed: connection
            .last_pushed_at
            .map(|at| local_time::label(at, zone)),
        base_id: connection.base_id,
        calls_table: connection.calls_table,
        leads_table: connection.leads_table,
        config_table: connection.config_table,
        status: connection.status,
        last_error: connection.last_error,
        queued,
        dead,
    }))
}

/// The form's values, trimmed and checked for shape (before Airtable is asked).
struct Checked {
    api_key: String,
    base_id: String,
    calls_table: String,
    leads_table: String,
    config_table: Option<String>,
}

fn check(form: &AirtableForm) -> Result<Checked, AppError> {
    let mut errors = FieldErrors::default();
    let api_key = form.api_key.trim();
    if api_key.is_empty() {
        errors.add("api_key", "Enter your Airtable personal access token.");
    }
    let base_id = form.base_id.trim();
    let well_formed = base_id.len() == 17
        && base_id.starts_with("app")
        && base_id[3..].chars().all(|c| c.is_ascii_alphanumeric());
    if !well_formed {
        errors.add(
            "base_id",
            "A base id starts with \"app\" followed by 14 letters or digits.",
        );
    }
    let mut table = |field: &str, raw: &str, required: bool| -> Option<String> {
        let name = raw.trim();
        if name.is_empty() {
            if required {
                errors.add(field, "Enter the table's name.");
            }
            return None;
        }
        if name.chars().count() > MAX_TABLE_NAME {
            errors.add(field, "Use at most 100 characters.");
        }
        Some(name.to_owned())
    };
    let calls_table = table("calls_table", &form.calls_table, true);
    let leads_table = table("leads_table", &form.leads_table, true);
    let config_table = table("config_table", &form.config_table, false);
    errors.into_result(Checked {
        api_key: api_key.to_owned(),
        base_id: base_id.to_owned(),
        calls_table: calls_table.unwrap_or_default(),
        leads_table: leads_table.unwrap_or_default(),
        config_table,
    })
}

/// The tables exist and carry §2.2's fields (extra fields are fine).
fn check_tables(checked: &Checked, tables: &[Table]) -> Result<(), AppError> {
    let mut errors = FieldErrors::default();
    let find = |name: &str| tables.iter().find(|table| table.name == name);
    for (field, name, required) in [
        ("calls_table", &checked.calls_table, &CALL_FIELDS[..]),
        ("leads_table", &checked.leads_table, &LEAD_FIELDS[..]),
    ] {
        match find(name) {
            None => errors.add(field, format!("This base has no table named \"{name}\".")),
            Some(table) => {
                let missing = missing_fields(required, &table.fields);
                if !missing.is_empty() {
                    errors.add(field, format!("Missing fields: {}.", missing.join(", ")));
                }
            }
        }
    }
    if let Some(name) = &checked.config_table
        && find(name).is_none()
    {
        errors.add(
            "config_table",
            format!("This base has no table named \"{name}\"."),
        );
    }
    errors.into_result(())
}

pub async fn connect(form: AirtableForm) -> Result<(), AppError> {
    let owner = require_owner().await?;
    let state = state();
    let checked = check(&form)?;
    let tables = match state
        .airtable
        .tables(&checked.api_key, &checked.base_id)
        .await
    {
        Ok(tables) => tables,
        Err(AirtableError::Rejected) => {
            return Err(AppError::invalid(
                "api_key",
                "Airtable rejected this API key.",
            ));
        }
        Err(AirtableError::NotFound(_)) => {
            return Err(AppError::invalid("base_id", "Base not found."));
        }
        Err(err) => {
            tracing::warn!(error = %err, "airtable metadata check failed");
            return Err(AppError::invalid(
                FORM,
                "Airtable did not answer. Please try again in a minute.",
            ));
        }
    };
    check_tables(&checked, &tables)?;
    let now = state.clock.now();
    let sealed = state.secrets.seal(&checked.api_key);
    let mut tx = state.pool.begin().await?;
    sqlx::query(
        "INSERT INTO airtable_connections
             (business_id, base_id, api_key_encrypted, calls_table, leads_table, config_table,
              status, last_error, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'active', NULL, $7, $7)
         ON CONFLICT (business_id) DO UPDATE SET base_id = EXCLUDED.base_id,
             api_key_encrypted = EXCLUDED.api_key_encrypted, calls_table = EXCLUDED.calls_table,
             leads_table = EXCLUDED.leads_table, config_table = EXCLUDED.config_table,
             status = 'active', last_error = NULL, updated_at = EXCLUDED.updated_at",
    )
    .bind(owner.business_id)
    .bind(&checked.base_id)
    .bind(&sealed)
    .bind(&checked.calls_table)
    .bind(&checked.leads_table)
    .bind(&checked.config_table)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    audit_entry(Actor::User(owner.user.id), "integration.airtable_connected")
        .business(owner.business_id)
        .target("airtable_base", &checked.base_id)
        .change("api_key", json!(null), json!("[redacted]"))
        .change("calls_table", json!(null), json!(checked.calls_table))
        .change("leads_table", json!(null), json!(checked.leads_table))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn disconnect() -> Result<(), AppError> {
    let owner = require_owner().await?;
    let state = state();
    let mut tx = state.pool.begin().await?;
    sqlx::query("DELETE FROM airtable_connections WHERE business_id = $1")
        .bind(owner.business_id)
        .execute(&mut *tx)
        .await?;
    cancel_queued_pushes(&mut tx, &owner, state.clock.now()).await?;
    audit_entry(
        Actor::User(owner.user.id),
        "integration.airtable_disconnected",
    )
    .business(owner.business_id)
    .write(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn cancel_queued_pushes(
    conn: &mut PgConnection,
    owner: &Member,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE jobs SET status = 'canceled', finished_at = $3, updated_at = $3
         WHERE kind = $2 AND business_id = $1 AND status = 'queued'",
    )
    .bind(owner.business_id)
    .bind(JobKind::AirtablePush.as_str())
    .bind(now)
    .execute(conn)
    .await
    .map(drop)
}

/// "Send test record": one upsert into the Leads table at once, Airtable's answer shown.
pub async fn send_test_record() -> Result<(), AppError> {
    let owner = require_owner().await?;
    let state = state();
    let connection = connected(&state, &owner).await?;
    let Ok(key) = state.secrets.open(&connection.api_key_encrypted) else {
        return Err(AppError::conflict(
            "The stored API key cannot be read. Connect Airtable again.",
        ));
    };
    let sent = state
        .airtable
        .upsert(
            &key,
            &connection.base_id,
            &connection.leads_table,
            LEAD_MERGE_FIELD,
            test_lead_fields(),
        )
        .await;
    let now = state.clock.now();
    match sent {
        Ok(()) => {
            connection::mark_pushed(&state.pool, owner.business_id, now).await?;
            Ok(())
        }
        Err(err) => {
            // The same marks as a push (a refused key breaks the connection).
            let _ = push::settle(&state, &connection, Err(err.clone()), now).await;
            Err(AppError::conflict(err.to_string()))
        }
    }
}

/// "Resync all": every call and lead of the last 90 days gets its push job, due now.
pub async fn resync() -> Result<(), AppError> {
    let owner = require_owner().await?;
    let state = state();
    connected(&state, &owner).await?;
    let now = state.clock.now();
    let since = now - Duration::days(RESYNC_DAYS);
    let mut tx = state.pool.begin().await?;
    sqlx::query(
        "UPDATE airtable_connections SET status = 'active', last_error = NULL, updated_at = $2
         WHERE business_id = $1",
    )
    .bind(owner.business_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    // Low priority, and paced at the source: record n is due n/rate seconds after the first,
    // so a 250 000-row resync is a trickle the worker meets at Airtable's pace, not a quarter
    // of a million jobs due at once in the bulk lane. Live changes keep their own times.
    let spacing_ms = 1000.0 / f64::from(state.config.airtable.max_requests_per_second.max(1));
    sqlx::query(
        "SELECT airtable_rearm(record, id, $1,
                    $2 + (row_number() OVER (ORDER BY created_at, id) - 1) * $4
                         * interval '1 millisecond')
         FROM (SELECT 'call' AS record, id, created_at FROM calls
               WHERE business_id = $1 AND created_at >= $3
               UNION ALL
               SELECT 'lead', id, created_at FROM leads
               WHERE business_id = $1 AND created_at >= $3) AS mirrored",
    )
    .bind(owner.business_id)
    .bind(now + Duration::seconds(1))
    .bind(since)
    .bind(spacing_ms)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn connected(state: &AppState, owner: &Member) -> Result<Connection, AppError> {
    connection::load(&state.pool, owner.business_id)
        .await?
        .ok_or_else(|| AppError::conflict("Connect Airtable first."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(base_id: &str) -> AirtableForm {
        AirtableForm {
            api_key: "patKEY".into(),
            base_id: base_id.into(),
            calls_table: "Calls".into(),
            leads_table: "Leads".into(),
            config_table: String::new(),
        }
    }

    #[test]
    fn the_form_needs_a_key_a_base_id_and_both_tables() {
        assert!(check(&form("appABCDEFGHIJKLMN")).is_ok());
        for bad in [
            "",
            "appABC",
            "tblABCDEFGHIJKLMN",
            "appABCDEFGHIJKL-N",
            "appABCDEFGHIJKLMNO",
        ] {
            let errors = check(&form(bad)).err().unwrap();
            assert!(errors.field("base_id").is_some(), "{bad}");
        }
        let empty = check(&AirtableForm::default()).err().unwrap();
        for field in ["api_key", "base_id", "calls_table", "leads_table"] {
            assert!(empty.field(field).is_some(), "{field}");
        }
        assert!(empty.field("config_table").is_none(), "optional");
    }

    #[test]
    fn tables_must_exist_with_every_field() {
        let checked = check(&AirtableForm {
            config_table: "Numbers".into(),
            ..form("appABCDEFGHIJKLMN")
        })
        .ok()
        .unwrap();
        let table = |name: &str, fields: &[&str]| Table {
            name: name.into(),
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        };
        let complete = [
            table("Calls", &CALL_FIELDS),
            table("Leads", &LEAD_FIELDS),
            table("Numbers", &["Tracking Number"]),
        ];
        assert!(check_tables(&checked, &complete).is_ok());
        let partial = [
            table("Calls", &CALL_FIELDS[..3]),
            table("Leads", &LEAD_FIELDS),
        ];
        let errors = check_tables(&checked, &partial).err().unwrap();
        let calls = errors.field("calls_table").unwrap();
        assert!(
            calls.starts_with("Missing fields: Tracking Number, Source"),
            "{calls}"
        );
        assert_eq!(
            errors.field("config_table"),
            Some("This base has no table named \"Numbers\".")
        );
        assert!(errors.field("leads_table").is_none());
    }
}
