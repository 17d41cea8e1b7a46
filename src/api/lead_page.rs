//! One lead (web.md §6.3): captured fields, state, calls with recordings, the transcript with
//! delivery marks, activity, and what the reply box may do.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadDetail {
    pub id: Uuid,
    pub caller_e164: String,
    pub contact_name: Option<String>,
    pub source: String,
    pub number_label: String,
    pub created_at: DateTime<Utc>,
    pub status: String,
    pub conversation_state: String,
    pub service: Option<String>,
    pub urgency: Option<String>,
    pub postal_code: Option<String>,
    pub best_time: Option<String>,
    pub automation_paused: bool,
    pub automation_pause_reason: Option<String>,
    pub billing_block_reason: Option<String>,
    /// "Opted out on <date> via STOP" or "… marked by <user>".
    pub consent: Option<String>,
    /// The Twilio code and its explanation.
    pub unreachable: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallRow {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub number_label: String,
    pub outcome: Option<String>,
    pub ring_seconds: Option<i32>,
    pub talk_seconds: Option<i32>,
    /// The proxy URL when a recording exists and this member may play it.
    pub recording_src: Option<String>,
    /// Otherwise what there is to say about the recording.
    pub recording_note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRow {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub inbound: bool,
    /// Owner alerts and relays: shown as compact notes, not bubbles.
    pub is_note: bool,
    pub body: String,
    /// "Automated", "Compliance", or the member who typed it.
    pub author: Option<String>,
    /// Delivery mark of an outbound message, with the suppression reason.
    pub delivery: Option<String>,
    /// Twilio error code and its one-line explanation.
    pub error: Option<String>,
    pub media_count: i32,
}

/// Texts shown per page of the transcript: the latest, then "Older" pages before them.
pub const TRANSCRIPT_PAGE: usize = 50;

/// One page of the transcript, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptPage {
    pub messages: Vec<MessageRow>,
    /// The cursor of the page before this one (the first shown text's id), when there is one.
    pub older_before: Option<Uuid>,
    /// Whether this is an older page (so the page offers a way back to the latest texts).
    pub is_older_page: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityRow {
    pub at: DateTime<Utc>,
    pub who: String,
    pub what: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadPage {
    pub lead: LeadDetail,
    pub calls: Vec<CallRow>,
    pub transcript: TranscriptPage,
    pub activity: Vec<ActivityRow>,
    /// Why the reply box is disabled, if it is.
    pub reply_blocked: Option<String>,
    /// One-time key of the reply form.
    pub nonce: String,
}

/// `before`: the transcript page before this text (from "Older"); the latest page without it.
#[server(prefix = "/api/app", endpoint = "lead-page")]
pub async fn get_lead_page(id: String, before: Option<String>) -> Result<LeadPage, AppError> {
    use crate::server::auth::viewer::{require_member, state};
    let member = require_member().await?;
    // A cursor that is not an id is an old or edited link: show the latest texts.
    let before = before.and_then(|raw| Uuid::parse_str(raw.trim()).ok());
    let found = match Uuid::parse_str(id.trim()) {
        Ok(lead_id) => crate::server::leads::detail::load(&state(), &member, lead_id, before).await,
        Err(_) => Err(AppError::not_found("Lead not found")),
    };
    // The page itself answers 404 for a lead of another business (or no lead at all).
    if let Err(err) = &found
        && let Some(response) = use_context::<leptos_axum::ResponseOptions>()
        && let Ok(status) = axum::http::StatusCode::from_u16(err.status())
    {
        response.set_status(status);
    }
    found
}
