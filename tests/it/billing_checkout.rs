//! Checkout, the portal, the return from Checkout and the billing page (billing.md §3–§5, §7)
//! as a signed-in owner, against the stateful Stripe fake.

use callbackcloser::server::clock::Clock as _;
use sqlx::PgPool;
use uuid::Uuid;

use crate::{
    billing_support::*,
    support::{Visitor, agent, get, owner, signed_up},
    webhook_support::{alert_sink, count, wait_for_alerts},
};

async fn owner_of(b: &Billing, pool: &PgPool) -> (Visitor, Uuid) {
    let (mut visitor, business) = owner(&b.hooks.app, pool, "owner@example.com").await;
    visitor.origin = "https://app.example.com".into();
    (visitor, business)
}

async fn checkout(visitor: &mut Visitor, plan: &str, nonce: &str) -> crate::support::Reply {
    visitor
        .submit(
            "/app/billing",
            "/api/billing/checkout",
            &[("plan", plan), ("nonce", nonce)],
        )
        .await
}

fn location(reply: &crate::support::Reply) -> String {
    reply.header("location").unwrap_or_default().to_owned()
}

#[sqlx::test]
async fn checkout_creates_one_customer_and_a_subscription_session(pool: PgPool) {
    let b = billing(pool.clone(), &[]).await;
    let (mut visitor, business) = owner_of(&b, &pool).await;
    let reply = checkout(&mut visitor, "Starter", "nonce-aaaaaaaa").await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert!(
        location(&reply).contains("/checkout/cs_test_"),
        "{}",
        location(&reply)
    );
    let requests = b.fake.state().requests.clone();
    let paths: Vec<_> = requests.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["/v1/customers", "/v1/checkout/sessions"]);
    let customer = &requests[0];
    assert_eq!(
        customer.idempotency_key.as_deref(),
        Some(format!("customer-{business}").as_str())
    );
    let field = |r: &callbackcloser::server::simulators::stripe::Recorded, name: &str| {
        r.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(
        field(customer, "email").as_deref(),
        Some("owner@example.com")
    );
    assert_eq!(field(customer, "name").as_deref(), Some("Acme Plumbing"));
    assert_eq!(
        field(customer, "metadata[businessId]"),
        Some(business.to_string())
    );
    let session = &requests[1];
    assert_eq!(
        session.idempotency_key.as_deref(),
        Some(format!("checkout-{business}-nonce-aaaaaaaa").as_str())
    );
    for (name, value) in [
        ("mode", "subscription".to_owned()),
        ("client_reference_id", business.to_string()),
        ("line_items[0][price]", "price_starter".to_owned()),
        ("line_items[0][quantity]", "1".to_owned()),
        ("allow_promotion_codes", "true".to_owned()),
        ("metadata[businessId]", business.to_string()),
        (
            "subscription_data[metadata][businessId]",
            business.to_string(),
        ),
        (
            "success_url",
            "https://app.example.com/app/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}"
                .to_owned(),
        ),
        (
            "cancel_url",
            "https://app.example.com/app/billing?checkout=canceled".to_owned(),
        ),
    ] {
        assert_eq!(
            field(session, name).as_deref(),
            Some(value.as_str()),
            "{name}"
        );
    }
    let audit = count(
        &pool,
        "SELECT count(*) FROM audit_log WHERE action = 'billing.checkout_created'",
    )
    .await;
    assert_eq!(audit, 1);
}

#[sqlx::test]
async fn b4_two_concurrent_checkouts_share_one_customer(pool: PgPool) {
    let b = billing(pool.clone(), &[]).await;
    let (mut first, _) = owner_of(&b, &pool).await;
    let mut second = Visitor {
        app: first.app.clone(),
        cookie: first.cookie.clone(),
        flash_cookie: None,
        origin: first.origin.clone(),
    };
    let (one, two) = tokio::join!(
        checkout(&mut first, "starter", "nonce-11111111"),
        checkout(&mut second, "starter", "nonce-22222222"),
    );
    for reply in [&one, &two] {
        assert_eq!(reply.status, 303);
        assert!(location(reply).contains("/checkout/cs_test_"));
    }
    assert_eq!(b.fake.state().customers.len(), 1);
    let stored = count(
        &pool,
        "SELECT count(*) FROM businesses WHERE stripe_customer_id IS NOT NULL",
    )
    .await;
    assert_eq!(stored, 1);
}

#[sqlx::test]
async fn b5_a_live_subscription_goes_to_the_portal_instead(pool: PgPool) {
    let b = billing(pool.clone(), &[]).await;
    let (mut visitor, business) = owner_of(&b, &pool).await;
    checkout(&mut visitor, "starter", "nonce-aaaaaaaa").await;
    set_business(&pool, business, "subscription_status = 'ACTIVE'").await;
    b.fake.state().requests.clear();
    let reply = checkout(&mut visitor, "pro", "nonce-bbbbbbbb").await;
    assert_eq!(reply.status, 303);
    assert!(
        location(&reply).contains("/portal/bps_"),
        "{}",
        location(&reply)
    );
    let paths: Vec<_> = b
        .fake
        .state()
        .requests
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(paths, ["/v1/billing_portal/sessions"]);
    let portal = b.fake.state().portal_sessions[0].clone();
    assert_eq!(portal.1, "https://app.example.com/app/billing");
}

#[sqlx::test]
async fn refusals_and_redirects_of_checkout(pool: PgPool) {
    let b = billing(pool.clone(), &[]).await;
    // Signed out: 401 for the bundle, sign-in for a plain form.
    let mut stranger = Visitor::new(b.hooks.app.clone());
    stranger.origin = "https://app.example.com".into();
    let json = stranger
        .call("/api/billing/checkout", &[("plan", "pro"), ("nonce", "n")])
        .await;
    assert_eq!(json.status, 401);
    let form = checkout(&mut stranger, "pro", "n").await;
    assert_eq!(form.status, 303);
    assert!(location(&form).starts_with("/sign-in?next="));
    // No business yet.
    let mut newcomer = signed_up(&b.hooks.app, "new@example.com").await;
    newcomer.origin = "https://app.example.com".into();
    assert_eq!(
        location(&checkout(&mut newcomer, "pro", "n").await),
        "/app/onboarding"
    );
    // B6: an agent.
    let (mut visitor, business) = owner_of(&b, &pool).await;
    let mut helper = agent(&b.hooks.app, &pool, business, "agent@example.com").await;
    helper.origin = "https://app.example.com".into();
    let refused = helper
        .call("/api/billing/checkout", &[("plan", "pro"), ("nonce", "n")])
        .await;
    assert_eq!(refused.status, 403);
    let refused = helper.call("/api/billing/portal", &[]).await;
    assert_eq!(refused.status, 403);
    // Unknown plan; a client-supplied price id is not a plan.
    for plan in ["gold", "price_pro", ""] {
        assert_eq!(
            location(&checkout(&mut visitor, plan, "n").await),
            "/app/billing?error=plan_unavailable"
        );
    }
    assert!(b.fake.state().requests.is_empty());
}

#[sqlx::test]
async fn an_unset_price_makes_the_plan_unavailable(pool: PgPool) {
    let b = billing(pool.clone(), &[("STRIPE_PRICE_PRO", "")]).await;
    let (mut visitor, _) = owner_of(&b, &pool).await;
    assert_eq!(
        location(&checkout(&mut visitor, "pro", "n").await),
        "/app/billing?error=plan_unavailable"
    );
    let page = visitor.get("/app/billing").await;
    assert!(page.body.contains("Not available"));
}

#[sqlx::test]
async fn stripe_failures_send_the_owner_back_with_a_fixed_code(pool: PgPool) {
    let (sink, url) = alert_sink().await;
    let b = billing(pool.clone(), &[("ALERT_WEBHOOK_URL", &url)]).await;
    let (mut visitor, _) = owner_of(&b, &pool).await;
    b.fake.state().failures.extend([400]);
    let reply = checkout(&mut visitor, "starter", "nonce-aaaaaaaa").await;
    assert_eq!(location(&reply), "/app/billing?error=checkout_failed");
    assert_eq!(wait_for_alerts(&sink, 1).await, ["billing.checkout_failed"]);
    let page = visitor.get("/app/billing?error=checkout_failed").await;
    assert!(
        page.body
            .contains("We could not start checkout. Please try again.")
    );
    assert!(!page.body.contains("Scripted failure"));
    // 5xx is retried within the request (250 ms, 1 s): two failures then success.
    b.fake.state().failures.extend([503, 503]);
    let reply = checkout(&mut visitor, "starter", "nonce-bbbbbbbb").await;
    assert!(
        location(&reply).contains("/checkout/cs_test_"),
        "{}",
        location(&reply)
    );
}

#[sqlx::test]
async fn the_portal(pool: PgPool) {
    let b = billing(pool.clone(), &[]).await;
    let (mut visitor, business) = owner_of(&b, &pool).await;
    let none = visitor
        .submit("/app/billing", "/api/billing/portal", &[])
        .await;
    assert_eq!(location(&none), "/app/billing?error=no_customer");
    let page = visitor.get("/app/billing?error=no_customer").await;
    assert!(
        page.body
            .contains("No billing account yet. Choose a plan first.")
    );
    checkout(&mut visitor, "starter", "nonce-aaaaaaaa").await;
    let open = visitor
        .submit("/app/billing", "/api/billing/portal", &[])
        .await;
    assert!(location(&open).contains("/portal/bps_"));
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM audit_log WHERE action = 'billing.portal_opened'"
        )
        .await,
        1
    );
    b.fake.state().down = true;
    let failed = visitor
        .submit("/app/billing", "/api/billing/portal", &[])
        .await;
    assert_eq!(location(&failed), "/app/billing?error=portal_failed");
    let _ = business;
}

#[sqlx::test]
async fn checkout_and_portal_are_rate_limited_per_user(pool: PgPool) {
    let b = billing(pool.clone(), &[("RATE_LIMIT_PROTECTED_API_MAX", "10")]).await;
    let (mut visitor, _) = owner_of(&b, &pool).await;
    for _ in 0..10 {
        let reply = visitor.call("/api/billing/portal", &[]).await;
        assert_eq!(reply.status, 200);
    }
    let refused = visitor.call("/api/billing/portal", &[]).await;
    assert_eq!(refused.status, 429);
    assert!(refused.header("retry-after").is_some());
}

#[sqlx::test]
async fn the_return_from_checkout_applies_the_plan_at_once(pool: PgPool) {
    let b = billing(pool.clone(), &[]).await;
    let (mut visitor, business) = owner_of(&b, &pool).await;
    let reply = checkout(&mut visitor, "pro", "nonce-aaaaaaaa").await;
    let session = location(&reply).rsplit('/').next().unwrap().to_owned();
    // Before payment: still inactive, the page says so and refreshes.
    let waiting = visitor
        .get(&format!(
            "/app/billing?checkout=success&session_id={session}"
        ))
        .await;
    assert!(
        waiting
            .body
            .contains("Payment received - activating your plan.")
    );
    assert!(
        waiting.body.contains("http-equiv=\"refresh\""),
        "{}",
        waiting.body
    );
    b.fake.complete(&session).unwrap();
    let page = visitor
        .get(&format!(
            "/app/billing?checkout=success&session_id={session}"
        ))
        .await;
    assert_eq!(billing_state(&pool, business).await.0, "ACTIVE");
    assert!(page.body.contains("Your plan is active."), "{}", page.body);
    assert!(page.body.contains("Buy your tracking number"));
    assert!(page.body.contains("0/1000 used (1000 remaining)"));
    assert!(page.body.contains("Current plan"));
    assert!(!page.body.contains("http-equiv=\"refresh\""));
}

#[sqlx::test]
async fn b19_a_session_of_another_business_is_ignored(pool: PgPool) {
    let b = billing(pool.clone(), &[]).await;
    let (mut visitor, business) = owner_of(&b, &pool).await;
    let other = Uuid::new_v4();
    b.fake
        .insert_subscription(subscription("sub_X", other, "cus_X", "price_pro", "active"));
    {
        let mut state = b.fake.state();
        state
            .customers
            .insert("cus_X".into(), serde_json::json!({"id": "cus_X"}));
        state.sessions.insert(
            "cs_test_other".into(),
            callbackcloser::server::simulators::stripe::FakeSession {
                id: "cs_test_other".into(),
                customer: "cus_X".into(),
                price: "price_pro".into(),
                client_reference_id: Some(other.to_string()),
                business_id: Some(other.to_string()),
                success_url: String::new(),
                subscription: Some("sub_X".into()),
            },
        );
    }
    visitor
        .get("/app/billing?checkout=success&session_id=cs_test_other")
        .await;
    assert_eq!(
        billing_state(&pool, business).await,
        ("INACTIVE".into(), None, None)
    );
    let customer: Option<String> =
        sqlx::query_scalar("SELECT stripe_customer_id FROM businesses WHERE id = $1")
            .bind(business)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(customer, None);
}

#[sqlx::test]
async fn the_billing_page_shows_status_usage_and_the_selected_plan(pool: PgPool) {
    let b = billing(pool.clone(), &[]).await;
    let (mut visitor, business) = owner_of(&b, &pool).await;
    let page = visitor.get("/app/billing?plan=Pro").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Inactive"));
    assert!(page.body.contains("No plan"));
    assert!(
        page.body
            .contains("Automation is paused because billing is inactive.")
    );
    assert!(page.body.contains("Selected plan"));
    assert_eq!(page.body.matches(">Choose<").count(), 2, "{}", page.body);
    assert!(page.body.contains("autofocus"));
    assert!(!page.body.contains("Manage billing"));
    set_business(
        &pool,
        business,
        "subscription_status = 'ACTIVE', stripe_price_id = 'price_starter', stripe_customer_id = 'cus_1'",
    )
    .await;
    let (period, ..) =
        callbackcloser::server::billing::quota::month("America/Chicago", b.hooks.clock.now());
    sqlx::query(
        "INSERT INTO usage_counters (business_id, period, conversations_used) VALUES ($1, $2, 160)",
    )
    .bind(business)
    .bind(period)
    .execute(&pool)
    .await
    .unwrap();
    let page = visitor.get("/app/billing").await;
    assert!(page.body.contains("160/200 used (40 remaining)"));
    assert!(
        page.body
            .contains("You have used 160 of 200 conversations this month.")
    );
    assert!(page.body.contains("Manage billing"));
    let leads = visitor.get("/app/leads").await;
    assert!(
        leads
            .body
            .contains("You have used 160 of 200 conversations this month.")
    );
    assert!(
        !leads.body.contains("Automation is"),
        "plain \"active\" is not a banner"
    );
    set_business(&pool, business, "subscription_status = 'PAST_DUE'").await;
    let leads = visitor.get("/app/leads").await;
    assert!(
        leads
            .body
            .contains("Automation is paused because billing is inactive.")
    );
    let page = visitor.get("/app/billing").await;
    assert!(page.body.contains("Your last payment failed. Update your card in Manage billing; texting is paused until payment succeeds."));
    set_business(&pool, business, "subscription_status = 'CANCELED'").await;
    let page = visitor.get("/app/billing?checkout=canceled").await;
    assert!(
        page.body
            .contains("Your subscription is canceled; choose a plan to resume texting.")
    );
    assert!(
        page.body
            .contains("Checkout canceled. You can restart anytime.")
    );
}

#[sqlx::test]
async fn b18_the_owner_starts_a_flagged_lead_by_hand(pool: PgPool) {
    let b = billing(pool.clone(), &[]).await;
    let (mut visitor, business) = owner_of(&b, &pool).await;
    set_business(
        &pool,
        business,
        "subscription_status = 'ACTIVE', stripe_price_id = 'price_starter'",
    )
    .await;
    let number =
        crate::webhook_support::add_number(&pool, business, "+15125550199", "+15125550142").await;
    let lead: Uuid = sqlx::query_scalar(
        "INSERT INTO leads (business_id, phone_number_id, sending_number_id, caller_e164, source,
                            last_activity_at, billing_required, billing_block_reason)
         VALUES ($1, $2, $2, '+15125550100', 'call', now(), true, 'quota_reached') RETURNING id",
    )
    .bind(business)
    .bind(number)
    .fetch_one(&pool)
    .await
    .unwrap();
    let reply = visitor
        .call(
            "/api/app/leads/start-follow-up",
            &[("lead_id", &lead.to_string())],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let (required, reason): (bool, Option<String>) =
        sqlx::query_as("SELECT billing_required, billing_block_reason FROM leads WHERE id = $1")
            .bind(lead)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((required, reason), (false, None));
    let used: i32 = sqlx::query_scalar("SELECT conversations_used FROM usage_counters")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(used, 1);
}

#[sqlx::test]
async fn buy_links_land_where_each_visitor_belongs(pool: PgPool) {
    let b = billing(pool.clone(), &[]).await;
    // B1
    let signed_out = get(&b.hooks.app, "/buy?plan=Pro%20").await;
    assert_eq!(location(&signed_out), "/sign-up?next=%2Fbuy%3Fplan%3Dpro");
    // B2
    let mut newcomer = signed_up(&b.hooks.app, "new@example.com").await;
    let reply = newcomer.get("/buy?plan=starter").await;
    assert_eq!(
        location(&reply),
        "/app/onboarding?next=%2Fapp%2Fbilling%3Fplan%3Dstarter"
    );
    // B3
    let (mut visitor, _) = owner_of(&b, &pool).await;
    assert_eq!(
        location(&visitor.get("/buy?plan=gold").await),
        "/app/billing"
    );
    assert_eq!(
        location(&visitor.get("/buy?plan=pro").await),
        "/app/billing?plan=pro"
    );
}

#[sqlx::test]
async fn deleting_the_business_cancels_its_live_subscription(pool: PgPool) {
    let b = billing(pool.clone(), &[]).await;
    let (mut visitor, business) = owner_of(&b, &pool).await;
    b.fake.insert_subscription(subscription(
        "sub_A",
        business,
        "cus_A",
        "price_starter",
        "active",
    ));
    set_business(
        &pool,
        business,
        "subscription_status = 'ACTIVE', stripe_customer_id = 'cus_A', stripe_subscription_id = 'sub_A'",
    )
    .await;
    let reply = visitor
        .call(
            "/api/app/business/delete",
            &[("confirm_name", "Acme Plumbing")],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    // Stripe is down at first: the job retries, nothing is lost.
    b.fake.state().down = true;
    crate::webhook_support::run_jobs(&b.hooks).await;
    assert_eq!(b.fake.state().subscriptions["sub_A"].status, "active");
    b.fake.state().down = false;
    b.hooks.clock.advance(chrono::Duration::minutes(6));
    crate::webhook_support::run_jobs(&b.hooks).await;
    assert_eq!(b.fake.state().subscriptions["sub_A"].status, "canceled");
    assert_eq!(billing_state(&pool, business).await.0, "CANCELED");
    let cancels = b
        .fake
        .state()
        .requests
        .iter()
        .filter(|r| r.method == "DELETE" && r.path == "/v1/subscriptions/sub_A")
        .count();
    assert_eq!(cancels, 2, "one refused while down, one applied");
}
