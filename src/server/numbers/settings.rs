//! Per-number settings (data-model.md §3.6, integrations.md §1): validated like every form,
//! audit-logged with old and new values, effective on the next call.

use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{lock, notify_changed};
use crate::{
    api::{
        error::{AppError, FieldErrors},
        numbers::{NumberSettingsForm, NumberView},
    },
    server::{
        audit::Actor,
        auth::viewer::{audit_entry, require_owner, state},
        businesses::{reject_tracking_numbers, validation::owner_phone},
        phone::ServedCountries,
    },
};

/// The validated settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumberSettings {
    pub label: String,
    pub forwarding_number: String,
    pub caller_id_mode: &'static str,
    pub ring_timeout_seconds: Option<i32>,
    pub sms_automation_enabled: bool,
    pub call_screening_enabled: bool,
    pub recording_enabled: bool,
    pub recording_disclosure_enabled: bool,
    pub recording_disclosure_text: String,
    pub short_answer_threshold_seconds: Option<i32>,
    pub missed_call_say_enabled: bool,
}

pub fn label(raw: &str) -> Result<String, &'static str> {
    let label = raw.trim();
    match label.chars().count() {
        0 => Ok("Main line".to_owned()),
        61.. => Err("Use at most 60 characters."),
        _ => Ok(label.to_owned()),
    }
}

fn optional_seconds(
    raw: &str,
    range: std::ops::RangeInclusive<i32>,
    message: &'static str,
) -> Result<Option<i32>, &'static str> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    match raw.parse::<i32>() {
        Ok(value) if range.contains(&value) => Ok(Some(value)),
        _ => Err(message),
    }
}

pub fn validate(
    form: &NumberSettingsForm,
    e164: &str,
    served: &ServedCountries,
) -> Result<NumberSettings, FieldErrors> {
    let mut errors = FieldErrors::default();
    let label = errors.check("label", label(&form.label));
    let forwarding = errors.check(
        "forwarding_number",
        owner_phone(&form.forwarding_number, served),
    );
    if forwarding.as_deref() == Some(e164) {
        errors.add(
            "forwarding_number",
            "Calls cannot forward to the tracking number itself.",
        );
    }
    let caller_id_mode = match form.caller_id_mode.trim() {
        "" | "caller" => "caller",
        "tracking_number" => "tracking_number",
        _ => {
            errors.add(
                "caller_id_mode",
                "Choose what your phone shows for forwarded calls.",
            );
            "caller"
        }
    };
    let ring = errors.check(
        "ring_timeout",
        optional_seconds(
            &form.ring_timeout,
            5..=90,
            "Use a whole number of seconds from 5 to 90, or leave it empty.",
        ),
    );
    let short = errors.check(
        "short_answer_threshold",
        optional_seconds(
            &form.short_answer_threshold,
            5..=60,
            "Use 5 to 60 seconds, or leave it empty to turn it off.",
        ),
    );
    let disclosure = form.recording_disclosure_text.trim();
    let disclosure = if disclosure.is_empty() {
        "This call may be recorded."
    } else {
        disclosure
    };
    if disclosure.chars().count() > 200 {
        errors.add("recording_disclosure_text", "Use at most 200 characters.");
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(NumberSettings {
        label: label.unwrap_or_default(),
        forwarding_number: forwarding.unwrap_or_default(),
        caller_id_mode,
        ring_timeout_seconds: ring.flatten(),
        sms_automation_enabled: form.sms_automation.is_some(),
        call_screening_enabled: form.call_screening.is_some(),
        recording_enabled: form.recording.is_some(),
        recording_disclosure_enabled: form.recording_disclosure.is_some(),
        recording_disclosure_text: disclosure.to_owned(),
        short_answer_threshold_seconds: short.flatten(),
        missed_call_say_enabled: form.missed_call_say.is_some(),
    })
}

pub async fn update(form: NumberSettingsForm) -> Result<(), AppError> {
    let owner = require_owner().await?;
    let state = state();
    let mut tx = state.pool.begin().await?;
    let current = lock(&mut tx, owner.business_id, &form.id).await?;
    if current.status != "active" {
        return Err(AppError::conflict("Only active numbers can be changed."));
    }
    let new = validate(&form, &current.e164, &state.config.served_countries)
        .map_err(FieldErrors::into_error)?;
    reject_tracking_numbers(
        &state.pool,
        &[("forwarding_number", &new.forwarding_number)],
    )
    .await?;
    write(&mut tx, current.id, &new).await?;
    changes(
        audit_entry(Actor::User(owner.user.id), "number.updated"),
        &current,
        &new,
    )
    .business(owner.business_id)
    .target("phone_number", current.id)
    .write(&mut tx)
    .await?;
    notify_changed(&mut tx, owner.business_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Stores validated settings on a number (the form and the Airtable import).
pub async fn write(
    conn: &mut PgConnection,
    id: Uuid,
    new: &NumberSettings,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE phone_numbers SET label = $2, forwarding_number = $3, caller_id_mode = $4, ring_timeout_seconds = $5,
             sms_automation_enabled = $6, call_screening_enabled = $7, recording_enabled = $8,
             recording_disclosure_enabled = $9, recording_disclosure_text = $10, short_answer_threshold_seconds = $11,
             missed_call_say_enabled = $12, updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(&new.label)
    .bind(&new.forwarding_number)
    .bind(new.caller_id_mode)
    .bind(new.ring_timeout_seconds)
    .bind(new.sms_automation_enabled)
    .bind(new.call_screening_enabled)
    .bind(new.recording_enabled)
    .bind(new.recording_disclosure_enabled)
    .bind(&new.recording_disclosure_text)
    .bind(new.short_answer_threshold_seconds)
    .bind(new.missed_call_say_enabled)
    .execute(conn)
    .await
    .map(drop)
}

pub fn changes(
    entry: crate::server::audit::Entry,
    old: &NumberView,
    new: &NumberSettings,
) -> crate::server::audit::Entry {
    let int = |v: Option<i32>| v.map_or(Value::Null, Value::from);
    entry
        .change("label", old.label.clone(), new.label.clone())
        .change(
            "forwarding_number",
            old.forwarding_number.clone(),
            new.forwarding_number.clone(),
        )
        .change(
            "caller_id_mode",
            old.caller_id_mode.clone(),
            new.caller_id_mode,
        )
        .change(
            "ring_timeout_seconds",
            int(old.ring_timeout_seconds),
            int(new.ring_timeout_seconds),
        )
        .change(
            "sms_automation_enabled",
            old.sms_automation_enabled,
            new.sms_automation_enabled,
        )
        .change(
            "call_screening_enabled",
            old.call_screening_enabled,
            new.call_screening_enabled,
        )
        .change(
            "recording_enabled",
            old.recording_enabled,
            new.recording_enabled,
        )
        .change(
            "recording_disclosure_enabled",
            old.recording_disclosure_enabled,
            new.recording_disclosure_enabled,
        )
        .change(
            "recording_disclosure_text",
            old.recording_disclosure_text.clone(),
            new.recording_disclosure_text.clone(),
        )
        .change(
            "short_answer_threshold_seconds",
            int(old.short_answer_threshold_seconds),
            int(new.short_answer_threshold_seconds),
        )
        .change(
            "missed_call_say_enabled",
            old.missed_call_say_enabled,
            new.missed_call_say_enabled,
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> NumberSettingsForm {
        NumberSettingsForm {
            id: "x".into(),
            label: "Search ads".into(),
            forwarding_number: "(512) 555-0142".into(),
            caller_id_mode: "tracking_number".into(),
            ring_timeout: "25".into(),
            sms_automation: Some("on".into()),
            call_screening: None,
            recording: Some("on".into()),
            recording_disclosure: Some("on".into()),
            recording_disclosure_text: "".into(),
            short_answer_threshold: "15".into(),
            missed_call_say: None,
        }
    }

    #[test]
    fn valid_settings() {
        let settings = validate(&form(), "+15125550199", &ServedCountries::default()).unwrap();
        assert_eq!(settings.forwarding_number, "+15125550142");
        assert_eq!(settings.caller_id_mode, "tracking_number");
        assert_eq!(settings.ring_timeout_seconds, Some(25));
        assert_eq!(settings.short_answer_threshold_seconds, Some(15));
        assert!(
            settings.sms_automation_enabled
                && settings.recording_enabled
                && !settings.call_screening_enabled
        );
        assert_eq!(
            settings.recording_disclosure_text,
            "This call may be recorded."
        );
        assert!(!settings.missed_call_say_enabled);
    }

    #[test]
    fn invalid_settings_name_each_field() {
        let mut bad = form();
        bad.label = "x".repeat(61);
        bad.forwarding_number = "+15125550199".into();
        bad.caller_id_mode = "nobody".into();
        bad.ring_timeout = "2".into();
        bad.short_answer_threshold = "61".into();
        bad.recording_disclosure_text = "y".repeat(201);
        let error = validate(&bad, "+15125550199", &ServedCountries::default())
            .unwrap_err()
            .into_error();
        for field in [
            "label",
            "forwarding_number",
            "caller_id_mode",
            "ring_timeout",
            "short_answer_threshold",
            "recording_disclosure_text",
        ] {
            assert!(error.field(field).is_some(), "{field}");
        }
    }

    #[test]
    fn blank_optional_values_mean_defaults() {
        let mut blank = form();
        blank.label = " ".into();
        blank.ring_timeout = "".into();
        blank.short_answer_threshold = "".into();
        let settings = validate(&blank, "+15125550199", &ServedCountries::default()).unwrap();
        assert_eq!(settings.label, "Main line");
        assert_eq!(settings.ring_timeout_seconds, None);
        assert_eq!(settings.short_answer_threshold_seconds, None);
    }
}
