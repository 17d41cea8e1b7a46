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
        templates::{IntroTrigger, intro},
    },
    server::{
        billing::quota::{self, Claim},
        leads::store::{self as leads, CallerLead},
        observability::Alert,
        outbox::{self, OutboundText},
        phone::is_north_american,
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

/// The number called, as the gates need it.
#[derive(sqlx::FromRow)]
struct NumberCalled {
    label: String,
    sms_automation_enabled: bool,
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
    /// The start gates in order; the first failure stops (§7.7 step 4). Returns the decision
    /// and whether the intro was claimed.
    async fn run(
        &self,
        conn: &mut PgConnection,
        lead: &CallerLead,
    ) -> Result<(&'static str, bool), sqlx::Error> {
        let (call, business, now) = (self.call, self.business, self.now);
        let number: NumberCalled =
            sqlx::query_as("SELECT label, sms_automation_enabled FROM phone_numbers WHERE id = $1")
                .bind(call.number_id)
                .fetch_one(&mut *conn)
                .await?;
        let sender = sending_number(conn, lead).await?;

        let not_texted = if leads::is_opted_out(conn, business.id, call.caller).await? {
            let text = self.intro_text(
                lead,
                &sender,
                format!("call:{}:intro_suppressed", call.call_sid),
            );
            outbox::record_suppressed(conn, &text, "opted_out", now).await?;
            Some((NotTexted::OptedOut, "suppressed_opted_out"))
        } else if lead.unreachable_code.is_some() {
            Some((NotTexted::CannotReceiveTexts, "not_texted_unreachable"))
        } else if !is_north_american(call.caller) {
            Some((NotTexted::International, "not_texted_international"))
        } else if !number.sms_automation_enabled {
            Some((NotTexted::TextingOff, "not_texted_automation_off"))
        } else {
            None
        };
        if let Some((reason, decision)) = not_texted {
            let body = owner_texts::missed_not_texted(
                &business.name,
                call.caller,
                &number.label,
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
            return Ok((decision, false));
        }

        if !business.is_active() {
            leads::flag_billing(conn, lead.id, "billing_inactive", now).await?;
            return Ok(("blocked_billing_inactive", false));
        }
        let (tier, unknown_price) =
            quota::tier(&self.state.config, business.stripe_price_id.as_deref());
        if unknown_price {
            self.unknown_price_alert();
        }
        let limit = quota::limit(&self.state.config.plans, tier);
        let (period, _, _) = quota::month(&business.timezone, now);
        if let Claim::Reached { used } =
            quota::claim(conn, business.id, &period, limit, now).await?
        {
            leads::flag_billing(conn, lead.id, "quota_reached", now).await?;
            if quota::claim_limit_alert(conn, business.id, &period, now).await? {
                let billing_link = format!("{}/app/billing", self.state.config.public_base_url);
                let body = owner_texts::limit_reached(&business.name, used, limit, &billing_link);
                self.note(
                    conn,
                    lead,
                    &sender,
                    format!("business:{}:limit_alert:{period}", business.id),
                    body,
                )
                .await?;
            }
            return Ok(("blocked_quota", false));
        }

        if !leads::claim_conversation(conn, lead.id, now).await? {
            return Ok(("intro_already_claimed", false));
        }
        let text = self.intro_text(lead, &sender, format!("lead:{}:intro", lead.id));
        outbox::queue_text(conn, &text, now).await?;
        Ok(("intro_claimed", true))
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
        let sender = sending_number(conn, lead).await?;
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

    fn intro_text<'s>(
        &'s self,
        lead: &CallerLead,
        sender: &'s Sender,
        key: String,
    ) -> OutboundText<'s> {
        let business = self.business;
        let labels: Vec<&str> = [
            Some(business.service_label_1.as_str()),
            business.service_label_2.as_deref(),
            business.service_label_3.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect();
        OutboundText {
            business_id: business.id,
            lead_id: Some(lead.id),
            phone_number_id: sender.as_ref().map(|(id, _)| *id),
            from_e164: sender.as_ref().map(|(_, e164)| e164.as_str()),
            to_e164: self.call.caller,
            participant: "lead",
            kind: "intro",
            body: intro(
                &business.name,
                business.greeting_text.as_deref(),
                &labels,
                IntroTrigger::MissedCall,
            ),
            idempotency_key: key,
            correlation_id: self.call.correlation_id,
        }
    }

    fn link(&self, lead_id: Uuid) -> String {
        owner_texts::lead_link(&self.state.config.public_base_url, &lead_id.to_string())
    }

    fn unknown_price_alert(&self) {
        let price = self.business.stripe_price_id.clone().unwrap_or_default();
        self.state.alerts.report(
            Alert::new(
                "billing",
                "unknown_price",
                "An active subscription uses a price no plan lists; counted as Starter",
            )
            .metadata(serde_json::json!({ "business_id": self.business.id, "price_id": price }))
            .throttle(
                format!("{}:{price}", self.business.id),
                std::time::Duration::from_secs(24 * 3600),
            ),
        );
    }
}

/// The lead's sending number (when it is no longer active, the send job suppresses the text
/// as `no_sender`).
async fn sending_number(conn: &mut PgConnection, lead: &CallerLead) -> Result<Sender, sqlx::Error> {
    let Some(id) = lead.sending_number_id else {
        return Ok(None);
    };
    sqlx::query_as("SELECT id, e164 FROM phone_numbers WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
}
