//! `twilio_reconcile` (twilio.md §10.5, T35): what Twilio logged while the app could not record
//! it is replayed once, through the real webhook handlers; repeats and overlaps change nothing.

use callbackcloser::{domain::reconcile_window::Window, server::twilio_reconcile};
use chrono::{Duration, Utc};
use sqlx::PgPool;

use crate::{
    support::{Desk, desk_with},
    webhook_support::{count, listed_call, listed_text, run_jobs_of, until_count},
};

const TRACKING: &str = "+15125550199";
const CALLER: &str = "+15125550123";
const TEXTER: &str = "+15125550144";

async fn desk(pool: &PgPool) -> Desk {
    desk_with(
        pool,
        &[
            ("STRIPE_PRICE_STARTER", "price_starter"),
            ("STRIPE_PRICE_PRO", "price_pro"),
            ("TWILIO_VALIDATE_SIGNATURE", "true"),
        ],
        "subscription_status = 'ACTIVE', stripe_price_id = 'price_pro'",
    )
    .await
}

/// Enqueues one run over the last `minutes` and drains the queue.
async fn reconcile(desk: &Desk, minutes: i64) {
    let now = desk.env.state.clock.now();
    let window = Window::requested(Utc::now() - Duration::minutes(minutes), Utc::now()).unwrap();
    let mut conn = desk.env.state.pool.acquire().await.unwrap();
    assert!(
        twilio_reconcile::enqueue(&mut conn, window, now)
            .await
            .unwrap()
    );
    drop(conn);
    run_jobs_of(&desk.env.state).await;
    let failed: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT kind, last_error FROM jobs WHERE last_error IS NOT NULL")
            .fetch_all(&desk.env.state.pool)
            .await
            .unwrap();
    assert!(failed.is_empty(), "{failed:?}");
}

#[sqlx::test]
async fn t35_a_missed_call_and_a_text_logged_during_an_outage_are_processed_once(pool: PgPool) {
    let desk = desk(&pool).await;
    {
        let mut fake = desk.env.fake.state();
        fake.calls
            .push(listed_call("CAparent1", None, CALLER, "completed", 20));
        fake.calls.push(listed_call(
            "CAchild1",
            Some("CAparent1"),
            CALLER,
            "no-answer",
            20,
        ));
        // Still ringing: left for its own callbacks. Before the window: not touched.
        fake.calls.push(listed_call(
            "CAringing",
            None,
            "+15125550155",
            "in-progress",
            2,
        ));
        fake.calls
            .push(listed_call("CAold", None, "+15125550156", "completed", 300));
        fake.messages.push(listed_text(
            "SMinbound1",
            TEXTER,
            "Do you fix water heaters?",
            10,
        ));
    }
    reconcile(&desk, 60).await;

    let (outcome, reason): (String, Option<String>) =
        sqlx::query_as("SELECT outcome, missed_reason FROM calls WHERE call_sid = 'CAparent1'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        (outcome.as_str(), reason.as_deref()),
        ("missed", Some("no_answer"))
    );
    assert_eq!(
        count(&pool, "SELECT count(*) FROM calls").await,
        1,
        "only the ended call in the window"
    );
    let sent_to_caller = desk
        .env
        .fake
        .state()
        .messages
        .iter()
        .filter(|m| m.to == CALLER)
        .count();
    assert_eq!(sent_to_caller, 1, "the caller got the intro");
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM messages WHERE twilio_sid = 'SMinbound1'"
        )
        .await,
        1,
        "the text was processed"
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM leads WHERE caller_e164 IN ('+15125550123', '+15125550144')"
        )
        .await,
        2
    );

    // A second, overlapping run finds everything recorded.
    let before = desk.env.fake.state().messages.len();
    reconcile(&desk, 90).await;
    assert_eq!(
        desk.env.fake.state().messages.len(),
        before,
        "nothing is sent twice"
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM calls").await, 1);
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM messages WHERE direction = 'inbound'"
        )
        .await,
        1
    );
}

#[sqlx::test]
async fn a_delivery_report_that_never_arrived_is_taken_from_the_list(pool: PgPool) {
    let desk = desk(&pool).await;
    {
        let mut fake = desk.env.fake.state();
        fake.calls
            .push(listed_call("CAparent2", None, CALLER, "completed", 20));
        fake.calls.push(listed_call(
            "CAchild2",
            Some("CAparent2"),
            CALLER,
            "busy",
            20,
        ));
    }
    reconcile(&desk, 60).await;
    assert_eq!(
        count(&pool, "SELECT count(*) FROM messages WHERE kind = 'intro' AND status IN ('accepted', 'queued')").await,
        1,
        "the intro went out and no callback came"
    );
    for message in desk.env.fake.state().messages.iter_mut() {
        message.status = "delivered".into();
    }
    reconcile(&desk, 61).await;
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM messages WHERE kind = 'intro' AND status = 'delivered'"
        )
        .await,
        1
    );
}

#[sqlx::test]
async fn a_start_after_downtime_enqueues_the_gap_once(pool: PgPool) {
    let now = Utc::now();
    assert_eq!(
        twilio_reconcile::enqueue_after_downtime(&pool, now)
            .await
            .unwrap(),
        None,
        "first start ever"
    );
    callbackcloser::server::jobs::heartbeat::write_heartbeat(&pool, now - Duration::minutes(10))
        .await
        .unwrap();
    let window = twilio_reconcile::enqueue_after_downtime(&pool, now)
        .await
        .unwrap()
        .unwrap();
    // The heartbeat comes back from Postgres in microseconds.
    let expected = now - Duration::minutes(15);
    assert!(
        (window.start - expected).num_milliseconds().abs() < 1,
        "{}",
        window.start
    );
    twilio_reconcile::enqueue_after_downtime(&pool, now)
        .await
        .unwrap();
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM jobs WHERE kind = 'twilio_reconcile'"
        )
        .await,
        1,
        "keyed by the window start"
    );
}

#[sqlx::test]
async fn a_database_failure_seen_by_a_webhook_is_reconciled_once_the_database_answers(
    pool: PgPool,
) {
    let desk = desk(&pool).await;
    let state = &desk.env.state;
    let failed_at = state.clock.now();
    // Two webhooks hit the same outage: one watcher, one job.
    state.db_outage.database_failed(&state.pool, &state.clock);
    state.db_outage.database_failed(&state.pool, &state.clock);
    until_count(
        &pool,
        "SELECT count(*) FROM jobs WHERE kind = 'twilio_reconcile'",
        1,
    )
    .await;
    let windows: Vec<serde_json::Value> =
        sqlx::query_scalar("SELECT payload FROM jobs WHERE kind = 'twilio_reconcile'")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(windows.len(), 1, "{windows:?}");
    let window: Window = serde_json::from_value(windows[0].clone()).unwrap();
    assert_eq!(window.start, failed_at - Duration::minutes(5));
}

#[sqlx::test]
async fn a_webhook_that_cannot_record_its_state_reports_the_outage(pool: PgPool) {
    let desk = desk(&pool).await;
    // The database goes away for this app: its pool is closed.
    desk.env.state.pool.close().await;
    let params = crate::webhook_support::params(&[
        ("AccountSid", crate::support::TWILIO_SID),
        ("MessageSid", "SMoutage1"),
        ("From", TEXTER),
        ("To", TRACKING),
        ("Body", "hello"),
        ("NumMedia", "0"),
    ]);
    let request = crate::webhook_support::signed_with(
        crate::support::TWILIO_TOKEN,
        "/api/twilio/sms",
        &params,
    );
    let reply = crate::support::send(&desk.env.app, request).await;
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert!(reply.body.contains("\"retryable\":true"));
    let watching = desk.env.state.db_outage.is_watching();
    assert!(watching, "the outage is being watched");
}
