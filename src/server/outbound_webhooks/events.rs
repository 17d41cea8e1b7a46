//! Emitting events (integrations.md §3.2, §3.4): in the transaction that changed the lead, the
//! body is built from the rows as they now are, stored in `webhook_events`, and one
//! `webhook_deliver` job is queued per enabled endpoint subscribed to the type. A business
//! without such an endpoint pays one indexed lookup and stores nothing.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{
    domain::{
        outbound_events::{
            ChangedBy, EventData, EventType, LeadSnapshot, MessageSnapshot, envelope_body, event_id,
        },
        owner_texts::lead_link,
    },
    server::{
        jobs::{self, JobKind, NewJob},
        state::AppState,
    },
};

/// Something that happened to a lead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LeadEvent {
    Created,
    Qualified,
    Completed,
    StatusChanged {
        previous: String,
        changed_by: ChangedBy,
    },
}

impl LeadEvent {
    fn kind(&self) -> EventType {
        match self {
            LeadEvent::Created => EventType::LeadCreated,
            LeadEvent::Qualified => EventType::LeadQualified,
            LeadEvent::Completed => EventType::LeadCompleted,
            LeadEvent::StatusChanged { .. } => EventType::LeadStatusChanged,
        }
    }

    fn data(&self, lead: LeadSnapshot) -> EventData {
        match self {
            LeadEvent::StatusChanged {
                previous,
                changed_by,
            } => EventData::StatusChanged {
                lead,
                previous_status: previous.clone(),
                changed_by: *changed_by,
            },
            _ => EventData::Lead { lead },
        }
    }
}

/// Where and when the events happen.
#[derive(Clone, Copy, Debug)]
pub struct Occasion<'a> {
    pub business_id: Uuid,
    /// `PUBLIC_BASE_URL`, for the lead's `url`.
    pub base_url: &'a str,
    pub now: DateTime<Utc>,
}

impl<'a> Occasion<'a> {
    /// Now, in `business_id`, with this instance's base URL.
    pub fn new(state: &'a AppState, business_id: Uuid, now: DateTime<Utc>) -> Self {
        Self {
            business_id,
            base_url: &state.config.public_base_url,
            now,
        }
    }
}

/// A signed-in person moved the lead's status away from `previous`.
pub async fn status_changed_by_user(
    conn: &mut PgConnection,
    occasion: Occasion<'_>,
    lead_id: Uuid,
    previous: &str,
) -> Result<(), sqlx::Error> {
    let changed = LeadEvent::StatusChanged {
        previous: previous.to_owned(),
        changed_by: ChangedBy::User,
    };
    lead_events(conn, occasion, lead_id, &[changed]).await
}

/// Emits `events` about one lead, in this order, each to its subscribers.
pub async fn lead_events(
    conn: &mut PgConnection,
    occasion: Occasion<'_>,
    lead_id: Uuid,
    events: &[LeadEvent],
) -> Result<(), sqlx::Error> {
    let kinds: Vec<EventType> = events.iter().map(LeadEvent::kind).collect();
    let endpoints = subscribers(conn, occasion.business_id, &kinds).await?;
    if endpoints.is_empty() {
        return Ok(());
    }
    let Some(lead) = lead_snapshot(conn, lead_id, occasion.base_url).await? else {
        return Ok(());
    };
    for event in events {
        let data = event.data(lead.clone());
        record(conn, occasion, event.kind(), &data, &endpoints).await?;
    }
    Ok(())
}

/// Emits `message.received` for an inbound text just linked to its lead.
pub async fn message_received(
    conn: &mut PgConnection,
    occasion: Occasion<'_>,
    message_id: Uuid,
) -> Result<(), sqlx::Error> {
    let kind = EventType::MessageReceived;
    let endpoints = subscribers(conn, occasion.business_id, &[kind]).await?;
    if endpoints.is_empty() {
        return Ok(());
    }
    let Some(message) = message_snapshot(conn, message_id).await? else {
        return Ok(());
    };
    let Some(lead) = lead_snapshot(conn, message.lead_id, occasion.base_url).await? else {
        return Ok(());
    };
    let data = EventData::Message { message, lead };
    record(conn, occasion, kind, &data, &endpoints).await
}

/// "Send test event": a `ping` for one endpoint, whatever it subscribes to.
pub async fn ping(
    conn: &mut PgConnection,
    occasion: Occasion<'_>,
    endpoint_id: Uuid,
) -> Result<(), sqlx::Error> {
    let endpoint = Subscriber {
        id: endpoint_id,
        events: vec![EventType::Ping.as_str().to_owned()],
    };
    let data = EventData::Ping { endpoint_id };
    record(conn, occasion, EventType::Ping, &data, &[endpoint]).await
}

/// The key of an event's first delivery to an endpoint (§3.4).
pub fn delivery_key(endpoint_id: Uuid, event_id: &str) -> String {
    format!("job:webhook:{endpoint_id}:{event_id}")
}

/// The delivery job for `event_id` to `endpoint_id` under `key`.
pub fn delivery_job(
    key: String,
    business_id: Uuid,
    endpoint_id: Uuid,
    event_id: &str,
    run_at: DateTime<Utc>,
) -> NewJob {
    NewJob::new(JobKind::WebhookDeliver, key, run_at)
        .business(business_id)
        .payload(json!({ "endpoint_id": endpoint_id, "event_id": event_id }))
}

#[derive(sqlx::FromRow)]
struct Subscriber {
    id: Uuid,
    events: Vec<String>,
}

async fn subscribers(
    conn: &mut PgConnection,
    business_id: Uuid,
    kinds: &[EventType],
) -> Result<Vec<Subscriber>, sqlx::Error> {
    let kinds: Vec<&str> = kinds.iter().map(|kind| kind.as_str()).collect();
    sqlx::query_as(
        "SELECT id, events FROM webhook_endpoints
         WHERE business_id = $1 AND enabled AND events && $2::text[]
         ORDER BY created_at, id",
    )
    .bind(business_id)
    .bind(&kinds)
    .fetch_all(conn)
    .await
}

async fn record(
    conn: &mut PgConnection,
    occasion: Occasion<'_>,
    kind: EventType,
    data: &EventData,
    endpoints: &[Subscriber],
) -> Result<(), sqlx::Error> {
    let subscribed: Vec<Uuid> = endpoints
        .iter()
        .filter(|endpoint| endpoint.events.iter().any(|event| event == kind.as_str()))
        .map(|endpoint| endpoint.id)
        .collect();
    if subscribed.is_empty() {
        return Ok(());
    }
    let id = event_id(Uuid::new_v4());
    let body = envelope_body(&id, kind, occasion.now, occasion.business_id, data);
    sqlx::query(
        "INSERT INTO webhook_events (id, business_id, type, body, created_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&id)
    .bind(occasion.business_id)
    .bind(kind.as_str())
    .bind(&body)
    .bind(occasion.now)
    .execute(&mut *conn)
    .await?;
    for endpoint_id in subscribed {
        let key = delivery_key(endpoint_id, &id);
        let job = delivery_job(key, occasion.business_id, endpoint_id, &id, occasion.now);
        jobs::enqueue(conn, &job).await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct LeadRow {
    id: Uuid,
    created_at: DateTime<Utc>,
    source: String,
    caller_e164: String,
    contact_name: Option<String>,
    status: String,
    conversation_state: String,
    service: Option<String>,
    urgency: Option<String>,
    postal_code: Option<String>,
    postal_country: Option<String>,
    best_time: Option<String>,
    billing_required: bool,
    billing_block_reason: Option<String>,
    e164: String,
    label: String,
}

async fn lead_snapshot(
    conn: &mut PgConnection,
    lead_id: Uuid,
    base_url: &str,
) -> Result<Option<LeadSnapshot>, sqlx::Error> {
    let row: Option<LeadRow> = sqlx::query_as(
        "SELECT l.id, l.created_at, l.source, l.caller_e164, l.contact_name, l.status,
                l.conversation_state, l.service, l.urgency, l.postal_code, l.postal_country,
                l.best_time, l.billing_required, l.billing_block_reason, n.e164, n.label
         FROM leads l JOIN phone_numbers n ON n.id = l.phone_number_id
         WHERE l.id = $1",
    )
    .bind(lead_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|row| LeadSnapshot {
        url: lead_link(base_url, &row.id.to_string()),
        id: row.id,
        created_at: row.created_at,
        source: row.source,
        caller_phone: row.caller_e164,
        contact_name: row.contact_name,
        status: row.status,
        conversation_state: row.conversation_state,
        service: row.service,
        urgency: row.urgency,
        postal_code: row.postal_code,
        postal_country: row.postal_country,
        best_time: row.best_time,
        billing_required: row.billing_required,
        billing_block_reason: row.billing_block_reason,
        tracking_number: row.e164,
        source_label: row.label,
    }))
}

#[derive(sqlx::FromRow)]
struct MessageRow {
    id: Uuid,
    lead_id: Uuid,
    from_e164: String,
    to_e164: String,
    body: String,
    media_count: i32,
    created_at: DateTime<Utc>,
}

async fn message_snapshot(
    conn: &mut PgConnection,
    message_id: Uuid,
) -> Result<Option<MessageSnapshot>, sqlx::Error> {
    let row: Option<MessageRow> = sqlx::query_as(
        "SELECT id, lead_id, COALESCE(from_e164, '') AS from_e164,
                COALESCE(to_e164, '') AS to_e164, body, media_count, created_at
         FROM messages WHERE id = $1 AND lead_id IS NOT NULL",
    )
    .bind(message_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|row| MessageSnapshot {
        id: row.id,
        lead_id: row.lead_id,
        from: row.from_e164,
        to: row.to_e164,
        body: row.body,
        media_count: row.media_count,
        received_at: row.created_at,
    }))
}
