//! The `send_sms` job (twilio.md §10.2, §12): one outbound `messages` row reaches Twilio at most
//! once. The send-time gates run again (consent, subscription, paused lead, active sender), an
//! attempt whose answer was lost is reconciled against Twilio's message list before anything is
//! sent again, and only 429, 5xx and network trouble are retried.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::delivery::{self, SentText};
use crate::{
    domain::{message_status, webhook_urls::WebhookUrls},
    server::{
        failpoint::{self, Failpoint},
        integrations::twilio::{NewMessage, TwilioError, TwilioMessage},
        jobs::{ClaimedJob, JobError},
        observability::Alert,
        state::AppState,
    },
};

/// How far before the attempt a listed message may have been created and still be ours.
const RECONCILE_SLACK_SECONDS: i64 = 120;
const RECONCILE_PAGE_SIZE: u32 = 20;
/// Kinds the "lead paused" gate withholds (owner replies, hand-offs, alerts and relays still go).
const AUTOMATED_KINDS: [&str; 6] = ["intro", "prompt", "reprompt", "completion", "nudge", "ack"];

#[derive(Clone, Debug, sqlx::FromRow)]
struct Outgoing {
    #[sqlx(flatten)]
    text: SentText,
    from_e164: Option<String>,
    body: String,
    attempt_started_at: Option<DateTime<Utc>>,
}

pub async fn run(state: &AppState, job: &ClaimedJob) -> Result<(), JobError> {
    let Some(message_id) = job
        .payload
        .get("message_id")
        .and_then(|id| id.as_str())
        .and_then(|id| Uuid::parse_str(id).ok())
    else {
        return Err(JobError::Permanent("payload has no message_id".into()));
    };
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let Some(outgoing) = lock(&mut tx, message_id).await? else {
        return Ok(());
    };
    if !matches!(outgoing.text.status.as_str(), "pending" | "submitting") {
        return Ok(());
    }
    if outgoing.text.status == "submitting"
        && let Some(found) = reconcile(state, &outgoing).await?
    {
        adopt(&mut tx, &outgoing, &found, now).await?;
        tx.commit().await?;
        return Ok(());
    }
    if let Some(reason) = gate(&mut tx, &outgoing).await? {
        sqlx::query(
            "UPDATE messages SET status = $2, suppression_reason = $3, status_updated_at = $4,
                 updated_at = $4
             WHERE id = $1",
        )
        .bind(message_id)
        .bind(if reason == "canceled" {
            "canceled"
        } else {
            "suppressed"
        })
        .bind((reason != "canceled").then_some(reason))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        return Ok(());
    }
    sqlx::query(
        "UPDATE messages SET status = 'submitting', attempts = attempts + 1,
             attempt_started_at = $2, status_updated_at = $2, updated_at = $2
         WHERE id = $1",
    )
    .bind(message_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;

    let urls = WebhookUrls::new(&state.config.public_base_url, state.config.webhook_token());
    let status_callback = urls.message_status(&message_id.to_string());
    let sent = state
        .twilio
        .create_message(&NewMessage {
            to: outgoing.text.to_e164.as_deref().unwrap_or_default(),
            from: outgoing.from_e164.as_deref().unwrap_or_default(),
            body: &outgoing.body,
            status_callback: &status_callback,
        })
        .await;
    if sent.is_ok() {
        failpoint::hit(Failpoint::AfterTwilioAccept);
    }
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let Some(current) = lock(&mut tx, message_id).await? else {
        return Ok(());
    };
    let outcome = match sent {
        Ok(created) => {
            adopt(&mut tx, &current, &created, now).await?;
            Ok(())
        }
        Err(err) => failed(&mut tx, state, job, &current, err, now).await,
    };
    tx.commit().await?;
    outcome
}

async fn lock(conn: &mut PgConnection, id: Uuid) -> Result<Option<Outgoing>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {}, from_e164, body, attempt_started_at FROM messages
         WHERE id = $1 AND direction = 'outbound' FOR UPDATE",
        SentText::COLUMNS
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// The first send-time gate that fails (§10.2 step 3), as the suppression reason; `canceled`
/// when the business is gone.
async fn gate(
    conn: &mut PgConnection,
    outgoing: &Outgoing,
) -> Result<Option<&'static str>, sqlx::Error> {
    let text = &outgoing.text;
    let (deleted, opted_out, active, paused, sender_active): (bool, bool, bool, bool, bool) =
        sqlx::query_as(
            "SELECT COALESCE(b.deleted_at IS NOT NULL, true),
                    COALESCE((SELECT opted_out FROM sms_consent
                              WHERE business_id = $1 AND phone_e164 = $2), false),
                    COALESCE(b.subscription_status = 'ACTIVE', false),
                    COALESCE((SELECT automation_paused FROM leads WHERE id = $3), false),
                    EXISTS (SELECT 1 FROM phone_numbers p
                            WHERE p.id = $4 AND p.business_id = $1 AND p.status = 'active'
                              AND p.e164 = $5)
             FROM (SELECT 1) AS one LEFT JOIN businesses b ON b.id = $1",
        )
        .bind(text.business_id)
        .bind(text.to_e164.as_deref())
        .bind(text.lead_id)
        .bind(text.phone_number_id)
        .bind(outgoing.from_e164.as_deref())
        .fetch_one(conn)
        .await?;
    if deleted {
        return Ok(Some("canceled"));
    }
    if text.kind == "compliance" {
        // Confirmations go from the number that received the keyword, whatever its state.
        return Ok(outgoing.from_e164.is_none().then_some("no_sender"));
    }
    Ok(if opted_out {
        Some("opted_out")
    } else if !active {
        Some("billing_inactive")
    } else if paused && AUTOMATED_KINDS.contains(&text.kind.as_str()) {
        Some("automation_paused")
    } else if !sender_active {
        Some("no_sender")
    } else {
        None
    })
}

/// Asks Twilio whether the attempt whose answer was lost created the message.
async fn reconcile(
    state: &AppState,
    outgoing: &Outgoing,
) -> Result<Option<TwilioMessage>, JobError> {
    let (Some(to), Some(from)) = (&outgoing.text.to_e164, &outgoing.from_e164) else {
        return Ok(None);
    };
    let since = outgoing
        .attempt_started_at
        .map(|at| at - Duration::seconds(RECONCILE_SLACK_SECONDS));
    let listed = state
        .twilio
        .recent_messages(to, from, RECONCILE_PAGE_SIZE)
        .await
        .map_err(|err| JobError::Retryable(format!("reconciliation failed: {err}")))?;
    Ok(listed.into_iter().find(|message| {
        message.body == outgoing.body
            && match (since, message.created_at()) {
                (Some(since), Some(created)) => created >= since,
                _ => false,
            }
    }))
}

/// Stores the SID Twilio gave (or that reconciliation found) with its status.
async fn adopt(
    conn: &mut PgConnection,
    outgoing: &Outgoing,
    twilio: &TwilioMessage,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let reported = message_status::canonical(&twilio.status).unwrap_or("accepted");
    let status = message_status::advance(&outgoing.text.status, reported)
        .unwrap_or(outgoing.text.status.as_str());
    let status = if status == "submitting" {
        "accepted"
    } else {
        status
    };
    sqlx::query(
        "UPDATE messages SET twilio_sid = COALESCE(twilio_sid, $2), status = $3,
             submitted_at = COALESCE(submitted_at, $4), status_updated_at = $4, updated_at = $4
         WHERE id = $1",
    )
    .bind(outgoing.text.id)
    .bind(&twilio.sid)
    .bind(status)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a failed attempt: retried (429, 5xx, network) or final (other 4xx, exhausted).
async fn failed(
    conn: &mut PgConnection,
    state: &AppState,
    job: &ClaimedJob,
    outgoing: &Outgoing,
    err: TwilioError,
    now: DateTime<Utc>,
) -> Result<(), JobError> {
    let text = &outgoing.text;
    if err.is_retryable() && !job.is_final_attempt() {
        // Nothing reached Twilio: the next attempt may send without asking first.
        if err.nothing_was_sent() {
            sqlx::query("UPDATE messages SET status = 'pending', updated_at = $2 WHERE id = $1")
                .bind(text.id)
                .bind(now)
                .execute(&mut *conn)
                .await?;
        }
        let reason = format!("send failed: {err}");
        return Err(match &err {
            TwilioError::Api {
                retry_after: Some(seconds),
                ..
            } => JobError::RetryNotBefore {
                not_before: now + Duration::seconds(*seconds as i64),
                reason,
            },
            _ => JobError::Retryable(reason),
        });
    }
    let (code, message) = if err.is_retryable() {
        ("retry_exhausted".to_owned(), err.to_string())
    } else if err.is_auth_failure() {
        ("20003".to_owned(), err.to_string())
    } else {
        let code = err
            .code()
            .map(|code| code.to_string())
            .or_else(|| err.status().map(|status| format!("http_{status}")))
            .unwrap_or_else(|| "send_error".to_owned());
        (code, err.to_string())
    };
    sqlx::query(
        "UPDATE messages SET status = 'failed', error_code = $2, error_message = $3,
             failed_at = $4, status_updated_at = $4, updated_at = $4
         WHERE id = $1",
    )
    .bind(text.id)
    .bind(&code)
    .bind(&message)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    delivery::apply_error_code(conn, state, text, &code, now).await?;
    if code == "retry_exhausted" {
        state.alerts.report(
            Alert::new(
                "twilio",
                "send_retry_exhausted",
                "A text could not be sent after every retry",
            )
            .metadata(
                json!({ "message_id": text.id, "business_id": text.business_id, "error": message }),
            ),
        );
        return Err(JobError::Permanent(message));
    }
    Ok(())
}
