//! `POST /api/twilio/status` (twilio.md §7): the missed-call rule row by row, dial outcomes
//! that are never overwritten, finalize after a hang-up, recordings, and idempotency under
//! duplicate and concurrent deliveries.

use callbackcloser::server::clock::Clock as _;
use sqlx::PgPool;

use crate::webhook_support::*;

const DECL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;
const MISSED_SAY: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Response><Say>Sorry we missed your call. We will text you shortly.</Say><Hangup/></Response>"#;
const INTRO: &str = "Hi, this is Acme Plumbing. Sorry we missed your call! What can we help with? Reply 1 for Repair, 2 for Install, 3 for Maintenance, or describe the job. Reply STOP to opt out.";

#[sqlx::test]
async fn a_no_answer_opens_a_lead_and_queues_the_intro(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = active_line(&pool).await;
    let reply = missed_call(&hooks, "CA1", CALLER).await;
    assert_eq!(reply.status, 200, "T6: {}", reply.body);
    assert_eq!(reply.body, MISSED_SAY);
    assert_eq!(
        outcome(&pool, "CA1").await,
        ("missed".into(), Some("no_answer".into()))
    );

    let lead: (String, String, String, i32, bool) = sqlx::query_as(
        "SELECT status, source, conversation_state, call_count, billing_required FROM leads",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        lead,
        (
            "NEW".into(),
            "call".into(),
            "AWAITING_SERVICE".into(),
            1,
            false
        )
    );
    let relation: String = sqlx::query_scalar("SELECT relation FROM lead_calls")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(relation, "origin");

    let intro: (String, String, Option<String>, String, String, Option<uuid::Uuid>) = sqlx::query_as(
        "SELECT status, to_e164, from_e164, body, idempotency_key, phone_number_id FROM messages WHERE kind = 'intro'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(intro.0, "pending");
    assert_eq!(intro.1, CALLER);
    assert_eq!(intro.2.as_deref(), Some(TRACKING));
    assert_eq!(intro.3, INTRO);
    assert!(intro.4.starts_with("lead:") && intro.4.ends_with(":intro"));
    assert_eq!(intro.5, Some(line.number_id));
    let job_key: String =
        sqlx::query_scalar("SELECT idempotency_key FROM jobs WHERE kind = 'send_sms'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let message_id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM messages")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(job_key, format!("job:send:{message_id}"));
    let used: i32 = sqlx::query_scalar("SELECT conversations_used FROM usage_counters")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(used, 1, "the claim is counted");
}

#[sqlx::test]
async fn every_row_of_the_missed_call_rule(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    active_line(&pool).await;
    let cases = [
        ("no-answer", "0", Some("no_answer")),
        ("busy", "0", Some("busy")),
        ("failed", "0", Some("failed")),
        ("canceled", "0", Some("canceled")),
        ("Completed", "120", None),
        ("answered", "4", None),
        ("", "0", Some("no_answer")),
        ("in-progress", "0", Some("no_answer")),
    ];
    for (i, (status, duration, reason)) in cases.into_iter().enumerate() {
        let sid = format!("CA{i}");
        // A different caller each time, so every missed call opens its own lead.
        let caller = format!("+1512555{:04}", 2000 + i);
        voice(&hooks, &sid, &caller).await;
        let reply = dial(&hooks, &sid, &caller, status, duration).await;
        assert_eq!(reply.status, 200, "{status}: {}", reply.body);
        let expected = match reason {
            Some(reason) => ("missed".to_owned(), Some(reason.to_owned())),
            None => ("answered".to_owned(), None),
        };
        assert_eq!(outcome(&pool, &sid).await, expected, "{status:?}");
        if reason.is_none() {
            assert_eq!(reply.body, format!("{DECL}<Response/>"), "T10");
        }
    }
    assert_eq!(
        count(&pool, "SELECT count(*) FROM leads").await,
        6,
        "answered calls make no lead"
    );
}

#[sqlx::test]
async fn screening_and_short_answers_catch_voicemail(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = active_line(&pool).await;
    set_number(&pool, line.number_id, "call_screening_enabled = true").await;
    voice(&hooks, "CA1", CALLER).await;
    dial(&hooks, "CA1", CALLER, "completed", "45").await;
    assert_eq!(
        outcome(&pool, "CA1").await,
        ("missed".into(), Some("screening_not_accepted".into())),
        "T8"
    );

    voice(&hooks, "CA2", "+15125550101").await;
    let leg = [
        ("CallSid", "CA2-leg"),
        ("ParentCallSid", "CA2"),
        ("Digits", "1"),
        ("To", FORWARD_TO),
    ];
    post_signed(&hooks, "/api/twilio/voice?stage=screen-result", &leg).await;
    dial(&hooks, "CA2", "+15125550101", "completed", "45").await;
    assert_eq!(outcome(&pool, "CA2").await, ("answered".into(), None));

    // The configuration snapshot decides: screening turned off mid-call still applies.
    set_number(
        &pool,
        line.number_id,
        "call_screening_enabled = false, short_answer_threshold_seconds = 15",
    )
    .await;
    for (sid, duration, expected) in [
        ("CA3", "9", Some("short_answer")),
        ("CA4", "15", None),
        ("CA5", "", Some("short_answer")),
    ] {
        let caller = format!("+151255502{}", &sid[2..]);
        voice(&hooks, sid, &format!("{caller}0")).await;
        dial(&hooks, sid, &format!("{caller}0"), "completed", duration).await;
        let (got, reason) = outcome(&pool, sid).await;
        assert_eq!(reason.as_deref(), expected, "T9 {sid}");
        assert_eq!(
            got,
            if expected.is_some() {
                "missed"
            } else {
                "answered"
            }
        );
    }
}

#[sqlx::test]
async fn duplicate_and_concurrent_dial_callbacks_make_one_of_everything(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    active_line(&pool).await;
    voice(&hooks, "CA1", CALLER).await;
    let first = dial(&hooks, "CA1", CALLER, "no-answer", "0").await;
    let again = dial(&hooks, "CA1", CALLER, "no-answer", "0").await;
    assert_eq!(again.body, first.body, "a replay answers as the first time");

    let deliveries = (0..10).map(|_| dial(&hooks, "CA2", "+15125550102", "busy", "0"));
    voice(&hooks, "CA2", "+15125550102").await;
    let replies = futures::future::join_all(deliveries).await;
    assert!(replies.iter().all(|r| r.status == 200), "T7: all 2xx");
    assert!(replies.iter().all(|r| r.body == MISSED_SAY));

    // Status callbacks delivered before the voice webhook's row: created from To/From.
    let early = (0..10).map(|_| dial(&hooks, "CA3", "+15125550103", "no-answer", "0"));
    let replies = futures::future::join_all(early).await;
    assert!(replies.iter().all(|r| r.status == 200));
    assert_eq!(count(&pool, "SELECT count(*) FROM calls").await, 3);
    assert_eq!(count(&pool, "SELECT count(*) FROM leads").await, 3);
    assert_eq!(
        count(&pool, "SELECT count(*) FROM messages WHERE kind = 'intro'").await,
        3
    );
    assert_eq!(
        count(&pool, "SELECT count(*) FROM jobs WHERE kind = 'send_sms'").await,
        3
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM lead_calls").await, 3);
}

#[sqlx::test]
async fn five_concurrent_missed_calls_from_one_caller_make_one_lead(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    active_line(&pool).await;
    let calls = (0..5).map(|i| {
        let hooks = &hooks;
        async move { missed_call(hooks, &format!("CA{i}"), CALLER).await }
    });
    let replies = futures::future::join_all(calls).await;
    assert!(replies.iter().all(|r| r.status == 200));
    assert_eq!(count(&pool, "SELECT count(*) FROM leads").await, 1, "R2");
    assert_eq!(count(&pool, "SELECT count(*) FROM lead_calls").await, 5);
    assert_eq!(
        count(&pool, "SELECT count(*) FROM messages WHERE kind = 'intro'").await,
        1
    );
    let calls: i32 = sqlx::query_scalar("SELECT call_count FROM leads")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(calls, 5);
    assert_eq!(
        replies.iter().filter(|r| r.body == MISSED_SAY).count(),
        1,
        "only the call that claimed the intro promises a text"
    );
}

#[sqlx::test]
async fn a_caller_who_hangs_up_while_ringing_is_missed_after_fifteen_seconds(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    active_line(&pool).await;
    voice(&hooks, "CA1", CALLER).await;
    let reply = post_signed(
        &hooks,
        "/api/twilio/status?event=call",
        &[
            ("CallSid", "CA1"),
            ("CallStatus", "completed"),
            ("CallDuration", "7"),
            ("To", TRACKING),
            ("From", CALLER),
        ],
    )
    .await;
    assert_eq!(reply.body, format!("{DECL}<Response/>"));
    assert_eq!(outcome(&pool, "CA1").await.0, "pending");
    assert_eq!(run_jobs(&hooks).await, 0, "not before 15 s");

    hooks.clock.advance(chrono::Duration::seconds(15));
    assert_eq!(
        run_jobs(&hooks).await,
        2,
        "finalize, then the intro's send attempt"
    );
    assert_eq!(
        outcome(&pool, "CA1").await,
        ("missed".into(), Some("caller_hung_up".into())),
        "T11"
    );
    assert_eq!(
        count(&pool, "SELECT count(*) FROM messages WHERE kind = 'intro'").await,
        1
    );
    let (status, duration): (Option<String>, Option<i32>) =
        sqlx::query_as("SELECT call_status, call_duration_seconds FROM calls")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((status.as_deref(), duration), (Some("completed"), Some(7)));

    // A dial outcome that arrives after finalize is stored but never reverses "missed".
    let late = dial(&hooks, "CA1", CALLER, "completed", "60").await;
    assert_eq!(late.body, format!("{DECL}<Response/>"));
    assert_eq!(
        outcome(&pool, "CA1").await,
        ("missed".into(), Some("caller_hung_up".into()))
    );
    let dial_status: Option<String> = sqlx::query_scalar("SELECT dial_call_status FROM calls")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(dial_status.as_deref(), Some("completed"));
    assert_eq!(count(&pool, "SELECT count(*) FROM leads").await, 1);
}

#[sqlx::test]
async fn the_parent_status_never_overwrites_a_dial_outcome(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    active_line(&pool).await;
    voice(&hooks, "CA1", CALLER).await;
    dial(&hooks, "CA1", CALLER, "completed", "120").await;
    let parent = [
        ("CallSid", "CA1"),
        ("CallStatus", "completed"),
        ("CallDuration", "130"),
        ("To", TRACKING),
        ("From", CALLER),
    ];
    post_signed(&hooks, "/api/twilio/status?event=call", &parent).await;
    post_signed(&hooks, "/api/twilio/status", &parent).await;
    let row: (String, Option<String>, Option<i32>, String, Option<i32>) = sqlx::query_as(
        "SELECT outcome, dial_call_status, dial_call_duration_seconds, call_status, call_duration_seconds FROM calls",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        row,
        (
            "answered".into(),
            Some("completed".into()),
            Some(120),
            "completed".into(),
            Some(130)
        ),
        "T12"
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM jobs WHERE kind = 'finalize_call'"
        )
        .await,
        0
    );
}

#[sqlx::test]
async fn recording_callbacks_change_only_recording_fields(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    active_line(&pool).await;
    voice(&hooks, "CA1", CALLER).await;
    dial(&hooks, "CA1", CALLER, "completed", "120").await;
    let url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1";
    let recording = [
        ("CallSid", "CA1-child"),
        ("RecordingSid", "RE1"),
        ("RecordingUrl", url),
        ("RecordingStatus", "completed"),
        ("RecordingDuration", "118"),
    ];
    let reply = post_signed(&hooks, "/api/twilio/status?event=recording", &recording).await;
    assert_eq!(reply.status, 200);
    let row: (String, Option<String>, Option<String>, Option<i32>) = sqlx::query_as(
        "SELECT outcome, recording_sid, recording_url, recording_duration_seconds FROM calls",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        row,
        (
            "answered".into(),
            Some("RE1".into()),
            Some(url.into()),
            Some(118)
        ),
        "T13 (matched by dial_call_sid)"
    );

    // A URL off Twilio's API hosts is never stored; a bad duration becomes null.
    let forged = [
        ("CallSid", "CA1"),
        ("RecordingSid", "RE2"),
        ("RecordingUrl", "https://evil.example/Recordings/RE2"),
        ("RecordingDuration", "long"),
    ];
    post_signed(&hooks, "/api/twilio/status?event=recording", &forged).await;
    let row: (Option<String>, Option<String>, Option<i32>) = sqlx::query_as(
        "SELECT recording_sid, recording_url, recording_duration_seconds FROM calls",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(row, (Some("RE2".into()), Some(url.into()), Some(118)));

    // No matching call: 200, nothing created.
    let orphan = [
        ("CallSid", "CA404"),
        ("RecordingSid", "RE3"),
        ("RecordingStatus", "completed"),
    ];
    let reply = post_signed(&hooks, "/api/twilio/status?event=recording", &orphan).await;
    assert_eq!(reply.status, 200);
    assert_eq!(count(&pool, "SELECT count(*) FROM calls").await, 1);
    assert_eq!(count(&pool, "SELECT count(*) FROM leads").await, 0);
}

#[sqlx::test]
async fn unknown_numbers_and_unknown_kinds_are_answered_and_ignored(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let reply = dial(&hooks, "CA1", CALLER, "no-answer", "0").await;
    assert_eq!(
        (reply.status.as_u16(), reply.body.as_str()),
        (200, format!("{DECL}<Response/>").as_str())
    );
    active_line(&pool).await;
    let reply = post_signed(
        &hooks,
        "/api/twilio/status",
        &[("CallSid", "CA2"), ("To", TRACKING)],
    )
    .await;
    assert_eq!(reply.body, format!("{DECL}<Response/>"));
    assert_eq!(state_rows(&pool).await, (0, 0, 0, 0));
}

async fn lead_with(pool: &PgPool, line: &Line, state: &str, hours_ago: i64) -> uuid::Uuid {
    sqlx::query_scalar(
        "INSERT INTO leads (business_id, phone_number_id, sending_number_id, caller_e164, source,
             conversation_state, conversation_started_at, call_count, last_activity_at, created_at)
         VALUES ($1, $2, $2, $3, 'call', $4, now() - make_interval(hours => $5::int), 1,
                 now() - make_interval(hours => $5::int), now() - make_interval(hours => $5::int))
         RETURNING id",
    )
    .bind(line.business_id)
    .bind(line.number_id)
    .bind(CALLER)
    .bind(state)
    .bind(hours_ago as i32)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn a_repeat_caller_joins_the_open_lead_and_the_owner_hears_once(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = active_line(&pool).await;
    let lead = lead_with(&pool, &line, "AWAITING_URGENCY", 6).await;

    let reply = missed_call(&hooks, "CA1", CALLER).await;
    assert_eq!(
        reply.body,
        format!("{DECL}<Response/>"),
        "no new intro, so no promise of a text"
    );
    let (count_, relation): (i32, String) = sqlx::query_as(
        "SELECT l.call_count, lc.relation FROM leads l JOIN lead_calls lc ON lc.lead_id = l.id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((count_, relation.as_str()), (2, "repeat_missed"), "T14");
    assert_eq!(count(&pool, "SELECT count(*) FROM leads").await, 1);
    assert_eq!(
        count(&pool, "SELECT count(*) FROM messages WHERE kind = 'intro'").await,
        0
    );
    assert_eq!(
        count(&pool, "SELECT count(*) FROM usage_counters").await,
        0,
        "no quota charge"
    );
    assert_eq!(
        bodies(&pool, "owner_alert").await,
        [format!(
            "[Acme Plumbing] (512) 555-0100 called again (2 calls). https://app.example.com/app/leads/{lead}"
        )]
    );

    // Within ten minutes the note is coalesced; after that a new one goes out.
    hooks.clock.advance(chrono::Duration::minutes(5));
    missed_call(&hooks, "CA2", CALLER).await;
    assert_eq!(bodies(&pool, "owner_alert").await.len(), 1);
    hooks.clock.advance(chrono::Duration::minutes(6));
    missed_call(&hooks, "CA3", CALLER).await;
    let notes = bodies(&pool, "owner_alert").await;
    assert_eq!(notes.len(), 2);
    assert!(notes[1].contains("called again (4 calls)"), "{notes:?}");
}

#[sqlx::test]
async fn the_repeat_window_decides_between_joining_and_a_new_lead(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = active_line(&pool).await;
    // T25: unfinished conversation three days old → joined.
    lead_with(&pool, &line, "AWAITING_ZIP", 72).await;
    missed_call(&hooks, "CA1", CALLER).await;
    assert_eq!(count(&pool, "SELECT count(*) FROM leads").await, 1);
    assert_eq!(
        count(&pool, "SELECT count(*) FROM messages WHERE kind = 'intro'").await,
        0
    );

    // T15: completed 25 h ago → a new lead and a new intro.
    let other = "+15125550104";
    sqlx::query(
        "INSERT INTO leads (business_id, phone_number_id, sending_number_id, caller_e164, source,
             conversation_state, last_activity_at, created_at)
         VALUES ($1, $2, $2, $3, 'call', 'COMPLETED', now() - interval '25 hours', now() - interval '25 hours')",
    )
    .bind(line.business_id)
    .bind(line.number_id)
    .bind(other)
    .execute(&pool)
    .await
    .unwrap();
    missed_call(&hooks, "CA2", other).await;
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM leads WHERE caller_e164 = '+15125550104'"
        )
        .await,
        2
    );
    assert_eq!(
        count(&pool, "SELECT count(*) FROM messages WHERE kind = 'intro'").await,
        1
    );
}

#[sqlx::test]
async fn inactive_billing_records_the_lead_and_sends_nothing(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    line_with(&pool, "Acme Plumbing", TRACKING, "PAST_DUE").await;
    let reply = missed_call(&hooks, "CA1", CALLER).await;
    assert_eq!(reply.body, format!("{DECL}<Response/>"));
    let lead: (bool, Option<String>, String) = sqlx::query_as(
        "SELECT billing_required, billing_block_reason, conversation_state FROM leads",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        lead,
        (true, Some("billing_inactive".into()), "NOT_STARTED".into()),
        "T16"
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM messages").await, 0);

    // After reactivation the caller calls again: the blocked lead starts.
    sqlx::query("UPDATE businesses SET subscription_status = 'ACTIVE'")
        .execute(&pool)
        .await
        .unwrap();
    let reply = missed_call(&hooks, "CA2", CALLER).await;
    assert_eq!(reply.body, MISSED_SAY);
    let lead: (bool, String) =
        sqlx::query_as("SELECT billing_required, conversation_state FROM leads")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(lead, (false, "AWAITING_SERVICE".into()));
    assert_eq!(
        count(&pool, "SELECT count(*) FROM messages WHERE kind = 'intro'").await,
        1
    );
}

#[sqlx::test]
async fn an_opted_out_caller_gets_a_suppressed_intro_and_the_owner_a_note(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = active_line(&pool).await;
    sqlx::query("INSERT INTO sms_consent (business_id, phone_e164, opted_out, opted_out_at, last_keyword) VALUES ($1, $2, true, now(), 'STOP')")
        .bind(line.business_id)
        .bind(CALLER)
        .execute(&pool)
        .await
        .unwrap();
    missed_call(&hooks, "CA1", CALLER).await;
    let intro: (String, Option<String>) =
        sqlx::query_as("SELECT status, suppression_reason FROM messages WHERE kind = 'intro'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        intro,
        ("suppressed".into(), Some("opted_out".into())),
        "T17"
    );
    let lead_id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM leads")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        bodies(&pool, "owner_alert").await,
        [format!(
            "[Acme Plumbing] Missed call from (512) 555-0100 on Main line. Not texted: caller opted out of texts. Call back: https://app.example.com/app/leads/{lead_id}"
        )]
    );
    assert_eq!(
        count(&pool, "SELECT count(*) FROM jobs WHERE kind = 'send_sms'").await,
        1,
        "only the owner note is sent"
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM usage_counters").await, 0);
}

#[sqlx::test]
async fn hidden_international_and_texting_off_callers_are_told_to_the_owner(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = active_line(&pool).await;
    missed_call(&hooks, "CA1", "anonymous").await;
    assert_eq!(
        count(&pool, "SELECT count(*) FROM leads").await,
        0,
        "T32: nobody to text"
    );
    assert_eq!(
        bodies(&pool, "owner_alert").await,
        ["[Acme Plumbing] Missed call from a hidden number on Main line."]
    );

    hooks.clock.advance(chrono::Duration::minutes(1));
    missed_call(&hooks, "CA2", "+442079460958").await;
    assert_eq!(count(&pool, "SELECT count(*) FROM leads").await, 1, "T33");
    assert_eq!(
        count(&pool, "SELECT count(*) FROM messages WHERE kind = 'intro'").await,
        0
    );
    assert!(bodies(&pool, "owner_alert").await[1].contains("Not texted: international number."));

    set_number(&pool, line.number_id, "sms_automation_enabled = false").await;
    hooks.clock.advance(chrono::Duration::minutes(1));
    missed_call(&hooks, "CA3", "+15125550105").await;
    assert!(
        bodies(&pool, "owner_alert").await[2]
            .contains("Not texted: texting is off for this number.")
    );
    assert_eq!(
        count(&pool, "SELECT count(*) FROM messages WHERE kind = 'intro'").await,
        0
    );
}

#[sqlx::test]
async fn internal_callers_never_make_leads(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    active_line(&pool).await;
    line_with(&pool, "Other Co", "+15125550170", "ACTIVE").await;
    missed_call(&hooks, "CA1", FORWARD_TO).await;
    missed_call(&hooks, "CA2", "+15125550170").await;
    assert_eq!(
        outcome(&pool, "CA1").await,
        ("internal".into(), None),
        "T18"
    );
    assert_eq!(
        outcome(&pool, "CA2").await,
        ("internal".into(), None),
        "T26"
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM leads").await, 0);
    assert_eq!(count(&pool, "SELECT count(*) FROM messages").await, 0);
}

#[sqlx::test]
async fn the_quota_blocks_new_conversations_and_alerts_once_a_month(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[("PLAN_STARTER_CONVERSATIONS", "2")]);
    active_line(&pool).await;
    for i in 0..4 {
        missed_call(&hooks, &format!("CA{i}"), &format!("+151255503{i:02}")).await;
    }
    assert_eq!(
        count(&pool, "SELECT count(*) FROM messages WHERE kind = 'intro'").await,
        2
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM leads WHERE billing_block_reason = 'quota_reached'"
        )
        .await,
        2
    );
    let (month, ..) =
        callbackcloser::server::billing::quota::month("America/Chicago", hooks.clock.now());
    let used: (String, i32) =
        sqlx::query_as("SELECT period, conversations_used FROM usage_counters")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(used, (month, 2));
    assert_eq!(
        bodies(&pool, "owner_alert").await,
        [
            "[Acme Plumbing] Monthly limit reached (2/2 conversations). New missed calls are saved but not texted. Upgrade: https://app.example.com/app/billing"
        ]
    );
}

#[sqlx::test]
async fn an_answered_call_joins_the_open_lead_and_cancels_its_nudge(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = active_line(&pool).await;
    let lead = lead_with(&pool, &line, "AWAITING_URGENCY", 2).await;
    sqlx::query(
        "INSERT INTO jobs (kind, idempotency_key, max_attempts, next_run_at, business_id)
         VALUES ('stall_nudge', $1, 5, now() + interval '1 hour', $2)",
    )
    .bind(format!("job:nudge:{lead}"))
    .bind(line.business_id)
    .execute(&pool)
    .await
    .unwrap();
    voice(&hooks, "CA1", CALLER).await;
    dial(&hooks, "CA1", CALLER, "completed", "200").await;
    let relation: String = sqlx::query_scalar("SELECT relation FROM lead_calls")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(relation, "answered");
    let nudge: String = sqlx::query_scalar("SELECT status FROM jobs WHERE kind = 'stall_nudge'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(nudge, "canceled");
    assert_eq!(count(&pool, "SELECT count(*) FROM messages").await, 0);
}

#[sqlx::test]
async fn the_missed_call_notice_can_be_turned_off(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = active_line(&pool).await;
    set_number(&pool, line.number_id, "missed_call_say_enabled = false").await;
    let reply = missed_call(&hooks, "CA1", CALLER).await;
    assert_eq!(reply.body, format!("{DECL}<Response/>"));
    assert_eq!(
        count(&pool, "SELECT count(*) FROM messages WHERE kind = 'intro'").await,
        1
    );
}

#[sqlx::test]
async fn every_callback_kind_delivered_ten_times_concurrently_records_once(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    active_line(&pool).await;
    let ten = |reply: Vec<crate::support::Reply>| {
        assert!(
            reply.iter().all(|r| r.status == 200),
            "R1: all deliveries 2xx"
        );
        reply
    };
    // Voice, ten times at once: one call row, the same TwiML for each.
    let replies =
        ten(futures::future::join_all((0..10).map(|_| voice(&hooks, "CA1", CALLER))).await);
    assert!(replies.iter().all(|r| r.body == replies[0].body));
    assert_eq!(count(&pool, "SELECT count(*) FROM calls").await, 1);

    // The parent call ends, ten times at once: one finalize job.
    let parent = [
        ("CallSid", "CA1"),
        ("CallStatus", "completed"),
        ("To", TRACKING),
        ("From", CALLER),
    ];
    ten(futures::future::join_all(
        (0..10).map(|_| post_signed(&hooks, "/api/twilio/status?event=call", &parent)),
    )
    .await);
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM jobs WHERE kind = 'finalize_call'"
        )
        .await,
        1
    );

    // The recording callback, ten times at once: the same metadata, once.
    let recording = [
        ("CallSid", "CA1"),
        ("RecordingSid", "RE1"),
        (
            "RecordingUrl",
            "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
        ),
        ("RecordingStatus", "completed"),
        ("RecordingDuration", "3"),
    ];
    ten(futures::future::join_all(
        (0..10).map(|_| post_signed(&hooks, "/api/twilio/status?event=recording", &recording)),
    )
    .await);
    let sid: Option<String> = sqlx::query_scalar("SELECT recording_sid FROM calls")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(sid.as_deref(), Some("RE1"));

    // Finalize runs (then the intro's first send attempt); running the queue again changes
    // nothing.
    hooks.clock.advance(chrono::Duration::seconds(15));
    assert_eq!(run_jobs(&hooks).await, 2);
    assert_eq!(run_jobs(&hooks).await, 0);
    assert_eq!(count(&pool, "SELECT count(*) FROM leads").await, 1);
    assert_eq!(
        count(&pool, "SELECT count(*) FROM messages WHERE kind = 'intro'").await,
        1
    );
    assert_eq!(
        count(&pool, "SELECT count(*) FROM jobs WHERE kind = 'send_sms'").await,
        1
    );
}
