//! The lead page's data (web.md §6.3), every query filtered by the member's business.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{
    api::{
        error::AppError,
        lead_page::{
            ActivityRow, CallRow, LeadDetail, LeadPage, MessageRow, TRANSCRIPT_PAGE, TranscriptPage,
        },
        viewer::Role,
    },
    domain::{
        lead_words::{call_outcome, delivery, suppression},
        recording_url, twilio_errors,
    },
    server::{auth::viewer::Member, state::AppState},
};

#[derive(sqlx::FromRow)]
struct LeadRow {
    id: Uuid,
    caller_e164: String,
    contact_name: Option<String>,
    source: String,
    number_label: String,
    created_at: DateTime<Utc>,
    status: String,
    conversation_state: String,
    service: Option<String>,
    urgency: Option<String>,
    postal_code: Option<String>,
    best_time: Option<String>,
    automation_paused: bool,
    automation_pause_reason: Option<String>,
    billing_block_reason: Option<String>,
    unreachable_code: Option<String>,
    opted_out_at: Option<DateTime<Utc>>,
    last_keyword: Option<String>,
    business_active: bool,
    agents_can_play: bool,
}

/// The lead page; `before` picks an older page of the transcript.
pub async fn load(
    state: &AppState,
    member: &Member,
    lead_id: Uuid,
    before: Option<Uuid>,
) -> Result<LeadPage, AppError> {
    let pool = &state.pool;
    let row: LeadRow = sqlx::query_as(
        "SELECT l.id, l.caller_e164, l.contact_name, l.source, n.label AS number_label, l.created_at,
                l.status, l.conversation_state, l.service, l.urgency, l.postal_code, l.best_time,
                l.automation_paused, l.automation_pause_reason, l.billing_block_reason,
                l.unreachable_code,
                CASE WHEN c.opted_out THEN c.opted_out_at END AS opted_out_at,
                c.last_keyword, b.subscription_status = 'ACTIVE' AS business_active,
                b.agents_can_play_recordings AS agents_can_play
         FROM leads l
         JOIN phone_numbers n ON n.id = l.phone_number_id
         JOIN businesses b ON b.id = l.business_id
         LEFT JOIN sms_consent c ON c.business_id = l.business_id AND c.phone_e164 = l.caller_e164
         WHERE l.id = $1 AND l.business_id = $2",
    )
    .bind(lead_id)
    .bind(member.business_id)
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| AppError::not_found("Lead not found"))?;
    let can_play = member.role == Role::Owner || row.agents_can_play;
    let consent = match row.opted_out_at {
        Some(at) => Some(consent_text(state, lead_id, at, row.last_keyword.as_deref()).await?),
        None => None,
    };
    let reply_blocked = if !row.business_active {
        Some("Texting is paused: billing is inactive.")
    } else if consent.is_some() {
        Some("This caller opted out of texts.")
    } else if row.unreachable_code.is_some() {
        Some("This number can't receive texts.")
    } else {
        None
    };
    Ok(LeadPage {
        calls: calls(state, lead_id, can_play).await?,
        transcript: transcript(state, lead_id, before).await?,
        activity: activity(state, member.business_id, lead_id).await?,
        reply_blocked: reply_blocked.map(str::to_owned),
        nonce: Uuid::new_v4().simple().to_string(),
        lead: LeadDetail {
            id: row.id,
            caller_e164: row.caller_e164,
            contact_name: row.contact_name,
            source: row.source,
            number_label: row.number_label,
            created_at: row.created_at,
            status: row.status,
            conversation_state: row.conversation_state,
            service: row.service,
            urgency: row.urgency,
            postal_code: row.postal_code,
            best_time: row.best_time,
            automation_paused: row.automation_paused,
            automation_pause_reason: row.automation_pause_reason,
            billing_block_reason: row.billing_block_reason,
            consent,
            unreachable: row
                .unreachable_code
                .map(|code| format!("{code}: {}", twilio_errors::explanation(&code))),
        },
    })
}

async fn consent_text(
    state: &AppState,
    lead_id: Uuid,
    at: DateTime<Utc>,
    keyword: Option<&str>,
) -> Result<String, sqlx::Error> {
    let date = at.format("%b %-d, %Y");
    if keyword != Some("MANUAL") {
        return Ok(format!(
            "Opted out on {date} via {}",
            keyword.unwrap_or("STOP")
        ));
    }
    let who: Option<String> = sqlx::query_scalar(
        "SELECT COALESCE(u.display_name, u.email) FROM audit_log a JOIN users u ON u.id = a.actor_user_id
         WHERE a.action = 'lead.marked_opted_out' AND a.target_type = 'lead' AND a.target_id = $1
         ORDER BY a.at DESC LIMIT 1",
    )
    .bind(lead_id.to_string())
    .fetch_optional(&state.pool)
    .await?;
    Ok(format!(
        "Opted out on {date}, marked by {}",
        who.unwrap_or_else(|| "a team member".to_owned())
    ))
}

type CallTuple = (
    Uuid,
    DateTime<Utc>,
    String,
    String,
    Option<String>,
    Option<i32>,
    Option<i32>,
    Option<String>,
    Option<String>,
);

async fn calls(
    state: &AppState,
    lead_id: Uuid,
    can_play: bool,
) -> Result<Vec<CallRow>, sqlx::Error> {
    let rows: Vec<CallTuple> = sqlx::query_as(
        "SELECT c.id, c.created_at, n.label, c.outcome, c.missed_reason, c.call_duration_seconds,
                c.dial_call_duration_seconds, c.recording_url, c.recording_status
         FROM lead_calls lc JOIN calls c ON c.id = lc.call_id
         JOIN phone_numbers n ON n.id = c.phone_number_id
         WHERE lc.lead_id = $1 ORDER BY c.created_at DESC",
    )
    .bind(lead_id)
    .fetch_all(&state.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(
                id,
                at,
                number_label,
                outcome,
                missed_reason,
                call_seconds,
                dial_seconds,
                url,
                status,
            )| {
                let answered = outcome == "answered";
                let playable = url.as_deref().is_some_and(recording_url::is_allowed)
                    && status.as_deref() != Some("deleted");
                let (recording_src, recording_note) = match (playable, can_play) {
                    (true, true) => (
                        Some(format!("/api/leads/{lead_id}/recording?call={id}")),
                        None,
                    ),
                    (true, false) => (None, Some("Recording available to owners".to_owned())),
                    (false, _) => (None, recording_note(status.as_deref())),
                };
                CallRow {
                    id,
                    at,
                    number_label,
                    outcome: call_outcome(&outcome, missed_reason.as_deref()),
                    ring_seconds: match (call_seconds, dial_seconds) {
                        (Some(total), Some(talk)) if answered => Some((total - talk).max(0)),
                        (total, _) if !answered => total,
                        _ => None,
                    },
                    talk_seconds: dial_seconds.filter(|_| answered),
                    recording_src,
                    recording_note,
                }
            },
        )
        .collect())
}

fn recording_note(status: Option<&str>) -> Option<String> {
    match status? {
        "deleted" => Some("Recording deleted".to_owned()),
        "in-progress" | "processing" => Some("Recording is processing".to_owned()),
        _ => Some("Recording not available".to_owned()),
    }
}

type MessageTuple = (
    Uuid,
    DateTime<Utc>,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    i32,
);

/// One page of the transcript: the latest `TRANSCRIPT_PAGE` texts, or those before `before`.
/// Every view and every 15 s refresh reads one bounded page, however long the conversation.
async fn transcript(
    state: &AppState,
    lead_id: Uuid,
    before: Option<Uuid>,
) -> Result<TranscriptPage, sqlx::Error> {
    // Newest first, one more than a page to learn whether older texts exist. A text and its
    // reply share created_at (one transaction): the text sorts first. A cursor that names no
    // text of this lead compares with NULL and shows an empty page (with the way back).
    let mut rows: Vec<MessageTuple> = sqlx::query_as(
        "SELECT m.id, m.created_at, m.direction, m.participant, m.kind, m.body, m.status,
                m.suppression_reason, m.error_code, COALESCE(u.display_name, u.email), m.media_count
         FROM messages m LEFT JOIN users u ON u.id = m.sent_by_user_id
         WHERE m.lead_id = $1
           AND ($2::uuid IS NULL OR (m.created_at, m.direction = 'outbound', m.id) <
               (SELECT c.created_at, c.direction = 'outbound', c.id FROM messages c
                WHERE c.id = $2 AND c.lead_id = $1))
         ORDER BY m.created_at DESC, m.direction = 'outbound' DESC, m.id DESC
         LIMIT $3",
    )
    .bind(lead_id)
    .bind(before)
    .bind(TRANSCRIPT_PAGE as i64 + 1)
    .fetch_all(&state.pool)
    .await?;
    let has_older = rows.len() > TRANSCRIPT_PAGE;
    rows.truncate(TRANSCRIPT_PAGE);
    rows.reverse();
    Ok(TranscriptPage {
        older_before: rows.first().map(|row| row.0).filter(|_| has_older),
        is_older_page: before.is_some(),
        messages: messages(rows),
    })
}

fn messages(rows: Vec<MessageTuple>) -> Vec<MessageRow> {
    rows.into_iter()
        .map(
            |(id, at, direction, participant, kind, body, status, reason, code, user, media)| {
                let inbound = direction == "inbound";
                let author = match kind.as_str() {
                    _ if inbound => None,
                    "owner_reply" => Some(user.unwrap_or_else(|| "Team member".to_owned())),
                    "compliance" => Some("Compliance".to_owned()),
                    "owner_alert" | "relay" => Some("To your phone".to_owned()),
                    _ => Some("Automated".to_owned()),
                };
                let delivery = (!inbound).then(|| match reason.as_deref() {
                    Some(reason) if status == "suppressed" => {
                        format!("Suppressed ({})", suppression(reason))
                    }
                    _ => delivery(&status).to_owned(),
                });
                MessageRow {
                    id,
                    at,
                    inbound,
                    is_note: participant == "owner"
                        && matches!(kind.as_str(), "owner_alert" | "relay"),
                    body,
                    author,
                    delivery,
                    error: code.map(|code| twilio_errors::failure_note(&code)),
                    media_count: media,
                }
            },
        )
        .collect()
}

type AuditTuple = (
    DateTime<Utc>,
    String,
    String,
    Option<String>,
    serde_json::Value,
);

async fn activity(
    state: &AppState,
    business_id: Uuid,
    lead_id: Uuid,
) -> Result<Vec<ActivityRow>, sqlx::Error> {
    let rows: Vec<AuditTuple> = sqlx::query_as(
        "SELECT a.at, a.action, a.actor_type, COALESCE(u.display_name, u.email), a.changes
             FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id
             WHERE a.business_id = $1 AND a.target_type = 'lead' AND a.target_id = $2
             ORDER BY a.at DESC LIMIT 50",
    )
    .bind(business_id)
    .bind(lead_id.to_string())
    .fetch_all(&state.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(at, action, actor, user, changes)| {
            let what = match action.as_str() {
                "lead.status_changed" => {
                    let to = changes["status"][1].as_str().unwrap_or_default();
                    format!("Status set to {}", crate::api::leads::status_label(to))
                }
                "lead.automation_paused" => "Automation paused".to_owned(),
                "lead.automation_resumed" => "Automation resumed".to_owned(),
                "lead.reply_sent" => "Replied".to_owned(),
                "lead.marked_opted_out" => "Marked as opted out".to_owned(),
                "lead.follow_up_started" => "Follow-up started".to_owned(),
                other => other.to_owned(),
            };
            let who = user.unwrap_or_else(|| match actor.as_str() {
                "user" => "Team member".to_owned(),
                _ => "Automation".to_owned(),
            });
            ActivityRow { at, who, what }
        })
        .collect())
}
