//! What Twilio tells us about a sent text, from the REST answer or a status callback
//! (twilio.md §9, §11): the status moves forward only, and error codes mark the recipient
//! opted out or unreachable, alert the owner once, or raise an operator alert.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{
    domain::{
        message_status, owner_texts,
        twilio_errors::{self, ErrorAction},
    },
    server::{
        calls::owner_notes::{self, BusinessContact, OwnerNote},
        messaging::consent,
        observability::Alert,
        state::AppState,
    },
};

/// The parts of an outbound message the effects need.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SentText {
    pub id: Uuid,
    pub business_id: Uuid,
    pub lead_id: Option<Uuid>,
    pub phone_number_id: Option<Uuid>,
    pub participant: String,
    pub kind: String,
    pub to_e164: Option<String>,
    pub status: String,
}

impl SentText {
    pub const COLUMNS: &'static str =
        "id, business_id, lead_id, phone_number_id, participant, kind, to_e164, status";

    /// Texts to the notify phone: their failures concern the business, never a lead.
    fn is_to_owner(&self) -> bool {
        self.participant == "owner"
    }
}

/// Moves the message to `reported` when that is forward (§9) and stamps the matching time.
/// Returns the new status when it moved.
pub async fn advance_status(
    conn: &mut PgConnection,
    text: &SentText,
    reported: &str,
    error: Option<(&str, &str)>,
    now: DateTime<Utc>,
) -> Result<Option<&'static str>, sqlx::Error> {
    let Some(next) = message_status::advance(&text.status, reported) else {
        return Ok(None);
    };
    let (code, message) = error.unzip();
    sqlx::query(
        "UPDATE messages SET status = $2, status_updated_at = $3, updated_at = $3,
             sent_at = CASE WHEN $2 = 'sent' THEN COALESCE(sent_at, $3) ELSE sent_at END,
             delivered_at = CASE WHEN $2 = 'delivered' THEN COALESCE(delivered_at, $3)
                                 ELSE delivered_at END,
             failed_at = CASE WHEN $2 IN ('failed', 'undelivered') THEN COALESCE(failed_at, $3)
                              ELSE failed_at END,
             error_code = COALESCE($4, error_code),
             error_message = COALESCE($5, error_message)
         WHERE id = $1",
    )
    .bind(text.id)
    .bind(next)
    .bind(now)
    .bind(code)
    .bind(message)
    .execute(&mut *conn)
    .await?;
    if next == "delivered" {
        delivered(conn, text, now).await?;
    }
    Ok(Some(next))
}

/// A delivery proves the phone reachable: a pending `30003` is forgotten; for the notify
/// phone, the failure banner clears.
async fn delivered(
    conn: &mut PgConnection,
    text: &SentText,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    if text.is_to_owner() {
        sqlx::query(
            "UPDATE businesses SET notify_failure_code = NULL, notify_failure_at = NULL,
                 updated_at = $2
             WHERE id = $1 AND notify_failure_code IS NOT NULL",
        )
        .bind(text.business_id)
        .bind(now)
        .execute(conn)
        .await?;
    } else if let Some(lead_id) = text.lead_id {
        sqlx::query(
            "UPDATE leads SET unreachable_pending_at = NULL, updated_at = $2
             WHERE id = $1 AND unreachable_pending_at IS NOT NULL",
        )
        .bind(lead_id)
        .bind(now)
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// Applies an error code's consequences (§11). Idempotent: claims and keys make repeated
/// callbacks harmless.
pub async fn apply_error_code(
    conn: &mut PgConnection,
    state: &AppState,
    text: &SentText,
    code: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let action = twilio_errors::action(code);
    if action == ErrorAction::CarrierOptOut {
        if let Some(to) = &text.to_e164 {
            consent::opt_out(conn, text.business_id, to, "CARRIER_21610", None, now).await?;
        }
        return Ok(());
    }
    if text.is_to_owner() {
        state
            .metrics
            .inc("owner_alert_failures_total", &[("code", code)]);
        sqlx::query(
            "UPDATE businesses SET notify_failure_code = $2, notify_failure_at = $3, updated_at = $3
             WHERE id = $1",
        )
        .bind(text.business_id)
        .bind(code)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    } else if let Some(lead_id) = text.lead_id {
        match action {
            ErrorAction::Unreachable => {
                mark_unreachable(conn, state, lead_id, code, now).await?;
            }
            ErrorAction::UnreachableIfRepeated => {
                unreachable_if_repeated(conn, state, lead_id, code, now).await?;
            }
            _ => {}
        }
    }
    let operator = match action {
        ErrorAction::CarrierFiltered => Some((
            "carrier_filtered",
            "A text was filtered by the carrier (30007)",
        )),
        ErrorAction::NotRegistered => Some((
            "sender_not_registered",
            "Texts are blocked until the number's A2P 10DLC registration is complete (30034)",
        )),
        ErrorAction::SenderNotSmsCapable => Some((
            "sender_not_sms_capable",
            "A tracking number cannot send SMS (21606)",
        )),
        ErrorAction::BadCredentials => {
            Some(("bad_credentials", "Twilio refused the credentials (20003)"))
        }
        _ => None,
    };
    if let Some((event, message)) = operator {
        state.alerts.report(
            Alert::new("twilio", event, message)
                .metadata(
                    json!({ "business_id": text.business_id, "message_id": text.id, "code": code }),
                )
                .throttle(
                    format!("{}:{code}", text.business_id),
                    std::time::Duration::from_secs(3600),
                ),
        );
    }
    Ok(())
}

async fn mark_unreachable(
    conn: &mut PgConnection,
    state: &AppState,
    lead_id: Uuid,
    code: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE leads SET unreachable_code = $2, unreachable_pending_at = NULL, updated_at = $3
         WHERE id = $1",
    )
    .bind(lead_id)
    .bind(code)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    cannot_text_alert(conn, state, lead_id, code, now).await
}

/// `30003` is often temporary: the first one only notes the time; a second at least an hour
/// later, with no delivery in between, makes the lead unreachable.
async fn unreachable_if_repeated(
    conn: &mut PgConnection,
    state: &AppState,
    lead_id: Uuid,
    code: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let pending: Option<Option<DateTime<Utc>>> = sqlx::query_scalar(
        "SELECT unreachable_pending_at FROM leads WHERE id = $1 AND unreachable_code IS NULL
         FOR UPDATE",
    )
    .bind(lead_id)
    .fetch_optional(&mut *conn)
    .await?;
    match pending {
        None => Ok(()),
        Some(Some(first)) if now - first >= Duration::hours(1) => {
            mark_unreachable(conn, state, lead_id, code, now).await
        }
        Some(Some(_)) => Ok(()),
        Some(None) => {
            sqlx::query(
                "UPDATE leads SET unreachable_pending_at = $2, updated_at = $2 WHERE id = $1",
            )
            .bind(lead_id)
            .bind(now)
            .execute(conn)
            .await?;
            Ok(())
        }
    }
}

/// One "Can't text" alert per lead (claim `cannot_text_notified_at`).
async fn cannot_text_alert(
    conn: &mut PgConnection,
    state: &AppState,
    lead_id: Uuid,
    code: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let claimed: Option<(Uuid, String, Option<Uuid>)> = sqlx::query_as(
        "UPDATE leads SET cannot_text_notified_at = $2, updated_at = $2
         WHERE id = $1 AND cannot_text_notified_at IS NULL
         RETURNING business_id, caller_e164, sending_number_id",
    )
    .bind(lead_id)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((business_id, caller, sending_number_id)) = claimed else {
        return Ok(());
    };
    let business = BusinessContact::load(conn, business_id).await?;
    let sender = owner_notes::number_by_id(conn, sending_number_id).await?;
    let link = owner_texts::lead_link(&state.config.public_base_url, &lead_id.to_string());
    let body = owner_texts::cannot_text(
        &business.name,
        &caller,
        twilio_errors::explanation(code),
        &link,
    );
    owner_notes::queue(
        conn,
        OwnerNote {
            business: &business,
            lead_id: Some(lead_id),
            sender: &sender,
            key: format!("lead:{lead_id}:owner_cannot_text"),
            body,
        },
        None,
        now,
    )
    .await?;
    Ok(())
}
