//! R5 (quality.md §6, test-slow): the server binary, built with the test-only `failpoints`
//! feature, aborts at each of the three failpoints (quality.md §3) and is started again on the
//! same database. Nothing the app acknowledged may be missing afterwards, and nothing may happen
//! twice.

use callbackcloser::server::{failpoint::Failpoint, simulators::webhook_poster::PostError};
use sqlx::PgPool;

use crate::{
    billing_support::{billing_state, event_id, inbox_row, subscription},
    server_process::{Drill, Server, call, deliver_stripe, inbound_text},
    webhook_support::{CALLER, TRACKING, count, line_with},
};

const SECOND_CALLER: &str = "+15125550177";

#[ignore = "test-slow: restart drill (R5 a)"]
#[sqlx::test]
async fn r5_a_a_send_twilio_accepted_before_the_crash_is_adopted_not_repeated(pool: PgPool) {
    line_with(&pool, "Acme Plumbing", TRACKING, "ACTIVE").await;
    let drill = Drill::new(pool.clone()).await;

    let server = drill.start(Some(Failpoint::AfterTwilioAccept)).await;
    drill
        .twilio_poster(&server.base)
        .post(
            "/api/twilio/sms",
            &inbound_text("SMdrill0001", CALLER, "Furnace is out"),
        )
        .await
        .expect("the text is acknowledged before the worker sends");
    server.aborted().await;
    assert!(
        !drill.twilio.state().messages.is_empty(),
        "Twilio took a text before the crash"
    );
    let unsettled = "SELECT count(*) FROM messages
                     WHERE direction = 'outbound' AND status = 'submitting' AND twilio_sid IS NULL";
    assert!(
        count(&pool, unsettled).await >= 1,
        "its answer was never stored"
    );

    let _server = drill.start(None).await;
    drill.expire_leases().await;
    drill.until_jobs_done().await;
    assert_eq!(count(&pool, unsettled).await, 0);
    assert_eq!(drill.texts_to(CALLER), 1, "no second intro");
    drill.assert_no_text_twice().await;
}

#[ignore = "test-slow: restart drill (R5 b)"]
#[sqlx::test]
async fn r5_b_a_webhook_redelivered_after_a_crash_before_its_answer_is_a_no_op(pool: PgPool) {
    line_with(&pool, "Acme Plumbing", TRACKING, "ACTIVE").await;
    let drill = Drill::new(pool.clone()).await;
    let text = inbound_text("SMdrill0002", CALLER, "Need a plumber today");
    let no_answer = call(
        "CAdrill0002",
        SECOND_CALLER,
        &[
            ("DialCallStatus", "no-answer"),
            ("DialCallSid", "CAdrill0002-child"),
            ("DialCallDuration", "0"),
        ],
    );

    // An inbound text: committed, then the process dies before Twilio hears back.
    let server = lost_answer_then_redelivery(&drill, "/api/twilio/sms", &text).await;
    drill
        .twilio_poster(&server.base)
        .post(
            "/api/twilio/voice",
            &call("CAdrill0002", SECOND_CALLER, &[("CallStatus", "ringing")]),
        )
        .await
        .unwrap();
    server.killed();

    // The missed call's dial result: committed, then the same crash.
    let server =
        lost_answer_then_redelivery(&drill, "/api/twilio/status?event=dial", &no_answer).await;

    drill.expire_leases().await;
    drill.until_jobs_done().await;
    let once = [
        "SELECT count(*) FROM messages WHERE twilio_sid = 'SMdrill0002'",
        "SELECT count(*) FROM calls WHERE call_sid = 'CAdrill0002' AND outcome <> 'pending'",
        "SELECT count(*) FROM leads WHERE caller_e164 = '+15125550100'",
        "SELECT count(*) FROM leads WHERE caller_e164 = '+15125550177'",
    ];
    for sql in once {
        assert_eq!(count(&pool, sql).await, 1, "{sql}");
    }
    for caller in [CALLER, SECOND_CALLER] {
        assert_eq!(drill.texts_to(caller), 1, "one intro to {caller}");
    }
    drill.assert_no_text_twice().await;
    drop(server);
}

/// Posts `form` to a server armed to die right after the webhook's commit (Twilio gets no
/// answer), then redelivers it to a restarted server, which must acknowledge it; returns that
/// server.
async fn lost_answer_then_redelivery(
    drill: &Drill,
    path: &str,
    form: &[(String, String)],
) -> Server {
    let server = drill.start(Some(Failpoint::AfterWebhookCommit)).await;
    let lost = drill.twilio_poster(&server.base).post(path, form).await;
    assert!(matches!(lost, Err(PostError::Unreachable(_))), "{lost:?}");
    server.aborted().await;
    let server = drill.start(None).await;
    drill
        .twilio_poster(&server.base)
        .post(path, form)
        .await
        .expect("the redelivery is acknowledged");
    server
}

#[ignore = "test-slow: restart drill (R5 c)"]
#[sqlx::test]
async fn r5_c_a_stripe_event_interrupted_mid_processing_is_applied_exactly_once(pool: PgPool) {
    let line = line_with(&pool, "Acme Plumbing", TRACKING, "INACTIVE").await;
    let drill = Drill::new(pool.clone()).await;
    drill.stripe.insert_subscription(subscription(
        "sub_A",
        line.business_id,
        "cus_A",
        "price_pro",
        "active",
    ));
    let object = drill.stripe.subscription_json("sub_A").unwrap();
    let body = drill.stripe.event("customer.subscription.created", object);
    let deliver = async |server: &Server| deliver_stripe(server, &body).await;

    let server = drill.start(Some(Failpoint::DuringStripeProcessing)).await;
    assert_eq!(deliver(&server).await, 200, "recorded before processing");
    server.aborted().await;
    let (processed, _, _) = inbox_row(&pool, &event_id(&body)).await;
    assert!(!processed, "the crash rolled the processing back");
    assert_eq!(billing_state(&pool, line.business_id).await.0, "INACTIVE");

    let server = drill.start(None).await;
    assert_eq!(deliver(&server).await, 200, "Stripe's retry is a duplicate");
    drill.expire_leases().await;
    drill.until_jobs_done().await;
    let (processed, last_error, _) = inbox_row(&pool, &event_id(&body)).await;
    assert!(processed, "{last_error:?}");
    assert_eq!(
        billing_state(&pool, line.business_id).await,
        (
            "ACTIVE".to_owned(),
            Some("sub_A".to_owned()),
            Some("price_pro".to_owned())
        )
    );
    let changes = "SELECT count(*) FROM audit_log WHERE action = 'billing.status_changed'";
    assert_eq!(count(&pool, changes).await, 1, "applied exactly once");
    assert_eq!(count(&pool, "SELECT count(*) FROM stripe_events").await, 1);
    drop(server);
}
