//! What reaches the owner from a caller's texts, and what the owner's own phones get
//! (conversation.md §2 step 3, §8): relays with their hourly cap and overflow note, the
//! 12-hour acknowledgement to the caller, and the hint to internal phones that text in.

use chrono::Duration;
use sqlx::PgConnection;

use super::{Inbound, lead_row::ConversationLead};
use crate::{
    domain::{conversation_texts, owner_texts},
    server::{
        calls::owner_notes::{self, OwnerNote},
        leads::store as leads,
        outbox::{self, OutboundText},
    },
};

const RELAY_WINDOW_MINUTES: i64 = 60;
const ACK_EVERY_HOURS: i64 = 12;

/// What the pipeline needs to know about the sender, read in one statement: consent (step 2)
/// and whether it is an internal phone (step 3).
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub struct SenderFacts {
    pub opted_out: bool,
    /// The business's notify phone or the forwarding phone of one of its active numbers.
    pub is_business_phone: bool,
    /// An active tracking number of the platform (any business).
    pub is_tracking_number: bool,
}

impl SenderFacts {
    pub async fn load(
        conn: &mut PgConnection,
        business_id: uuid::Uuid,
        from: &str,
    ) -> Result<Self, sqlx::Error> {
        sqlx::query_as(
            "SELECT COALESCE((SELECT c.opted_out FROM sms_consent c
                              WHERE c.business_id = b.id AND c.phone_e164 = $2), false)
                        AS opted_out,
                    $2 = b.notify_phone OR EXISTS (
                        SELECT 1 FROM phone_numbers f
                        WHERE f.business_id = b.id AND f.status = 'active'
                          AND f.forwarding_number = $2) AS is_business_phone,
                    EXISTS (SELECT 1 FROM phone_numbers t
                            WHERE t.e164 = $2 AND t.status = 'active') AS is_tracking_number
             FROM businesses b WHERE b.id = $1",
        )
        .bind(business_id)
        .bind(from)
        .fetch_one(conn)
        .await
    }
}

/// Step 3: texts from the business's own phones (owner) or from any platform tracking number
/// (system) are stored without a lead. Returns the decision, or `None` for an outside sender.
pub async fn internal_sender(
    conn: &mut PgConnection,
    cx: &Inbound<'_>,
    sender: SenderFacts,
) -> Result<Option<&'static str>, sqlx::Error> {
    let participant = if sender.is_business_phone {
        "owner"
    } else if sender.is_tracking_number {
        "system"
    } else {
        return Ok(None);
    };
    sqlx::query("UPDATE messages SET participant = $2 WHERE id = $1")
        .bind(cx.message_id)
        .bind(participant)
        .execute(&mut *conn)
        .await?;
    if participant == "system" {
        return Ok(Some("system_sender"));
    }
    if cx.business.is_active() && owner_hint_due(conn, cx).await? {
        let sender = if cx.number.active {
            Some((cx.number.id, cx.number.e164.clone()))
        } else {
            owner_notes::oldest_active_number(conn, cx.business.id).await?
        };
        let app_link = format!("{}/app/leads", cx.state.config.public_base_url);
        let hint = OutboundText {
            business_id: cx.business.id,
            lead_id: None,
            phone_number_id: sender.as_ref().map(|(id, _)| *id),
            from_e164: sender.as_ref().map(|(_, e164)| e164.as_str()),
            to_e164: cx.from,
            participant: "owner",
            kind: "owner_alert",
            body: owner_texts::owner_hint(&cx.business.name, &app_link),
            idempotency_key: format!(
                "business:{}:owner_hint:{}",
                cx.business.id, cx.text.message_sid
            ),
            correlation_id: cx.text.correlation_id.as_deref(),
        };
        outbox::queue_text(conn, &hint, cx.now).await?;
        return Ok(Some("owner_hint"));
    }
    Ok(Some("owner_sender"))
}

/// At most one hint per hour while relays reach the notify phone (the owner is likely replying
/// to one), else at most one per 24 hours.
async fn owner_hint_due(conn: &mut PgConnection, cx: &Inbound<'_>) -> Result<bool, sqlx::Error> {
    let (last_hint, recent_relay): (Option<chrono::DateTime<chrono::Utc>>, bool) = sqlx::query_as(
        "SELECT (SELECT max(created_at) FROM messages
                 WHERE business_id = $1 AND to_e164 = $2 AND direction = 'outbound'
                   AND idempotency_key LIKE 'business:' || $1::text || ':owner_hint:%'),
                EXISTS (SELECT 1 FROM messages
                        WHERE business_id = $1 AND kind = 'relay' AND created_at > $3)",
    )
    .bind(cx.business.id)
    .bind(cx.from)
    .bind(cx.now - Duration::hours(24))
    .fetch_one(conn)
    .await?;
    let every = if recent_relay {
        Duration::hours(1)
    } else {
        Duration::hours(24)
    };
    Ok(last_hint.is_none_or(|at| cx.now - at >= every))
}

/// Relays the text to the notify phone (§8) when the business is `ACTIVE`, relays are on, the
/// sender is not the notify phone, and the lead's hourly cap is not reached. The relay that
/// reaches the cap is followed by one overflow note. Returns whether it was relayed.
pub async fn relay(
    conn: &mut PgConnection,
    cx: &Inbound<'_>,
    lead: &ConversationLead,
) -> Result<bool, sqlx::Error> {
    let business = cx.business;
    if !business.is_active() || !business.relay_to_owner_enabled || cx.from == business.notify_phone
    {
        return Ok(false);
    }
    let window_open = lead
        .relay_window_start
        .filter(|start| cx.now - *start < Duration::minutes(RELAY_WINDOW_MINUTES));
    let (window_start, count) = match window_open {
        Some(start) => (start, lead.relay_count),
        None => (cx.now, 0),
    };
    if count >= business.relay_max_per_hour {
        return Ok(false);
    }
    let count = count + 1;
    sqlx::query(
        "UPDATE leads SET relay_window_start = $2, relay_count = $3, updated_at = $4 WHERE id = $1",
    )
    .bind(lead.id)
    .bind(window_start)
    .bind(count)
    .bind(cx.now)
    .execute(&mut *conn)
    .await?;
    let first: bool = sqlx::query_scalar(
        "SELECT NOT EXISTS (SELECT 1 FROM messages WHERE lead_id = $1 AND kind = 'relay')",
    )
    .bind(lead.id)
    .fetch_one(&mut *conn)
    .await?;
    let link = cx.lead_link(lead.id);
    let body = owner_texts::relay(
        &cx.business.name,
        cx.from,
        lead.contact_name.as_deref(),
        &cx.text.body,
        first,
        &link,
    );
    let sender = cx.sender_of(conn, lead).await?;
    let correlation_id = cx.text.correlation_id.as_deref();
    let relay = OwnerNote {
        business: cx.business,
        lead_id: Some(lead.id),
        sender: &sender,
        key: format!("lead:{}:relay:{}", lead.id, cx.text.message_sid),
        body,
    };
    owner_notes::queue_as(conn, relay, "relay", correlation_id, cx.now).await?;
    if count == business.relay_max_per_hour {
        let overflow = OwnerNote {
            business: cx.business,
            lead_id: Some(lead.id),
            sender: &sender,
            key: format!(
                "lead:{}:relay_overflow:{}",
                lead.id,
                window_start.timestamp()
            ),
            body: owner_texts::relay_overflow(&cx.business.name, cx.from, &link),
        };
        owner_notes::queue(conn, overflow, correlation_id, cx.now).await?;
    }
    Ok(true)
}

/// The acknowledgement to a completed lead's caller, at most once per 12 hours.
pub async fn acknowledge(
    conn: &mut PgConnection,
    cx: &Inbound<'_>,
    lead: &ConversationLead,
) -> Result<bool, sqlx::Error> {
    let claimed = sqlx::query(
        "UPDATE leads SET last_ack_at = $2, updated_at = $2
         WHERE id = $1 AND (last_ack_at IS NULL OR last_ack_at <= $3)",
    )
    .bind(lead.id)
    .bind(cx.now)
    .bind(cx.now - Duration::hours(ACK_EVERY_HOURS))
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if !claimed {
        return Ok(false);
    }
    let key = format!("lead:{}:ack:{}", lead.id, cx.text.message_sid);
    let body = conversation_texts::acknowledgement(&cx.business.name);
    to_caller(conn, cx, lead, "ack", key, body).await?;
    Ok(true)
}

/// Queues a text to the lead's caller from its sending number.
pub async fn to_caller(
    conn: &mut PgConnection,
    cx: &Inbound<'_>,
    lead: &ConversationLead,
    kind: &'static str,
    key: String,
    body: String,
) -> Result<(), sqlx::Error> {
    let sender = cx.sender_of(conn, lead).await?;
    let text = OutboundText {
        business_id: cx.business.id,
        lead_id: Some(lead.id),
        phone_number_id: sender.as_ref().map(|(id, _)| *id),
        from_e164: sender.as_ref().map(|(_, e164)| e164.as_str()),
        to_e164: cx.from,
        participant: "lead",
        kind,
        body,
        idempotency_key: key,
        correlation_id: cx.text.correlation_id.as_deref(),
    };
    outbox::queue_text(conn, &text, cx.now).await?;
    leads::touch_outbound(conn, lead.id, cx.now).await
}
