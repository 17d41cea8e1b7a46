//! Business settings (web.md §6.5): the onboarding rules plus the automation settings;
//! every save re-validates everything and audits the changed fields.

use chrono::NaiveTime;
use serde_json::Value;
use uuid::Uuid;

use super::{
    reject_tracking_numbers,
    validation::{self, Profile},
};
use crate::{
    api::{
        error::{AppError, FieldErrors},
        settings::{BusinessSettings, SettingsForm, SettingsPage},
    },
    domain::{
        gsm7::{is_gsm7, normalise_punctuation, segments},
        templates::{IntroTrigger, intro},
    },
    server::{
        audit::{Actor, Entry},
        auth::viewer::{audit_entry, require_owner, state},
        phone::ServedCountries,
    },
};

/// Validated settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub profile: Profile,
    pub greeting_text: Option<String>,
    pub quiet_hours_start: NaiveTime,
    pub quiet_hours_end: NaiveTime,
    pub repeat_caller_window_hours: i32,
    pub stall_nudge_enabled: bool,
    pub stall_nudge_delay_minutes: i32,
    pub relay_to_owner_enabled: bool,
    pub relay_max_per_hour: i32,
    pub emergency_alert_enabled: bool,
    pub agents_can_play_recordings: bool,
}

/// Optional custom opening: 1..160 GSM-7 characters containing `{business}`.
pub fn greeting(raw: &str) -> Result<Option<String>, &'static str> {
    let greeting = normalise_punctuation(raw.trim());
    if greeting.is_empty() {
        return Ok(None);
    }
    if greeting.chars().count() > 160 {
        Err("Use at most 160 characters.")
    } else if !greeting.contains("{business}") {
        Err("Include {business} where your business name should appear.")
    } else if !is_gsm7(&greeting) {
        Err("Use letters, digits and common punctuation only (no emoji or special symbols).")
    } else {
        Ok(Some(greeting))
    }
}

/// `HH:MM`, 24-hour.
pub fn local_time(raw: &str, default: NaiveTime) -> Result<NaiveTime, &'static str> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(default);
    }
    NaiveTime::parse_from_str(raw, "%H:%M").map_err(|_| "Use a 24-hour time like 21:00.")
}

fn whole(
    raw: &str,
    default: i32,
    range: std::ops::RangeInclusive<i32>,
    message: &'static str,
) -> Result<i32, &'static str> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(default);
    }
    raw.parse::<i32>()
        .ok()
        .filter(|v| range.contains(v))
        .ok_or(message)
}

pub fn validate(form: &SettingsForm, served: &ServedCountries) -> Result<Settings, FieldErrors> {
    let (profile, mut errors) = match validation::profile(&form.profile, served) {
        Ok(profile) => (Some(profile), FieldErrors::default()),
        Err(errors) => (None, errors),
    };
    let greeting = errors.check("greeting_text", greeting(&form.greeting_text));
    let nine_pm = NaiveTime::from_hms_opt(21, 0, 0).unwrap_or_default();
    let eight_am = NaiveTime::from_hms_opt(8, 0, 0).unwrap_or_default();
    let start = errors.check(
        "quiet_hours_start",
        local_time(&form.quiet_hours_start, nine_pm),
    );
    let end = errors.check(
        "quiet_hours_end",
        local_time(&form.quiet_hours_end, eight_am),
    );
    let window = errors.check(
        "repeat_caller_window_hours",
        whole(
            &form.repeat_caller_window_hours,
            24,
            1..=168,
            "Use 1 to 168 hours.",
        ),
    );
    let nudge_delay = errors.check(
        "stall_nudge_delay_minutes",
        whole(
            &form.stall_nudge_delay_minutes,
            120,
            30..=1440,
            "Use 30 to 1440 minutes.",
        ),
    );
    let relay_max = errors.check(
        "relay_max_per_hour",
        whole(
            &form.relay_max_per_hour,
            5,
            1..=30,
            "Use 1 to 30 texts per hour.",
        ),
    );
    match (
        profile,
        greeting,
        start,
        end,
        window,
        nudge_delay,
        relay_max,
    ) {
        (
            Some(profile),
            Some(greeting_text),
            Some(start),
            Some(end),
            Some(window),
            Some(delay),
            Some(max),
        ) if errors.is_empty() => Ok(Settings {
            profile,
            greeting_text,
            quiet_hours_start: start,
            quiet_hours_end: end,
            repeat_caller_window_hours: window,
            stall_nudge_enabled: form.stall_nudge_enabled.is_some(),
            stall_nudge_delay_minutes: delay,
            relay_to_owner_enabled: form.relay_to_owner_enabled.is_some(),
            relay_max_per_hour: max,
            emergency_alert_enabled: form.emergency_alert_enabled.is_some(),
            agents_can_play_recordings: form.agents_can_play_recordings.is_some(),
        }),
        _ => Err(errors),
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    name: String,
    timezone: String,
    notify_phone: String,
    default_forwarding_number: Option<String>,
    service_label_1: String,
    service_label_2: Option<String>,
    service_label_3: Option<String>,
    default_ring_timeout_seconds: i32,
    greeting_text: Option<String>,
    quiet_hours_start: NaiveTime,
    quiet_hours_end: NaiveTime,
    repeat_caller_window_hours: i32,
    stall_nudge_enabled: bool,
    stall_nudge_delay_minutes: i32,
    relay_to_owner_enabled: bool,
    relay_max_per_hour: i32,
    emergency_alert_enabled: bool,
    agents_can_play_recordings: bool,
}

impl From<Row> for BusinessSettings {
    fn from(row: Row) -> Self {
        BusinessSettings {
            name: row.name,
            timezone: row.timezone,
            notify_phone: row.notify_phone,
            default_forwarding: row.default_forwarding_number,
            service_labels: [
                Some(row.service_label_1),
                row.service_label_2,
                row.service_label_3,
            ],
            default_ring_timeout: row.default_ring_timeout_seconds,
            greeting_text: row.greeting_text,
            quiet_hours_start: row.quiet_hours_start.format("%H:%M").to_string(),
            quiet_hours_end: row.quiet_hours_end.format("%H:%M").to_string(),
            repeat_caller_window_hours: row.repeat_caller_window_hours,
            stall_nudge_enabled: row.stall_nudge_enabled,
            stall_nudge_delay_minutes: row.stall_nudge_delay_minutes,
            relay_to_owner_enabled: row.relay_to_owner_enabled,
            relay_max_per_hour: row.relay_max_per_hour,
            emergency_alert_enabled: row.emergency_alert_enabled,
            agents_can_play_recordings: row.agents_can_play_recordings,
        }
    }
}

pub async fn load(pool: &sqlx::PgPool, business_id: Uuid) -> Result<BusinessSettings, sqlx::Error> {
    let row: Row = sqlx::query_as(
        "SELECT name, timezone, notify_phone, default_forwarding_number, service_label_1, service_label_2, service_label_3,
                default_ring_timeout_seconds, greeting_text, quiet_hours_start, quiet_hours_end, repeat_caller_window_hours,
                stall_nudge_enabled, stall_nudge_delay_minutes, relay_to_owner_enabled, relay_max_per_hour,
                emergency_alert_enabled, agents_can_play_recordings
         FROM businesses WHERE id = $1",
    )
    .bind(business_id)
    .fetch_one(pool)
    .await?;
    Ok(row.into())
}

pub async fn page() -> Result<SettingsPage, AppError> {
    let owner = require_owner().await?;
    let state = state();
    let settings = load(&state.pool, owner.business_id).await?;
    let labels: Vec<&str> = settings
        .service_labels
        .iter()
        .flatten()
        .map(String::as_str)
        .collect();
    let intro_preview = intro(
        &settings.name,
        settings.greeting_text.as_deref(),
        &labels,
        IntroTrigger::MissedCall,
    );
    let intro_segments = segments(&intro_preview);
    let mut time_zones: Vec<String> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name().to_owned())
        .filter(|name| name.contains('/') && !name.starts_with("Etc/"))
        .collect();
    time_zones.sort();
    Ok(SettingsPage {
        settings,
        time_zones,
        intro_preview,
        intro_segments,
    })
}

pub async fn save(form: SettingsForm) -> Result<(), AppError> {
    let owner = require_owner().await?;
    let state = state();
    let new = validate(&form, &state.config.served_countries).map_err(FieldErrors::into_error)?;
    let profile = &new.profile;
    reject_tracking_numbers(
        &state.pool,
        &[
            ("notify_phone", &profile.notify_phone),
            ("forwarding_phone", &profile.forwarding_phone),
        ],
    )
    .await?;
    let old = load(&state.pool, owner.business_id).await?;
    let mut tx = state.pool.begin().await?;
    let [label_1, label_2, label_3] = &profile.service_labels;
    sqlx::query(
        "UPDATE businesses SET name = $2, timezone = $3, notify_phone = $4, default_forwarding_number = $5,
             service_label_1 = $6, service_label_2 = $7, service_label_3 = $8, default_ring_timeout_seconds = $9,
             greeting_text = $10, quiet_hours_start = $11, quiet_hours_end = $12, repeat_caller_window_hours = $13,
             stall_nudge_enabled = $14, stall_nudge_delay_minutes = $15, relay_to_owner_enabled = $16,
             relay_max_per_hour = $17, emergency_alert_enabled = $18, agents_can_play_recordings = $19, updated_at = now()
         WHERE id = $1",
    )
    .bind(owner.business_id)
    .bind(&profile.name)
    .bind(&profile.timezone)
    .bind(&profile.notify_phone)
    .bind(&profile.forwarding_phone)
    .bind(label_1)
    .bind(label_2)
    .bind(label_3)
    .bind(profile.ring_timeout)
    .bind(&new.greeting_text)
    .bind(new.quiet_hours_start)
    .bind(new.quiet_hours_end)
    .bind(new.repeat_caller_window_hours)
    .bind(new.stall_nudge_enabled)
    .bind(new.stall_nudge_delay_minutes)
    .bind(new.relay_to_owner_enabled)
    .bind(new.relay_max_per_hour)
    .bind(new.emergency_alert_enabled)
    .bind(new.agents_can_play_recordings)
    .execute(&mut *tx)
    .await?;
    changes(
        audit_entry(Actor::User(owner.user.id), "business.settings_updated"),
        &old,
        &new,
    )
    .business(owner.business_id)
    .target("business", owner.business_id)
    .write(&mut tx)
    .await?;
    crate::server::numbers::notify_changed(&mut tx, owner.business_id).await?;
    tx.commit().await?;
    Ok(())
}

fn changes(entry: Entry, old: &BusinessSettings, new: &Settings) -> Entry {
    let p = &new.profile;
    let text = |v: &Option<String>| v.clone().map_or(Value::Null, Value::from);
    let time = |t: NaiveTime| t.format("%H:%M").to_string();
    entry
        .change("name", old.name.clone(), p.name.clone())
        .change("timezone", old.timezone.clone(), p.timezone.clone())
        .change(
            "notify_phone",
            old.notify_phone.clone(),
            p.notify_phone.clone(),
        )
        .change(
            "default_forwarding_number",
            text(&old.default_forwarding),
            p.forwarding_phone.clone(),
        )
        .change(
            "service_label_1",
            text(&old.service_labels[0]),
            text(&p.service_labels[0]),
        )
        .change(
            "service_label_2",
            text(&old.service_labels[1]),
            text(&p.service_labels[1]),
        )
        .change(
            "service_label_3",
            text(&old.service_labels[2]),
            text(&p.service_labels[2]),
        )
        .change(
            "default_ring_timeout_seconds",
            old.default_ring_timeout,
            p.ring_timeout,
        )
        .change(
            "greeting_text",
            text(&old.greeting_text),
            text(&new.greeting_text),
        )
        .change(
            "quiet_hours_start",
            old.quiet_hours_start.clone(),
            time(new.quiet_hours_start),
        )
        .change(
            "quiet_hours_end",
            old.quiet_hours_end.clone(),
            time(new.quiet_hours_end),
        )
        .change(
            "repeat_caller_window_hours",
            old.repeat_caller_window_hours,
            new.repeat_caller_window_hours,
        )
        .change(
            "stall_nudge_enabled",
            old.stall_nudge_enabled,
            new.stall_nudge_enabled,
        )
        .change(
            "stall_nudge_delay_minutes",
            old.stall_nudge_delay_minutes,
            new.stall_nudge_delay_minutes,
        )
        .change(
            "relay_to_owner_enabled",
            old.relay_to_owner_enabled,
            new.relay_to_owner_enabled,
        )
        .change(
            "relay_max_per_hour",
            old.relay_max_per_hour,
            new.relay_max_per_hour,
        )
        .change(
            "emergency_alert_enabled",
            old.emergency_alert_enabled,
            new.emergency_alert_enabled,
        )
        .change(
            "agents_can_play_recordings",
            old.agents_can_play_recordings,
            new.agents_can_play_recordings,
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greetings() {
        assert_eq!(greeting(""), Ok(None));
        assert_eq!(
            greeting("Hi from {business}!").unwrap().as_deref(),
            Some("Hi from {business}!")
        );
        assert!(greeting("Hi there!").is_err(), "must name the business");
        assert!(greeting(&format!("{{business}}{}", "x".repeat(151))).is_err());
        assert!(greeting("Hi from {business} 😀").is_err());
        assert_eq!(
            greeting("It’s {business}").unwrap().as_deref(),
            Some("It's {business}")
        );
    }

    #[test]
    fn times_and_ranges() {
        let nine = NaiveTime::from_hms_opt(21, 0, 0).unwrap();
        assert_eq!(local_time("", nine), Ok(nine));
        assert_eq!(
            local_time("02:30", nine),
            Ok(NaiveTime::from_hms_opt(2, 30, 0).unwrap())
        );
        assert!(local_time("25:00", nine).is_err());
        assert!(local_time("9pm", nine).is_err());
        assert_eq!(whole("", 24, 1..=168, "x"), Ok(24));
        assert_eq!(whole("168", 24, 1..=168, "x"), Ok(168));
        assert!(whole("169", 24, 1..=168, "x").is_err());
    }
}
