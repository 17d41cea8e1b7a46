//! Durable delivery (twilio.md §9–§12) against the stateful Twilio fake: send-time gates,
//! retries through an outage, a lost answer reconciled instead of resent, status callbacks
//! that only move forward, and error codes with their effects.

use callbackcloser::server::clock::Clock as _;
use chrono::Duration;
use sqlx::PgPool;
use uuid::Uuid;

use crate::{
    sms_support::{deliver_all, hooks_with_fake, lead_at, lead_field, text, texts_to},
    webhook_support::{ACCOUNT, CALLER, Hooks, NOTIFY, active_line, count, post_signed, run_jobs},
};

async fn message(pool: &PgPool, kind: &str) -> (Uuid, String, Option<String>, Option<String>) {
    sqlx::query_as(
        "SELECT id, status, twilio_sid, error_code FROM messages WHERE kind = $1
         ORDER BY created_at DESC LIMIT 1",
    )
    .bind(kind)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// The caller answers; the reply is delivered to the fake; returns the reply's id and SID.
async fn answer_and_deliver(hooks: &Hooks, sid: &str, body: &str) -> (Uuid, String) {
    text(hooks, sid, CALLER, body).await;
    deliver_all(hooks).await;
    let (id, _, twilio_sid, _) = message(&hooks.pool, "prompt").await;
    (id, twilio_sid.expect("the reply was sent"))
}

async fn status_callback(hooks: &Hooks, id: Uuid, sid: &str, status: &str, code: Option<&str>) {
    let mut params = vec![
        ("AccountSid", ACCOUNT),
        ("MessageSid", sid),
        ("MessageStatus", status),
    ];
    if let Some(code) = code {
        params.push(("ErrorCode", code));
    }
    let reply = post_signed(
        hooks,
        &format!("/api/twilio/message-status?m={id}"),
        &params,
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body, "");
}

#[sqlx::test]
async fn a_reply_is_sent_once_with_its_status_callback(pool: PgPool) {
    let (hooks, twilio) = hooks_with_fake(pool.clone()).await;
    let line = active_line(&pool).await;
    lead_at(&pool, &line, "AWAITING_SERVICE", "").await;
    text(&hooks, "SMa", CALLER, "1").await;
    deliver_all(&hooks).await;
    run_jobs(&hooks).await;
    let sent = twilio.state().messages.clone();
    assert_eq!(sent.len(), 1);
    let (id, status, sid, _) = message(&pool, "prompt").await;
    assert_eq!(status, "queued");
    assert_eq!(sid.as_deref(), Some(sent[0].sid.as_str()));
    assert_eq!(sent[0].to, CALLER);
    assert_eq!(sent[0].from, crate::webhook_support::TRACKING);
    assert_eq!(
        sent[0].status_callback,
        format!("https://app.example.com/api/twilio/message-status?m={id}#rc=3&rp=all")
    );
}

#[sqlx::test]
async fn t19_a_sixty_second_outage_delays_and_never_duplicates(pool: PgPool) {
    let (hooks, twilio) = hooks_with_fake(pool.clone()).await;
    let line = active_line(&pool).await;
    // 50 conversations progress while Twilio answers 503 to everything for a minute.
    for n in 0..50 {
        let caller = format!("+1512555{:04}", 2000 + n);
        sqlx::query(
            "INSERT INTO leads (business_id, phone_number_id, sending_number_id, caller_e164,
                 source, conversation_state, conversation_started_at, last_activity_at)
             VALUES ($1, $2, $2, $3, 'call', 'AWAITING_SERVICE', now(), now())",
        )
        .bind(line.business_id)
        .bind(line.number_id)
        .bind(&caller)
        .execute(&pool)
        .await
        .unwrap();
        text(&hooks, &format!("SMo{n}"), &caller, "2").await;
    }
    twilio
        .state()
        .failures
        .extend(std::iter::repeat_n((503, 20500), 50));
    let started = hooks.clock.now();
    run_jobs(&hooks).await;
    assert!(twilio.state().messages.is_empty());
    hooks.clock.advance(Duration::seconds(60));
    twilio.state().failures.clear();
    deliver_all(&hooks).await;
    let sent = twilio.state().messages.clone();
    assert_eq!(sent.len(), 50, "each prompt exactly once");
    let mut bodies: Vec<_> = sent.iter().map(|m| m.to.clone()).collect();
    bodies.dedup();
    assert_eq!(bodies.len(), 50);
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM messages WHERE kind = 'prompt' AND twilio_sid IS NOT NULL"
        )
        .await,
        50
    );
    assert!(hooks.clock.now() - started < Duration::minutes(20));
}

#[sqlx::test]
async fn t20_a_lost_answer_is_reconciled_not_resent(pool: PgPool) {
    let (hooks, twilio) = hooks_with_fake(pool.clone()).await;
    let line = active_line(&pool).await;
    lead_at(&pool, &line, "AWAITING_SERVICE", "").await;
    twilio.state().now = Some(hooks.clock.now());
    twilio.state().lose_create_answers = 1;
    text(&hooks, "SMa", CALLER, "1").await;
    run_jobs(&hooks).await;
    let (_, status, sid, _) = message(&pool, "prompt").await;
    assert_eq!(status, "submitting");
    assert_eq!(sid, None);
    hooks.clock.advance(Duration::seconds(10));
    deliver_all(&hooks).await;
    let sent = twilio.state().messages.clone();
    assert_eq!(sent.len(), 1, "exactly one message at Twilio");
    let (_, status, sid, _) = message(&pool, "prompt").await;
    assert_eq!(sid.as_deref(), Some(sent[0].sid.as_str()));
    assert_eq!(status, "queued");
}

#[sqlx::test]
async fn t21_t30_statuses_only_move_forward(pool: PgPool) {
    let (hooks, _twilio) = hooks_with_fake(pool.clone()).await;
    let line = active_line(&pool).await;
    lead_at(&pool, &line, "AWAITING_SERVICE", "").await;
    let (id, sid) = answer_and_deliver(&hooks, "SMa", "1").await;
    status_callback(&hooks, id, &sid, "delivered", None).await;
    status_callback(&hooks, id, &sid, "sent", None).await;
    assert_eq!(message(&pool, "prompt").await.1, "delivered");
    status_callback(&hooks, id, &sid, "partially_delivered", None).await;
    assert_eq!(message(&pool, "prompt").await.1, "delivered");
    status_callback(&hooks, id, &sid, "read", None).await;
    assert_eq!(message(&pool, "prompt").await.1, "read");
    let log: serde_json::Value =
        sqlx::query_scalar("SELECT status_log FROM messages WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(log.as_array().unwrap().len(), 4);
    // A repeated pair is a no-op, not even logged again.
    status_callback(&hooks, id, &sid, "read", None).await;
    let log: serde_json::Value =
        sqlx::query_scalar("SELECT status_log FROM messages WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(log.as_array().unwrap().len(), 4);
}

#[sqlx::test]
async fn t22_t29_unreachable_codes_mark_the_lead_and_alert_once(pool: PgPool) {
    let (hooks, _twilio) = hooks_with_fake(pool.clone()).await;
    let line = active_line(&pool).await;
    let lead = lead_at(&pool, &line, "AWAITING_SERVICE", "").await;
    let (id, sid) = answer_and_deliver(&hooks, "SMa", "1").await;
    // T29: a first 30003 only notes the time; a second an hour later marks the lead.
    status_callback(&hooks, id, &sid, "undelivered", Some("30003")).await;
    assert_eq!(lead_field(&pool, lead, "unreachable_code").await, None);
    assert!(
        lead_field(&pool, lead, "unreachable_pending_at")
            .await
            .is_some()
    );
    assert_eq!(texts_to(&pool, NOTIFY).await.len(), 0);
    hooks.clock.advance(Duration::hours(2));
    let (id2, sid2) = answer_and_deliver(&hooks, "SMb", "2").await;
    status_callback(&hooks, id2, &sid2, "undelivered", Some("30003")).await;
    assert_eq!(
        lead_field(&pool, lead, "unreachable_code").await.as_deref(),
        Some("30003")
    );
    // T22: 30006 on top: still one "cannot text" alert for the lead.
    status_callback(&hooks, id2, "SMother", "undelivered", Some("30006")).await;
    let alerts = texts_to(&pool, NOTIFY).await;
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert_eq!(
        alerts[0],
        format!(
            "[Acme Plumbing] Can't text (512) 555-0100 (phone unreachable). Call back: https://app.example.com/app/leads/{lead}"
        )
    );
}

#[sqlx::test]
async fn t29_a_delivery_in_between_keeps_the_lead_reachable(pool: PgPool) {
    let (hooks, _twilio) = hooks_with_fake(pool.clone()).await;
    let line = active_line(&pool).await;
    let lead = lead_at(&pool, &line, "AWAITING_SERVICE", "").await;
    let (id, sid) = answer_and_deliver(&hooks, "SMa", "1").await;
    status_callback(&hooks, id, &sid, "undelivered", Some("30003")).await;
    let (id2, sid2) = answer_and_deliver(&hooks, "SMb", "2").await;
    status_callback(&hooks, id2, &sid2, "delivered", None).await;
    assert_eq!(
        lead_field(&pool, lead, "unreachable_pending_at").await,
        None
    );
    hooks.clock.advance(Duration::hours(2));
    let (id3, sid3) = answer_and_deliver(&hooks, "SMc", "78704").await;
    status_callback(&hooks, id3, &sid3, "undelivered", Some("30003")).await;
    assert_eq!(lead_field(&pool, lead, "unreachable_code").await, None);
}

#[sqlx::test]
async fn t31_send_time_gates_suppress_instead_of_sending(pool: PgPool) {
    let (hooks, twilio) = hooks_with_fake(pool.clone()).await;
    let line = active_line(&pool).await;
    let cases = [
        (
            "UPDATE leads SET automation_paused = true, automation_pause_reason = 'owner_takeover'",
            "automation_paused",
        ),
        (
            "UPDATE businesses SET subscription_status = 'CANCELED'",
            "billing_inactive",
        ),
        (
            "UPDATE phone_numbers SET status = 'detached', detached_at = now()",
            "no_sender",
        ),
    ];
    for (n, (change, reason)) in cases.iter().enumerate() {
        sqlx::query("UPDATE businesses SET subscription_status = 'ACTIVE'")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("UPDATE phone_numbers SET status = 'active', detached_at = NULL")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("DELETE FROM leads")
            .execute(&pool)
            .await
            .unwrap();
        lead_at(&pool, &line, "AWAITING_SERVICE", "").await;
        text(&hooks, &format!("SMg{n}"), CALLER, "1").await;
        sqlx::query(change).execute(&pool).await.unwrap();
        run_jobs(&hooks).await;
        let suppressed: (String, Option<String>) = sqlx::query_as(
            "SELECT status, suppression_reason FROM messages WHERE kind = 'prompt'
             ORDER BY created_at DESC LIMIT 1",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(
            suppressed,
            ("suppressed".into(), Some((*reason).into())),
            "{change}"
        );
    }
    assert!(twilio.state().messages.is_empty());
}

#[sqlx::test]
async fn error_21610_opts_out_and_other_4xx_fail_without_retry(pool: PgPool) {
    let (hooks, twilio) = hooks_with_fake(pool.clone()).await;
    let line = active_line(&pool).await;
    lead_at(&pool, &line, "AWAITING_SERVICE", "").await;
    twilio.state().failures.push_back((400, 21610));
    text(&hooks, "SMa", CALLER, "1").await;
    run_jobs(&hooks).await;
    let (_, status, _, code) = message(&pool, "prompt").await;
    assert_eq!(
        (status.as_str(), code.as_deref()),
        ("failed", Some("21610"))
    );
    let keyword: String =
        sqlx::query_scalar("SELECT last_keyword FROM sms_consent WHERE opted_out")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(keyword, "CARRIER_21610");
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM jobs WHERE kind = 'send_sms' AND status = 'queued'"
        )
        .await,
        0
    );
    assert_eq!(twilio.state().requests.len(), 1, "no retry of a 4xx");
    assert_eq!(texts_to(&pool, NOTIFY).await.len(), 0, "no alert for 21610");
}

#[sqlx::test]
async fn unknown_messages_and_missing_parameters(pool: PgPool) {
    let (hooks, _twilio) = hooks_with_fake(pool.clone()).await;
    let reply = post_signed(
        &hooks,
        "/api/twilio/message-status",
        &[("MessageSid", "SMnope"), ("MessageStatus", "sent")],
    )
    .await;
    assert_eq!((reply.status.as_u16(), reply.body.as_str()), (200, ""));
    let reply = post_signed(
        &hooks,
        "/api/twilio/message-status",
        &[("MessageSid", "SMx")],
    )
    .await;
    assert_eq!(reply.status, 400);
    assert!(
        reply
            .body
            .contains("Missing required parameter: MessageStatus")
    );
    let reply = post_signed(
        &hooks,
        "/api/twilio/sms",
        &[("From", CALLER), ("To", "+15125550199")],
    )
    .await;
    assert_eq!(reply.status, 400);
    assert!(
        reply
            .body
            .contains("Missing required parameter: MessageSid")
    );
    let reply = post_signed(
        &hooks,
        "/api/twilio/sms",
        &[
            ("MessageSid", "SMq"),
            ("From", CALLER),
            ("To", "+15125550000"),
        ],
    )
    .await;
    assert_eq!(reply.status, 200, "unknown To is answered and logged");
    assert_eq!(count(&pool, "SELECT count(*) FROM messages").await, 0);
}

#[sqlx::test]
async fn a_status_callback_delivered_ten_times_concurrently_is_recorded_once(pool: PgPool) {
    let (hooks, _twilio) = hooks_with_fake(pool.clone()).await;
    let line = active_line(&pool).await;
    let lead = lead_at(&pool, &line, "AWAITING_SERVICE", "").await;
    let (id, sid) = answer_and_deliver(&hooks, "SMa", "1").await;
    let deliveries =
        (0..10).map(|_| status_callback(&hooks, id, &sid, "undelivered", Some("30006")));
    futures::future::join_all(deliveries).await;
    let log: serde_json::Value =
        sqlx::query_scalar("SELECT status_log FROM messages WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(log.as_array().unwrap().len(), 1);
    assert_eq!(message(&pool, "prompt").await.1, "undelivered");
    assert_eq!(
        lead_field(&pool, lead, "unreachable_code").await.as_deref(),
        Some("30006")
    );
    assert_eq!(
        texts_to(&pool, NOTIFY).await.len(),
        1,
        "one cannot-text alert"
    );
}

#[sqlx::test]
async fn a_scripted_conversation_moves_every_series_it_touches(pool: PgPool) {
    let (hooks, _twilio) = hooks_with_fake(pool.clone()).await;
    active_line(&pool).await;
    let reply = crate::webhook_support::missed_call(&hooks, "CAmetrics", CALLER).await;
    assert_eq!(reply.status, 200);
    deliver_all(&hooks).await;
    text(&hooks, "SMm1", CALLER, "1").await;
    deliver_all(&hooks).await;
    let metrics = crate::support::get(&hooks.app, "/metrics").await;
    assert_eq!(metrics.status, 200);
    for series in [
        "sms_outbound_total{kind=\"intro\",status=\"accepted\"} 1\n",
        "sms_outbound_total{kind=\"prompt\",status=\"accepted\"} 1\n",
        "job_runs_total{kind=\"send_sms\",result=\"succeeded\"}",
        "twilio_webhooks_total{",
        "http_requests_total{",
        "http_request_duration_seconds_count{",
        "jobs_queued{kind=\"send_sms\"} 0\n",
        "db_pool_connections{state=\"idle\"}",
        "build_info{version=\"",
        "\nprocess_resident_memory_bytes ",
        "\nprocess_cpu_seconds_total ",
        "\nprocess_open_fds ",
    ] {
        assert!(
            metrics.body.contains(series),
            "{series} missing:\n{}",
            metrics.body
        );
    }
}
