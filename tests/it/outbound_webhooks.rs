//! Signed outbound webhooks (integrations.md §3) end to end: an owner adds an endpoint on the
//! integrations page, real Twilio webhooks and dashboard actions make the events, the worker
//! delivers them to a receiver on loopback that verifies every signature. I7, I8, I13, I14.

use chrono::Duration;
use sqlx::PgPool;

use crate::{
    outbound_webhook_support::{Outbound, secret_on, verify},
    sms_support::text,
    support::{config_with, owner, production_overrides, state_with, test_clock},
    webhook_support::{CALLER, count, missed_call, run_jobs},
};

const ALL_EVENTS: [&str; 5] = [
    "lead.created",
    "lead.qualified",
    "lead.completed",
    "lead.status_changed",
    "message.received",
];

#[sqlx::test]
async fn the_secret_is_shown_once_and_stored_encrypted(pool: PgPool) {
    let mut env = Outbound::new(pool).await;
    let (endpoint, secret) = env.add_endpoint(&["lead.created"]).await;
    assert!(
        secret.starts_with("whk_") && secret.len() == 4 + 43,
        "{secret}"
    );
    let again = env.owner.get("/app/integrations").await;
    assert_eq!(secret_on(&again.body), None, "shown only once");
    assert!(
        again.body.contains(&env.receiver_url),
        "the endpoint is listed"
    );
    let stored: Vec<u8> =
        sqlx::query_scalar("SELECT secret_encrypted FROM webhook_endpoints WHERE id = $1")
            .bind(endpoint)
            .fetch_one(env.pool())
            .await
            .unwrap();
    assert!(
        !String::from_utf8_lossy(&stored).contains(&secret[4..]),
        "not stored in the clear"
    );
    let audit: String = sqlx::query_scalar(
        "SELECT changes::text FROM audit_log WHERE action = 'webhook_endpoint.created'",
    )
    .fetch_one(env.pool())
    .await
    .unwrap();
    assert!(
        audit.contains("[redacted]") && !audit.contains(&secret),
        "{audit}"
    );
}

#[sqlx::test]
async fn i7_failures_are_retried_with_the_same_bytes_and_fresh_valid_signatures(pool: PgPool) {
    let mut env = Outbound::new(pool).await;
    let (endpoint, secret) = env.add_endpoint(&["lead.created"]).await;
    env.receiver.answer(&[500, 500, 200]);
    missed_call(&env.hooks, "CA0000000000000000000000000000i7", CALLER).await;

    let mut checked_at = Vec::new();
    // First attempt at once; retries after 1 min and 5 min (±20 %).
    for wait in [2, 7, 0] {
        let before = env.receiver.received().len();
        run_jobs(&env.hooks).await;
        let received = env.receiver.received();
        assert_eq!(received.len(), before + 1, "one attempt per run");
        checked_at.push(env.now());
        env.hooks.clock.advance(Duration::minutes(wait));
    }
    run_jobs(&env.hooks).await;
    let received = env.receiver.received();
    assert_eq!(
        received.len(),
        3,
        "delivered on the third attempt, then no more"
    );
    for (delivery, now) in received.iter().zip(&checked_at) {
        assert_eq!(delivery.body, received[0].body, "byte-identical body");
        assert_eq!(verify(&secret, delivery, *now), Ok(()));
        assert_eq!(delivery.signed_at(), *now, "signed at the attempt");
        assert_eq!(delivery.header("content-type"), "application/json");
        assert_eq!(delivery.header("x-webhook-id"), delivery.json()["id"]);
        assert!(!delivery.header("x-correlation-id").is_empty());
    }
    assert_ne!(received[0].signed_at(), received[1].signed_at());
    assert_eq!(
        verify("whk_someone_else", &received[2], checked_at[2]),
        Err("bad signature"),
        "the receiver's check can fail"
    );
    let event = received[0].json();
    assert_eq!(event["type"], "lead.created");
    assert_eq!(event["business_id"], env.line.business_id.to_string());
    let lead = &event["data"]["lead"];
    assert_eq!(lead["caller_phone"], CALLER);
    assert_eq!(lead["source"], "call");
    assert_eq!(lead["status"], "NEW");
    assert_eq!(lead["tracking_number"], "+15125550199");
    assert!(
        lead["url"]
            .as_str()
            .unwrap()
            .starts_with("https://app.example.com/app/leads/")
    );
    assert_eq!(
        env.attempts(endpoint).await,
        vec![
            (1, Some(500), Some("HTTP 500 Internal Server Error".into())),
            (2, Some(500), Some("HTTP 500 Internal Server Error".into())),
            (3, Some(200), None),
        ]
    );
    let page = env.owner.get("/app/integrations").await;
    assert!(
        page.body.contains("Recent deliveries (3)"),
        "the log lists the attempts"
    );
}

#[sqlx::test]
async fn i14_a_410_turns_the_endpoint_off_for_good(pool: PgPool) {
    let mut env = Outbound::new(pool).await;
    let (endpoint, _) = env.add_endpoint(&["lead.created"]).await;
    env.receiver.answer(&[410]);
    missed_call(&env.hooks, "CA00000000000000000000000000i14a", CALLER).await;
    env.run_then_wait(60).await;
    let (enabled, reason): (bool, Option<String>) =
        sqlx::query_as("SELECT enabled, disabled_reason FROM webhook_endpoints WHERE id = $1")
            .bind(endpoint)
            .fetch_one(env.pool())
            .await
            .unwrap();
    assert_eq!((enabled, reason.as_deref()), (false, Some("gone")));
    // Another caller's missed call, and time for any retry: nothing more reaches it.
    missed_call(
        &env.hooks,
        "CA00000000000000000000000000i14b",
        "+15125550177",
    )
    .await;
    env.run_then_wait(60 * 30).await;
    run_jobs(&env.hooks).await;
    assert_eq!(env.receiver.received().len(), 1);
    assert_eq!(env.attempts(endpoint).await.len(), 1);
    let page = env.owner.get("/app/integrations").await;
    assert!(page.body.contains("answered 410 Gone"), "the page says why");
}

#[sqlx::test]
async fn i13_resend_of_a_dead_delivery_sends_the_same_bytes_signed_anew(pool: PgPool) {
    let mut env = Outbound::new(pool).await;
    let (endpoint, secret) = env.add_endpoint(&["lead.created"]).await;
    env.receiver.answer(&[503; 8]);
    missed_call(&env.hooks, "CA0000000000000000000000000i13aa", CALLER).await;
    // 8 attempts: at once, then after 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, 24 h (±20 %).
    for minutes in [2, 7, 40, 150, 440, 870, 1740, 0] {
        env.run_then_wait(minutes).await;
    }
    let status: String =
        sqlx::query_scalar("SELECT status FROM jobs WHERE kind = 'webhook_deliver'")
            .fetch_one(env.pool())
            .await
            .unwrap();
    assert_eq!(status, "dead");
    assert_eq!(env.receiver.received().len(), 8);
    let last: String = sqlx::query_scalar(
        "SELECT id::text FROM webhook_deliveries WHERE endpoint_id = $1 ORDER BY attempt DESC LIMIT 1",
    )
    .bind(endpoint)
    .fetch_one(env.pool())
    .await
    .unwrap();

    env.hooks.clock.advance(Duration::hours(3));
    for _ in 0..2 {
        // A double click queues one resend.
        let reply = env
            .owner
            .call(
                "/api/app/integrations/webhooks/resend",
                &[("delivery_id", &last)],
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    run_jobs(&env.hooks).await;
    let received = env.receiver.received();
    assert_eq!(received.len(), 9);
    assert_eq!(received[8].body, received[0].body, "the stored bytes");
    assert_eq!(verify(&secret, &received[8], env.now()), Ok(()));
    assert!(
        verify(&secret, &received[8], received[0].signed_at()).is_err(),
        "signed at the resend, not with the first attempt's time"
    );
    assert_eq!(
        env.attempts(endpoint).await.last().cloned(),
        Some((9, Some(200), None))
    );
    let keys: Vec<String> = sqlx::query_scalar(
        "SELECT idempotency_key FROM jobs WHERE kind = 'webhook_deliver' ORDER BY created_at",
    )
    .fetch_all(env.pool())
    .await
    .unwrap();
    assert_eq!(keys.len(), 2);
    assert!(
        keys[1].starts_with(&keys[0]) && keys[1].ends_with(":resend:8"),
        "{keys:?}"
    );
}

#[sqlx::test]
async fn each_event_fires_where_it_happens_with_its_snapshot(pool: PgPool) {
    let mut env = Outbound::new(pool).await;
    let (_, secret) = env.add_endpoint(&ALL_EVENTS).await;
    let (only_created, only_created_secret) = env.add_endpoint(&["lead.created"]).await;
    for (sid, body) in [
        ("SM00000000000000000000000000000001", "Hi, need a plumber"),
        ("SM00000000000000000000000000000002", "1"),
        ("SM00000000000000000000000000000003", "2"),
        ("SM00000000000000000000000000000004", "78704"),
        ("SM00000000000000000000000000000005", "2"),
        ("SM00000000000000000000000000000006", "Pat Morgan"),
    ] {
        text(&env.hooks, sid, CALLER, body).await;
    }
    // A duplicate delivery of a text is no new message.
    text(
        &env.hooks,
        "SM00000000000000000000000000000006",
        CALLER,
        "Pat Morgan",
    )
    .await;
    let lead = env.only_lead().await;
    let reply = env
        .owner
        .call(
            "/api/app/leads/status",
            &[("lead_id", &lead), ("status", "BOOKED")],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    run_jobs(&env.hooks).await;

    let received = env.receiver.received();
    // One entry per event (lead.created went to both endpoints).
    let events: std::collections::BTreeMap<String, String> = received
        .iter()
        .map(|r| {
            let event = r.json();
            (
                event["id"].as_str().unwrap().to_owned(),
                event["type"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let kinds: Vec<&str> = events.values().map(String::as_str).collect();
    let times = |kind: &str| kinds.iter().filter(|k| **k == kind).count();
    assert_eq!(
        times("message.received"),
        6,
        "six texts, the duplicate excluded: {kinds:?}"
    );
    for kind in ["lead.created", "lead.qualified", "lead.completed"] {
        assert_eq!(times(kind), 1, "{kind}: {kinds:?}");
    }
    assert_eq!(times("lead.status_changed"), 2, "{kinds:?}");
    assert_eq!(events.len(), 11);

    let event = |kind: &str| {
        received
            .iter()
            .map(|r| r.json())
            .find(|event| event["type"] == kind)
            .unwrap()
    };
    let qualified = event("lead.qualified");
    assert_eq!(qualified["data"]["lead"]["status"], "QUALIFIED");
    assert_eq!(qualified["data"]["lead"]["postal_code"], "78704");
    assert_eq!(qualified["data"]["lead"]["source"], "sms");
    let completed = event("lead.completed");
    assert_eq!(completed["data"]["lead"]["conversation_state"], "COMPLETED");
    assert_eq!(completed["data"]["lead"]["contact_name"], "Pat Morgan");
    let changes: Vec<serde_json::Value> = received
        .iter()
        .map(|r| r.json())
        .filter(|event| event["type"] == "lead.status_changed")
        .collect();
    let summary: Vec<(String, String, String)> = changes
        .iter()
        .map(|event| {
            let data = &event["data"];
            (
                data["previous_status"].as_str().unwrap().to_owned(),
                data["lead"]["status"].as_str().unwrap().to_owned(),
                data["changed_by"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(summary.contains(&("NEW".into(), "QUALIFIED".into(), "system".into())));
    assert!(summary.contains(&("QUALIFIED".into(), "BOOKED".into(), "user".into())));
    let message = received
        .iter()
        .map(|r| r.json())
        .find(|event| {
            event["type"] == "message.received"
                && event["data"]["message"]["body"] == "Hi, need a plumber"
        })
        .expect("the first text's event");
    assert_eq!(message["data"]["message"]["from"], CALLER);
    assert_eq!(message["data"]["message"]["lead_id"], lead);
    assert_eq!(message["data"]["lead"]["id"], lead);
    for delivery in &received {
        let valid = verify(&secret, delivery, env.now()).is_ok()
            || verify(&only_created_secret, delivery, env.now()).is_ok();
        assert!(valid, "every delivery is signed with its endpoint's secret");
    }
    // The endpoint subscribed to lead.created alone got only that, once.
    let only: i64 = count(
        env.pool(),
        &format!(
            "SELECT count(*) FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
             WHERE d.endpoint_id = '{only_created}' AND e.type <> 'lead.created'"
        ),
    )
    .await;
    assert_eq!(only, 0);
    let created_deliveries = received
        .iter()
        .filter(|r| r.json()["type"] == "lead.created")
        .count();
    assert_eq!(created_deliveries, 2, "one per subscribed endpoint");
}

#[sqlx::test]
async fn without_endpoints_nothing_is_stored_and_off_endpoints_get_nothing(pool: PgPool) {
    let mut env = Outbound::new(pool).await;
    missed_call(&env.hooks, "CA000000000000000000000000000001", CALLER).await;
    assert_eq!(
        count(env.pool(), "SELECT count(*) FROM webhook_events").await,
        0
    );

    let (endpoint, _) = env.add_endpoint(&["lead.created"]).await;
    let reply = env
        .owner
        .call(
            "/api/app/integrations/webhooks/save",
            &[
                ("endpoint_id", &endpoint.to_string()),
                ("event_lead_created", "on"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    missed_call(
        &env.hooks,
        "CA000000000000000000000000000002",
        "+15125550177",
    )
    .await;
    run_jobs(&env.hooks).await;
    assert!(env.receiver.received().is_empty(), "turned off");
    assert_eq!(
        count(env.pool(), "SELECT count(*) FROM webhook_events").await,
        0
    );

    // An endpoint that is off gets no test event either: the owner is told to turn it on.
    let reply = env
        .owner
        .call(
            "/api/app/integrations/webhooks/test",
            &[("endpoint_id", &endpoint.to_string())],
        )
        .await;
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert!(reply.body.contains("turned off"), "{}", reply.body);
    run_jobs(&env.hooks).await;
    assert!(env.receiver.received().is_empty());
}

#[sqlx::test]
async fn test_events_and_resends_are_limited_per_endpoint(pool: PgPool) {
    let mut env = Outbound::new(pool).await;
    let (endpoint, _) = env.add_endpoint(&["lead.created"]).await;
    let (other, _) = env.add_endpoint(&["lead.created"]).await;
    let (first, second) = (endpoint.to_string(), other.to_string());
    for n in 0..5 {
        let reply = env
            .owner
            .call(
                "/api/app/integrations/webhooks/test",
                &[("endpoint_id", &first)],
            )
            .await;
        assert_eq!(reply.status, 200, "test event {n}: {}", reply.body);
    }
    let refused = env
        .owner
        .call(
            "/api/app/integrations/webhooks/test",
            &[("endpoint_id", &first)],
        )
        .await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert!(refused.body.contains("Try again in"), "{}", refused.body);
    // Resending one of them counts against the same endpoint's limit.
    run_jobs(&env.hooks).await;
    assert_eq!(env.receiver.types(), vec!["ping"; 5]);
    let delivery: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM webhook_deliveries WHERE endpoint_id = $1 LIMIT 1")
            .bind(endpoint)
            .fetch_one(env.pool())
            .await
            .unwrap();
    let resend = env
        .owner
        .call(
            "/api/app/integrations/webhooks/resend",
            &[("delivery_id", &delivery.to_string())],
        )
        .await;
    assert_eq!(resend.status, 429, "{}", resend.body);
    // Another endpoint has a limit of its own.
    let reply = env
        .owner
        .call(
            "/api/app/integrations/webhooks/test",
            &[("endpoint_id", &second)],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        count(
            env.pool(),
            "SELECT count(*) FROM jobs WHERE kind = 'webhook_deliver'"
        )
        .await,
        6
    );
}

#[sqlx::test]
async fn the_form_refuses_bad_input_and_a_sixth_endpoint(pool: PgPool) {
    let mut env = Outbound::new(pool).await;
    let reply = env.add("not a url", &["lead.created"]).await;
    assert_eq!(reply.status, 422);
    assert!(reply.body.contains("Enter a full URL"), "{}", reply.body);
    let url = env.receiver_url.clone();
    let reply = env.add(&url, &[]).await;
    assert_eq!(reply.status, 422);
    assert!(
        reply.body.contains("Choose at least one event."),
        "{}",
        reply.body
    );
    for _ in 0..5 {
        env.add_endpoint(&["lead.created"]).await;
    }
    let reply = env.add(&url, &["lead.created"]).await;
    assert_eq!(reply.status, 409);
    assert!(reply.body.contains("up to 5 endpoints"), "{}", reply.body);
    let reply = env
        .owner
        .call(
            "/api/app/integrations/webhooks/delete",
            &[("endpoint_id", "not-an-id")],
        )
        .await;
    assert_eq!(reply.status, 404);
    let reply = env
        .owner
        .call(
            "/api/app/integrations/webhooks/resend",
            &[("delivery_id", &uuid::Uuid::new_v4().to_string())],
        )
        .await;
    assert_eq!(reply.status, 404);
}

#[sqlx::test]
async fn another_business_cannot_touch_an_endpoint_and_agents_are_refused(pool: PgPool) {
    let mut env = Outbound::new(pool.clone()).await;
    let (endpoint, _) = env.add_endpoint(&["lead.created"]).await;
    let (mut stranger, _) = owner(&env.hooks.app, &pool, "stranger@example.com").await;
    let reply = stranger
        .call(
            "/api/app/integrations/webhooks/delete",
            &[("endpoint_id", &endpoint.to_string())],
        )
        .await;
    assert_eq!(reply.status, 404);
    let mut agent = crate::support::agent(
        &env.hooks.app,
        &pool,
        env.line.business_id,
        "agent@example.com",
    )
    .await;
    let reply = agent
        .call(
            "/api/app/integrations/webhooks/test",
            &[("endpoint_id", &endpoint.to_string())],
        )
        .await;
    assert_eq!(reply.status, 403);
    assert_eq!(
        count(&pool, "SELECT count(*) FROM webhook_endpoints").await,
        1
    );
}

#[sqlx::test]
async fn i8_production_refuses_private_addresses(pool: PgPool) {
    let state = state_with(
        pool.clone(),
        config_with(&production_overrides()),
        test_clock(),
    );
    let app = callbackcloser::server::router::router(state);
    let (mut owner, _) = owner(&app, &pool, "owner@example.com").await;
    owner.origin = "https://app.example.com".into();
    for (url, message) in [
        ("https://10.0.0.5/hook", "address not allowed"),
        ("https://localhost/hook", "address not allowed"),
        ("https://[fd00::1]/hook", "address not allowed"),
        ("http://93.184.215.14/hook", "Use an https:// URL."),
    ] {
        let reply = owner
            .call(
                "/api/app/integrations/webhooks/add",
                &[("url", url), ("event_lead_created", "on")],
            )
            .await;
        assert_eq!(reply.status, 422, "{url}: {}", reply.body);
        assert!(reply.body.contains(message), "{url}: {}", reply.body);
    }
    assert_eq!(
        count(&pool, "SELECT count(*) FROM webhook_endpoints").await,
        0
    );
}

#[sqlx::test]
async fn an_owner_reply_is_a_status_change_by_a_user_and_stop_is_a_message(pool: PgPool) {
    let mut env = Outbound::new(pool).await;
    env.add_endpoint(&["lead.status_changed", "message.received"])
        .await;
    missed_call(&env.hooks, "CA000000000000000000000000000003", CALLER).await;
    let lead = env.only_lead().await;
    let reply = env
        .owner
        .call(
            "/api/app/leads/reply",
            &[("lead_id", &lead), ("body", "On our way"), ("nonce", "n1")],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    text(
        &env.hooks,
        "SM00000000000000000000000000000009",
        CALLER,
        "STOP",
    )
    .await;
    run_jobs(&env.hooks).await;
    let mut events: Vec<serde_json::Value> =
        env.receiver.received().iter().map(|r| r.json()).collect();
    // Deliveries run concurrently: order them by type.
    events.sort_by_key(|event| event["type"].as_str().unwrap().to_owned());
    assert_eq!(events.len(), 2, "{events:?}");
    let (changed, message) = (&events[0], &events[1]);
    assert_eq!(changed["type"], "lead.status_changed");
    assert_eq!(changed["data"]["previous_status"], "NEW");
    assert_eq!(changed["data"]["changed_by"], "user");
    assert_eq!(changed["data"]["lead"]["status"], "CONTACTED");
    assert_eq!(message["type"], "message.received");
    assert_eq!(message["data"]["message"]["body"], "STOP");
    assert_eq!(message["data"]["lead"]["id"], lead);
}
