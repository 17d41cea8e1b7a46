//! The lead as an inbound text sees it (conversation.md §4): routed by caller within 30 days
//! whatever its status, else a new text-in lead; locked for the rest of the transaction.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::{
    lead_conversation::{Answer, ConversationState, Step},
    owner_texts::KnownFields,
};

/// A text routes to a lead whose last activity is at most this old.
const ROUTING_WINDOW_DAYS: i64 = 30;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ConversationLead {
    pub id: Uuid,
    pub business_id: Uuid,
    pub phone_number_id: Uuid,
    pub sending_number_id: Option<Uuid>,
    pub caller_e164: String,
    pub status: String,
    pub conversation_state: String,
    pub invalid_attempts: i32,
    pub service: Option<String>,
    pub urgency: Option<String>,
    pub postal_code: Option<String>,
    pub best_time: Option<String>,
    pub contact_name: Option<String>,
    pub billing_required: bool,
    pub automation_paused: bool,
    pub unreachable_code: Option<String>,
    pub relay_window_start: Option<DateTime<Utc>>,
    pub relay_count: i32,
    pub last_ack_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, business_id, phone_number_id, sending_number_id, caller_e164, status,
    conversation_state, invalid_attempts, service, urgency, postal_code, best_time, contact_name,
    billing_required, automation_paused, unreachable_code, relay_window_start, relay_count,
    last_ack_at";

impl ConversationLead {
    pub fn state(&self) -> ConversationState {
        ConversationState::parse(&self.conversation_state).unwrap_or(ConversationState::NotStarted)
    }

    pub fn is_closed(&self) -> bool {
        matches!(self.status.as_str(), "BOOKED" | "LOST")
    }

    pub fn known_fields(&self) -> KnownFields<'_> {
        KnownFields {
            service: self.service.as_deref(),
            urgency: self.urgency.as_deref(),
            postal_code: self.postal_code.as_deref(),
        }
    }

    /// The lead as `store_answer` just wrote it (no second read).
    pub fn with_answer(&self, answer: &Answer) -> Self {
        let mut lead = self.clone();
        match answer {
            Answer::Service { service, .. } => lead.service = Some(service.clone()),
            Answer::Urgency(urgency) => lead.urgency = Some(urgency.as_str().to_owned()),
            Answer::Postal(postal) => lead.postal_code = Some(postal.code.clone()),
            Answer::BestTime(best) => lead.best_time = Some(best.as_str().to_owned()),
            Answer::Name(name) => lead.contact_name = name.clone(),
        }
        lead
    }

    /// The questions this lead already has an answer to (some given early), so the
    /// conversation does not ask them again.
    pub fn answered_steps(&self) -> Vec<Step> {
        [
            (Step::Service, self.service.is_some()),
            (Step::Urgency, self.urgency.is_some()),
            (Step::Zip, self.postal_code.is_some()),
            (Step::BestTime, self.best_time.is_some()),
            (Step::Name, self.contact_name.is_some()),
        ]
        .into_iter()
        .filter_map(|(step, known)| known.then_some(step))
        .collect()
    }
}

/// The caller's newest lead of this business active within 30 days, locked.
pub async fn route(
    conn: &mut PgConnection,
    business_id: Uuid,
    caller: &str,
    now: DateTime<Utc>,
) -> Result<Option<ConversationLead>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM leads
         WHERE business_id = $1 AND caller_e164 = $2 AND last_activity_at >= $3
         ORDER BY last_activity_at DESC, created_at DESC, id DESC
         LIMIT 1
         FOR UPDATE"
    ))
    .bind(business_id)
    .bind(caller)
    .bind(now - Duration::days(ROUTING_WINDOW_DAYS))
    .fetch_optional(conn)
    .await
}

/// The caller's newest lead of this business, any age (for linking keyword messages).
pub async fn newest_id(
    conn: &mut PgConnection,
    business_id: Uuid,
    caller: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM leads WHERE business_id = $1 AND caller_e164 = $2
         ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(business_id)
    .bind(caller)
    .fetch_optional(conn)
    .await
}

/// A text-in lead (§4 step 2): `source = sms`, through the number texted, not started.
pub async fn create_text_in(
    conn: &mut PgConnection,
    business_id: Uuid,
    number_id: Uuid,
    sending_number_id: Option<Uuid>,
    caller: &str,
    now: DateTime<Utc>,
) -> Result<ConversationLead, sqlx::Error> {
    sqlx::query_as(&format!(
        "INSERT INTO leads (business_id, phone_number_id, sending_number_id, caller_e164, source,
             status, status_changed_at, last_activity_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'sms', 'NEW', $5, $5, $5, $5)
         RETURNING {COLUMNS}"
    ))
    .bind(business_id)
    .bind(number_id)
    .bind(sending_number_id)
    .bind(caller)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// Step 5: the message joins the lead; the lead's activity moves; texting an active number of
/// the business makes it the lead's sender.
pub async fn link_inbound(
    conn: &mut PgConnection,
    lead: &mut ConversationLead,
    message_id: Uuid,
    active_number_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE messages SET lead_id = $2 WHERE id = $1")
        .bind(message_id)
        .bind(lead.id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "UPDATE leads SET last_inbound_at = $2, last_activity_at = $2,
             sending_number_id = COALESCE($3, sending_number_id), updated_at = $2
         WHERE id = $1",
    )
    .bind(lead.id)
    .bind(now)
    .bind(active_number_id)
    .execute(conn)
    .await?;
    if active_number_id.is_some() {
        lead.sending_number_id = active_number_id;
    }
    Ok(())
}
