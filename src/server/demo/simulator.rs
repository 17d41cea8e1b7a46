//! `/app/simulator` (web.md §6, operations.md §3.3): what the caller's phone shows (the
//! business's texts and the caller's own), the calls made, and the owner's alerts beside them;
//! and the two things the caller does, call and text. Members only, and only in demo mode:
//! anywhere else every part of it answers 404.

use uuid::Uuid;

use super::phone::DemoPhone;
use crate::{
    api::{
        error::AppError,
        simulator::{
            SimulatedCallRow, SimulatorLead, SimulatorNumber, SimulatorPage, SimulatorText,
        },
    },
    domain::call_webhooks::SimulatedOutcome,
    server::{
        auth::viewer::{Member, require_member, state},
        phone::{Source, normalize},
        simulators::webhook_poster::PostError,
    },
};

/// The caller a fresh simulator starts with: a 555 number no real phone has.
pub const DEFAULT_CALLER: &str = "+15125550199";
/// A text is one SMS body; Twilio's limit for an inbound message is 1 600 characters.
const TEXT_MAX_CHARS: usize = 1600;
/// How much of the conversation the phone shows.
const SHOWN: i64 = 60;

/// The demo phone and the signed-in member, or 404 when not in demo mode.
async fn demo_member() -> Result<(DemoPhone, Member), AppError> {
    let phone = state()
        .demo_phone
        .clone()
        .ok_or_else(|| AppError::not_found("Page not found"))?;
    Ok((phone, require_member().await?))
}

pub async fn page(number: Option<&str>, caller: Option<&str>) -> Result<SimulatorPage, AppError> {
    let (_, member) = demo_member().await?;
    let pool = &state().pool;
    let numbers: Vec<SimulatorNumber> = sqlx::query_as(
        "SELECT id, e164, label FROM phone_numbers
         WHERE business_id = $1 AND status = 'active' ORDER BY created_at, id",
    )
    .bind(member.business_id)
    .fetch_all(pool)
    .await?;
    let selected = number
        .and_then(|raw| Uuid::parse_str(raw.trim()).ok())
        .and_then(|id| numbers.iter().find(|n| n.id == id))
        .or_else(|| numbers.first())
        .cloned();
    let caller = caller
        .and_then(|raw| normalize(raw, Source::Owner).e164().map(str::to_owned))
        .unwrap_or_else(|| DEFAULT_CALLER.to_owned());
    let Some(line) = selected else {
        return Ok(SimulatorPage::empty(numbers, caller));
    };
    let texts: Vec<SimulatorText> = sqlx::query_as(
        "SELECT created_at AS at, direction = 'inbound' AS from_caller, body, status, kind
         FROM (SELECT * FROM messages
               WHERE business_id = $1 AND participant = 'lead'
                 AND ((direction = 'inbound' AND from_e164 = $2 AND to_e164 = $3)
                   OR (direction = 'outbound' AND to_e164 = $2 AND from_e164 = $3))
               ORDER BY created_at DESC, direction = 'inbound', id DESC LIMIT $4) latest
         -- A text and its reply share created_at (one transaction): the text first.
         ORDER BY created_at, direction = 'outbound', id",
    )
    .bind(member.business_id)
    .bind(&caller)
    .bind(&line.e164)
    .bind(SHOWN)
    .fetch_all(pool)
    .await?;
    let alerts: Vec<SimulatorText> = sqlx::query_as(
        "SELECT created_at AS at, false AS from_caller, body, status, kind
         FROM messages
         WHERE business_id = $1 AND participant = 'owner' AND direction = 'outbound'
         ORDER BY created_at DESC, id DESC LIMIT 10",
    )
    .bind(member.business_id)
    .fetch_all(pool)
    .await?;
    let calls: Vec<SimulatedCallRow> = sqlx::query_as(
        "SELECT created_at AS at, outcome, missed_reason, call_status
         FROM calls WHERE business_id = $1 AND from_e164 = $2 AND phone_number_id = $3
         ORDER BY created_at DESC, id DESC LIMIT 5",
    )
    .bind(member.business_id)
    .bind(&caller)
    .bind(line.id)
    .fetch_all(pool)
    .await?;
    let lead: Option<SimulatorLead> = sqlx::query_as(
        "SELECT id, status, conversation_state FROM leads
         WHERE business_id = $1 AND caller_e164 = $2
         ORDER BY last_activity_at DESC NULLS LAST, created_at DESC LIMIT 1",
    )
    .bind(member.business_id)
    .bind(&caller)
    .fetch_optional(pool)
    .await?;
    Ok(SimulatorPage {
        numbers,
        number_id: Some(line.id),
        caller,
        texts,
        alerts,
        calls,
        lead,
    })
}

/// What the forms carry: one of the member's active numbers and a valid caller phone.
async fn checked_target(
    member: &Member,
    number_id: &str,
    caller: &str,
) -> Result<(String, String), AppError> {
    let id = Uuid::parse_str(number_id.trim())
        .map_err(|_| AppError::invalid("number_id", "Choose one of your tracking numbers"))?;
    let to: Option<String> = sqlx::query_scalar(
        "SELECT e164 FROM phone_numbers WHERE id = $1 AND business_id = $2 AND status = 'active'",
    )
    .bind(id)
    .bind(member.business_id)
    .fetch_optional(&state().pool)
    .await?;
    let to =
        to.ok_or_else(|| AppError::invalid("number_id", "Choose one of your tracking numbers"))?;
    let from = normalize(caller, Source::Owner)
        .e164()
        .map(str::to_owned)
        .ok_or_else(|| {
            AppError::invalid(
                "caller",
                "Enter the caller's phone number, e.g. (512) 555-0199",
            )
        })?;
    if from == to {
        return Err(AppError::invalid(
            "caller",
            "The caller cannot be the tracking number itself",
        ));
    }
    Ok((from, to))
}

/// The webhook was refused or never arrived: say so plainly; the app's own log has the cause.
fn refused(err: PostError) -> AppError {
    match err {
        PostError::Refused { status, body } => AppError::conflict(format!(
            "The app refused the simulated webhook (HTTP {status}): {}",
            body.chars().take(200).collect::<String>()
        )),
        other => crate::server::errors::internal(format!("simulator: {other}")),
    }
}

pub async fn call(number_id: &str, caller: &str, outcome: &str) -> Result<String, AppError> {
    let (phone, member) = demo_member().await?;
    let outcome = SimulatedOutcome::parse(outcome)
        .ok_or_else(|| AppError::invalid("outcome", "Choose how the call ends"))?;
    let (from, to) = checked_target(&member, number_id, caller).await?;
    phone.call(&from, &to, outcome).await.map_err(refused)?;
    Ok(from)
}

pub async fn text(number_id: &str, caller: &str, body: &str) -> Result<String, AppError> {
    let (phone, member) = demo_member().await?;
    let body = body.trim();
    if body.is_empty() {
        return Err(AppError::invalid("body", "Type a message to send"));
    }
    if body.chars().count() > TEXT_MAX_CHARS {
        return Err(AppError::invalid(
            "body",
            "A text can be at most 1600 characters",
        ));
    }
    let (from, to) = checked_target(&member, number_id, caller).await?;
    phone.text(&from, &to, body).await.map_err(refused)?;
    Ok(from)
}
