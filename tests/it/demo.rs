//! Demo mode (operations.md §3.3): the phone simulator drives the app through its real, signed
//! webhooks; the simulated Twilio reports delivery; `seed-demo` creates the demo business once.

use std::{net::SocketAddr, time::Duration};

use callbackcloser::server::{
    demo::{
        self,
        seed::{DEMO_EMAIL, DEMO_PASSWORD, seed_demo},
    },
    simulators::twilio::StatusCallbacks,
};
use sqlx::PgPool;

use crate::{
    support::{Desk, TWILIO_TOKEN, Visitor, app, desk_with},
    webhook_support::{run_jobs_of, until_count},
};

const CALLER: &str = "+15125550166";
const PRICES: [(&str, &str); 2] = [
    ("STRIPE_PRICE_STARTER", "price_starter"),
    ("STRIPE_PRICE_PRO", "price_pro"),
];
const ACTIVE: &str = "subscription_status = 'ACTIVE', stripe_price_id = 'price_pro'";

/// An owner on a demo-mode app that is served on a loopback port (where the simulator posts
/// its webhooks), with the simulated Twilio reporting delivery at once.
async fn demo_desk(pool: &PgPool) -> Desk {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let mut vars = vec![
        ("DEMO_MODE", "true"),
        ("TWILIO_VALIDATE_SIGNATURE", "true"),
        ("LEPTOS_SITE_ADDR", addr.as_str()),
    ];
    vars.extend(PRICES);
    let desk = desk_with(pool, &vars, ACTIVE).await;
    desk.env.fake.state().status_callbacks = Some(StatusCallbacks {
        poster: demo::webhook_poster(&desk.env.state.config, TWILIO_TOKEN),
        step: Duration::ZERO,
    });
    let app = desk.env.app.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    desk
}

async fn simulate(owner: &mut Visitor, endpoint: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let reply = owner
        .call(&format!("/api/app/simulator/{endpoint}"), fields)
        .await;
    (reply.status.as_u16(), reply.body)
}

async fn call_from(desk: &mut Desk, caller: &str, outcome: &str) -> (u16, String) {
    let number = desk.number.to_string();
    simulate(
        &mut desk.owner,
        "call",
        &[
            ("number_id", &number),
            ("caller", caller),
            ("outcome", outcome),
        ],
    )
    .await
}

async fn text_as_caller(desk: &mut Desk, body: &str) {
    let number = desk.number.to_string();
    let (status, answer) = simulate(
        &mut desk.owner,
        "text",
        &[("number_id", &number), ("caller", CALLER), ("body", body)],
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    run_jobs_of(&desk.env.state).await;
}

/// Waits until the simulated Twilio's callbacks have marked every text delivered.
async fn until_all_delivered(pool: &PgPool) {
    until_count(
        pool,
        "SELECT count(*) FROM messages WHERE direction = 'outbound' AND status <> 'delivered'",
        0,
    )
    .await;
}

#[sqlx::test]
async fn a_simulated_missed_call_runs_the_whole_qualification_through_the_real_webhooks(
    pool: PgPool,
) {
    let mut desk = demo_desk(&pool).await;
    let (status, body) = call_from(&mut desk, "(512) 555-0166", "no_answer").await;
    assert_eq!(status, 200, "{body}");
    let (outcome, reason): (String, Option<String>) =
        sqlx::query_as("SELECT outcome, missed_reason FROM calls WHERE from_e164 = $1")
            .bind(CALLER)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        (outcome.as_str(), reason.as_deref()),
        ("missed", Some("no_answer"))
    );
    run_jobs_of(&desk.env.state).await;
    let intro = desk
        .env
        .fake
        .state()
        .messages
        .iter()
        .find(|m| m.to == CALLER)
        .map(|m| m.body.clone())
        .expect("the caller was texted");
    assert!(intro.contains("Plumbing"), "{intro}");

    for answer in ["1", "2", "78701", "1", "Pat Morgan"] {
        text_as_caller(&mut desk, answer).await;
    }
    let (status, state, name): (String, String, Option<String>) = sqlx::query_as(
        "SELECT status, conversation_state, contact_name FROM leads WHERE caller_e164 = $1",
    )
    .bind(CALLER)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (status.as_str(), state.as_str(), name.as_deref()),
        ("QUALIFIED", "COMPLETED", Some("Pat Morgan"))
    );
    until_all_delivered(&pool).await;

    let number = desk.number.to_string();
    let page = desk
        .owner
        .get(&format!(
            "/app/simulator?number={number}&caller=%2B15125550166"
        ))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&intro), "the phone shows the intro");
    assert!(page.body.contains("Pat Morgan"));
    assert!(page.body.contains("Delivered"));
    assert!(
        page.body.contains("data-sim-alert"),
        "the owner's alert is beside the phone"
    );
}

#[sqlx::test]
async fn each_outcome_is_decided_by_the_missed_call_rule(pool: PgPool) {
    let mut desk = demo_desk(&pool).await;
    sqlx::query("UPDATE phone_numbers SET short_answer_threshold_seconds = 10")
        .execute(&pool)
        .await
        .unwrap();
    // One caller per outcome: the manual clock gives every call the same timestamp.
    let expected = [
        ("+15125550161", "answered", "answered", None),
        ("+15125550162", "busy", "missed", Some("busy")),
        ("+15125550163", "voicemail", "missed", Some("short_answer")),
        // Decided by `finalize_call` 15 s after the call ends.
        ("+15125550164", "caller_hung_up", "pending", None),
    ];
    for (caller, outcome, stored, reason) in expected {
        let (status, body) = call_from(&mut desk, caller, outcome).await;
        assert_eq!(status, 200, "{outcome}: {body}");
        let (got, got_reason): (String, Option<String>) =
            sqlx::query_as("SELECT outcome, missed_reason FROM calls WHERE from_e164 = $1")
                .bind(caller)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(
            (got.as_str(), got_reason.as_deref()),
            (stored, reason),
            "{outcome}"
        );
    }
}

#[sqlx::test]
async fn bad_simulator_input_is_refused_with_a_clear_4xx_and_records_nothing(pool: PgPool) {
    let mut desk = demo_desk(&pool).await;
    let number = desk.number.to_string();
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
    let cases: [Case; 5] = [
        (
            "call",
            vec![
                ("number_id", &number),
                ("caller", CALLER),
                ("outcome", "explode"),
            ],
            "Choose how the call ends",
        ),
        (
            "call",
            vec![
                ("number_id", "not-a-number"),
                ("caller", CALLER),
                ("outcome", "busy"),
            ],
            "tracking numbers",
        ),
        (
            "call",
            vec![
                ("number_id", &number),
                ("caller", "call me"),
                ("outcome", "busy"),
            ],
            "caller's phone",
        ),
        (
            "call",
            vec![
                ("number_id", &number),
                ("caller", "+15125550199"),
                ("outcome", "busy"),
            ],
            "cannot be the tracking number",
        ),
        (
            "text",
            vec![("number_id", &number), ("caller", CALLER), ("body", "   ")],
            "Type a message",
        ),
    ];
    for (endpoint, fields, message) in cases {
        let (status, body) = simulate(&mut desk.owner, endpoint, &fields).await;
        assert_eq!(status, 422, "{endpoint} {fields:?}: {body}");
        assert!(body.contains(message), "{body}");
    }
    let other = other_business_number(&pool).await;
    let (status, _) = simulate(
        &mut desk.owner,
        "call",
        &[
            ("number_id", &other),
            ("caller", CALLER),
            ("outcome", "busy"),
        ],
    )
    .await;
    assert_eq!(status, 422, "another business's number is not offered");
    let calls: i64 = sqlx::query_scalar("SELECT count(*) FROM calls")
        .fetch_one(&pool)
        .await
        .unwrap();
    let messages: i64 = sqlx::query_scalar("SELECT count(*) FROM messages")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!((calls, messages), (0, 0));
}

async fn other_business_number(pool: &PgPool) -> String {
    let business = crate::support::insert_business(pool, "Other Co").await;
    crate::support::insert_number(pool, business, "+15125550188", "active")
        .await
        .unwrap()
        .to_string()
}

#[sqlx::test]
async fn the_simulator_does_not_exist_outside_demo_mode(pool: PgPool) {
    let mut desk = desk_with(&pool, &PRICES, ACTIVE).await;
    assert_eq!(desk.owner.get("/app/simulator").await.status, 404);
    let number = desk.number.to_string();
    let (status, _) = simulate(
        &mut desk.owner,
        "call",
        &[
            ("number_id", &number),
            ("caller", CALLER),
            ("outcome", "no_answer"),
        ],
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = simulate(
        &mut desk.owner,
        "text",
        &[("number_id", &number), ("caller", CALLER), ("body", "hi")],
    )
    .await;
    assert_eq!(status, 404);
    let calls: i64 = sqlx::query_scalar("SELECT count(*) FROM calls")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(calls, 0);
}

#[sqlx::test]
async fn the_simulator_is_for_signed_in_members(pool: PgPool) {
    let desk = demo_desk(&pool).await;
    let mut stranger = Visitor::new(desk.env.app.clone());
    let page = stranger.get("/app/simulator").await;
    assert!(page.status.is_redirection(), "{}", page.status);
    assert!(
        page.header("location")
            .unwrap_or_default()
            .starts_with("/sign-in")
    );
    let (status, _) = simulate(
        &mut stranger,
        "call",
        &[
            ("number_id", &desk.number.to_string()),
            ("caller", CALLER),
            ("outcome", "busy"),
        ],
    )
    .await;
    assert_eq!(status, 401);
}

#[sqlx::test]
async fn seed_demo_creates_the_demo_business_once_and_its_owner_can_sign_in(pool: PgPool) {
    let now = chrono::Utc::now();
    let first = seed_demo(&pool, now, "price_pro").await.unwrap();
    let second = seed_demo(&pool, now, "price_pro").await.unwrap();
    assert!(first.created && !second.created);
    assert_eq!(first.business_id, second.business_id);
    let (status, numbers, calls, leads, completed): (String, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT b.subscription_status,
                (SELECT count(*) FROM phone_numbers WHERE business_id = b.id AND status = 'active'),
                (SELECT count(*) FROM calls WHERE business_id = b.id),
                (SELECT count(*) FROM leads WHERE business_id = b.id),
                (SELECT count(*) FROM leads WHERE business_id = b.id AND conversation_state = 'COMPLETED')
         FROM businesses b WHERE b.name = 'Demo Heating & Plumbing'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((status.as_str(), numbers), ("ACTIVE", 2));
    assert!(
        calls >= 60 && leads >= 30 && completed > 0,
        "{calls} calls, {leads} leads"
    );
    let oldest: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT min(created_at) FROM calls")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(
        now - oldest > chrono::Duration::days(25),
        "about 30 days of history"
    );
    let linked: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM leads l WHERE NOT EXISTS (SELECT 1 FROM lead_calls c WHERE c.lead_id = l.id)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(linked, 0, "every lead has its call");

    let app = app(pool.clone());
    let mut visitor = Visitor::new(app);
    let reply = visitor
        .call(
            "/api/auth/sign-in",
            &[("email", DEMO_EMAIL), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let leads_page = visitor.get("/app/leads").await;
    assert_eq!(leads_page.status, 200);
    assert!(leads_page.body.contains("Demo Heating &amp; Plumbing"));
}

/// Checkout and the portal are the Stripe simulator's own pages: the billing forms' redirect
/// there must pass the pages' CSP `form-action`, or "Activate plan (demo)" silently does nothing.
#[sqlx::test]
async fn the_billing_forms_may_redirect_to_the_demo_stripe_simulator(pool: PgPool) {
    let mut config = crate::support::config_with(&[("DEMO_MODE", "true")]);
    let _simulators = demo::start_simulators(&mut config).await;
    let simulator = config.stripe.api_base.trim_end_matches('/').to_owned();
    assert!(simulator.starts_with("http://127.0.0.1:"), "{simulator}");
    let app = callbackcloser::server::router::router(crate::support::state_with(
        pool,
        config,
        crate::support::test_clock(),
    ));
    let page = crate::support::get(&app, "/sign-in").await;
    let policy = page.header("content-security-policy").unwrap_or_default();
    let form_action = policy
        .split(';')
        .find(|directive| directive.trim_start().starts_with("form-action"))
        .unwrap_or_default();
    assert!(form_action.contains(&simulator), "{policy}");
}
