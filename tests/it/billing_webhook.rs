//! `POST /api/stripe/webhook` and the `process_stripe_event` job (billing.md §6) through the
//! real router, against the stateful Stripe fake: refusals with their exact bodies, the inbox's
//! exactly-once recording, and the ordering-safe status mapping.

use callbackcloser::server::clock::Clock as _;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::{
    billing_support::*,
    support::send,
    webhook_support::{active_line, alert_sink, count, run_jobs, wait_for_alerts},
};

const S2_BODY: &str = r#"{"id":"evt_1","object":"event","type":"checkout.session.completed","data":{"object":{"id":"cs_test_1","object":"checkout.session","mode":"subscription","customer":"cus_1","subscription":"sub_1","client_reference_id":"42"}}}"#;
const S2_HEADER: &str =
    "t=1700000000,v1=82b1d5582d8133317fdd8323e11a81f8f41533d7e02c5570d070fc5bdee3acd7";

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap()
}

#[sqlx::test]
async fn b7_the_spec_vector_is_accepted_and_names_no_business(pool: PgPool) {
    let (sink, url) = alert_sink().await;
    let b = billing(pool.clone(), &[("ALERT_WEBHOOK_URL", &url)]).await;
    b.hooks.clock.set(at(1_700_000_000));
    let reply = post_raw(&b.hooks.app, S2_BODY, Some(S2_HEADER.into()), "203.0.113.9").await;
    assert_eq!(
        (reply.status.as_u16(), reply.body.as_str()),
        (200, r#"{"received":true}"#)
    );
    // Stored byte for byte.
    let payload: String = sqlx::query_scalar("SELECT payload::text FROM stripe_events")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(payload, S2_BODY);
    run_jobs(&b.hooks).await;
    assert_eq!(
        inbox_row(&pool, "evt_1").await,
        (true, Some("business_not_found".into()), 0)
    );
    assert_eq!(
        wait_for_alerts(&sink, 1).await,
        ["stripe.business_not_found"]
    );
    // The job never asked Stripe for a subscription of an unknown business.
    assert!(b.fake.state().requests.is_empty());
}

#[sqlx::test]
async fn refusals_answer_with_the_exact_bodies(pool: PgPool) {
    let b = billing(pool.clone(), &[]).await;
    let app = &b.hooks.app;
    b.hooks.clock.set(at(1_700_000_000));
    // B9
    let missing = post_raw(app, S2_BODY, None, "198.51.100.1").await;
    assert_eq!(
        (missing.status.as_u16(), missing.body.as_str()),
        (400, r#"{"error":"Missing Stripe webhook configuration"}"#)
    );
    let bad = post_raw(
        app,
        S2_BODY,
        Some("t=1700000000,v1=00".into()),
        "198.51.100.1",
    )
    .await;
    assert_eq!(
        (bad.status.as_u16(), bad.body.as_str()),
        (400, r#"{"error":"Invalid signature"}"#)
    );
    b.hooks.clock.set(at(1_700_000_301));
    let late = post_raw(app, S2_BODY, Some(S2_HEADER.into()), "198.51.100.2").await;
    assert_eq!(late.body, r#"{"error":"Invalid signature"}"#);
    // Verified but not an event.
    b.hooks.clock.set(at(1_700_000_000));
    for body in ["not json", r#"{"object":"event"}"#, r#"{"id":"evt_x"}"#] {
        let header = callbackcloser::server::webhooks::stripe::signature::header(
            WEBHOOK_SECRET,
            1_700_000_000,
            body.as_bytes(),
        );
        let reply = post_raw(app, body, Some(header), "198.51.100.3").await;
        assert_eq!(
            (reply.status.as_u16(), reply.body.as_str()),
            (400, r#"{"error":"Invalid payload"}"#),
            "{body}"
        );
    }
    let huge = format!(
        r#"{{"id":"evt_big","type":"x","pad":"{}"}}"#,
        "a".repeat(1 << 20)
    );
    let reply = post_raw(app, &huge, Some(S2_HEADER.into()), "198.51.100.4").await;
    assert_eq!(
        (reply.status.as_u16(), reply.body.as_str()),
        (413, r#"{"error":"Payload too large"}"#)
    );
    let get = send(
        app,
        axum::http::Request::get("/api/stripe/webhook")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(get.status, 405);
    assert_eq!(count(&pool, "SELECT count(*) FROM stripe_events").await, 0);
}

#[sqlx::test]
async fn without_a_configured_secret_nothing_is_accepted(pool: PgPool) {
    let b = billing(pool.clone(), &[("STRIPE_WEBHOOK_SECRET", "")]).await;
    b.hooks.clock.set(at(1_700_000_000));
    let reply = post_raw(
        &b.hooks.app,
        S2_BODY,
        Some(S2_HEADER.into()),
        "198.51.100.1",
    )
    .await;
    assert_eq!(
        reply.body,
        r#"{"error":"Missing Stripe webhook configuration"}"#
    );
}

#[sqlx::test]
async fn b10_the_41st_invalid_request_in_a_window_is_429(pool: PgPool) {
    let b = billing(pool.clone(), &[]).await;
    for i in 1..=40 {
        let reply = post_raw(&b.hooks.app, "{}", Some("t=1,v1=00".into()), "198.51.100.7").await;
        assert_eq!(reply.status, 400, "request {i}");
    }
    let refused = post_raw(&b.hooks.app, "{}", Some("t=1,v1=00".into()), "198.51.100.7").await;
    assert_eq!(
        (refused.status.as_u16(), refused.body.as_str()),
        (429, r#"{"error":"Too many invalid webhook attempts"}"#)
    );
    for header in [
        "retry-after",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
    ] {
        assert!(refused.header(header).is_some(), "{header}");
    }
    // Another address is not affected.
    let other = post_raw(&b.hooks.app, "{}", Some("t=1,v1=00".into()), "198.51.100.8").await;
    assert_eq!(other.status, 400);
}

#[sqlx::test]
async fn valid_traffic_over_its_limit_is_429(pool: PgPool) {
    let b = billing(pool.clone(), &[("RATE_LIMIT_STRIPE_AUTH_MAX", "10")]).await;
    for i in 0..10 {
        let body = b.fake.event(
            "customer.created",
            serde_json::json!({"id": format!("cus_{i}")}),
        );
        assert_eq!(deliver(&b, &body).await.status, 200);
    }
    let body = b.fake.event("customer.created", serde_json::json!({}));
    let refused = deliver(&b, &body).await;
    assert_eq!(
        (refused.status.as_u16(), refused.body.as_str()),
        (429, r#"{"error":"Rate limit exceeded"}"#)
    );
}

#[sqlx::test]
async fn b8_b20_duplicates_are_acknowledged_and_unhandled_types_stored(pool: PgPool) {
    let b = billing(pool.clone(), &[]).await;
    let line = subscribed(&b, "ACTIVE", "price_pro", "active").await;
    let body = subscription_event(&b.fake, "customer.subscription.updated", "sub_A");
    assert_eq!(deliver(&b, &body).await.body, r#"{"received":true}"#);
    let again = deliver(&b, &body).await;
    assert_eq!(
        (again.status.as_u16(), again.body.as_str()),
        (200, r#"{"received":true,"duplicate":true}"#)
    );
    let concurrent = futures::future::join_all((0..5).map(|_| deliver(&b, &body))).await;
    assert!(
        concurrent
            .iter()
            .all(|r| r.body == r#"{"received":true,"duplicate":true}"#)
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM stripe_events").await, 1);
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM jobs WHERE kind = 'process_stripe_event'"
        )
        .await,
        1
    );
    run_jobs(&b.hooks).await;
    let fetches = b.fake.state().requests.len();
    assert_eq!(fetches, 1, "processed once");
    assert_eq!(
        billing_state(&pool, line.business_id).await,
        (
            "ACTIVE".into(),
            Some("sub_A".into()),
            Some("price_pro".into())
        )
    );
    // B20
    let unknown = b
        .fake
        .event("customer.created", serde_json::json!({"id": "cus_x"}));
    assert_eq!(deliver(&b, &unknown).await.status, 200);
    assert!(inbox_row(&pool, &event_id(&unknown)).await.0);
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM jobs WHERE kind = 'process_stripe_event'"
        )
        .await,
        1
    );
}

#[sqlx::test]
async fn concurrent_first_deliveries_record_once(pool: PgPool) {
    let b = billing(pool.clone(), &[]).await;
    let body = b.fake.event(
        "invoice.payment_succeeded",
        serde_json::json!({"customer": "cus_1"}),
    );
    let replies = futures::future::join_all((0..5).map(|_| deliver(&b, &body))).await;
    let new = replies
        .iter()
        .filter(|r| r.body == r#"{"received":true}"#)
        .count();
    let duplicate = replies
        .iter()
        .filter(|r| r.body.contains("duplicate"))
        .count();
    assert_eq!((new, duplicate), (1, 4));
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM jobs WHERE kind = 'process_stripe_event'"
        )
        .await,
        1
    );
}

#[sqlx::test]
async fn b11_a_failed_payment_pauses_texting(pool: PgPool) {
    let b = billing(pool.clone(), &[]).await;
    let line = subscribed(&b, "ACTIVE", "price_starter", "past_due").await;
    set_business(
        &pool,
        line.business_id,
        "stripe_customer_id = 'cus_A', stripe_subscription_id = 'sub_A'",
    )
    .await;
    deliver(
        &b,
        &invoice_event(&b.fake, "invoice.payment_failed", "cus_A", "sub_A"),
    )
    .await;
    run_jobs(&b.hooks).await;
    assert_eq!(billing_state(&pool, line.business_id).await.0, "PAST_DUE");
    let audit: (String, serde_json::Value) = sqlx::query_as(
        "SELECT actor_type, changes FROM audit_log WHERE action = 'billing.status_changed'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(audit.0, "stripe");
    assert_eq!(
        audit.1["subscription_status"],
        serde_json::json!(["ACTIVE", "PAST_DUE"])
    );
    crate::webhook_support::missed_call(&b.hooks, "CA1", "+15125550100").await;
    let flagged: Option<String> = sqlx::query_scalar("SELECT billing_block_reason FROM leads")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(flagged.as_deref(), Some("billing_inactive"));
    assert_eq!(
        count(&pool, "SELECT count(*) FROM messages WHERE kind = 'intro'").await,
        0
    );
}

#[sqlx::test]
async fn b12_late_events_cannot_move_a_business_backwards(pool: PgPool) {
    let b = billing(pool.clone(), &[]).await;
    let line = subscribed(&b, "ACTIVE", "price_starter", "active").await;
    let created = subscription_event(&b.fake, "customer.subscription.created", "sub_A");
    // Stripe cancels; the deletion event arrives first, the earlier "created" and a
    // payment_succeeded afterwards.
    b.fake.set_status("sub_A", "canceled");
    let deleted = subscription_event(&b.fake, "customer.subscription.deleted", "sub_A");
    let paid = invoice_event(&b.fake, "invoice.payment_succeeded", "cus_A", "sub_A");
    for body in [&deleted, &created, &paid] {
        deliver_and_run(&b, body).await;
        assert_eq!(billing_state(&pool, line.business_id).await.0, "CANCELED");
    }
}

#[sqlx::test]
async fn an_old_past_due_update_after_a_newer_active_state_leaves_active(pool: PgPool) {
    let b = billing(pool.clone(), &[]).await;
    let line = subscribed(&b, "PAST_DUE", "price_starter", "past_due").await;
    let stale = subscription_event(&b.fake, "customer.subscription.updated", "sub_A");
    b.fake.set_status("sub_A", "active");
    let fresh = subscription_event(&b.fake, "customer.subscription.updated", "sub_A");
    deliver_and_run(&b, &fresh).await;
    deliver_and_run(&b, &stale).await;
    assert_eq!(billing_state(&pool, line.business_id).await.0, "ACTIVE");
}

#[sqlx::test]
async fn b22_a_canceled_other_subscription_leaves_the_live_one(pool: PgPool) {
    let b = billing(pool.clone(), &[]).await;
    let line = active_line(&pool).await;
    set_business(
        &pool,
        line.business_id,
        "stripe_customer_id = 'cus_A', stripe_subscription_id = 'sub_A'",
    )
    .await;
    b.fake.insert_subscription(subscription(
        "sub_B",
        line.business_id,
        "cus_A",
        "price_pro",
        "canceled",
    ));
    deliver_and_run(
        &b,
        &subscription_event(&b.fake, "customer.subscription.deleted", "sub_B"),
    )
    .await;
    assert_eq!(
        billing_state(&pool, line.business_id).await,
        (
            "ACTIVE".into(),
            Some("sub_A".into()),
            Some("price_starter".into())
        )
    );
    // A live one replaces the tracked subscription.
    b.fake.insert_subscription(subscription(
        "sub_C",
        line.business_id,
        "cus_A",
        "price_pro",
        "active",
    ));
    deliver_and_run(
        &b,
        &subscription_event(&b.fake, "customer.subscription.created", "sub_C"),
    )
    .await;
    assert_eq!(
        billing_state(&pool, line.business_id).await,
        (
            "ACTIVE".into(),
            Some("sub_C".into()),
            Some("price_pro".into())
        )
    );
}

#[sqlx::test]
async fn b21_stripe_down_while_the_job_runs_is_retried_and_applied_once(pool: PgPool) {
    let b = billing(pool.clone(), &[]).await;
    let line = subscribed(&b, "INACTIVE", "price_pro", "active").await;
    b.fake.state().down = true;
    let body = subscription_event(&b.fake, "customer.subscription.updated", "sub_A");
    let reply = deliver(&b, &body).await;
    assert_eq!(reply.status, 200, "answered at once");
    run_jobs(&b.hooks).await;
    let (processed, error, attempts) = inbox_row(&pool, &event_id(&body)).await;
    assert!(!processed);
    assert_eq!(attempts, 1);
    assert!(error.unwrap().contains("503"));
    assert_eq!(billing_state(&pool, line.business_id).await.0, "INACTIVE");
    b.fake.state().down = false;
    b.hooks.clock.advance(chrono::Duration::minutes(6));
    run_jobs(&b.hooks).await;
    assert!(inbox_row(&pool, &event_id(&body)).await.0);
    assert_eq!(billing_state(&pool, line.business_id).await.0, "ACTIVE");
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM audit_log WHERE action = 'billing.status_changed'"
        )
        .await,
        1
    );
}

#[sqlx::test]
async fn a_stuck_event_alerts_the_operator_when_its_job_dies(pool: PgPool) {
    let (sink, url) = alert_sink().await;
    let b = billing(pool.clone(), &[("ALERT_WEBHOOK_URL", &url)]).await;
    subscribed(&b, "ACTIVE", "price_pro", "active").await;
    b.fake.state().down = true;
    let body = subscription_event(&b.fake, "customer.subscription.updated", "sub_A");
    deliver(&b, &body).await;
    sqlx::query("UPDATE jobs SET attempts = max_attempts - 1 WHERE kind = 'process_stripe_event'")
        .execute(&pool)
        .await
        .unwrap();
    run_jobs(&b.hooks).await;
    // The billing alert says what is stuck; every dead job is also reported as such.
    let mut alerts = wait_for_alerts(&sink, 2).await;
    alerts.sort();
    assert_eq!(alerts, ["jobs.dead", "stripe.inbox_stuck"]);
    let status: String =
        sqlx::query_scalar("SELECT status FROM jobs WHERE kind = 'process_stripe_event'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(status, "dead");
}

#[sqlx::test]
async fn b13_an_event_refused_while_the_database_is_down_is_recorded_on_redelivery(pool: PgPool) {
    let b = billing(pool.clone(), &[]).await;
    let body = b
        .fake
        .event("customer.created", serde_json::json!({"id": "cus_1"}));
    // The same app with a pool that cannot reach the database.
    let mut down = b.hooks.state.clone();
    down.pool = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_millis(200))
        .connect_lazy("postgres://nobody@127.0.0.1:9/none")
        .unwrap();
    let down_app = callbackcloser::server::router::router(down);
    let t = b.hooks.clock.now().timestamp();
    let header = callbackcloser::server::webhooks::stripe::signature::header(
        WEBHOOK_SECRET,
        t,
        body.as_bytes(),
    );
    let reply = post_raw(&down_app, &body, Some(header), "203.0.113.9").await;
    assert_eq!(
        (reply.status.as_u16(), reply.body.as_str()),
        (500, r#"{"error":"Webhook processing failed"}"#)
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM stripe_events").await, 0);
    assert_eq!(deliver(&b, &body).await.body, r#"{"received":true}"#);
    assert_eq!(count(&pool, "SELECT count(*) FROM stripe_events").await, 1);
}

#[sqlx::test]
async fn checkout_completed_stores_the_customer_and_applies_the_subscription(pool: PgPool) {
    let b = billing(pool.clone(), &[]).await;
    let line = subscribed(&b, "INACTIVE", "price_starter", "active").await;
    let body = b.fake.event(
        "checkout.session.completed",
        serde_json::json!({
            "id": "cs_1", "object": "checkout.session", "customer": "cus_A", "subscription": "sub_A",
            "client_reference_id": line.business_id.to_string(),
        }),
    );
    deliver_and_run(&b, &body).await;
    let customer: Option<String> = sqlx::query_scalar("SELECT stripe_customer_id FROM businesses")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(customer.as_deref(), Some("cus_A"));
    assert_eq!(billing_state(&pool, line.business_id).await.0, "ACTIVE");
    let business: Option<uuid::Uuid> = sqlx::query_scalar("SELECT business_id FROM stripe_events")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(business, Some(line.business_id));
}

#[sqlx::test]
async fn events_of_a_deleted_business_change_nothing(pool: PgPool) {
    let (sink, url) = alert_sink().await;
    let b = billing(pool.clone(), &[("ALERT_WEBHOOK_URL", &url)]).await;
    let line = active_line(&pool).await;
    set_business(
        &pool,
        line.business_id,
        "deleted_at = now(), stripe_customer_id = 'cus_A'",
    )
    .await;
    b.fake.insert_subscription(subscription(
        "sub_A",
        line.business_id,
        "cus_A",
        "price_pro",
        "past_due",
    ));
    let body = subscription_event(&b.fake, "customer.subscription.updated", "sub_A");
    deliver_and_run(&b, &body).await;
    assert_eq!(inbox_row(&pool, &event_id(&body)).await, (true, None, 0));
    assert_eq!(billing_state(&pool, line.business_id).await.0, "ACTIVE");
    // No alert: a deleted business is expected to receive late events.
    let body = b.fake.event(
        "invoice.payment_failed",
        serde_json::json!({"customer": "cus_none", "subscription": "sub_none"}),
    );
    deliver_and_run(&b, &body).await;
    assert_eq!(
        wait_for_alerts(&sink, 1).await,
        ["stripe.business_not_found"]
    );
}

#[sqlx::test]
async fn stripe_events_are_counted_by_type_and_result(pool: PgPool) {
    let b = billing(pool.clone(), &[]).await;
    let body = b
        .fake
        .event("customer.created", serde_json::json!({"id": "cus_1"}));
    assert_eq!(deliver(&b, &body).await.status, 200);
    assert_eq!(deliver(&b, &body).await.status, 200);
    let metrics = crate::support::get(&b.hooks.app, "/metrics").await;
    for series in [
        "stripe_events_total{result=\"recorded\",type=\"customer.created\"} 1\n",
        "stripe_events_total{result=\"duplicate\",type=\"customer.created\"} 1\n",
    ] {
        assert!(
            metrics.body.contains(series),
            "{series} missing:\n{}",
            metrics.body
        );
    }
}
