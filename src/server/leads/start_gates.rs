//! The start gates (twilio.md §7.7 step 4, conversation.md §2 step 8, §9.3): whether a lead's
//! conversation may start now, and if so the claim, the quota charge and the intro. Shared by
//! missed calls, text-in leads and the owner's "Start follow-up".

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::store as leads;
use crate::{
    domain::{
        owner_texts::{self, NotTexted},
        templates::{IntroTrigger, intro},
    },
    server::{
        billing::quota::{self, Claim},
        calls::owner_notes::{self, BusinessContact, OwnerNote},
        messaging::consent,
        observability::Alert,
        outbox::{self, OutboundText},
        phone::is_north_american,
        state::AppState,
    },
};

/// A lead that may start.
pub struct StartAttempt<'a> {
    pub business: &'a BusinessContact,
    pub lead_id: Uuid,
    pub caller: &'a str,
    pub unreachable_code: Option<&'a str>,
    pub sending_number_id: Option<Uuid>,
    /// The number whose texting switch applies (the number called or texted).
    pub number_id: Uuid,
    pub trigger: IntroTrigger,
    pub correlation_id: Option<&'a str>,
    pub now: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GateOutcome {
    /// Claimed, quota charged, intro queued.
    Started,
    /// Another request claimed it first.
    AlreadyStarted,
    NotTexted(NotTexted),
    BillingInactive,
    QuotaReached,
}

/// Runs the gates in order; the first failure stops. The owner's follow-up skips the number's
/// texting switch (the owner asked for it explicitly).
pub async fn run(
    conn: &mut PgConnection,
    state: &AppState,
    attempt: &StartAttempt<'_>,
) -> Result<GateOutcome, sqlx::Error> {
    let (business, now) = (attempt.business, attempt.now);
    let texting_on: bool =
        sqlx::query_scalar("SELECT sms_automation_enabled FROM phone_numbers WHERE id = $1")
            .bind(attempt.number_id)
            .fetch_optional(&mut *conn)
            .await?
            .unwrap_or(false);
    if consent::is_opted_out(conn, business.id, attempt.caller).await? {
        return Ok(GateOutcome::NotTexted(NotTexted::OptedOut));
    }
    if attempt.unreachable_code.is_some() {
        return Ok(GateOutcome::NotTexted(NotTexted::CannotReceiveTexts));
    }
    if !is_north_american(attempt.caller) {
        return Ok(GateOutcome::NotTexted(NotTexted::International));
    }
    if !texting_on && attempt.trigger != IntroTrigger::OwnerFollowUp {
        return Ok(GateOutcome::NotTexted(NotTexted::TextingOff));
    }
    if !business.is_active() {
        leads::flag_billing(conn, attempt.lead_id, "billing_inactive", now).await?;
        return Ok(GateOutcome::BillingInactive);
    }
    let (tier, unknown_price) = quota::tier(&state.config, business.stripe_price_id.as_deref());
    if unknown_price {
        unknown_price_alert(state, business);
    }
    let limit = quota::limit(&state.config.plans, tier);
    let (period, _, _) = quota::month(&business.timezone, now);
    let sender = owner_notes::number_by_id(conn, attempt.sending_number_id).await?;
    if let Claim::Reached { used } = quota::claim(conn, business.id, &period, limit, now).await? {
        leads::flag_billing(conn, attempt.lead_id, "quota_reached", now).await?;
        if quota::claim_limit_alert(conn, business.id, &period, now).await? {
            let billing_link = format!("{}/app/billing", state.config.public_base_url);
            let body = owner_texts::limit_reached(&business.name, used, limit, &billing_link);
            let note = OwnerNote {
                business,
                lead_id: Some(attempt.lead_id),
                sender: &sender,
                key: format!("business:{}:limit_alert:{period}", business.id),
                body,
            };
            owner_notes::queue(conn, note, attempt.correlation_id, now).await?;
        }
        return Ok(GateOutcome::QuotaReached);
    }
    if !leads::claim_conversation(conn, attempt.lead_id, now).await? {
        return Ok(GateOutcome::AlreadyStarted);
    }
    let text = intro_text(attempt, &sender, format!("lead:{}:intro", attempt.lead_id));
    outbox::queue_text(conn, &text, now).await?;
    leads::touch_outbound(conn, attempt.lead_id, now).await?;
    Ok(GateOutcome::Started)
}

/// The intro for this lead, from its sending number.
pub fn intro_text<'s>(
    attempt: &'s StartAttempt<'_>,
    sender: &'s owner_notes::Sender,
    key: String,
) -> OutboundText<'s> {
    let business = attempt.business;
    OutboundText {
        business_id: business.id,
        lead_id: Some(attempt.lead_id),
        phone_number_id: sender.as_ref().map(|(id, _)| *id),
        from_e164: sender.as_ref().map(|(_, e164)| e164.as_str()),
        to_e164: attempt.caller,
        participant: "lead",
        kind: "intro",
        body: intro(
            &business.name,
            business.greeting_text.as_deref(),
            &business.labels(),
            attempt.trigger,
        ),
        idempotency_key: key,
        correlation_id: attempt.correlation_id,
    }
}

fn unknown_price_alert(state: &AppState, business: &BusinessContact) {
    let price = business.stripe_price_id.clone().unwrap_or_default();
    state.alerts.report(
        Alert::new(
            "billing",
            "unknown_price",
            "An active subscription uses a price no plan lists; counted as Starter",
        )
        .metadata(serde_json::json!({ "business_id": business.id, "price_id": price }))
        .throttle(
            format!("{}:{price}", business.id),
            std::time::Duration::from_secs(24 * 3600),
        ),
    );
}
