//! Reading number settings from an Airtable table (integrations.md §2.5): which column means
//! which setting (names matched case-insensitively, with the design note's aliases) and how a
//! cell becomes the form's text. Validation itself is the number form's.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A setting a column can carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Setting {
    TrackingNumber,
    ForwardingNumber,
    Label,
    SmsAutomation,
    RingTimeout,
    CallScreening,
    Recording,
    ShortAnswerSeconds,
}

impl Setting {
    pub const ALL: [Setting; 8] = [
        Setting::TrackingNumber,
        Setting::ForwardingNumber,
        Setting::Label,
        Setting::SmsAutomation,
        Setting::RingTimeout,
        Setting::CallScreening,
        Setting::Recording,
        Setting::ShortAnswerSeconds,
    ];

    /// The column names that mean this setting, lower-case.
    fn names(self) -> &'static [&'static str] {
        match self {
            Setting::TrackingNumber => &["tracking number"],
            Setting::ForwardingNumber => &["forwarding number", "primary number"],
            Setting::Label => &["label", "source"],
            Setting::SmsAutomation => &["sms automation", "sms missed call active?"],
            Setting::RingTimeout => &["ring timeout"],
            Setting::CallScreening => &["call screening"],
            Setting::Recording => &["recording"],
            Setting::ShortAnswerSeconds => &["short answer seconds"],
        }
    }

    /// What the owner reads in the report.
    pub fn label(self) -> &'static str {
        match self {
            Setting::TrackingNumber => "Tracking number",
            Setting::ForwardingNumber => "Forwarding number",
            Setting::Label => "Label",
            Setting::SmsAutomation => "SMS automation",
            Setting::RingTimeout => "Ring timeout",
            Setting::CallScreening => "Call screening",
            Setting::Recording => "Recording",
            Setting::ShortAnswerSeconds => "Short answer seconds",
        }
    }

    pub fn is_switch(self) -> bool {
        matches!(
            self,
            Setting::SmsAutomation | Setting::CallScreening | Setting::Recording
        )
    }

    /// The setting a column name means; unknown columns are ignored.
    pub fn of_column(name: &str) -> Option<Setting> {
        let name = name.trim().to_lowercase();
        Setting::ALL
            .into_iter()
            .find(|setting| setting.names().contains(&name.as_str()))
    }
}

/// A switch cell: Airtable checkboxes, `true/false`, `yes/no`, `1/0` (any case). An empty or
/// absent cell is off, as Airtable leaves unticked checkboxes out of a record.
pub fn switch(cell: Option<&Value>) -> Result<bool, &'static str> {
    match cell {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(on)) => Ok(*on),
        Some(Value::Number(n)) if n.as_i64() == Some(1) => Ok(true),
        Some(Value::Number(n)) if n.as_i64() == Some(0) => Ok(false),
        Some(Value::String(s)) => match s.trim().to_lowercase().as_str() {
            "true" | "yes" | "1" => Ok(true),
            "false" | "no" | "0" | "" => Ok(false),
            _ => Err("Use a checkbox, true/false, yes/no or 1/0."),
        },
        Some(_) => Err("Use a checkbox, true/false, yes/no or 1/0."),
    }
}

/// A text cell as the form would receive it: strings as they are, numbers written out, the
/// first item of a list (lookup fields); `None` for an empty cell.
pub fn text(cell: Option<&Value>) -> Option<String> {
    match cell? {
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(items) => text(items.first()),
        _ => None,
    }
}

/// The cells of one record by setting (first matching column wins).
pub fn cells(record: &Map<String, Value>) -> Vec<(Setting, Option<&Value>)> {
    Setting::ALL
        .into_iter()
        .map(|setting| {
            let cell = record
                .iter()
                .find(|(name, _)| Setting::of_column(name) == Some(setting))
                .map(|(_, value)| value);
            (setting, cell)
        })
        .collect()
}

/// What happened to one row, for the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RowOutcome {
    /// Written; each changed setting as (label, old, new). Empty when nothing differed.
    Applied(Vec<(String, String, String)>),
    /// The number is not one of this business's active numbers.
    Skipped,
    /// Not written; each invalid value as (label, reason).
    NotApplied(Vec<(String, String)>),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowReport {
    /// As the table has it (or "(empty)").
    pub tracking_number: String,
    pub outcome: RowOutcome,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn columns_match_by_name_or_alias_in_any_case() {
        let cases = [
            ("Tracking Number", Some(Setting::TrackingNumber)),
            ("primary number", Some(Setting::ForwardingNumber)),
            ("Forwarding Number", Some(Setting::ForwardingNumber)),
            ("SOURCE", Some(Setting::Label)),
            ("SMS Missed Call Active?", Some(Setting::SmsAutomation)),
            (" Ring Timeout ", Some(Setting::RingTimeout)),
            ("Short Answer Seconds", Some(Setting::ShortAnswerSeconds)),
            ("Client ID", None),
            ("Notes", None),
        ];
        for (name, setting) in cases {
            assert_eq!(Setting::of_column(name), setting, "{name}");
        }
    }

    #[test]
    fn switches_accept_checkboxes_and_the_listed_words() {
        for on in [
            json!(true),
            json!("TRUE"),
            json!("yes"),
            json!("1"),
            json!(1),
        ] {
            assert_eq!(switch(Some(&on)), Ok(true), "{on}");
        }
        for off in [
            json!(false),
            json!("no"),
            json!("0"),
            json!(0),
            json!(""),
            Value::Null,
        ] {
            assert_eq!(switch(Some(&off)), Ok(false), "{off}");
        }
        assert_eq!(switch(None), Ok(false), "an unticked checkbox is left out");
        for bad in [json!("maybe"), json!(2), json!(["yes"])] {
            assert!(switch(Some(&bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn text_cells_become_form_text() {
        assert_eq!(
            text(Some(&json!("+1 512 555 0142"))),
            Some("+1 512 555 0142".into())
        );
        assert_eq!(text(Some(&json!(25))), Some("25".into()));
        assert_eq!(text(Some(&json!(["Ads", "Other"]))), Some("Ads".into()));
        assert_eq!(text(Some(&json!("  "))), None);
        assert_eq!(text(None), None);
    }

    #[test]
    fn cells_pick_each_settings_column() {
        let record = json!({"Primary Number": "+15125550142", "Notes": "x", "SMS Missed Call Active?": true});
        let cells = cells(record.as_object().unwrap());
        let cell = |setting| cells.iter().find(|(s, _)| *s == setting).unwrap().1;
        assert_eq!(
            cell(Setting::ForwardingNumber),
            Some(&json!("+15125550142"))
        );
        assert_eq!(cell(Setting::SmsAutomation), Some(&json!(true)));
        assert_eq!(cell(Setting::TrackingNumber), None);
    }
}
