//! The SMS conversation (conversation.md): the inbound pipeline, compliance keywords, the
//! qualification state machine applied to a lead, owner relays and acknowledgements, and the
//! stall nudge. The rules themselves are pure (`domain::lead_conversation`,
//! `domain::sms_keywords`); this is where they meet the database and the outbox.

pub mod compliance;
pub mod inbound;
pub mod lead_row;
pub mod nudge;
pub mod owner_side;
pub mod qualify;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::server::{calls::owner_notes::BusinessContact, state::AppState};

pub use inbound::{Handled, InboundText, handle};

/// One inbound text being handled, with what every step needs.
pub struct Inbound<'a> {
    pub state: &'a AppState,
    pub business: &'a BusinessContact,
    pub text: &'a InboundText,
    pub number: &'a inbound::TextedNumber,
    /// The sender in E.164.
    pub from: &'a str,
    pub message_id: Uuid,
    pub now: DateTime<Utc>,
}
