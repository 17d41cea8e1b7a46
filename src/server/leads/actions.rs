//! What an owner or agent does to a lead from the dashboard (conversation.md §3.4, §9;
//! web.md §2.3): reply (taking over from automation), pause or resume automation, mark the
//! caller opted out, and start a follow-up conversation. Each runs in one transaction with the
//! lead locked and is audit-logged.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    start_gates::{self, GateOutcome, StartAttempt},
    store as leads,
};
use crate::{
    api::error::AppError,
    domain::{owner_texts::NotTexted, templates::IntroTrigger},
    server::{
        audit::Actor,
        auth::viewer::{Member, audit_entry, require_member, state},
        calls::owner_notes::{self, BusinessContact},
        messaging::consent,
        outbound_webhooks::events::{self, LeadEvent, Occasion},
        outbox::{self, OutboundText},
    },
};

pub const REPLY_MAX_CHARS: usize = 1600;
const STOP_LINE: &str = " Reply STOP to opt out.";

#[derive(Clone, Debug, sqlx::FromRow)]
pub(super) struct ActionLead {
    pub(super) id: Uuid,
    pub(super) business_id: Uuid,
    pub(super) phone_number_id: Uuid,
    pub(super) sending_number_id: Option<Uuid>,
    pub(super) caller_e164: String,
    pub(super) source: String,
    pub(super) status: String,
    pub(super) conversation_state: String,
    pub(super) unreachable_code: Option<String>,
}

/// The member's lead, locked; another business's id is "not found" (no side effect).
pub(super) async fn lock_lead(
    conn: &mut PgConnection,
    member: &Member,
    lead_id: Uuid,
) -> Result<ActionLead, AppError> {
    sqlx::query_as(
        "SELECT id, business_id, phone_number_id, sending_number_id, caller_e164, source, status,
                conversation_state, unreachable_code
         FROM leads WHERE id = $1 AND business_id = $2 FOR UPDATE",
    )
    .bind(lead_id)
    .bind(member.business_id)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| AppError::not_found("Lead not found"))
}

pub(super) fn parse_id(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw.trim()).map_err(|_| AppError::not_found("Lead not found"))
}

/// The owner's reply (§9.1), sent from the lead's sending number. A resubmitted form (same
/// nonce) sends nothing more.
pub async fn reply(lead_id: &str, body: &str, nonce: &str) -> Result<(), AppError> {
    let member = require_member().await?;
    let lead_id = parse_id(lead_id)?;
    let body = body.trim();
    if body.is_empty() || body.chars().count() > REPLY_MAX_CHARS {
        return Err(AppError::invalid(
            "body",
            "Write a reply of 1 to 1600 characters.",
        ));
    }
    let state = state();
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let lead = lock_lead(&mut tx, &member, lead_id).await?;
    let business = BusinessContact::load(&mut tx, lead.business_id).await?;
    refuse_texting(&mut tx, &business, &lead).await?;
    let first_text: bool = sqlx::query_scalar(
        "SELECT NOT EXISTS (SELECT 1 FROM messages
                            WHERE business_id = $1 AND to_e164 = $2 AND direction = 'outbound'
                              AND status NOT IN ('suppressed', 'canceled'))",
    )
    .bind(business.id)
    .bind(&lead.caller_e164)
    .fetch_one(&mut *tx)
    .await?;
    let body = if first_text {
        if body.chars().count() + STOP_LINE.len() > REPLY_MAX_CHARS {
            return Err(AppError::invalid(
                "body",
                "A first text carries the opt-out line: keep it to 1577 characters.",
            ));
        }
        format!("{body}{STOP_LINE}")
    } else {
        body.to_owned()
    };
    let sender = owner_notes::number_by_id(&mut tx, lead.sending_number_id).await?;
    let nonce = nonce.trim();
    let key = if nonce.is_empty() {
        format!("owner_reply:{}", Uuid::new_v4())
    } else {
        format!("owner_reply:{nonce}")
    };
    let text = OutboundText {
        business_id: business.id,
        lead_id: Some(lead.id),
        phone_number_id: sender.as_ref().map(|(id, _)| *id),
        from_e164: sender.as_ref().map(|(_, e164)| e164.as_str()),
        to_e164: &lead.caller_e164,
        participant: "owner",
        kind: "owner_reply",
        body,
        idempotency_key: key.clone(),
        correlation_id: None,
    };
    let Some(message_id) = outbox::queue_text(&mut tx, &text, now).await? else {
        // The same form was submitted again: the first submit already did everything.
        return Ok(());
    };
    sqlx::query("UPDATE messages SET sent_by_user_id = $2 WHERE id = $1")
        .bind(message_id)
        .bind(member.user.id)
        .execute(&mut *tx)
        .await?;
    take_over(&mut tx, &lead, now).await?;
    audit_entry(Actor::User(member.user.id), "lead.reply_sent")
        .business(business.id)
        .target("lead", lead.id)
        .idempotency_key(key)
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// 409 with the reason when the caller cannot be texted now.
async fn refuse_texting(
    conn: &mut PgConnection,
    business: &BusinessContact,
    lead: &ActionLead,
) -> Result<(), AppError> {
    if !business.is_active() {
        return Err(AppError::conflict(
            "Texting is off while billing is inactive. Reactivate the plan to text this caller.",
        ));
    }
    if consent::is_opted_out(conn, business.id, &lead.caller_e164).await? {
        return Err(AppError::conflict("This caller opted out of texts."));
    }
    if lead.unreachable_code.is_some() {
        return Err(AppError::conflict("This number cannot receive texts."));
    }
    Ok(())
}

/// The owner took the conversation over: automation pauses, the nudge is moot, and a new or
/// qualified lead counts as contacted.
async fn take_over(
    conn: &mut PgConnection,
    lead: &ActionLead,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE leads SET automation_paused = true, automation_pause_reason = 'owner_takeover',
             first_owner_response_at = COALESCE(first_owner_response_at, $2),
             last_outbound_at = $2, last_activity_at = $2,
             contacted_at = CASE WHEN status IN ('NEW', 'QUALIFIED') THEN $2 ELSE contacted_at END,
             status_changed_at = CASE WHEN status IN ('NEW', 'QUALIFIED') THEN $2
                                      ELSE status_changed_at END,
             status = CASE WHEN status IN ('NEW', 'QUALIFIED') THEN 'CONTACTED' ELSE status END,
             updated_at = $2
         WHERE id = $1",
    )
    .bind(lead.id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    leads::cancel_pending_nudge(conn, lead.id, now).await?;
    if matches!(lead.status.as_str(), "NEW" | "QUALIFIED") {
        let state = state();
        let occasion = Occasion::new(&state, lead.business_id, now);
        events::status_changed_by_user(conn, occasion, lead.id, &lead.status).await?;
    }
    Ok(())
}

/// "Pause automation" (`manual`) or "Resume automation" (clears the pause and the unclear-answer
/// count; sends nothing: the next inbound text continues from the current step).
pub async fn set_automation(lead_id: &str, action: &str) -> Result<(), AppError> {
    let member = require_member().await?;
    let lead_id = parse_id(lead_id)?;
    let pause = match action.trim() {
        "pause" => true,
        "resume" => false,
        _ => return Err(AppError::invalid("action", "Choose pause or resume.")),
    };
    let state = state();
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let lead = lock_lead(&mut tx, &member, lead_id).await?;
    if pause {
        leads::pause_automation(&mut tx, lead.id, "manual", now).await?;
    } else {
        sqlx::query(
            "UPDATE leads SET automation_paused = false, automation_pause_reason = NULL,
                 invalid_attempts = 0, updated_at = $2
             WHERE id = $1",
        )
        .bind(lead.id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    let action = if pause {
        "lead.automation_paused"
    } else {
        "lead.automation_resumed"
    };
    audit_entry(Actor::User(member.user.id), action)
        .business(lead.business_id)
        .target("lead", lead.id)
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// "Mark as opted out" (§3.4): consent as if the caller sent STOP, keyword `MANUAL`, without a
/// confirmation text.
pub async fn mark_opted_out(lead_id: &str) -> Result<(), AppError> {
    let member = require_member().await?;
    let lead_id = parse_id(lead_id)?;
    let state = state();
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let lead = lock_lead(&mut tx, &member, lead_id).await?;
    consent::opt_out(
        &mut tx,
        lead.business_id,
        &lead.caller_e164,
        "MANUAL",
        None,
        now,
    )
    .await?;
    audit_entry(Actor::User(member.user.id), "lead.marked_opted_out")
        .business(lead.business_id)
        .target("lead", lead.id)
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// "Start follow-up" (§9.3): a `NOT_STARTED` lead starts now with the owner-started intro; a
/// `BOOKED`/`LOST` lead gets a new lead for the same phone, started the same way. Refused with
/// the reason when the gates fail, or when the caller already has an open lead; nothing is
/// changed then. The form's nonce makes a resubmit (a double click) return the lead the first
/// submit started, without a second lead or intro. Returns the started lead's id.
pub async fn start_follow_up(lead_id: &str, nonce: &str) -> Result<Uuid, AppError> {
    let member = require_member().await?;
    let lead_id = parse_id(lead_id)?;
    let state = state();
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let lead = lock_lead(&mut tx, &member, lead_id).await?;
    let nonce = nonce.trim();
    let key = (!nonce.is_empty()).then(|| format!("follow_up:{}:{nonce}", lead.business_id));
    if let Some(key) = &key
        && let Some(started) = follow_up_started_by(&mut tx, lead.business_id, key).await?
    {
        return Ok(started);
    }
    let business = BusinessContact::load(&mut tx, lead.business_id).await?;
    let closed = matches!(lead.status.as_str(), "BOOKED" | "LOST");
    if !closed && lead.conversation_state != "NOT_STARTED" {
        return Err(AppError::conflict(
            "The conversation with this caller has already started.",
        ));
    }
    if !business.is_active() {
        return Err(AppError::conflict(
            "Texting is off while billing is inactive. Reactivate the plan to text this caller.",
        ));
    }
    let (started_id, unreachable_code) = if closed {
        leads::lock_caller(&mut tx, business.id, &lead.caller_e164).await?;
        if leads::newest_in_progress(&mut tx, business.id, &lead.caller_e164)
            .await?
            .is_some()
        {
            return Err(AppError::conflict(
                "This caller already has an open lead: follow up there.",
            ));
        }
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO leads (business_id, phone_number_id, sending_number_id, caller_e164,
                 source, status, status_changed_at, last_activity_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, 'NEW', $6, $6, $6, $6)
             RETURNING id",
        )
        .bind(business.id)
        .bind(lead.phone_number_id)
        .bind(lead.sending_number_id)
        .bind(&lead.caller_e164)
        .bind(&lead.source)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let occasion = Occasion::new(&state, business.id, now);
        events::lead_events(&mut tx, occasion, id, &[LeadEvent::Created]).await?;
        (id, None)
    } else {
        (lead.id, lead.unreachable_code.as_deref())
    };
    let attempt = StartAttempt {
        business: &business,
        lead_id: started_id,
        caller: &lead.caller_e164,
        unreachable_code,
        sending_number_id: lead.sending_number_id,
        number_id: lead.phone_number_id,
        trigger: IntroTrigger::OwnerFollowUp,
        correlation_id: None,
        now,
    };
    match start_gates::run(&mut tx, &state, &attempt).await? {
        GateOutcome::Started => {}
        refused => return Err(AppError::conflict(refusal(refused))),
    }
    let mut entry = audit_entry(Actor::User(member.user.id), "lead.follow_up_started")
        .business(business.id)
        .target("lead", started_id);
    if closed {
        entry = entry.change("from_lead", serde_json::Value::Null, lead.id.to_string());
    }
    if let Some(key) = key {
        entry = entry.idempotency_key(key);
    }
    entry.write(&mut tx).await?;
    tx.commit().await?;
    Ok(started_id)
}

/// The lead a follow-up with this form key already started, if any (its audit entry).
async fn follow_up_started_by(
    conn: &mut PgConnection,
    business_id: Uuid,
    key: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    let target: Option<String> = sqlx::query_scalar(
        "SELECT target_id FROM audit_log
         WHERE business_id = $1 AND idempotency_key = $2 AND action = 'lead.follow_up_started'",
    )
    .bind(business_id)
    .bind(key)
    .fetch_optional(conn)
    .await?;
    Ok(target.and_then(|id| Uuid::parse_str(&id).ok()))
}

fn refusal(outcome: GateOutcome) -> &'static str {
    match outcome {
        GateOutcome::NotTexted(NotTexted::OptedOut) => {
            "Can't start: the caller opted out of texts."
        }
        GateOutcome::NotTexted(NotTexted::CannotReceiveTexts) => {
            "Can't start: this number cannot receive texts."
        }
        GateOutcome::NotTexted(NotTexted::International) => {
            "Can't start: only +1 (US and Canada) numbers can be texted."
        }
        GateOutcome::NotTexted(NotTexted::TextingOff) | GateOutcome::BillingInactive => {
            "Can't start: texting is off while billing is inactive."
        }
        GateOutcome::QuotaReached => {
            "Can't start: this month's conversation limit is reached. Upgrade to text more callers."
        }
        GateOutcome::AlreadyStarted | GateOutcome::Started => {
            "The conversation with this caller has already started."
        }
    }
}
