//! `twilio_reconcile` (twilio.md §10.5): after the app or its database was unavailable, reads
//! Twilio's call and message lists for every active or quarantined number over the gap and
//! replays what was never recorded through the app's own webhook handlers. Triggers: a start
//! after downtime (stale heartbeat) and `reconcile-twilio`; everything is keyed by SID.

pub mod outage;
mod replay;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use self::replay::Replayer;
use crate::{
    domain::{
        call_webhooks::{CallEnding, ReplayedCall, call_webhooks},
        reconcile_window::{Window, call_has_ended, parse_twilio_date},
        webhook_urls::WebhookUrls,
    },
    server::{
        integrations::twilio::{TwilioError, lists::TwilioCall, messages::TwilioMessage},
        jobs::{ClaimedJob, JobError, JobKind, NewJob, queue},
        observability::Alert,
        simulators::webhook_poster::form,
        state::AppState,
    },
};

/// Enqueues the job for `window` (once per window start).
pub async fn enqueue(
    conn: &mut PgConnection,
    window: Window,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let payload = serde_json::to_value(window).expect("a window serialises");
    queue::enqueue(
        conn,
        &NewJob::new(JobKind::TwilioReconcile, window.job_key(), now).payload(payload),
    )
    .await
}

/// At startup: when no worker has been alive for over 2 minutes, reconcile that gap.
pub async fn enqueue_after_downtime(
    pool: &PgPool,
    now: DateTime<Utc>,
) -> Result<Option<Window>, sqlx::Error> {
    let last_seen: Option<DateTime<Utc>> =
        sqlx::query_scalar("SELECT last_seen_at FROM service_heartbeat WHERE id")
            .fetch_optional(pool)
            .await?;
    let Some(window) = Window::at_startup(last_seen, now) else {
        return Ok(None);
    };
    let mut conn = pool.acquire().await?;
    enqueue(&mut conn, window, now).await?;
    Ok(Some(window))
}

/// What one run replayed.
#[derive(Debug, Default)]
struct Replayed {
    calls: usize,
    texts: usize,
    statuses: usize,
}

/// One run: what every number's pass needs, read once.
struct Pass<'a> {
    state: &'a AppState,
    replayer: Replayer,
    window: Window,
    account_sid: String,
    replayed: Replayed,
    /// SIDs whose replay failed in this run.
    failed: Vec<String>,
}

pub async fn run(state: &AppState, job: &ClaimedJob) -> Result<(), JobError> {
    let window: Window = serde_json::from_value(job.payload.clone())
        .map_err(|err| JobError::Permanent(format!("twilio_reconcile: bad window: {err}")))?;
    let replayer = Replayer::new(state)?;
    let numbers: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT e164 FROM phone_numbers
         WHERE status = 'active' OR detached_at > $1 - interval '90 days'",
    )
    .bind(state.clock.now())
    .fetch_all(&state.pool)
    .await?;
    let mut pass = Pass {
        state,
        replayer,
        window,
        account_sid: state.config.twilio.account_sid.clone().unwrap_or_default(),
        replayed: Replayed::default(),
        failed: Vec::new(),
    };
    for number in &numbers {
        pass.calls(number).await?;
        pass.messages(number).await?;
    }
    let (replayed, failed) = (pass.replayed, pass.failed);
    if !failed.is_empty() {
        let reason = format!(
            "twilio_reconcile: {} replayed webhooks failed: {}",
            failed.len(),
            failed.join(", ")
        );
        if !job.is_final_attempt() {
            return Err(JobError::Retryable(reason));
        }
        // The same items failed on every attempt: stop, and say so once.
        state.alerts.report(
            Alert::new(
                "twilio",
                "reconcile_items_failed",
                "Some of Twilio's logged calls or texts could not be replayed",
            )
            .metadata(serde_json::json!({
                "sids": failed,
                "window_start": window.start,
                "window_end": window.end,
            })),
        );
    }
    tracing::info!(
        event = "twilio.reconciled",
        numbers = numbers.len(),
        calls = replayed.calls,
        texts = replayed.texts,
        statuses = replayed.statuses,
        window_start = %window.start,
        window_end = %window.end,
        "twilio_reconcile finished"
    );
    Ok(())
}

fn twilio_failure(err: TwilioError) -> JobError {
    if err.is_retryable() {
        JobError::Retryable(format!("twilio_reconcile: {err}"))
    } else {
        JobError::Permanent(format!("twilio_reconcile: {err}"))
    }
}

fn urls(state: &AppState) -> WebhookUrls<'_> {
    WebhookUrls::new(&state.config.public_base_url, state.config.webhook_token())
}

fn started_at(call: &TwilioCall) -> Option<DateTime<Utc>> {
    call.start_time.as_deref().and_then(parse_twilio_date)
}

fn in_window(window: Window) -> impl Fn(&TwilioMessage) -> bool {
    move |message| message.created_at().is_none_or(|at| at >= window.start)
}

impl Pass<'_> {
    /// Replays one webhook. A failure is remembered by SID and the run goes on, so one item
    /// the app cannot take never keeps the numbers after it from being reconciled.
    async fn replay(&mut self, sid: &str, url: &str, params: &[(String, String)]) -> bool {
        match self.replayer.post(url, params).await {
            Ok(()) => true,
            Err(err) => {
                tracing::warn!(event = "twilio.reconcile_item_failed", sid, error = %err, "a replayed webhook failed; the rest of the run goes on");
                self.failed.push(sid.to_owned());
                false
            }
        }
    }

    /// Ended calls to `number` in the window that have no row, or a row still `pending`.
    async fn calls(&mut self, number: &str) -> Result<(), JobError> {
        let (state, window) = (self.state, self.window);
        let listed = state
            .twilio
            .calls_to(number, &window.start_date())
            .await
            .map_err(twilio_failure)?;
        for call in listed.iter().filter(|call| call.parent_call_sid.is_none()) {
            if !started_at(call).is_some_and(|at| window.contains(at))
                || !call_has_ended(&call.status)
            {
                continue;
            }
            let outcome: Option<String> =
                sqlx::query_scalar("SELECT outcome FROM calls WHERE call_sid = $1")
                    .bind(&call.sid)
                    .fetch_optional(&state.pool)
                    .await?;
            if outcome.is_some_and(|outcome| outcome != "pending") {
                continue;
            }
            let children = state
                .twilio
                .child_calls(&call.sid)
                .await
                .map_err(twilio_failure)?;
            let dial = children.iter().max_by_key(|child| started_at(child));
            let ending = CallEnding {
                dial: dial.map(|child| {
                    (
                        child.sid.as_str(),
                        child.status.as_str(),
                        child.duration.as_deref().unwrap_or("0"),
                    )
                }),
                call_status: &call.status,
                call_duration: call.duration.as_deref().unwrap_or("0"),
            };
            let replay = ReplayedCall {
                account_sid: &self.account_sid,
                call_sid: &call.sid,
                from: &call.from,
                to: &call.to,
            };
            let mut replayed = true;
            for step in call_webhooks(&urls(state), replay, &ending) {
                // A call whose first step failed is not given its later steps.
                if !self.replay(&call.sid, &step.url, &step.params).await {
                    replayed = false;
                    break;
                }
            }
            self.replayed.calls += usize::from(replayed);
        }
        Ok(())
    }

    /// Inbound texts never stored, and stored outbound texts whose listed status is newer.
    async fn messages(&mut self, number: &str) -> Result<(), JobError> {
        let (state, window) = (self.state, self.window);
        let account_sid = self.account_sid.clone();
        let inbound = state
            .twilio
            .messages_while(("To", number), in_window(window))
            .await
            .map_err(twilio_failure)?;
        for text in inbound.iter().filter(|m| m.direction == "inbound") {
            if !text.created_at().is_some_and(|at| window.contains(at))
                || stored(state, &text.sid).await?.is_some()
            {
                continue;
            }
            let media = text.num_media.clone().unwrap_or_else(|| "0".to_owned());
            let params = form(&[
                ("AccountSid", &account_sid),
                ("Body", &text.body),
                ("From", &text.from),
                ("MessageSid", &text.sid),
                ("NumMedia", &media),
                ("SmsMessageSid", &text.sid),
                ("SmsSid", &text.sid),
                ("To", &text.to),
            ]);
            if self.replay(&text.sid, &urls(state).sms(), &params).await {
                self.replayed.texts += 1;
            }
        }
        let outbound = state
            .twilio
            .messages_while(("From", number), in_window(window))
            .await
            .map_err(twilio_failure)?;
        for text in outbound
            .iter()
            .filter(|m| m.direction.starts_with("outbound"))
        {
            let Some(id) = stored(state, &text.sid).await? else {
                continue;
            };
            let mut pairs = vec![
                ("AccountSid", account_sid.as_str()),
                ("MessageSid", text.sid.as_str()),
                ("MessageStatus", text.status.as_str()),
            ];
            let code = text.error_code_text();
            if let Some(code) = code.as_deref() {
                pairs.push(("ErrorCode", code));
            }
            let url = urls(state).message_status(&id.to_string());
            if self.replay(&text.sid, &url, &form(&pairs)).await {
                self.replayed.statuses += 1;
            }
        }
        Ok(())
    }
}

async fn stored(state: &AppState, sid: &str) -> Result<Option<uuid::Uuid>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM messages WHERE twilio_sid = $1")
        .bind(sid)
        .fetch_optional(&state.pool)
        .await
}
