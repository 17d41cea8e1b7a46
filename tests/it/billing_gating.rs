//! Gating and the monthly quota (billing.md §8, §9) through the Twilio webhooks: which missed
//! calls start a conversation, which are flagged, and how the month window follows the
//! business's time zone (moved with the injectable clock).

use callbackcloser::server::clock::Clock as _;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::{
    billing_support::*,
    webhook_support::{
        TRACKING, active_line, alert_sink, bodies, count, hooks, line_with, missed_call,
        wait_for_alerts,
    },
};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

async fn intros(pool: &PgPool) -> i64 {
    count(pool, "SELECT count(*) FROM messages WHERE kind = 'intro'").await
}

async fn usage(pool: &PgPool) -> Vec<(String, i32)> {
    sqlx::query_as("SELECT period, conversations_used FROM usage_counters ORDER BY period")
        .fetch_all(pool)
        .await
        .unwrap()
}

async fn reasons(pool: &PgPool) -> Vec<Option<String>> {
    sqlx::query_scalar("SELECT billing_block_reason FROM leads ORDER BY created_at, id")
        .fetch_all(pool)
        .await
        .unwrap()
}

#[sqlx::test]
async fn b14_b26_an_unknown_price_counts_as_starter_and_alerts_once_a_day(pool: PgPool) {
    let (sink, url) = alert_sink().await;
    let hooks = hooks(
        pool.clone(),
        &[
            ("ALERT_WEBHOOK_URL", &url),
            ("PLAN_STARTER_CONVERSATIONS", "2"),
        ],
    );
    let line = active_line(&pool).await;
    set_business(&pool, line.business_id, "stripe_price_id = 'price_legacy'").await;
    for i in 0..3 {
        hooks.clock.advance(chrono::Duration::minutes(5));
        missed_call(&hooks, &format!("CA{i}"), &format!("+151255501{i:02}")).await;
    }
    // Starter's limit (2) applied: the third call is flagged.
    assert_eq!(intros(&pool).await, 2);
    assert_eq!(
        reasons(&pool).await,
        [None, None, Some("quota_reached".into())]
    );
    let alerts = wait_for_alerts(&sink, 1).await;
    assert_eq!(
        alerts
            .iter()
            .filter(|a| *a == "billing.unknown_price")
            .count(),
        1,
        "{alerts:?}"
    );
}

#[sqlx::test]
async fn b23_every_listed_price_maps_to_its_plan(pool: PgPool) {
    let hooks = hooks(
        pool.clone(),
        &[
            ("STRIPE_PRICE_PRO", "price_new,price_old"),
            ("PLAN_STARTER_CONVERSATIONS", "1"),
            ("PLAN_PRO_CONVERSATIONS", "3"),
        ],
    );
    let line = active_line(&pool).await;
    set_business(&pool, line.business_id, "stripe_price_id = 'price_old'").await;
    for i in 0..3 {
        missed_call(&hooks, &format!("CA{i}"), &format!("+151255501{i:02}")).await;
    }
    assert_eq!(intros(&pool).await, 3, "Pro's quota, not Starter's");
}

#[sqlx::test]
async fn b15_two_calls_racing_for_the_last_conversation(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = active_line(&pool).await;
    let (period, ..) =
        callbackcloser::server::billing::quota::month("America/Chicago", hooks.clock.now());
    sqlx::query(
        "INSERT INTO usage_counters (business_id, period, conversations_used) VALUES ($1, $2, 199)",
    )
    .bind(line.business_id)
    .bind(&period)
    .execute(&pool)
    .await
    .unwrap();
    tokio::join!(
        missed_call(&hooks, "CA1", "+15125550101"),
        missed_call(&hooks, "CA2", "+15125550102"),
    );
    assert_eq!(intros(&pool).await, 1);
    assert_eq!(usage(&pool).await, [(period.clone(), 200)]);
    let mut flagged = reasons(&pool).await;
    flagged.sort();
    assert_eq!(flagged, [None, Some("quota_reached".into())]);
    // B16: three more in the month are flagged; still one limit alert.
    for i in 3..6 {
        missed_call(&hooks, &format!("CA{i}"), &format!("+151255501{i:02}")).await;
    }
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM leads WHERE billing_block_reason = 'quota_reached'"
        )
        .await,
        4
    );
    let limit_alerts = bodies(&pool, "owner_alert")
        .await
        .into_iter()
        .filter(|b| b.contains("Monthly limit reached"))
        .count();
    assert_eq!(limit_alerts, 1);
}

#[sqlx::test]
async fn the_month_turns_at_local_midnight_across_a_dst_change(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[("PLAN_STARTER_CONVERSATIONS", "1")]);
    let line = active_line(&pool).await;
    set_business(&pool, line.business_id, "timezone = 'America/Los_Angeles'").await;
    // March 2026 in Los Angeles starts in PST (UTC-8) and ends in PDT (UTC-7, from March 8).
    hooks.clock.set(at("2026-03-01T08:30:00Z"));
    missed_call(&hooks, "CA1", "+15125550101").await;
    // 06:30Z on April 1st is still March 31st, 23:30 in Los Angeles: March's quota is used up.
    hooks.clock.set(at("2026-04-01T06:30:00Z"));
    missed_call(&hooks, "CA2", "+15125550102").await;
    // 07:00Z is April 1st, 00:00 PDT: a new month.
    hooks.clock.set(at("2026-04-01T07:00:00Z"));
    missed_call(&hooks, "CA3", "+15125550103").await;
    assert_eq!(
        reasons(&pool).await,
        [None, Some("quota_reached".into()), None]
    );
    assert_eq!(
        usage(&pool).await,
        [("2026-03".into(), 1), ("2026-04".into(), 1)]
    );
    // A month earlier the boundary was 08:00Z (PST): 07:59Z on March 1st is still February.
    hooks.clock.set(at("2026-03-01T07:59:00Z"));
    missed_call(&hooks, "CA4", "+15125550104").await;
    assert_eq!(usage(&pool).await[0], ("2026-02".into(), 1));
}

#[sqlx::test]
async fn b25_the_window_follows_a_changed_timezone(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = active_line(&pool).await;
    set_business(&pool, line.business_id, "timezone = 'Pacific/Honolulu'").await;
    hooks.clock.set(at("2026-01-01T05:00:00Z"));
    missed_call(&hooks, "CA1", "+15125550101").await;
    assert_eq!(usage(&pool).await, [("2025-12".into(), 1)]);
}

#[sqlx::test]
async fn b17_reactivation_starts_new_calls_and_leaves_flagged_leads(pool: PgPool) {
    let b = billing(pool.clone(), &[]).await;
    let line = line_with(&pool, "Acme Plumbing", TRACKING, "PAST_DUE").await;
    set_business(
        &pool,
        line.business_id,
        "stripe_customer_id = 'cus_A', stripe_subscription_id = 'sub_A'",
    )
    .await;
    missed_call(&b.hooks, "CA1", "+15125550101").await;
    assert_eq!(reasons(&pool).await, [Some("billing_inactive".into())]);
    b.fake.insert_subscription(subscription(
        "sub_A",
        line.business_id,
        "cus_A",
        "price_starter",
        "active",
    ));
    deliver_and_run(
        &b,
        &invoice_event(&b.fake, "invoice.payment_succeeded", "cus_A", "sub_A"),
    )
    .await;
    assert_eq!(billing_state(&pool, line.business_id).await.0, "ACTIVE");
    b.hooks.clock.advance(chrono::Duration::minutes(1));
    missed_call(&b.hooks, "CA2", "+15125550102").await;
    assert_eq!(intros(&pool).await, 1);
    assert_eq!(
        reasons(&pool).await,
        [Some("billing_inactive".into()), None],
        "the old lead stays flagged until the owner starts it"
    );
}
