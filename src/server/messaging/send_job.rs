//! The `send_sms` job (twilio.md §10.2, §12): one outbound `messages` row reaches Twilio at most
//! once. The send-time gates run again (consent, subscription, paused lead, active sender), an
//! attempt whose answer was lost is reconciled against Twilio's message list before anything is
//! sent again, and only 429, 5xx and network trouble are retried.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use sqlx::{Connection as _, PgConnection};
use uuid::Uuid;

use super::delivery::{self, SentText};
use crate::{
    domain::{message_status, twilio_errors, webhook_urls::WebhookUrls},
    server::{
        failpoint::{self, Failpoint},
        integrations::twilio::{NewMessage, TwilioError, TwilioMessage},
        jobs::{ClaimedJob, DeadJob, JobError},
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
    let Some(message_id) = message_id(&job.payload) else {
        return Err(JobError::Permanent("payload has no message_id".into()));
    };
    let mut tx = state.pool.begin().await?;
    let Some(mut outgoing) = lock(&mut tx, message_id).await? else {
        return Ok(());
    };
    if outgoing.text.status == "submitting" {
        // An attempt whose answer was lost: Twilio's list is asked with the row unlocked and no
        // transaction open (a slow Twilio must not hold a pooled connection), then the row is
        // locked again and adopts a listed message only if nothing changed meanwhile.
        tx.rollback().await?;
        let listed = reconcile(state, &outgoing).await?;
        tx = state.pool.begin().await?;
        let Some(current) = lock(&mut tx, message_id).await? else {
            return Ok(());
        };
        let unchanged = current.text.status == "submitting"
            && current.attempt_started_at == outgoing.attempt_started_at;
        outgoing = current;
        if unchanged && adopt_unclaimed(&mut tx, &outgoing, &listed, state.clock.now()).await? {
            tx.commit().await?;
            count_outbound(state, &outgoing, "accepted");
            return Ok(());
        }
    }
    if !matches!(outgoing.text.status.as_str(), "pending" | "submitting") {
        return Ok(());
    }
    let now = state.clock.now();
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
        let status = if reason == "canceled" {
            "canceled"
        } else {
            "suppressed"
        };
        count_outbound(state, &outgoing, status);
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
    let (outcome, counted) = match sent {
        Ok(created) => {
            adopt(&mut tx, &current, &created, now).await?;
            (Ok(()), Some("accepted"))
        }
        Err(err) => {
            let retried = err.is_retryable() && !job.is_final_attempt();
            let outcome = failed(&mut tx, state, job, &current, err, now).await;
            (outcome, (!retried).then_some("failed"))
        }
    };
    tx.commit().await?;
    if let Some(status) = counted {
        count_outbound(state, &current, status);
    }
    outcome
}

/// `sms_outbound_total{kind, status}`: each text counted once, where its send settles.
fn count_outbound(state: &AppState, outgoing: &Outgoing, status: &str) {
    state.metrics.inc(
        "sms_outbound_total",
        &[("kind", outgoing.text.kind.as_str()), ("status", status)],
    );
}

const SELECT_OUTGOING: &str = "SELECT id, business_id, lead_id, phone_number_id, participant,
        kind, to_e164, status, from_e164, body, attempt_started_at
     FROM messages WHERE id = $1 AND direction = 'outbound'";

async fn lock(conn: &mut PgConnection, id: Uuid) -> Result<Option<Outgoing>, sqlx::Error> {
    sqlx::query_as(&format!("{SELECT_OUTGOING} FOR UPDATE"))
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

/// Asks Twilio which listed messages could be the attempt whose answer was lost: same numbers,
/// same body, created since shortly before that attempt (newest first, as Twilio lists them).
async fn reconcile(state: &AppState, outgoing: &Outgoing) -> Result<Vec<TwilioMessage>, JobError> {
    let (Some(to), Some(from), Some(started)) = (
        &outgoing.text.to_e164,
        &outgoing.from_e164,
        outgoing.attempt_started_at,
    ) else {
        return Ok(Vec::new());
    };
    let since = started - Duration::seconds(RECONCILE_SLACK_SECONDS);
    let listed = state
        .twilio
        .recent_messages(to, from, RECONCILE_PAGE_SIZE)
        .await
        .map_err(|err| JobError::Retryable(format!("reconciliation failed: {err}")))?;
    Ok(listed
        .into_iter()
        .filter(|message| {
            message.body == outgoing.body
                && message.created_at().is_some_and(|created| created >= since)
        })
        .collect())
}

/// Adopts the first listed candidate whose SID no other message holds. An identical text sent
/// moments before (a second re-prompt, say) is listed too, but it is already another row's: a
/// SID taken, even by a concurrent adopter (the unique violation), means "not ours", and the
/// caller of this function sends. Returns whether a candidate was adopted.
async fn adopt_unclaimed(
    conn: &mut PgConnection,
    outgoing: &Outgoing,
    listed: &[TwilioMessage],
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    if listed.is_empty() {
        return Ok(false);
    }
    let sids: Vec<&str> = listed.iter().map(|message| message.sid.as_str()).collect();
    let taken: Vec<String> =
        sqlx::query_scalar("SELECT twilio_sid FROM messages WHERE twilio_sid = ANY($1)")
            .bind(&sids)
            .fetch_all(&mut *conn)
            .await?;
    for candidate in listed.iter().filter(|m| !taken.contains(&m.sid)) {
        let mut savepoint = conn.begin().await?;
        match adopt(&mut savepoint, outgoing, candidate, now).await {
            Ok(()) => {
                savepoint.commit().await?;
                return Ok(true);
            }
            Err(err) if is_unique_violation(&err) => savepoint.rollback().await?,
            Err(err) => return Err(err),
        }
    }
    Ok(false)
}

fn is_unique_violation(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .is_some_and(|db| db.is_unique_violation())
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

/// The job of a text died without settling it (its payload broke, or its worker stopped during
/// the final attempt): a text still waiting before Twilio becomes `failed`, so the lead page says
/// it was not sent, and the operator is alerted. A text already settled is left as it is.
pub async fn abandon(state: &AppState, dead: &DeadJob) -> Result<(), sqlx::Error> {
    let Some(message_id) = message_id(&dead.payload) else {
        return Ok(());
    };
    let now = state.clock.now();
    let abandoned: Option<(Uuid, Option<Uuid>)> = sqlx::query_as(
        "UPDATE messages SET status = 'failed', error_code = $2, error_message = $3,
             failed_at = $4, status_updated_at = $4, updated_at = $4
         WHERE id = $1 AND direction = 'outbound' AND status IN ('pending', 'submitting')
         RETURNING business_id, lead_id",
    )
    .bind(message_id)
    .bind(twilio_errors::SEND_ABANDONED)
    .bind(&dead.error)
    .bind(now)
    .fetch_optional(&state.pool)
    .await?;
    if let Some((business_id, lead_id)) = abandoned {
        state.alerts.report(
            Alert::new(
                "twilio",
                "send_abandoned",
                "A text was abandoned: its send job died before Twilio confirmed it",
            )
            .metadata(json!({
                "message_id": message_id,
                "business_id": business_id,
                "lead_id": lead_id,
                "error": dead.error,
            })),
        );
    }
    Ok(())
}

fn message_id(payload: &serde_json::Value) -> Option<Uuid> {
    payload
        .get("message_id")
        .and_then(|id| id.as_str())
        .and_then(|id| Uuid::parse_str(id).ok())
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
        (twilio_errors::RETRY_EXHAUSTED.to_owned(), err.to_string())
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
    if code == twilio_errors::RETRY_EXHAUSTED {
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
