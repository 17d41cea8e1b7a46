//! Onboarding, `/buy` and page access by role (web.md §6.1, §2.1; billing.md §3).

use sqlx::PgPool;

use crate::support::{Visitor, agent, app, insert_number, onboarding_fields, owner, signed_up};

#[sqlx::test]
async fn onboarding_creates_the_business_with_its_owner(pool: PgPool) {
    let app = app(pool.clone());
    let mut visitor = signed_up(&app, "pat@example.com").await;
    let mut fields = onboarding_fields();
    fields.retain(|(k, _)| *k != "name");
    fields.push(("name", "Joe’s Plumbing – Austin"));
    let reply = visitor.call("/api/app/onboarding", &fields).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("location"), Some("/app/leads"));

    let row: (String, String, String, Option<String>, String, i32, String) = sqlx::query_as(
        "SELECT b.name, b.timezone, b.notify_phone, b.default_forwarding_number, b.service_label_1,
                b.default_ring_timeout_seconds, m.role
         FROM businesses b JOIN memberships m ON m.business_id = b.id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        row,
        (
            "Joe's Plumbing - Austin".into(),
            "America/Chicago".into(),
            "+15125550111".into(),
            Some("+15125550142".into()),
            "Repair".into(),
            20,
            "owner".into()
        )
    );
    let audit: String = sqlx::query_scalar("SELECT action FROM audit_log")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(audit, "business.created");

    assert_eq!(
        visitor.get("/app").await.header("location"),
        Some("/app/leads")
    );
    assert_eq!(
        visitor.get("/app/onboarding").await.header("location"),
        Some("/app/leads")
    );
    let leads = visitor.get("/app/leads").await;
    assert_eq!(leads.status, 200);
    assert!(
        leads.body.contains("Joe&#x27;s Plumbing - Austin")
            || leads.body.contains("Joe's Plumbing - Austin")
    );
    assert!(leads.body.contains("Getting started"));

    let again = visitor
        .call("/api/app/onboarding", &onboarding_fields())
        .await;
    assert_eq!(again.status, 409, "{}", again.body);
}

#[sqlx::test]
async fn onboarding_follows_a_safe_next(pool: PgPool) {
    let app = app(pool);
    let mut visitor = signed_up(&app, "pat@example.com").await;
    let mut fields = onboarding_fields();
    fields.push(("next", "/app/billing?plan=pro"));
    let reply = visitor.call("/api/app/onboarding", &fields).await;
    assert_eq!(reply.header("location"), Some("/app/billing?plan=pro"));
}

#[sqlx::test]
async fn onboarding_reports_every_field_problem(pool: PgPool) {
    let app = app(pool.clone());
    let mut visitor = signed_up(&app, "pat@example.com").await;
    let fields = [
        ("name", "A"),
        ("timezone", "Mars/Base"),
        ("notify_phone", "555-0100"),
        ("forwarding_phone", "(012) 345-6789"),
        ("service_label_1", ""),
        ("service_label_2", ""),
        ("service_label_3", "x"),
        ("ring_timeout", "3"),
    ];
    let reply = visitor.call("/api/app/onboarding", &fields).await;
    assert_eq!(reply.status, 422);
    let body: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    for field in [
        "name",
        "timezone",
        "notify_phone",
        "forwarding_phone",
        "service_label_1",
        "service_label_3",
        "ring_timeout",
    ] {
        assert!(body["errors"][field].is_string(), "{field}: {body}");
    }
    let businesses: i64 = sqlx::query_scalar("SELECT count(*) FROM businesses")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(businesses, 0);
}

/// W22: JavaScript off, the refused form comes back with its message and values; a session
/// that expired sends the browser to sign-in and back to the form.
#[sqlx::test]
async fn plain_onboarding_form_without_javascript(pool: PgPool) {
    let app = app(pool);
    let mut visitor = signed_up(&app, "pat@example.com").await;
    let mut fields = onboarding_fields();
    fields.retain(|(k, _)| *k != "name");
    fields.push(("name", ""));
    let reply = visitor
        .submit("/app/onboarding", "/api/app/onboarding", &fields)
        .await;
    assert_eq!(reply.status, 303);
    assert_eq!(reply.header("location"), Some("/app/onboarding"));
    let page = visitor.get("/app/onboarding").await;
    assert!(
        page.body
            .contains("Enter your business name (at least 2 characters)."),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("value=\"(512) 555-0111\""),
        "typed values are kept"
    );

    let mut expired = Visitor::new(app);
    let reply = expired
        .submit(
            "/app/onboarding",
            "/api/app/onboarding",
            &onboarding_fields(),
        )
        .await;
    assert_eq!(reply.status, 303);
    assert_eq!(
        reply.header("location"),
        Some("/sign-in?next=%2Fapp%2Fonboarding")
    );
}

/// W23: a notify or forwarding phone that is an active tracking number (any business) is refused.
#[sqlx::test]
async fn tracking_numbers_cannot_be_the_phones_that_ring(pool: PgPool) {
    let app = app(pool.clone());
    let (_, other_business) = owner(&app, &pool, "other@example.com").await;
    insert_number(&pool, other_business, "+15125550142", "active")
        .await
        .unwrap();
    let mut visitor = signed_up(&app, "pat@example.com").await;
    let reply = visitor
        .call("/api/app/onboarding", &onboarding_fields())
        .await;
    assert_eq!(reply.status, 422);
    assert_eq!(
        reply.body,
        r#"{"errors":{"forwarding_phone":"Use the phone that should ring, not a tracking number."}}"#
    );
}

/// B1–B3 and the signed-in-without-business case.
#[sqlx::test]
async fn buy_links_carry_the_plan_through_sign_up_and_onboarding(pool: PgPool) {
    let app = app(pool.clone());
    let mut visitor = Visitor::new(app.clone());
    let reply = visitor.get("/buy?plan=Pro%20").await;
    assert_eq!(
        (reply.status.as_u16(), reply.header("location")),
        (303, Some("/sign-up?next=%2Fbuy%3Fplan%3Dpro"))
    );

    let mut signed = signed_up(&app, "pat@example.com").await;
    let reply = signed.get("/buy?plan=starter").await;
    assert_eq!(
        reply.header("location"),
        Some("/app/onboarding?next=%2Fapp%2Fbilling%3Fplan%3Dstarter")
    );

    let (mut owner, _) = owner(&app, &pool, "sam@example.com").await;
    assert_eq!(
        owner.get("/buy?plan=gold").await.header("location"),
        Some("/app/billing")
    );
    assert_eq!(
        owner.get("/buy?plan=pro").await.header("location"),
        Some("/app/billing?plan=pro")
    );
}

/// W5: agents get the 403 page for owner pages; members without a business go to onboarding.
#[sqlx::test]
async fn owner_pages_are_forbidden_to_agents(pool: PgPool) {
    let app = app(pool.clone());
    let (_, business) = owner(&app, &pool, "owner@example.com").await;
    let mut agent = agent(&app, &pool, business, "agent@example.com").await;
    for page in [
        "/app/billing",
        "/app/settings",
        "/app/team",
        "/app/integrations",
    ] {
        let reply = agent.get(page).await;
        assert_eq!(reply.status, 403, "{page}");
        assert!(
            reply.body.contains("You don't have access to this page")
                || reply.body.contains("You don&#x27;t have access"),
            "{page}"
        );
    }
    assert_eq!(agent.get("/app/leads").await.status, 200);

    let mut newcomer = signed_up(&app, "new@example.com").await;
    assert_eq!(
        newcomer.get("/app/leads").await.header("location"),
        Some("/app/onboarding")
    );
    assert_eq!(newcomer.get("/app/account").await.status, 200);
}

#[sqlx::test]
async fn calls_cannot_be_forwarded_abroad(pool: PgPool) {
    let app = app(pool.clone());
    let mut visitor = signed_up(&app, "pat@example.com").await;
    let mut fields = onboarding_fields();
    fields.retain(|(k, _)| *k != "forwarding_phone");
    fields.push(("forwarding_phone", "+44 20 7946 0958"));
    let reply = visitor.call("/api/app/onboarding", &fields).await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert!(reply.body.contains("US or Canadian"), "{}", reply.body);
    let businesses: i64 = sqlx::query_scalar("SELECT count(*) FROM businesses")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(businesses, 0);
}

/// `SERVED_COUNTRIES` decides where calls may be forwarded: an operator serving the UK lists it,
/// and then a US phone is the one refused.
#[sqlx::test]
async fn the_served_countries_are_configurable(pool: PgPool) {
    let config = crate::support::config_with(&[("SERVED_COUNTRIES", "GB")]);
    let app = callbackcloser::server::router::router(crate::support::state_with(
        pool.clone(),
        config,
        crate::support::test_clock(),
    ));
    let mut us = signed_up(&app, "us@example.com").await;
    let refused = us.call("/api/app/onboarding", &onboarding_fields()).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains("a country this service covers"),
        "{}",
        refused.body
    );
    let mut uk = signed_up(&app, "uk@example.com").await;
    let mut fields = onboarding_fields();
    fields.retain(|(k, _)| !k.ends_with("_phone"));
    fields.push(("forwarding_phone", "+44 20 7946 0958"));
    fields.push(("notify_phone", "+44 20 7946 0959"));
    let accepted = uk.call("/api/app/onboarding", &fields).await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    let forwarding: Option<String> =
        sqlx::query_scalar("SELECT default_forwarding_number FROM businesses")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(forwarding.as_deref(), Some("+442079460958"));
}
