//! Calls: the rows Twilio's callbacks fill in, what a missed call sets in motion, and the
//! `finalize_call` job for callers who hung up while it rang (twilio.md §6–§7).

pub mod finalize;
pub mod lead_procedure;
pub mod owner_notes;
pub mod store;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use self::{
    lead_procedure::{Handled, MissedCall},
    owner_notes::{BusinessContact, OwnerNote},
    store::LockedCall,
};
use super::state::AppState;
use crate::domain::owner_texts;

/// What a call that was just classified missed led to.
pub struct AfterMissed {
    pub decision: &'static str,
    pub lead_id: Option<Uuid>,
    pub intro_claimed: bool,
}

/// Hidden callers get the owner's "hidden number" alert; external callers go through the lead
/// procedure; internal calls never make leads.
pub async fn after_missed(
    conn: &mut PgConnection,
    state: &AppState,
    call: &LockedCall,
    correlation_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<AfterMissed, sqlx::Error> {
    match (call.caller_kind.as_str(), call.from_e164.as_deref()) {
        ("external", Some(caller)) => {
            let missed = MissedCall {
                call_id: call.id,
                call_sid: &call.call_sid,
                business_id: call.business_id,
                number_id: call.phone_number_id,
                caller,
                correlation_id,
            };
            let Handled {
                lead_id,
                decision,
                intro_claimed,
            } = lead_procedure::run(conn, state, &missed, now).await?;
            Ok(AfterMissed {
                decision,
                lead_id: Some(lead_id),
                intro_claimed,
            })
        }
        ("hidden", _) => {
            hidden_caller_note(conn, call, correlation_id, now).await?;
            Ok(AfterMissed {
                decision: "missed_hidden",
                lead_id: None,
                intro_claimed: false,
            })
        }
        _ => Ok(AfterMissed {
            decision: "internal",
            lead_id: None,
            intro_claimed: false,
        }),
    }
}

/// "Missed call from a hidden number on {label}." — nobody to text, so the owner is told.
async fn hidden_caller_note(
    conn: &mut PgConnection,
    call: &LockedCall,
    correlation_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let business = BusinessContact::load(conn, call.business_id).await?;
    let (label, e164, active): (String, String, bool) =
        sqlx::query_as("SELECT label, e164, status = 'active' FROM phone_numbers WHERE id = $1")
            .bind(call.phone_number_id)
            .fetch_one(&mut *conn)
            .await?;
    // Alerts without a lead go from the number called while it is active.
    let sender = if active {
        Some((call.phone_number_id, e164))
    } else {
        owner_notes::oldest_active_number(conn, call.business_id).await?
    };
    let note = OwnerNote {
        business: &business,
        lead_id: None,
        sender: &sender,
        key: format!("call:{}:owner_missed", call.call_sid),
        body: owner_texts::missed_hidden(&business.name, &label),
    };
    owner_notes::queue(conn, note, correlation_id, now).await?;
    Ok(())
}
