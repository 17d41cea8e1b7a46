//! Owner alerts about calls (conversation.md §6.3, §7): queued through the outbox to the
//! business's notify phone, once per idempotency key, and only while the business is `ACTIVE`.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::owner_texts;
use crate::server::{
    outbox::{self, OutboundText},
    webhooks::twilio::lines::MovedLine,
};

/// What an owner alert needs to know of the business.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct BusinessContact {
    pub id: Uuid,
    pub name: String,
    pub notify_phone: String,
    pub subscription_status: String,
    pub timezone: String,
    pub greeting_text: Option<String>,
    pub service_label_1: String,
    pub service_label_2: Option<String>,
    pub service_label_3: Option<String>,
    pub repeat_caller_window_hours: i32,
    pub stripe_price_id: Option<String>,
    pub relay_to_owner_enabled: bool,
    pub relay_max_per_hour: i32,
    pub emergency_alert_enabled: bool,
    pub stall_nudge_enabled: bool,
    pub stall_nudge_delay_minutes: i32,
}

impl BusinessContact {
    pub fn is_active(&self) -> bool {
        self.subscription_status == "ACTIVE"
    }

    /// The configured service labels, in order.
    pub fn labels(&self) -> Vec<&str> {
        [
            Some(self.service_label_1.as_str()),
            self.service_label_2.as_deref(),
            self.service_label_3.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    pub async fn load(conn: &mut PgConnection, id: Uuid) -> Result<Self, sqlx::Error> {
        sqlx::query_as(
            "SELECT id, name, notify_phone, subscription_status, timezone, greeting_text,
                    service_label_1, service_label_2, service_label_3, repeat_caller_window_hours,
                    stripe_price_id, relay_to_owner_enabled, relay_max_per_hour,
                    emergency_alert_enabled, stall_nudge_enabled, stall_nudge_delay_minutes
             FROM businesses WHERE id = $1",
        )
        .bind(id)
        .fetch_one(conn)
        .await
    }
}

/// The sending number of an alert: a tracking number's id and E.164.
pub type Sender = Option<(Uuid, String)>;

/// The business's oldest active number: the sender of alerts not tied to a live line.
pub async fn oldest_active_number(
    conn: &mut PgConnection,
    business_id: Uuid,
) -> Result<Sender, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, e164 FROM phone_numbers WHERE business_id = $1 AND status = 'active'
         ORDER BY created_at, id LIMIT 1",
    )
    .bind(business_id)
    .fetch_optional(conn)
    .await
}

/// A tracking number as a sender (whether it is still active is the send job's check).
pub async fn number_by_id(
    conn: &mut PgConnection,
    number_id: Option<Uuid>,
) -> Result<Sender, sqlx::Error> {
    let Some(id) = number_id else {
        return Ok(None);
    };
    sqlx::query_as("SELECT id, e164 FROM phone_numbers WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// One owner alert to queue.
pub struct OwnerNote<'a> {
    pub business: &'a BusinessContact,
    pub lead_id: Option<Uuid>,
    pub sender: &'a Sender,
    pub key: String,
    pub body: String,
}

/// Queues the alert unless the business is not `ACTIVE` or the key was used. Returns whether
/// a message was queued.
pub async fn queue(
    conn: &mut PgConnection,
    note: OwnerNote<'_>,
    correlation_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    queue_as(conn, note, "owner_alert", correlation_id, now).await
}

/// `queue` for another kind of text to the owner (`relay`).
pub async fn queue_as(
    conn: &mut PgConnection,
    note: OwnerNote<'_>,
    kind: &'static str,
    correlation_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    if !note.business.is_active() {
        return Ok(false);
    }
    let text = OutboundText {
        business_id: note.business.id,
        lead_id: note.lead_id,
        phone_number_id: note.sender.as_ref().map(|(id, _)| *id),
        from_e164: note.sender.as_ref().map(|(_, e164)| e164.as_str()),
        to_e164: &note.business.notify_phone,
        participant: "owner",
        kind,
        body: note.body,
        idempotency_key: note.key,
        correlation_id,
    };
    Ok(outbox::queue_text(conn, &text, now).await?.is_some())
}

/// "call to old number": a caller reached a detached number and heard the moved notice.
pub async fn call_to_old_number(
    conn: &mut PgConnection,
    moved: &MovedLine,
    call_sid: &str,
    caller: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let business = BusinessContact::load(conn, moved.business_id).await?;
    let sender = oldest_active_number(conn, moved.business_id).await?;
    let body = owner_texts::call_to_old_number(&business.name, caller, &moved.e164, &moved.label);
    queue(
        conn,
        OwnerNote {
            business: &business,
            lead_id: None,
            sender: &sender,
            key: format!("call:{call_sid}:owner_moved"),
            body,
        },
        None,
        now,
    )
    .await
}
