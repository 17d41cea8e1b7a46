//! "Import number settings" (integrations.md §2.5): reads every row of the Config table within
//! the request, validates each like the number form, writes every valid row in one transaction
//! and keeps a per-row report for the page. It never creates, buys or detaches numbers, and
//! webhooks never read Airtable: Postgres stays the source of truth.

use serde_json::{Map, Value, json};

use super::{connection, push};
use crate::{
    api::{error::AppError, numbers::NumberSettingsForm},
    domain::number_import::{self, RowOutcome, RowReport, Setting},
    server::{
        audit::Actor,
        auth::viewer::{Member, audit_entry, require_owner, state},
        integrations::airtable::AirtableError,
        numbers::{self, notify_changed, settings},
        phone::{Source, normalize},
        state::AppState,
    },
};

/// A table larger than this is refused rather than read for minutes inside a request.
const MAX_PAGES: usize = 20;

pub async fn import() -> Result<(), AppError> {
    let owner = require_owner().await?;
    let state = state();
    let connection = connection::load(&state.pool, owner.business_id)
        .await?
        .ok_or_else(|| AppError::conflict("Connect Airtable first."))?;
    let Some(table) = connection.config_table.clone() else {
        return Err(AppError::conflict(
            "Name the number settings table first (reconnect with it filled in).",
        ));
    };
    let Ok(key) = state.secrets.open(&connection.api_key_encrypted) else {
        return Err(AppError::conflict(
            "The stored API key cannot be read. Connect Airtable again.",
        ));
    };
    let (columns, records) = match read(&state, &key, &connection.base_id, &table).await {
        Ok(read) => read,
        Err(err) => {
            let now = state.clock.now();
            if matches!(err, AirtableError::Rejected | AirtableError::NotFound(_)) {
                let _ = push::settle(&state, &connection, Err(err.clone()), now).await;
            }
            return Err(AppError::conflict(err.to_string()));
        }
    };
    apply(&state, &owner, &columns, &records).await
}

/// The table's settings columns and every record's fields.
async fn read(
    state: &AppState,
    key: &str,
    base_id: &str,
    table: &str,
) -> Result<(Vec<Setting>, Vec<Map<String, Value>>), AirtableError> {
    let tables = state.airtable.tables(key, base_id).await?;
    let columns: Vec<Setting> = tables
        .iter()
        .find(|t| t.name == table)
        .ok_or_else(|| AirtableError::NotFound(format!("the table \"{table}\"")))?
        .fields
        .iter()
        .filter_map(|name| Setting::of_column(name))
        .collect();
    let mut records = Vec::new();
    let mut offset: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = state
            .airtable
            .records(key, base_id, table, offset.as_deref())
            .await?;
        records.extend(page.records);
        offset = page.offset;
        if offset.is_none() {
            return Ok((columns, records));
        }
    }
    Err(AirtableError::Invalid(format!(
        "the table has more than {} rows",
        MAX_PAGES * 100
    )))
}

async fn apply(
    state: &AppState,
    owner: &Member,
    columns: &[Setting],
    records: &[Map<String, Value>],
) -> Result<(), AppError> {
    let numbers = numbers::list(&state.pool, owner.business_id).await?;
    let mut report = Vec::new();
    let mut writes = Vec::new();
    for record in records {
        let cells = number_import::cells(record);
        let cell = |setting: Setting| {
            cells
                .iter()
                .find(|(s, _)| *s == setting)
                .and_then(|(_, c)| *c)
        };
        let raw_number = number_import::text(cell(Setting::TrackingNumber));
        let tracking_number = raw_number.clone().unwrap_or_else(|| "(empty)".into());
        let e164 =
            raw_number.and_then(|raw| normalize(&raw, Source::Owner).e164().map(str::to_owned));
        let Some(current) = e164.and_then(|e164| {
            numbers
                .iter()
                .find(|n| n.e164 == e164 && n.status == "active")
        }) else {
            report.push(RowReport {
                tracking_number,
                outcome: RowOutcome::Skipped,
            });
            continue;
        };
        let (form, mut problems) = form_for(current, columns, &cell);
        match settings::validate(&form, &current.e164, &state.config.served_countries) {
            Ok(new) if problems.is_empty() => {
                let changed = changed_fields(current, &new);
                writes.push((current.clone(), new));
                report.push(RowReport {
                    tracking_number,
                    outcome: RowOutcome::Applied(changed),
                });
            }
            validated => {
                if let Err(errors) = validated {
                    problems.extend(field_problems(&errors.into_error()));
                }
                report.push(RowReport {
                    tracking_number,
                    outcome: RowOutcome::NotApplied(problems),
                });
            }
        }
    }
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    for (current, new) in &writes {
        settings::write(&mut tx, current.id, new).await?;
    }
    let mut entry = audit_entry(Actor::User(owner.user.id), "integration.config_imported")
        .business(owner.business_id);
    for (current, new) in &writes {
        for (label, old, new) in changed_fields(current, new) {
            entry = entry.change(&format!("{} {label}", current.e164), old, new);
        }
    }
    entry.write(&mut tx).await?;
    if !writes.is_empty() {
        notify_changed(&mut tx, owner.business_id).await?;
    }
    sqlx::query(
        "UPDATE airtable_connections SET last_import_at = $2, last_import_report = $3, updated_at = $2
         WHERE business_id = $1",
    )
    .bind(owner.business_id)
    .bind(now)
    .bind(json!(report))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The number form as the row would fill it: the table's columns over the current settings.
/// Switch problems are found here (the form has no words for them); the rest by `validate`.
fn form_for<'a>(
    current: &crate::api::numbers::NumberView,
    columns: &[Setting],
    cell: &impl Fn(Setting) -> Option<&'a Value>,
) -> (NumberSettingsForm, Vec<(String, String)>) {
    let ticked = |on: bool| on.then(|| "on".to_owned());
    let seconds = |v: Option<i32>| v.map(|s| s.to_string()).unwrap_or_default();
    let mut form = NumberSettingsForm {
        id: current.id.to_string(),
        label: current.label.clone(),
        forwarding_number: current.forwarding_number.clone(),
        caller_id_mode: current.caller_id_mode.clone(),
        ring_timeout: seconds(current.ring_timeout_seconds),
        sms_automation: ticked(current.sms_automation_enabled),
        call_screening: ticked(current.call_screening_enabled),
        recording: ticked(current.recording_enabled),
        recording_disclosure: ticked(current.recording_disclosure_enabled),
        recording_disclosure_text: current.recording_disclosure_text.clone(),
        short_answer_threshold: seconds(current.short_answer_threshold_seconds),
        missed_call_say: ticked(current.missed_call_say_enabled),
    };
    let mut problems = Vec::new();
    for setting in columns
        .iter()
        .copied()
        .filter(|s| *s != Setting::TrackingNumber)
    {
        let value = cell(setting);
        if setting.is_switch() {
            match number_import::switch(value) {
                Ok(on) => {
                    let slot = match setting {
                        Setting::SmsAutomation => &mut form.sms_automation,
                        Setting::CallScreening => &mut form.call_screening,
                        _ => &mut form.recording,
                    };
                    *slot = ticked(on);
                }
                Err(reason) => problems.push((setting.label().to_owned(), reason.to_owned())),
            }
            continue;
        }
        // An empty text cell leaves the setting as it is.
        let Some(text) = number_import::text(value) else {
            continue;
        };
        match setting {
            Setting::ForwardingNumber => form.forwarding_number = text,
            Setting::Label => form.label = text,
            Setting::RingTimeout => form.ring_timeout = text,
            Setting::ShortAnswerSeconds => form.short_answer_threshold = text,
            _ => {}
        }
    }
    (form, problems)
}

/// The form's field errors as (setting label, reason).
fn field_problems(error: &AppError) -> Vec<(String, String)> {
    let label = |field: &str| match field {
        "forwarding_number" => Setting::ForwardingNumber.label(),
        "label" => Setting::Label.label(),
        "ring_timeout" => Setting::RingTimeout.label(),
        "short_answer_threshold" => Setting::ShortAnswerSeconds.label(),
        _ => "Settings",
    };
    match error {
        AppError::Invalid { errors } => errors
            .iter()
            .map(|(field, message)| (label(field).to_owned(), message.clone()))
            .collect(),
        other => vec![("Settings".to_owned(), other.to_string())],
    }
}

/// (label, old, new) of every imported setting that differs.
fn changed_fields(
    old: &crate::api::numbers::NumberView,
    new: &settings::NumberSettings,
) -> Vec<(String, String, String)> {
    let switch = |on: bool| if on { "on" } else { "off" }.to_owned();
    let seconds = |v: Option<i32>| v.map_or_else(|| "–".to_owned(), |s| s.to_string());
    [
        (
            Setting::ForwardingNumber,
            old.forwarding_number.clone(),
            new.forwarding_number.clone(),
        ),
        (Setting::Label, old.label.clone(), new.label.clone()),
        (
            Setting::SmsAutomation,
            switch(old.sms_automation_enabled),
            switch(new.sms_automation_enabled),
        ),
        (
            Setting::RingTimeout,
            seconds(old.ring_timeout_seconds),
            seconds(new.ring_timeout_seconds),
        ),
        (
            Setting::CallScreening,
            switch(old.call_screening_enabled),
            switch(new.call_screening_enabled),
        ),
        (
            Setting::Recording,
            switch(old.recording_enabled),
            switch(new.recording_enabled),
        ),
        (
            Setting::ShortAnswerSeconds,
            seconds(old.short_answer_threshold_seconds),
            seconds(new.short_answer_threshold_seconds),
        ),
    ]
    .into_iter()
    .filter(|(_, old, new)| old != new)
    .map(|(setting, old, new)| (setting.label().to_owned(), old, new))
    .collect()
}
