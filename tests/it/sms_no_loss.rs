//! No lost text, no duplicate text (issue 21 §2): reconciliation never adopts a SID another
//! message holds, a `send_sms` job that dies fails its message visibly and alerts the operator,
//! and a Twilio outage during identical re-prompts ends with every text sent exactly once and
//! nothing left stuck.

use callbackcloser::server::clock::Clock as _;
use chrono::Duration;
use sqlx::PgPool;
use uuid::Uuid;

use crate::{
    sms_support::{deliver_all, hooks_with_fake, lead_at, text},
    webhook_support::{CALLER, active_line, alert_sink, count, hooks, run_jobs, wait_for_alerts},
};

const SERVICE_REPROMPT: &str = "Sorry, I did not get that. Reply 1 for Repair, 2 for Install, 3 for Maintenance, or describe the job.";

/// The sweep run after every chaos test: once the queue is empty, no outbound text may be left
/// waiting for a send that will never come.
pub async fn assert_no_text_is_stuck(pool: &PgPool) {
    let stuck: Vec<(Uuid, String, String)> = sqlx::query_as(
        "SELECT id, kind, status FROM messages
         WHERE direction = 'outbound' AND status IN ('pending', 'submitting')",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(stuck.is_empty(), "texts stuck before Twilio: {stuck:?}");
}

fn reprompts_to(
    sent: &[callbackcloser::server::simulators::twilio::FakeMessage],
    to: &str,
) -> usize {
    sent.iter()
        .filter(|m| m.to == to && m.body == SERVICE_REPROMPT)
        .count()
}

#[sqlx::test]
async fn a_re_prompt_after_a_503_is_sent_even_when_its_identical_twin_is_listed(pool: PgPool) {
    let (hooks, twilio) = hooks_with_fake(pool.clone()).await;
    let line = active_line(&pool).await;
    lead_at(&pool, &line, "AWAITING_SERVICE", "").await;
    twilio.state().now = Some(hooks.clock.now());
    text(&hooks, "SMa", CALLER, "x").await;
    deliver_all(&hooks).await;
    assert_eq!(reprompts_to(&twilio.state().messages, CALLER), 1);

    // The second, identical re-prompt meets a 503: Twilio may or may not have it.
    twilio.state().failures.push_back((503, 20500));
    text(&hooks, "SMb", CALLER, "y").await;
    run_jobs(&hooks).await;
    hooks.clock.advance(Duration::seconds(10));
    deliver_all(&hooks).await;

    // Twilio's list shows the first re-prompt (same body, same numbers, moments ago); it belongs
    // to the first message, so the second is sent rather than pinned to it.
    let sent = twilio.state().messages.clone();
    assert_eq!(reprompts_to(&sent, CALLER), 2, "the caller gets both");
    let sids: Vec<Option<String>> = sqlx::query_scalar(
        "SELECT twilio_sid FROM messages WHERE kind = 'reprompt' ORDER BY created_at, id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(sids.len(), 2);
    assert!(sids.iter().all(Option::is_some), "{sids:?}");
    assert_ne!(sids[0], sids[1]);
    assert_eq!(
        count(&pool, "SELECT count(*) FROM jobs WHERE status = 'dead'").await,
        0
    );
    assert_no_text_is_stuck(&pool).await;
}

#[sqlx::test]
async fn a_dead_job_alerts_the_operator_and_an_exhausted_send_fails_its_text(pool: PgPool) {
    let (sink, url) = alert_sink().await;
    // Twilio's address answers nothing: every send attempt fails as unreachable.
    let hooks = hooks(pool.clone(), &[("ALERT_WEBHOOK_URL", &url)]);
    let line = active_line(&pool).await;
    lead_at(&pool, &line, "AWAITING_SERVICE", "").await;
    text(&hooks, "SMa", CALLER, "1").await;
    // A job whose payload cannot be read dies at once (a permanent failure); its message too.
    sqlx::query(
        "UPDATE jobs SET payload = jsonb_set(payload, '{message_id}', '\"not-a-uuid\"')
         WHERE kind = 'send_sms'",
    )
    .execute(&pool)
    .await
    .unwrap();
    run_jobs(&hooks).await;
    assert_eq!(
        count(&pool, "SELECT count(*) FROM jobs WHERE status = 'dead'").await,
        1
    );
    let events = wait_for_alerts(&sink, 1).await;
    assert!(events.iter().any(|e| e == "jobs.dead"), "{events:?}");

    // A send that fails every retry: the message is failed with a reason the lead page shows.
    sqlx::query("DELETE FROM jobs")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM messages")
        .execute(&pool)
        .await
        .unwrap();
    text(&hooks, "SMb", CALLER, "2").await;
    deliver_all(&hooks).await;
    assert_no_text_is_stuck(&pool).await;
    let (status, code): (String, Option<String>) =
        sqlx::query_as("SELECT status, error_code FROM messages WHERE kind = 'prompt'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        (status.as_str(), code.as_deref()),
        ("failed", Some("retry_exhausted"))
    );
}

#[sqlx::test]
async fn a_dead_send_job_whose_message_was_waiting_marks_it_failed(pool: PgPool) {
    let (sink, url) = alert_sink().await;
    let hooks = hooks(pool.clone(), &[("ALERT_WEBHOOK_URL", &url)]);
    let line = active_line(&pool).await;
    lead_at(&pool, &line, "AWAITING_SERVICE", "").await;
    text(&hooks, "SMa", CALLER, "1").await;
    // The worker died during the job's last attempt: the lease runs out with no attempts left.
    sqlx::query(
        "UPDATE jobs SET status = 'running', attempts = max_attempts,
             locked_until = $1, locked_by = 'gone'
         WHERE kind = 'send_sms'",
    )
    .bind(hooks.clock.now() - Duration::seconds(1))
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("UPDATE messages SET status = 'submitting' WHERE kind = 'prompt'")
        .execute(&pool)
        .await
        .unwrap();
    run_jobs(&hooks).await;
    let (status, code): (String, Option<String>) =
        sqlx::query_as("SELECT status, error_code FROM messages WHERE kind = 'prompt'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        (status.as_str(), code.as_deref()),
        ("failed", Some("send_abandoned"))
    );
    let events = wait_for_alerts(&sink, 2).await;
    assert!(events.iter().any(|e| e == "jobs.dead"), "{events:?}");
    assert!(
        events.iter().any(|e| e == "twilio.send_abandoned"),
        "{events:?}"
    );
    assert_no_text_is_stuck(&pool).await;
}

#[sqlx::test]
async fn chaos_fifty_conversations_through_a_thirty_second_outage_with_identical_re_prompts(
    pool: PgPool,
) {
    let (hooks, twilio) = hooks_with_fake(pool.clone()).await;
    let line = active_line(&pool).await;
    twilio.state().now = Some(hooks.clock.now());
    let callers: Vec<String> = (0..50)
        .map(|n| format!("+1512555{:04}", 3000 + n))
        .collect();
    for caller in &callers {
        sqlx::query(
            "INSERT INTO leads (business_id, phone_number_id, sending_number_id, caller_e164,
                 source, conversation_state, conversation_started_at, last_activity_at)
             VALUES ($1, $2, $2, $3, 'call', 'AWAITING_SERVICE', now(), now())",
        )
        .bind(line.business_id)
        .bind(line.number_id)
        .bind(caller)
        .execute(&pool)
        .await
        .unwrap();
    }
    // Every caller's first unclear answer is re-prompted and delivered.
    for (n, caller) in callers.iter().enumerate() {
        text(&hooks, &format!("SMa{n}"), caller, "x").await;
    }
    deliver_all(&hooks).await;
    // Twilio answers 503 for 30 s while every caller sends a second unclear answer.
    twilio
        .state()
        .failures
        .extend(std::iter::repeat_n((503, 20500), 50));
    for (n, caller) in callers.iter().enumerate() {
        text(&hooks, &format!("SMb{n}"), caller, "?").await;
    }
    run_jobs(&hooks).await;
    hooks.clock.advance(Duration::seconds(30));
    twilio.state().failures.clear();
    deliver_all(&hooks).await;

    let sent = twilio.state().messages.clone();
    for caller in &callers {
        assert_eq!(
            reprompts_to(&sent, caller),
            2,
            "{caller}: each re-prompt exactly once"
        );
    }
    assert_eq!(sent.len(), 100);
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM messages WHERE kind = 'reprompt' AND twilio_sid IS NOT NULL"
        )
        .await,
        100
    );
    assert_no_text_is_stuck(&pool).await;
}
