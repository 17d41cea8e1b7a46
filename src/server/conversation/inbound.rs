//! One inbound text, in the exact order of conversation.md §2, inside the webhook's transaction:
//! store (a duplicate `MessageSid` stops here), compliance keywords, internal phones, routing to
//! a lead, then the blocked cases, the start gates, completion, or the state machine.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    Inbound, compliance,
    lead_row::{self, ConversationLead},
    owner_side, qualify,
};
use crate::{
    domain::{
        lead_conversation::ConversationState, owner_texts, sms_keywords, templates::IntroTrigger,
    },
    server::{
        calls::owner_notes::{self, BusinessContact, OwnerNote},
        leads::{
            start_gates::{self, GateOutcome, StartAttempt},
            store as leads,
        },
        outbound_webhooks::events::{self, LeadEvent, Occasion},
        state::AppState,
    },
};

/// A detached number keeps its texts relayed for this long (twilio.md §8).
const QUARANTINE_DAYS: i64 = 90;

/// The text as Twilio delivered it, `From`/`To` normalised where possible.
#[derive(Clone, Debug)]
pub struct InboundText {
    pub message_sid: String,
    /// `From` in E.164; `None` for senders that do not normalise (short codes, alphanumerics).
    pub from: Option<String>,
    pub from_raw: String,
    pub to: String,
    pub body: String,
    /// `(url, content type)` per `MediaUrl<n>`.
    pub media: Vec<(String, String)>,
    pub media_count: i32,
    pub raw_payload: serde_json::Value,
    pub correlation_id: Option<String>,
}

/// What the webhook decided, for its log line (twilio.md §14).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handled {
    pub decision: &'static str,
    pub business_id: Option<Uuid>,
    pub lead_id: Option<Uuid>,
}

/// The number texted: active, or detached less than 90 days ago.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TextedNumber {
    pub id: Uuid,
    pub business_id: Uuid,
    pub e164: String,
    pub active: bool,
    /// For a detached number: its replacement, while active.
    pub replacement_id: Option<Uuid>,
}

pub async fn handle(
    conn: &mut PgConnection,
    state: &AppState,
    text: &InboundText,
    now: DateTime<Utc>,
) -> Result<Handled, sqlx::Error> {
    let mut handled = Handled {
        decision: "unknown_number",
        business_id: None,
        lead_id: None,
    };
    let Some(number) = texted_number(conn, &text.to, now).await? else {
        return Ok(handled);
    };
    handled.business_id = Some(number.business_id);
    // 1. Store; a conflict on MessageSid is a duplicate delivery.
    let Some(message_id) = insert_inbound(conn, &number, text, now).await? else {
        handled.decision = "duplicate";
        return Ok(handled);
    };
    let business = BusinessContact::load(conn, number.business_id).await?;
    let Some(from) = text.from.as_deref() else {
        handled.decision = "unroutable_sender";
        return Ok(handled);
    };
    let cx = Inbound {
        state,
        business: &business,
        text,
        number: &number,
        from,
        message_id,
        now,
    };
    // Serialises everything for this caller: keywords, routing and lead creation.
    leads::lock_caller(conn, business.id, from).await?;
    // 2. Compliance keywords, on the whole message.
    let sender = owner_side::SenderFacts::load(conn, business.id, from).await?;
    let opted_out = sender.opted_out;
    if let Some(keyword) = sms_keywords::detect(&text.body, opted_out) {
        handled.decision = compliance::apply(conn, &cx, &keyword).await?;
        handled.lead_id = lead_row::newest_id(conn, business.id, from).await?;
        if let Some(lead_id) = handled.lead_id {
            link_message(conn, message_id, lead_id).await?;
            events::message_received(conn, cx.occasion(), message_id).await?;
        }
        return Ok(handled);
    }
    // 3. Internal phones never become leads.
    if let Some(decision) = owner_side::internal_sender(conn, &cx, sender).await? {
        handled.decision = decision;
        return Ok(handled);
    }
    // 4–5. Route to a lead (or open a text-in lead) and link the message.
    let active_number = number.active.then_some(number.id);
    let mut lead = match lead_row::route(conn, business.id, from, now).await? {
        Some(lead) => lead,
        None => {
            let sender = if number.active {
                Some(number.id)
            } else {
                number.replacement_id
            };
            let lead = lead_row::create_text_in(
                conn,
                business.id,
                sender.unwrap_or(number.id),
                sender,
                from,
                now,
            )
            .await?;
            events::lead_events(conn, cx.occasion(), lead.id, &[LeadEvent::Created]).await?;
            lead
        }
    };
    handled.lead_id = Some(lead.id);
    lead_row::link_inbound(conn, &mut lead, message_id, active_number, now).await?;
    events::message_received(conn, cx.occasion(), message_id).await?;
    handled.decision = route_within_lead(conn, &cx, &lead, opted_out).await?;
    Ok(handled)
}

/// Steps 6–10 for a routed lead.
async fn route_within_lead(
    conn: &mut PgConnection,
    cx: &Inbound<'_>,
    lead: &ConversationLead,
    opted_out: bool,
) -> Result<&'static str, sqlx::Error> {
    // 6. Possible opt-out phrase: pause and tell the owner; no reply.
    if sms_keywords::is_possible_opt_out(&cx.text.body) {
        leads::pause_automation(conn, lead.id, "possible_opt_out", cx.now).await?;
        let body = owner_texts::possible_opt_out(
            &cx.business.name,
            cx.from,
            &cx.text.body,
            &cx.lead_link(lead.id),
        );
        cx.owner_alert(
            conn,
            lead,
            format!("lead:{}:possible_opt_out:{}", lead.id, cx.text.message_sid),
            body,
        )
        .await?;
        return Ok("possible_opt_out");
    }
    // 7. Blocked: stored, flagged, relayed as §10 says.
    let blocked = if lead.is_closed() {
        Some("closed_relayed")
    } else if lead.automation_paused {
        Some("paused_relayed")
    } else if opted_out {
        Some("opted_out_relayed")
    } else if lead.unreachable_code.is_some() {
        Some("unreachable_relayed")
    } else if !cx.number.active {
        Some("moved_number_relayed")
    } else if !cx.business.is_active() {
        Some("blocked_billing_inactive")
    } else {
        None
    };
    if let Some(decision) = blocked {
        if !cx.business.is_active() && !lead.is_closed() {
            leads::flag_billing(conn, lead.id, "billing_inactive", cx.now).await?;
        }
        owner_side::relay(conn, cx, lead).await?;
        return Ok(decision);
    }
    match lead.state() {
        // 8. Not started: the start gates, with trigger "text".
        ConversationState::NotStarted => start(conn, cx, lead).await,
        // 9. Completed: acknowledgement (at most once per 12 h) and relay.
        ConversationState::Completed => {
            owner_side::acknowledge(conn, cx, lead).await?;
            owner_side::relay(conn, cx, lead).await?;
            Ok("completed_relayed")
        }
        // 10. The state machine.
        ConversationState::Awaiting(step) => qualify::answer(conn, cx, lead, step).await,
    }
}

async fn start(
    conn: &mut PgConnection,
    cx: &Inbound<'_>,
    lead: &ConversationLead,
) -> Result<&'static str, sqlx::Error> {
    let attempt = StartAttempt {
        business: cx.business,
        lead_id: lead.id,
        caller: cx.from,
        unreachable_code: lead.unreachable_code.as_deref(),
        sending_number_id: lead.sending_number_id,
        number_id: cx.number.id,
        trigger: IntroTrigger::TextIn,
        correlation_id: cx.text.correlation_id.as_deref(),
        now: cx.now,
    };
    Ok(match start_gates::run(conn, cx.state, &attempt).await? {
        GateOutcome::Started => "intro_claimed",
        GateOutcome::AlreadyStarted => "intro_already_claimed",
        GateOutcome::BillingInactive => "blocked_billing_inactive",
        GateOutcome::QuotaReached => "blocked_quota",
        GateOutcome::NotTexted(_) => {
            owner_side::relay(conn, cx, lead).await?;
            "not_started_relayed"
        }
    })
}

async fn texted_number(
    conn: &mut PgConnection,
    to: &str,
    now: DateTime<Utc>,
) -> Result<Option<TextedNumber>, sqlx::Error> {
    sqlx::query_as(
        "SELECT n.id, n.business_id, n.e164, n.status = 'active' AS active,
                (SELECT r.id FROM phone_numbers r
                 WHERE r.id = n.replaced_by_number_id AND r.status = 'active') AS replacement_id
         FROM phone_numbers n JOIN businesses b ON b.id = n.business_id AND b.deleted_at IS NULL
         WHERE n.e164 = $1
           AND (n.status = 'active' OR (n.status = 'detached' AND n.detached_at > $2))
         ORDER BY n.status = 'active' DESC, n.detached_at DESC NULLS LAST
         LIMIT 1",
    )
    .bind(to)
    .bind(now - Duration::days(QUARANTINE_DAYS))
    .fetch_optional(conn)
    .await
}

async fn insert_inbound(
    conn: &mut PgConnection,
    number: &TextedNumber,
    text: &InboundText,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>, sqlx::Error> {
    let media: Vec<serde_json::Value> = text
        .media
        .iter()
        .map(|(url, content_type)| serde_json::json!({ "url": url, "content_type": content_type }))
        .collect();
    sqlx::query_scalar(
        "INSERT INTO messages (business_id, phone_number_id, direction, participant, kind,
             from_e164, to_e164, body, media_count, media, twilio_sid, status, raw_payload,
             correlation_id, status_updated_at, created_at, updated_at)
         VALUES ($1, $2, 'inbound', 'lead', 'inbound', $3, $4, $5, $6, $7, $8, 'received', $9,
                 $10, $11, $11, $11)
         ON CONFLICT (twilio_sid) WHERE twilio_sid IS NOT NULL DO NOTHING
         RETURNING id",
    )
    .bind(number.business_id)
    .bind(number.id)
    .bind(text.from.as_deref().unwrap_or(&text.from_raw))
    .bind(&text.to)
    .bind(&text.body)
    .bind(text.media_count)
    .bind(serde_json::Value::Array(media))
    .bind(&text.message_sid)
    .bind(&text.raw_payload)
    .bind(text.correlation_id.as_deref())
    .bind(now)
    .fetch_optional(conn)
    .await
}

pub async fn link_message(
    conn: &mut PgConnection,
    message_id: Uuid,
    lead_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE messages SET lead_id = $2 WHERE id = $1")
        .bind(message_id)
        .bind(lead_id)
        .execute(conn)
        .await?;
    Ok(())
}

impl Inbound<'_> {
    /// For the outbound-webhook events this text causes.
    pub fn occasion(&self) -> Occasion<'_> {
        Occasion::new(self.state, self.business.id, self.now)
    }

    pub fn lead_link(&self, lead_id: Uuid) -> String {
        owner_texts::lead_link(&self.state.config.public_base_url, &lead_id.to_string())
    }

    /// The lead's sending number; usually the number just texted, known without a query.
    pub async fn sender_of(
        &self,
        conn: &mut PgConnection,
        lead: &ConversationLead,
    ) -> Result<owner_notes::Sender, sqlx::Error> {
        if self.number.active && lead.sending_number_id == Some(self.number.id) {
            return Ok(Some((self.number.id, self.number.e164.clone())));
        }
        owner_notes::number_by_id(conn, lead.sending_number_id).await
    }

    /// An owner alert about `lead`, from its sending number (`owner_alert` kind).
    pub async fn owner_alert(
        &self,
        conn: &mut PgConnection,
        lead: &ConversationLead,
        key: String,
        body: String,
    ) -> Result<bool, sqlx::Error> {
        let sender = self.sender_of(conn, lead).await?;
        let note = OwnerNote {
            business: self.business,
            lead_id: Some(lead.id),
            sender: &sender,
            key,
            body,
        };
        owner_notes::queue(conn, note, self.text.correlation_id.as_deref(), self.now).await
    }
}
