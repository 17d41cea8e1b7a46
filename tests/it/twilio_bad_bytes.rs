//! Bytes Postgres refuses in text (issue 21 §4): a NUL in any Twilio parameter is removed once
//! the signature (over what Twilio sent) has been checked. It is never taken for a database
//! outage: no 503, no false fallback alert, no reconcile job replaying it forever.

use callbackcloser::{domain::reconcile_window::Window, server::twilio_reconcile};
use chrono::{Duration, Utc};
use sqlx::PgPool;

use crate::{
    sms_support::lead_at,
    support::{Desk, desk_with},
    webhook_support::{
        ACCOUNT, CALLER, TRACKING, active_line, alert_sink, count, hooks, listed_text, post_signed,
        run_jobs_of, voice,
    },
};

const NUL_BODY: &str = "Leak\0 under the sink";

/// A business on an active plan with a tracking line, Twilio's fake and signed replays.
async fn reconcile_desk(pool: &PgPool, extra: &[(&str, &str)]) -> Desk {
    let mut vars = vec![
        ("STRIPE_PRICE_STARTER", "price_starter"),
        ("STRIPE_PRICE_PRO", "price_pro"),
        ("TWILIO_VALIDATE_SIGNATURE", "true"),
    ];
    vars.extend_from_slice(extra);
    desk_with(
        pool,
        &vars,
        "subscription_status = 'ACTIVE', stripe_price_id = 'price_pro'",
    )
    .await
}

/// Queues one reconcile run over the last hour; returns the app's "now".
async fn reconcile_the_last_hour(desk: &Desk) -> chrono::DateTime<Utc> {
    let now = desk.env.state.clock.now();
    let window = Window::requested(Utc::now() - Duration::minutes(60), Utc::now()).unwrap();
    let mut conn = desk.env.state.pool.acquire().await.unwrap();
    twilio_reconcile::enqueue(&mut conn, window, now)
        .await
        .unwrap();
    now
}

#[sqlx::test]
async fn a_text_with_a_nul_byte_is_stored_without_it_and_answered(pool: PgPool) {
    let (sink, url) = alert_sink().await;
    let hooks = hooks(pool.clone(), &[("ALERT_WEBHOOK_URL", &url)]);
    let line = active_line(&pool).await;
    lead_at(&pool, &line, "AWAITING_SERVICE", "").await;
    let reply = post_signed(
        &hooks,
        "/api/twilio/sms",
        &[
            ("AccountSid", ACCOUNT),
            ("MessageSid", "SMnul"),
            ("From", CALLER),
            ("To", TRACKING),
            ("Body", NUL_BODY),
        ],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body: String = sqlx::query_scalar("SELECT body FROM messages WHERE twilio_sid = 'SMnul'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(body, "Leak under the sink");
    assert_eq!(
        count(&pool, "SELECT count(*) FROM messages WHERE kind = 'prompt'").await,
        1,
        "the conversation moved on"
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM jobs WHERE kind = 'twilio_reconcile'"
        )
        .await,
        0
    );
    assert!(
        !hooks.state.db_outage.is_watching(),
        "no outage was assumed"
    );
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert!(sink.events().is_empty(), "{:?}", sink.events());
}

#[sqlx::test]
async fn a_call_with_a_nul_byte_gets_its_row_lead_and_intro(pool: PgPool) {
    let (sink, url) = alert_sink().await;
    let hooks = hooks(pool.clone(), &[("ALERT_WEBHOOK_URL", &url)]);
    active_line(&pool).await;
    let answered = post_signed(
        &hooks,
        "/api/twilio/voice",
        &[
            ("AccountSid", ACCOUNT),
            ("CallSid", "CAnul"),
            ("From", CALLER),
            ("To", TRACKING),
            ("CallStatus", "ringing"),
            ("Direction", "inbound"),
            ("CallerName", "Jo\0e"),
        ],
    )
    .await;
    assert_eq!(answered.status, 200, "{}", answered.body);
    assert!(answered.body.contains("<Dial"), "{}", answered.body);
    assert_eq!(
        count(&pool, "SELECT count(*) FROM calls WHERE call_sid = 'CAnul'").await,
        1,
        "the call row was written"
    );
    let dialed = post_signed(
        &hooks,
        "/api/twilio/status?event=dial",
        &[
            ("AccountSid", ACCOUNT),
            ("CallSid", "CAnul"),
            ("DialCallDuration", "0"),
            ("DialCallSid", "CAnul-child"),
            ("DialCallStatus", "no-answer"),
            ("From", CALLER),
            ("To", TRACKING),
            ("CallerName", "Jo\0e"),
        ],
    )
    .await;
    assert_eq!(dialed.status, 200, "{}", dialed.body);
    assert_eq!(count(&pool, "SELECT count(*) FROM leads").await, 1);
    assert_eq!(
        count(&pool, "SELECT count(*) FROM messages WHERE kind = 'intro'").await,
        1
    );
    // A second ring of the same caller is an ordinary call too.
    assert_eq!(voice(&hooks, "CAnul2", CALLER).await.status, 200);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert!(sink.events().is_empty(), "{:?}", sink.events());
}

#[sqlx::test]
async fn a_listed_text_with_a_nul_byte_is_replayed_once_and_the_run_completes(pool: PgPool) {
    let desk = reconcile_desk(&pool, &[]).await;
    {
        let mut fake = desk.env.fake.state();
        fake.messages
            .push(listed_text("SMnul1", "+15125550144", NUL_BODY, 10));
        fake.messages
            .push(listed_text("SMok2", "+15125550145", "Need a quote", 9));
    }
    reconcile_the_last_hour(&desk).await;
    run_jobs_of(&desk.env.state).await;
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM messages WHERE twilio_sid IN ('SMnul1', 'SMok2')"
        )
        .await,
        2,
        "both texts were recorded"
    );
    let jobs: Vec<(String, String)> =
        sqlx::query_as("SELECT kind, status FROM jobs WHERE kind = 'twilio_reconcile'")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(jobs, vec![("twilio_reconcile".into(), "succeeded".into())]);
}

#[sqlx::test]
async fn a_replay_that_always_fails_stops_alerts_once_and_spares_the_rest(pool: PgPool) {
    let (sink, url) = alert_sink().await;
    let desk = reconcile_desk(&pool, &[("ALERT_WEBHOOK_URL", &url)]).await;
    // Whatever the cause, the database refuses this one text every time it is replayed.
    sqlx::raw_sql(
        "CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
             IF NEW.twilio_sid = 'SMpoison' THEN RAISE EXCEPTION 'refused'; END IF;
             RETURN NEW;
         END $$;
         CREATE TRIGGER refuse_poison BEFORE INSERT ON messages
             FOR EACH ROW EXECUTE FUNCTION refuse_poison();",
    )
    .execute(&pool)
    .await
    .unwrap();
    {
        let mut fake = desk.env.fake.state();
        // Twilio lists newest first: the failing text comes before the other.
        fake.messages
            .push(listed_text("SMafter", "+15125550145", "Need a quote", 10));
        fake.messages
            .push(listed_text("SMpoison", "+15125550144", "Hello", 9));
    }
    let now = reconcile_the_last_hour(&desk).await;
    for _ in 0..12 {
        run_jobs_of(&desk.env.state).await;
        // The retry is due now (the Desk's clock is not ours to move).
        sqlx::query("UPDATE jobs SET next_run_at = $1 WHERE status = 'queued'")
            .bind(now)
            .execute(&pool)
            .await
            .unwrap();
    }
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM messages WHERE twilio_sid = 'SMafter'"
        )
        .await,
        1,
        "the item after the failing one was recorded"
    );
    let jobs: Vec<(String, i32)> =
        sqlx::query_as("SELECT status, attempts FROM jobs WHERE kind = 'twilio_reconcile'")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        jobs.len(),
        1,
        "failed replays schedule no further reconcile: {jobs:?}"
    );
    assert_eq!(
        jobs[0],
        ("succeeded".to_owned(), 10),
        "it stopped at its limit"
    );
    let events = crate::webhook_support::wait_for_alerts(&sink, 1).await;
    assert_eq!(
        events
            .iter()
            .filter(|e| *e == "twilio.reconcile_items_failed")
            .count(),
        1,
        "{events:?}"
    );
}
