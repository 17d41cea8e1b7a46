//! What a missed call from an external caller does (twilio.md §7.7): join the caller's open
//! lead or open a new one, then the start gates decide whether the intro text goes out. Runs
//! inside the caller's transaction, after the call row is locked.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::owner_notes::{self, BusinessContact, OwnerNote, Sender};
use crate::{
    domain::{
        owner_texts::{self, NotTexted},
        repeat_caller,
        templates::IntroTrigger,
    },
    server::{
        leads::{
            start_gates::{self, GateOutcome, StartAttempt},
            store::{self as leads, CallerLead},
        },
        outbound_webhooks::events::{self, LeadEvent, Occasion},
        outbox,
        state::AppState,
    },
};

/// The missed call being handled.
pub struct MissedCall<'a> {
    pub call_id: Uuid,
    pub call_sid: &'a str,
    pub business_id: Uuid,
    pub number_id: Uuid,
    /// The caller's E.164 number (external callers only reach this procedure).
    pub caller: &'a str,
    pub correlation_id: Option<&'a str>,
}

/// What happened, for the response (§7.6) and the webhook log line (§14).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handled {
    pub lead_id: Uuid,
    pub decision: &'static str,
    /// The intro text was claimed in this transaction.
    pub intro_claimed: bool,
}

pub async fn run(
    conn: &mut PgConnection,
    state: &AppState,
    call: &MissedCall<'_>,
    now: DateTime<Utc>,
) -> Result<Handled, sqlx::Error> {
    leads::lock_caller(conn, call.business_id, call.caller).await?;
    let business = BusinessContact::load(conn, call.business_id).await?;
    let existing = leads::newest_in_progress(conn, call.business_id, call.caller).await?;
    let open = existing.filter(|lead| {
        repeat_caller::is_open(
            &lead.status,
            &lead.conversation_state,
            lead.last_activity_at,
            now,
            business.repeat_caller_window_hours,
        )
    });
    let gates = Gates {
        state,
        business: &business,
        call,
        now,
    };
    if let Some(lead) = open {
        leads::attach_call(
            conn,
            call.business_id,
            lead.id,
            call.call_id,
            "repeat_missed",
            now,
        )
        .await?;
        let call_count = leads::count_repeat_call(conn, lead.id, now).await?;
        gates.called_again(conn, &lead, call_count).await?;
        if lead.conversation_state == "NOT_STARTED" {
            // A blocked lead starts when its caller calls again after reactivation.
            let (_, intro_claimed) = gates.run(conn, &lead).await?;
            return Ok(Handled {
                lead_id: lead.id,
                decision: "missed_repeat_attached",
                intro_claimed,
            });
        }
        return Ok(Handled {
            lead_id: lead.id,
            decision: "missed_repeat_attached",
            intro_claimed: false,
        });
    }
    let lead =
        leads::create_from_call(conn, call.business_id, call.number_id, call.caller, now).await?;
    leads::attach_call(conn, call.business_id, lead.id, call.call_id, "origin", now).await?;
    let (decision, intro_claimed) = gates.run(conn, &lead).await?;
    // After the gates, so the snapshot shows whether texting started or billing held it.
    let occasion = Occasion::new(state, call.business_id, now);
    events::lead_events(conn, occasion, lead.id, &[LeadEvent::Created]).await?;
    Ok(Handled {
        lead_id: lead.id,
        decision,
        intro_claimed,
    })
}

/// An answered call from a caller with an open lead joins it (§7.3 step 3).
pub async fn attach_answered(
    conn: &mut PgConnection,
    call: &MissedCall<'_>,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>, sqlx::Error> {
    leads::lock_caller(conn, call.business_id, call.caller).await?;
    let window = BusinessContact::load(conn, call.business_id)
        .await?
        .repeat_caller_window_hours;
    let Some(lead) = leads::newest_in_progress(conn, call.business_id, call.caller).await? else {
        return Ok(None);
    };
    if !repeat_caller::is_open(
        &lead.status,
        &lead.conversation_state,
        lead.last_activity_at,
        now,
        window,
    ) {
        return Ok(None);
    }
    leads::attach_call(
        conn,
        call.business_id,
        lead.id,
        call.call_id,
        "answered",
        now,
    )
    .await?;
    leads::cancel_pending_nudge(conn, lead.id, now).await?;
    Ok(Some(lead.id))
}

struct Gates<'a> {
    state: &'a AppState,
    business: &'a BusinessContact,
    call: &'a MissedCall<'a>,
    now: DateTime<Utc>,
}

impl Gates<'_> {
    /// The start gates (§7.7 step 4); a caller who is not texted gets the owner a missed-call
    /// alert instead. Returns the decision and whether the intro was claimed.
    async fn run(
        &self,
        conn: &mut PgConnection,
        lead: &CallerLead,
    ) -> Result<(&'static str, bool), sqlx::Error> {
        let (call, business, now) = (self.call, self.business, self.now);
        let attempt = StartAttempt {
            business,
            lead_id: lead.id,
            caller: call.caller,
            unreachable_code: lead.unreachable_code.as_deref(),
            sending_number_id: lead.sending_number_id,
            number_id: call.number_id,
            trigger: IntroTrigger::MissedCall,
            correlation_id: call.correlation_id,
            now,
        };
        let reason = match start_gates::run(conn, self.state, &attempt).await? {
            GateOutcome::Started => return Ok(("intro_claimed", true)),
            GateOutcome::AlreadyStarted => return Ok(("intro_already_claimed", false)),
            GateOutcome::BillingInactive => return Ok(("blocked_billing_inactive", false)),
            GateOutcome::QuotaReached => return Ok(("blocked_quota", false)),
            GateOutcome::NotTexted(reason) => reason,
        };
        let sender = owner_notes::number_by_id(conn, lead.sending_number_id).await?;
        let decision = match reason {
            NotTexted::OptedOut => {
                let key = format!("call:{}:intro_suppressed", call.call_sid);
                let text = start_gates::intro_text(&attempt, &sender, key);
                outbox::record_suppressed(conn, &text, "opted_out", now).await?;
                "suppressed_opted_out"
            }
            NotTexted::CannotReceiveTexts => "not_texted_unreachable",
            NotTexted::International => "not_texted_international",
            NotTexted::TextingOff => "not_texted_automation_off",
        };
        let label: String = sqlx::query_scalar("SELECT label FROM phone_numbers WHERE id = $1")
            .bind(call.number_id)
            .fetch_one(&mut *conn)
            .await?;
        let body = owner_texts::missed_not_texted(
            &business.name,
            call.caller,
            &label,
            reason,
            &self.link(lead.id),
        );
        self.note(
            conn,
            lead,
            &sender,
            format!("call:{}:owner_missed", call.call_sid),
            body,
        )
        .await?;
        Ok((decision, false))
    }

    /// "called again", coalesced to one per lead per 10 minutes; only while `ACTIVE`.
    async fn called_again(
        &self,
        conn: &mut PgConnection,
        lead: &CallerLead,
        call_count: i32,
    ) -> Result<(), sqlx::Error> {
        if !self.business.is_active()
            || !leads::claim_called_again_note(conn, lead.id, self.now).await?
        {
            return Ok(());
        }
        let sender = owner_notes::number_by_id(conn, lead.sending_number_id).await?;
        let body = owner_texts::called_again(
            &self.business.name,
            self.call.caller,
            call_count,
            &self.link(lead.id),
        );
        let key = format!("lead:{}:called_again:{}", lead.id, self.call.call_sid);
        self.note(conn, lead, &sender, key, body).await
    }

    async fn note(
        &self,
        conn: &mut PgConnection,
        lead: &CallerLead,
        sender: &Sender,
        key: String,
        body: String,
    ) -> Result<(), sqlx::Error> {
        let note = OwnerNote {
            business: self.business,
            lead_id: Some(lead.id),
            sender,
            key,
            body,
        };
        owner_notes::queue(conn, note, self.call.correlation_id, self.now).await?;
        Ok(())
    }

    fn link(&self, lead_id: Uuid) -> String {
        owner_texts::lead_link(&self.state.config.public_base_url, &lead_id.to_string())
    }
}
