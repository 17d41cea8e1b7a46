//! The events outbound webhooks carry (integrations.md §3.2): their types, the `Lead` and
//! message snapshots, and the envelope, serialized once into the exact bytes every attempt sends.
//! Field order follows the spec, so bodies read the same in every receiver's log.

use serde::{Deserialize, Serialize};

/// What an endpoint can subscribe to, plus `ping` ("Send test event"), which needs no
/// subscription.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventType {
    LeadCreated,
    LeadQualified,
    LeadCompleted,
    LeadStatusChanged,
    MessageReceived,
    Ping,
}

impl EventType {
    /// The types an owner can subscribe an endpoint to, in the order the page lists them.
    pub const SUBSCRIBABLE: [EventType; 5] = [
        EventType::LeadCreated,
        EventType::LeadQualified,
        EventType::LeadCompleted,
        EventType::LeadStatusChanged,
        EventType::MessageReceived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::LeadCreated => "lead.created",
            EventType::LeadQualified => "lead.qualified",
            EventType::LeadCompleted => "lead.completed",
            EventType::LeadStatusChanged => "lead.status_changed",
            EventType::MessageReceived => "message.received",
            EventType::Ping => "ping",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::SUBSCRIBABLE
            .into_iter()
            .chain([EventType::Ping])
            .find(|event| event.as_str() == raw)
    }

    /// When it fires, in the owner's words.
    pub fn description(self) -> &'static str {
        match self {
            EventType::LeadCreated => "A lead is created (call or text)",
            EventType::LeadQualified => "A lead answers the ZIP question and becomes qualified",
            EventType::LeadCompleted => "A caller finishes the questions",
            EventType::LeadStatusChanged => "A lead's status changes",
            EventType::MessageReceived => "A caller texts in",
            EventType::Ping => "Test event",
        }
    }

    /// The name of the form field that subscribes an endpoint to this type.
    pub fn field_name(self) -> &'static str {
        match self {
            EventType::LeadCreated => "event_lead_created",
            EventType::LeadQualified => "event_lead_qualified",
            EventType::LeadCompleted => "event_lead_completed",
            EventType::LeadStatusChanged => "event_lead_status_changed",
            EventType::MessageReceived => "event_message_received",
            EventType::Ping => "event_ping",
        }
    }
}

/// Who changed a lead's status: someone signed in, or the product itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangedBy {
    User,
    System,
}

impl ChangedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangedBy::User => "user",
            ChangedBy::System => "system",
        }
    }
}

#[cfg(feature = "ssr")]
pub use body::*;

/// The bodies; only the server builds them.
#[cfg(feature = "ssr")]
mod body {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Serialize, Serializer};
    use uuid::Uuid;

    use super::{ChangedBy, EventType};

    /// §3.2's `Lead`, as it is when the event happens.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize)]
    pub struct LeadSnapshot {
        pub id: Uuid,
        #[serde(serialize_with = "iso_utc")]
        pub created_at: DateTime<Utc>,
        pub source: String,
        pub caller_phone: String,
        pub contact_name: Option<String>,
        pub status: String,
        pub conversation_state: String,
        pub service: Option<String>,
        pub urgency: Option<String>,
        pub postal_code: Option<String>,
        pub postal_country: Option<String>,
        pub best_time: Option<String>,
        pub billing_required: bool,
        pub billing_block_reason: Option<String>,
        pub tracking_number: String,
        pub source_label: String,
        /// The lead's page in the dashboard.
        pub url: String,
    }

    /// §3.2's `message` of `message.received`.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize)]
    pub struct MessageSnapshot {
        pub id: Uuid,
        pub lead_id: Uuid,
        pub from: String,
        pub to: String,
        pub body: String,
        pub media_count: i32,
        #[serde(serialize_with = "iso_utc")]
        pub received_at: DateTime<Utc>,
    }

    /// What an event says, by type.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize)]
    #[serde(untagged)]
    pub enum EventData {
        Lead {
            lead: LeadSnapshot,
        },
        StatusChanged {
            lead: LeadSnapshot,
            previous_status: String,
            #[serde(serialize_with = "changed_by_name")]
            changed_by: ChangedBy,
        },
        Message {
            message: MessageSnapshot,
            lead: LeadSnapshot,
        },
        Ping {
            endpoint_id: Uuid,
        },
    }

    #[derive(Serialize)]
    struct Envelope<'a> {
        id: &'a str,
        #[serde(rename = "type")]
        kind: &'static str,
        created: i64,
        business_id: Uuid,
        data: &'a EventData,
    }

    /// `evt_<uuid>`, the shape `webhook_events.id` requires.
    pub fn event_id(uuid: Uuid) -> String {
        format!("evt_{}", uuid.hyphenated())
    }

    /// The exact bytes of the event: built once, stored, and sent unchanged by every attempt.
    pub fn envelope_body(
        id: &str,
        kind: EventType,
        created: DateTime<Utc>,
        business_id: Uuid,
        data: &EventData,
    ) -> Vec<u8> {
        let envelope = Envelope {
            id,
            kind: kind.as_str(),
            created: created.timestamp(),
            business_id,
            data,
        };
        serde_json::to_vec(&envelope).expect("an envelope of strings and numbers serializes")
    }

    fn iso_utc<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&at.to_rfc3339_opts(SecondsFormat::Secs, true))
    }

    fn changed_by_name<S: Serializer>(by: &ChangedBy, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(by.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_round_trip_and_field_names_are_form_safe() {
        for kind in EventType::SUBSCRIBABLE.into_iter().chain([EventType::Ping]) {
            assert_eq!(EventType::parse(kind.as_str()), Some(kind));
            assert_eq!(
                kind.field_name(),
                format!("event_{}", kind.as_str().replace('.', "_"))
            );
        }
        assert_eq!(EventType::parse("lead.deleted"), None);
        assert_eq!(EventType::parse("LEAD.CREATED"), None);
        assert_eq!(
            EventType::LeadStatusChanged.field_name(),
            "event_lead_status_changed"
        );
    }

    #[cfg(feature = "ssr")]
    mod bodies {
        use chrono::{TimeZone, Utc};
        use uuid::Uuid;

        use super::super::*;

        fn lead() -> LeadSnapshot {
            LeadSnapshot {
                id: Uuid::from_u128(1),
                created_at: Utc.with_ymd_and_hms(2026, 3, 2, 15, 15, 0).unwrap(),
                source: "call".into(),
                caller_phone: "+15125550100".into(),
                contact_name: None,
                status: "NEW".into(),
                conversation_state: "AWAITING_SERVICE".into(),
                service: Some("Repair".into()),
                urgency: None,
                postal_code: None,
                postal_country: None,
                best_time: None,
                billing_required: false,
                billing_block_reason: None,
                tracking_number: "+15125550199".into(),
                source_label: "Search ads".into(),
                url: "https://app.example.com/app/leads/00000000-0000-0000-0000-000000000001"
                    .into(),
            }
        }

        fn body(kind: EventType, data: &EventData) -> String {
            let created = Utc.with_ymd_and_hms(2023, 11, 14, 22, 13, 20).unwrap();
            let bytes = envelope_body(
                "evt_00000000-0000-0000-0000-0000000000aa",
                kind,
                created,
                Uuid::from_u128(2),
                data,
            );
            String::from_utf8(bytes).unwrap()
        }

        #[test]
        fn the_envelope_keeps_the_specs_order_and_the_leads_fields() {
            let body = body(EventType::LeadCreated, &EventData::Lead { lead: lead() });
            assert_eq!(
                body,
                concat!(
                    r#"{"id":"evt_00000000-0000-0000-0000-0000000000aa","type":"lead.created","#,
                    r#""created":1700000000,"business_id":"00000000-0000-0000-0000-000000000002","#,
                    r#""data":{"lead":{"id":"00000000-0000-0000-0000-000000000001","#,
                    r#""created_at":"2026-03-02T15:15:00Z","source":"call","#,
                    r#""caller_phone":"+15125550100","contact_name":null,"status":"NEW","#,
                    r#""conversation_state":"AWAITING_SERVICE","service":"Repair","urgency":null,"#,
                    r#""postal_code":null,"postal_country":null,"best_time":null,"#,
                    r#""billing_required":false,"billing_block_reason":null,"#,
                    r#""tracking_number":"+15125550199","source_label":"Search ads","#,
                    r#""url":"https://app.example.com/app/leads/00000000-0000-0000-0000-000000000001"}}}"#
                )
            );
        }

        #[test]
        fn status_changes_say_what_it_was_and_who_changed_it() {
            let body = body(
                EventType::LeadStatusChanged,
                &EventData::StatusChanged {
                    lead: lead(),
                    previous_status: "NEW".into(),
                    changed_by: ChangedBy::System,
                },
            );
            let value: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(value["type"], "lead.status_changed");
            assert_eq!(value["data"]["previous_status"], "NEW");
            assert_eq!(value["data"]["changed_by"], "system");
            assert!(body.contains(r#""data":{"lead":{"#), "{body}");
        }

        #[test]
        fn a_message_comes_before_its_lead() {
            let message = MessageSnapshot {
                id: Uuid::from_u128(3),
                lead_id: Uuid::from_u128(1),
                from: "+15125550100".into(),
                to: "+15125550199".into(),
                body: "Leak \"under\" the sink".into(),
                media_count: 1,
                received_at: Utc.with_ymd_and_hms(2026, 3, 2, 15, 16, 5).unwrap(),
            };
            let body = body(
                EventType::MessageReceived,
                &EventData::Message {
                    message,
                    lead: lead(),
                },
            );
            assert!(
                body.contains(concat!(
                    r#""data":{"message":{"id":"00000000-0000-0000-0000-000000000003","#,
                    r#""lead_id":"00000000-0000-0000-0000-000000000001","from":"+15125550100","#,
                    r#""to":"+15125550199","body":"Leak \"under\" the sink","media_count":1,"#,
                    r#""received_at":"2026-03-02T15:16:05Z"},"lead":{"#
                )),
                "{body}"
            );
        }

        #[test]
        fn event_ids_have_the_stored_shape() {
            let id = event_id(Uuid::from_u128(0xab));
            assert_eq!(id, "evt_00000000-0000-0000-0000-0000000000ab");
        }
    }
}
