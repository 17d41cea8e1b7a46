//! The Airtable records of integrations.md §2.2: a call or a lead as the exact fields the Calls
//! and Leads tables receive. Server only (time zone tables).

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value, json};
use uuid::Uuid;

pub const CALL_MERGE_FIELD: &str = "Call SID";
pub const LEAD_MERGE_FIELD: &str = "Lead ID";

/// The fields every Calls table must have (checked when connecting).
pub const CALL_FIELDS: [&str; 11] = [
    "Call SID",
    "Started At",
    "From",
    "Tracking Number",
    "Source",
    "Outcome",
    "Missed Reason",
    "Talk Seconds",
    "Recorded",
    "Lead ID",
    "Lead Link",
];

/// The fields every Leads table must have.
pub const LEAD_FIELDS: [&str; 17] = [
    "Lead ID",
    "Created At",
    "Last Activity",
    "Caller",
    "Name",
    "Source",
    "Tracking Number",
    "Source Label",
    "Status",
    "Conversation",
    "Service",
    "Urgency",
    "Postal Code",
    "Best Time",
    "Billing Required",
    "Calls",
    "Link",
];

/// A call as the Calls table shows it.
#[derive(Clone, Debug)]
pub struct CallRecord {
    pub call_sid: String,
    pub started_at: DateTime<Utc>,
    pub from: Option<String>,
    pub tracking_number: String,
    pub source_label: String,
    pub outcome: String,
    pub missed_reason: Option<String>,
    pub talk_seconds: Option<i32>,
    pub recorded: bool,
    pub lead_id: Option<Uuid>,
}

/// A lead as the Leads table shows it.
#[derive(Clone, Debug)]
pub struct LeadRecord {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_activity_at: DateTime<Utc>,
    pub caller: String,
    pub name: Option<String>,
    pub source: String,
    pub tracking_number: String,
    pub source_label: String,
    pub status: String,
    pub conversation: String,
    pub service: Option<String>,
    pub urgency: Option<String>,
    pub postal_code: Option<String>,
    pub best_time: Option<String>,
    pub billing_required: bool,
    pub calls: i32,
}

/// ISO 8601 in the business's zone, e.g. `2026-03-02T09:15:00-06:00`.
pub fn local_time(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

pub fn outcome_label(outcome: &str) -> &'static str {
    match outcome {
        "answered" => "Answered",
        "missed" => "Missed",
        "internal" => "Internal",
        "moved" => "Moved",
        _ => "Pending",
    }
}

pub fn missed_reason_label(reason: &str) -> &'static str {
    match reason {
        "no_answer" => "No answer",
        "busy" => "Busy",
        "failed" => "Failed",
        "canceled" => "Canceled",
        "screening_not_accepted" => "Not accepted / voicemail",
        "short_answer" => "Answered too briefly",
        "caller_hung_up" => "Caller hung up",
        _ => "",
    }
}

fn lead_link(base_url: &str, id: Uuid) -> String {
    format!("{}/app/leads/{id}", base_url.trim_end_matches('/'))
}

fn text(value: &Option<String>) -> Value {
    Value::String(value.clone().unwrap_or_default())
}

pub fn call_fields(call: &CallRecord, zone: Tz, base_url: &str) -> Map<String, Value> {
    let fields = json!({
        "Call SID": call.call_sid,
        "Started At": local_time(call.started_at, zone),
        "From": text(&call.from),
        "Tracking Number": call.tracking_number,
        "Source": call.source_label,
        "Outcome": outcome_label(&call.outcome),
        "Missed Reason": call.missed_reason.as_deref().map(missed_reason_label).unwrap_or_default(),
        "Talk Seconds": call.talk_seconds,
        "Recorded": call.recorded,
        "Lead ID": call.lead_id.map(|id| id.to_string()).unwrap_or_default(),
        "Lead Link": call.lead_id.map(|id| lead_link(base_url, id)).unwrap_or_default(),
    });
    into_map(fields)
}

pub fn lead_fields(lead: &LeadRecord, zone: Tz, base_url: &str) -> Map<String, Value> {
    let fields = json!({
        "Lead ID": lead.id.to_string(),
        "Created At": local_time(lead.created_at, zone),
        "Last Activity": local_time(lead.last_activity_at, zone),
        "Caller": lead.caller,
        "Name": text(&lead.name),
        "Source": if lead.source == "sms" { "Text" } else { "Call" },
        "Tracking Number": lead.tracking_number,
        "Source Label": lead.source_label,
        "Status": lead.status,
        "Conversation": lead.conversation,
        "Service": text(&lead.service),
        "Urgency": text(&lead.urgency),
        "Postal Code": text(&lead.postal_code),
        "Best Time": text(&lead.best_time),
        "Billing Required": lead.billing_required,
        "Calls": lead.calls,
        "Link": lead_link(base_url, lead.id),
    });
    into_map(fields)
}

/// The "Send test record" upsert (§2.1): merge key `test-record`, other fields empty.
pub fn test_lead_fields() -> Map<String, Value> {
    into_map(json!({ "Lead ID": "test-record", "Name": "Test record" }))
}

fn into_map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The required fields a table lacks, in the order §2.2 lists them.
pub fn missing_fields<'a>(required: &[&'a str], present: &[String]) -> Vec<&'a str> {
    let mut missing: Vec<&str> = Vec::new();
    for field in required {
        if !present.iter().any(|name| name == field) && !missing.contains(field) {
            missing.push(field);
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339).unwrap().to_utc()
    }

    fn call() -> CallRecord {
        CallRecord {
            call_sid: "CA1".into(),
            started_at: at("2026-03-02T15:15:00Z"),
            from: Some("+15125550100".into()),
            tracking_number: "+15125550199".into(),
            source_label: "Search ads".into(),
            outcome: "missed".into(),
            missed_reason: Some("screening_not_accepted".into()),
            talk_seconds: Some(4),
            recorded: true,
            lead_id: Some(Uuid::nil()),
        }
    }

    fn lead() -> LeadRecord {
        LeadRecord {
            id: Uuid::nil(),
            created_at: at("2026-03-02T15:15:00Z"),
            last_activity_at: at("2026-07-02T15:21:40Z"),
            caller: "+15125550100".into(),
            name: Some("Pat Morgan".into()),
            source: "call".into(),
            tracking_number: "+15125550199".into(),
            source_label: "Search ads".into(),
            status: "QUALIFIED".into(),
            conversation: "COMPLETED".into(),
            service: Some("Install".into()),
            urgency: None,
            postal_code: Some("78704".into()),
            best_time: Some("Afternoon".into()),
            billing_required: false,
            calls: 2,
        }
    }

    #[test]
    fn times_carry_the_business_offset_for_that_date() {
        let chicago: Tz = "America/Chicago".parse().unwrap();
        assert_eq!(
            local_time(at("2026-03-02T15:15:00Z"), chicago),
            "2026-03-02T09:15:00-06:00"
        );
        assert_eq!(
            local_time(at("2026-07-02T15:21:40Z"), chicago),
            "2026-07-02T10:21:40-05:00"
        );
    }

    #[test]
    fn a_call_record_has_exactly_the_calls_table_fields() {
        let fields = call_fields(&call(), Tz::UTC, "https://app.example.com/");
        let mut names: Vec<&str> = fields.keys().map(String::as_str).collect();
        let mut expected = CALL_FIELDS.to_vec();
        names.sort_unstable();
        expected.sort_unstable();
        assert_eq!(names, expected);
        assert_eq!(fields["Outcome"], "Missed");
        assert_eq!(fields["Missed Reason"], "Not accepted / voicemail");
        assert_eq!(fields["Talk Seconds"], 4);
        assert_eq!(fields["Recorded"], true);
        assert_eq!(
            fields["Lead Link"],
            "https://app.example.com/app/leads/00000000-0000-0000-0000-000000000000"
        );
    }

    #[test]
    fn an_unlinked_hidden_caller_call_leaves_those_fields_empty() {
        let record = CallRecord {
            from: None,
            lead_id: None,
            missed_reason: None,
            talk_seconds: None,
            outcome: "pending".into(),
            ..call()
        };
        let fields = call_fields(&record, Tz::UTC, "https://app.example.com");
        assert_eq!(fields["From"], "");
        assert_eq!(fields["Lead ID"], "");
        assert_eq!(fields["Lead Link"], "");
        assert_eq!(fields["Missed Reason"], "");
        assert_eq!(fields["Talk Seconds"], Value::Null);
        assert_eq!(fields["Outcome"], "Pending");
    }

    #[test]
    fn a_lead_record_has_exactly_the_leads_table_fields() {
        let fields = lead_fields(&lead(), Tz::UTC, "https://app.example.com");
        let mut names: Vec<&str> = fields.keys().map(String::as_str).collect();
        let mut expected = LEAD_FIELDS.to_vec();
        names.sort_unstable();
        expected.sort_unstable();
        assert_eq!(names, expected);
        assert_eq!(fields["Source"], "Call");
        assert_eq!(fields["Urgency"], "");
        assert_eq!(fields["Calls"], 2);
        assert_eq!(fields["Billing Required"], false);
        let text_lead = LeadRecord {
            source: "sms".into(),
            ..lead()
        };
        let fields = lead_fields(&text_lead, Tz::UTC, "https://app.example.com");
        assert_eq!(fields["Source"], "Text");
    }

    #[test]
    fn every_outcome_and_missed_reason_has_its_label() {
        for (outcome, label) in [
            ("answered", "Answered"),
            ("missed", "Missed"),
            ("internal", "Internal"),
            ("pending", "Pending"),
        ] {
            assert_eq!(outcome_label(outcome), label);
        }
        for (reason, label) in [
            ("no_answer", "No answer"),
            ("busy", "Busy"),
            ("failed", "Failed"),
            ("canceled", "Canceled"),
            ("screening_not_accepted", "Not accepted / voicemail"),
            ("short_answer", "Answered too briefly"),
            ("caller_hung_up", "Caller hung up"),
        ] {
            assert_eq!(missed_reason_label(reason), label);
        }
    }

    #[test]
    fn missing_fields_are_named_once_in_spec_order() {
        let present = vec![
            "Call SID".to_owned(),
            "Outcome".to_owned(),
            "Extra".to_owned(),
        ];
        let missing = missing_fields(&CALL_FIELDS, &present);
        assert_eq!(missing.first(), Some(&"Started At"));
        assert!(!missing.contains(&"Outcome"));
        assert_eq!(missing.len(), CALL_FIELDS.len() - 2);
        assert!(missing_fields(&["A", "A"], &[]) == vec!["A"]);
    }
}
