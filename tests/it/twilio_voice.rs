//! `POST /api/twilio/voice` (twilio.md §6): the call row, the `<Dial>` TwiML, screening legs,
//! unknown, moved and internal numbers, hidden callers, and answers while the database is down.

use sqlx::PgPool;
use uuid::Uuid;

use crate::webhook_support::*;

const DECL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

#[sqlx::test]
async fn dial_with_recording_and_screening_matches_the_spec(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = active_line(&pool).await;
    set_number(
        &pool,
        line.number_id,
        "recording_enabled = true, call_screening_enabled = true",
    )
    .await;

    let reply = voice(&hooks, "CA1", CALLER).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        Some("text/xml; charset=utf-8")
    );
    let expected = concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Response><Say>This call may be recorded.</Say>"#,
        r#"<Dial timeout="20" callerId="+15125550100" answerOnBridge="true" "#,
        r#"action="https://app.example.com/api/twilio/status?event=dial#rc=3&amp;rp=all" method="POST" "#,
        r#"record="record-from-answer-dual" "#,
        r#"recordingStatusCallback="https://app.example.com/api/twilio/status?event=recording#rc=3&amp;rp=all" "#,
        r#"recordingStatusCallbackMethod="POST" recordingStatusCallbackEvent="completed">"#,
        r#"<Number url="https://app.example.com/api/twilio/voice?stage=screen#rc=3&amp;rp=all" method="POST">+15125550142</Number>"#,
        "</Dial></Response>"
    );
    assert_eq!(reply.body, expected);

    let owner: (Uuid, Uuid, String) = sqlx::query_as(
        "SELECT business_id, phone_number_id, outcome FROM calls WHERE call_sid = 'CA1'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        owner,
        (line.business_id, line.number_id, "pending".to_owned())
    );
    let parties: (Option<String>, String, String) =
        sqlx::query_as("SELECT from_e164, to_e164, caller_kind FROM calls")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        parties,
        (Some(CALLER.into()), TRACKING.into(), "external".into())
    );
    let snapshot: (Option<String>, Option<i32>, bool, bool) = sqlx::query_as(
        "SELECT forwarded_to, ring_timeout_used, screening_required, recording_requested FROM calls",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(snapshot, (Some(FORWARD_TO.into()), Some(20), true, true));
}

#[sqlx::test]
async fn plain_dial_caller_id_modes_and_ring_timeouts(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = active_line(&pool).await;
    let reply = voice(&hooks, "CA1", CALLER).await;
    assert_eq!(
        reply.body,
        format!(
            "{DECL}<Response><Dial timeout=\"20\" callerId=\"+15125550100\" answerOnBridge=\"true\" action=\"https://app.example.com/api/twilio/status?event=dial#rc=3&amp;rp=all\" method=\"POST\"><Number>+15125550142</Number></Dial></Response>"
        )
    );

    // T38: tracking_number mode shows the tracking number; so does a hidden caller.
    set_number(
        &pool,
        line.number_id,
        "caller_id_mode = 'tracking_number', ring_timeout_seconds = 35",
    )
    .await;
    let reply = voice(&hooks, "CA2", CALLER).await;
    assert!(
        reply
            .body
            .contains(r#"<Dial timeout="35" callerId="+15125550199""#),
        "{}",
        reply.body
    );
    set_number(
        &pool,
        line.number_id,
        "caller_id_mode = 'caller', ring_timeout_seconds = NULL",
    )
    .await;
    sqlx::query("UPDATE businesses SET default_ring_timeout_seconds = 45")
        .execute(&pool)
        .await
        .unwrap();
    let reply = voice(&hooks, "CA3", "anonymous").await;
    assert!(
        reply
            .body
            .contains(r#"<Dial timeout="45" callerId="+15125550199""#),
        "{}",
        reply.body
    );
    let (kind, from): (String, Option<String>) =
        sqlx::query_as("SELECT caller_kind, from_e164 FROM calls WHERE call_sid = 'CA3'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((kind.as_str(), from), ("hidden", None));

    // Recording without the disclosure: no <Say>.
    set_number(
        &pool,
        line.number_id,
        "recording_enabled = true, recording_disclosure_enabled = false",
    )
    .await;
    let reply = voice(&hooks, "CA4", CALLER).await;
    assert!(!reply.body.contains("<Say>"));
    assert!(reply.body.contains(r#"record="record-from-answer-dual""#));
}

#[sqlx::test]
async fn outside_production_generated_urls_carry_the_shared_token(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[("TWILIO_WEBHOOK_AUTH_TOKEN", SHARED_TOKEN)]);
    active_line(&pool).await;
    let reply = voice(&hooks, "CA1", CALLER).await;
    assert!(
        reply.body.contains(&format!(
            "action=\"https://app.example.com/api/twilio/status?event=dial&amp;webhook_token={SHARED_TOKEN}#rc=3&amp;rp=all\""
        )),
        "{}",
        reply.body
    );
}

#[sqlx::test]
async fn repeat_deliveries_change_only_the_payload_log(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    active_line(&pool).await;
    let first = voice(&hooks, "CA1", CALLER).await;
    let second = voice(&hooks, "CA1", CALLER).await;
    assert_eq!(first.body, second.body);
    let (rows, log): (i64, i64) =
        sqlx::query_as("SELECT count(*), max(jsonb_array_length(payload_log))::bigint FROM calls")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((rows, log), (1, 2));
    for _ in 0..12 {
        voice(&hooks, "CA1", CALLER).await;
    }
    let log: i32 = sqlx::query_scalar("SELECT jsonb_array_length(payload_log) FROM calls")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(log, 10, "the log keeps the newest ten");
    let first_kind: String = sqlx::query_scalar("SELECT payload_log->0->>'kind' FROM calls")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(first_kind, "voice");
}

#[sqlx::test]
async fn an_unknown_number_is_not_in_service_and_stores_nothing(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let reply = voice(&hooks, "CA1", CALLER).await;
    assert_eq!(reply.status, 200, "T5");
    assert_eq!(
        reply.body,
        format!(
            "{DECL}<Response><Say>Sorry, this number is not in service. Goodbye.</Say><Hangup/></Response>"
        )
    );
    assert_eq!(state_rows(&pool).await, (0, 0, 0, 0));
}

#[sqlx::test]
async fn a_number_detached_recently_names_its_replacement_once(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = line_with(&pool, "Acme Plumbing", "+15125550180", "ACTIVE").await;
    let old = add_number(&pool, line.business_id, TRACKING, FORWARD_TO).await;
    set_number(
        &pool,
        old,
        &format!("status = 'detached', detached_at = now() - interval '10 days', replaced_by_number_id = '{}'", line.number_id),
    )
    .await;

    let reply = voice(&hooks, "CA1", CALLER).await;
    assert_eq!(
        reply.body,
        format!(
            "{DECL}<Response><Say>This number has changed. Please call 5 1 2, 5 5 5, 0 1 8 0.</Say><Hangup/></Response>"
        ),
        "T34"
    );
    voice(&hooks, "CA1", CALLER).await;
    let outcome: String = sqlx::query_scalar("SELECT outcome FROM calls WHERE call_sid = 'CA1'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(outcome, "moved");
    let alerts: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT body, to_e164, from_e164 FROM messages WHERE kind = 'owner_alert'")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        alerts.len(),
        1,
        "one alert per call, even when delivered twice"
    );
    assert_eq!(
        alerts[0].0,
        "[Acme Plumbing] (512) 555-0100 called your old number (512) 555-0199 (Main line) and heard the moved notice."
    );
    assert_eq!(alerts[0].1, NOTIFY);
    assert_eq!(alerts[0].2.as_deref(), Some("+15125550180"));
    assert_eq!(
        count(&pool, "SELECT count(*) FROM jobs WHERE kind = 'send_sms'").await,
        1
    );

    // Without a replacement: the "not in service" answer, still logged as moved.
    set_number(&pool, old, "replaced_by_number_id = NULL").await;
    let reply = voice(&hooks, "CA2", CALLER).await;
    assert!(reply.body.contains("not in service"));
    // After 90 days it is simply unknown.
    set_number(&pool, old, "detached_at = now() - interval '91 days'").await;
    let reply = voice(&hooks, "CA3", CALLER).await;
    assert!(reply.body.contains("not in service"));
    assert_eq!(count(&pool, "SELECT count(*) FROM calls").await, 2);
}

#[sqlx::test]
async fn no_owner_alert_for_a_moved_number_while_billing_is_inactive(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = line_with(&pool, "Acme Plumbing", "+15125550180", "PAST_DUE").await;
    let old = add_number(&pool, line.business_id, TRACKING, FORWARD_TO).await;
    set_number(
        &pool,
        old,
        "status = 'detached', detached_at = now() - interval '1 day'",
    )
    .await;
    voice(&hooks, "CA1", CALLER).await;
    assert_eq!(count(&pool, "SELECT count(*) FROM messages").await, 0);
}

#[sqlx::test]
async fn internal_callers_ring_through_and_are_marked_internal(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    active_line(&pool).await;
    let other = line_with(&pool, "Other Co", "+15125550170", "ACTIVE").await;
    let _ = other;
    for (sid, from) in [
        ("CA1", FORWARD_TO),
        ("CA2", NOTIFY),
        ("CA3", "+15125550170"),
    ] {
        let reply = voice(&hooks, sid, from).await;
        assert!(reply.body.contains("<Dial"), "owner can test ringing");
        let (kind, outcome): (String, String) =
            sqlx::query_as("SELECT caller_kind, outcome FROM calls WHERE call_sid = $1")
                .bind(sid)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(
            (kind.as_str(), outcome.as_str()),
            ("internal", "internal"),
            "T18/T26 {from}"
        );
    }
}

#[sqlx::test]
async fn screening_asks_for_1_and_records_acceptance(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = active_line(&pool).await;
    set_number(
        &pool,
        line.number_id,
        "call_screening_enabled = true, label = 'Van & Yard'",
    )
    .await;
    voice(&hooks, "CA1", CALLER).await;

    let leg = [
        ("CallSid", "CA1-leg"),
        ("ParentCallSid", "CA1"),
        ("To", FORWARD_TO),
        ("From", CALLER),
    ];
    let reply = post_signed(&hooks, "/api/twilio/voice?stage=screen", &leg).await;
    assert_eq!(
        reply.body,
        format!(
            "{DECL}<Response><Gather numDigits=\"1\" timeout=\"5\" action=\"https://app.example.com/api/twilio/voice?stage=screen-result#rc=3&amp;rp=all\" method=\"POST\"><Say>Call from Van &amp; Yard. Press 1 to accept.</Say></Gather><Hangup/></Response>"
        )
    );

    let mut pressed = leg.to_vec();
    pressed.push(("Digits", "2"));
    let reply = post_signed(&hooks, "/api/twilio/voice?stage=screen-result", &pressed).await;
    assert_eq!(reply.body, format!("{DECL}<Response><Hangup/></Response>"));
    let accepted: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT screen_accepted_at FROM calls")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(accepted.is_none());

    pressed.pop();
    pressed.push(("Digits", "1"));
    let reply = post_signed(&hooks, "/api/twilio/voice?stage=screen-result", &pressed).await;
    assert_eq!(reply.body, format!("{DECL}<Response/>"));
    let accepted: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT screen_accepted_at FROM calls")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(accepted.is_some());
}

#[sqlx::test]
async fn with_the_database_down_calls_still_ring_or_hear_an_apology(pool: PgPool) {
    let (sink, url) = alert_sink().await;
    let hooks = hooks(pool.clone(), &[("ALERT_WEBHOOK_URL", &url)]);
    active_line(&pool).await;
    let cached = voice(&hooks, "CA1", CALLER).await;
    assert!(cached.body.contains("<Dial"));

    pool.close().await;
    let reply = voice(&hooks, "CA2", CALLER).await;
    assert_eq!(reply.status, 200, "T39");
    assert_eq!(
        reply.body, cached.body,
        "the cached number still rings the owner"
    );

    let uncached = post_signed(
        &hooks,
        "/api/twilio/voice",
        &[("CallSid", "CA3"), ("From", CALLER), ("To", "+15125550177")],
    )
    .await;
    assert_eq!(uncached.status, 200);
    assert_eq!(
        uncached.body,
        format!(
            "{DECL}<Response><Say>Sorry, we are having trouble connecting your call. Please try again shortly.</Say><Hangup/></Response>"
        )
    );

    let status = dial(&hooks, "CA2", CALLER, "no-answer", "0").await;
    assert_eq!(status.status, 503);
    assert_eq!(
        status.body,
        r#"{"error":"Temporary webhook processing failure","retryable":true,"route":"status"}"#
    );
    // The throttle falls back to memory while Postgres is down: one alert per event, and the
    // callback that could not be recorded is one of them.
    let mut events = wait_for_alerts(&sink, 2).await;
    events.sort();
    assert_eq!(
        events,
        ["twilio.voice_db_fallback", "twilio.webhook_not_recorded"]
    );
}
