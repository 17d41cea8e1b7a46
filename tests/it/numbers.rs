//! Tracking numbers through the real router against the stateful Twilio fake (twilio.md §10.3,
//! web.md §6.4): buy, settings, re-sync, detach, release, roles and tenant isolation.

use std::{collections::BTreeMap, sync::Mutex};

use sqlx::PgPool;
use uuid::Uuid;

use crate::support::{
    MESSAGING_SERVICE, Visitor, agent, buy_form_token, buyer as owner, with_twilio,
};

/// Submits the buy form. `("form", name)` names one rendered form: the same name in one
/// session resubmits that form's token (as a double click does), a new name renders a new one.
async fn buy(visitor: &mut Visitor, fields: &[(&str, &str)]) -> crate::support::Reply {
    let form = fields
        .iter()
        .find(|(k, _)| *k == "form")
        .map_or("form-1", |(_, v)| *v);
    let token = form_token(visitor, form).await;
    let mut all = vec![
        ("country", "US"),
        ("label", "Search ads"),
        ("nonce", token.as_str()),
    ];
    all.retain(|(k, _)| !fields.iter().any(|(f, _)| f == k));
    all.extend(fields.iter().copied().filter(|(k, _)| *k != "form"));
    visitor.call("/api/app/numbers/buy", &all).await
}

/// The token of the form `name` rendered once per session (tests run in parallel threads, so
/// the cache is keyed by the session cookie too).
async fn form_token(visitor: &mut Visitor, name: &str) -> String {
    static TOKENS: Mutex<BTreeMap<(String, String), String>> = Mutex::new(BTreeMap::new());
    let key = (visitor.cookie.clone().unwrap_or_default(), name.to_owned());
    if let Some(token) = TOKENS.lock().unwrap().get(&key) {
        return token.clone();
    }
    let token = buy_form_token(visitor).await;
    TOKENS.lock().unwrap().entry(key).or_insert(token).clone()
}

async fn active_numbers(pool: &PgPool, business: Uuid) -> Vec<(Uuid, String, String, String)> {
    sqlx::query_as(
        "SELECT id, e164, twilio_sid, label FROM phone_numbers WHERE business_id = $1 AND status = 'active' ORDER BY created_at",
    )
    .bind(business)
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn buying_a_number_points_it_at_the_app(pool: PgPool) {
    let env = with_twilio(pool.clone(), &[]).await;
    let (mut owner, business) = owner(&env.app, &pool, "owner@example.com").await;
    let reply = buy(&mut owner, &[("area_code", "737")]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("location"), Some("/app/numbers?done=bought"));

    let numbers = active_numbers(&pool, business).await;
    assert_eq!(numbers.len(), 1);
    let (_, e164, sid, label) = &numbers[0];
    assert!(e164.starts_with("+1737"), "{e164}");
    assert_eq!(label, "Search ads");
    {
        let fake = env.fake.state();
        let at_twilio = &fake.numbers[sid];
        assert_eq!(
            at_twilio.voice_url,
            "https://app.example.com/api/twilio/voice#rc=3&rp=all"
        );
        assert_eq!(
            at_twilio.sms_url,
            "https://app.example.com/api/twilio/sms#rc=3&rp=all"
        );
        assert_eq!(
            at_twilio.status_callback,
            "https://app.example.com/api/twilio/status?event=call#rc=3&rp=all"
        );
        assert_eq!(at_twilio.friendly_name, "Acme Plumbing - Search ads");
        assert!(
            fake.messaging_service.contains(sid),
            "added to {MESSAGING_SERVICE}"
        );
        let search = fake
            .requests
            .iter()
            .find(|r| r.path.contains("AvailablePhoneNumbers"))
            .unwrap();
        assert_eq!(
            search.path,
            format!(
                "/2010-04-01/Accounts/{}/AvailablePhoneNumbers/US/Local.json",
                crate::support::TWILIO_SID
            )
        );
        assert_eq!(
            search.query,
            "SmsEnabled=true&VoiceEnabled=true&PageSize=5&AreaCode=737"
        );
    }

    let audit: (String, String) = sqlx::query_as(
        "SELECT action, idempotency_key FROM audit_log WHERE action = 'number.purchased'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        audit.1.starts_with(&format!("buy_number:{business}:")),
        "{audit:?}"
    );
    let page = owner.get("/app/numbers?done=bought").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Your new number is ready."));
    assert!(
        page.body
            .contains("https://app.example.com/api/twilio/voice#rc=3&amp;rp=all"),
        "webhook URLs are shown"
    );
}

/// W25: Canada searches the CA list.
#[sqlx::test]
async fn canadian_numbers_come_from_the_canadian_list(pool: PgPool) {
    let env = with_twilio(pool.clone(), &[]).await;
    let (mut owner, _) = owner(&env.app, &pool, "owner@example.com").await;
    assert_eq!(buy(&mut owner, &[("country", "CA")]).await.status, 200);
    let fake = env.fake.state();
    assert!(
        fake.requests
            .iter()
            .any(|r| r.path.ends_with("/AvailablePhoneNumbers/CA/Local.json"))
    );
}

#[sqlx::test]
async fn a_second_submit_of_the_same_form_buys_nothing_more(pool: PgPool) {
    let env = with_twilio(pool.clone(), &[]).await;
    let (mut owner, business) = owner(&env.app, &pool, "owner@example.com").await;
    assert_eq!(buy(&mut owner, &[]).await.status, 200);
    assert_eq!(buy(&mut owner, &[]).await.status, 200);
    let mut second = Visitor::new(env.app.clone());
    second.cookie = owner.cookie.clone();
    let (a, b) = tokio::join!(
        buy(&mut owner, &[("form", "nonce-2")]),
        buy(&mut second, &[("form", "nonce-2")])
    );
    assert_eq!((a.status.as_u16(), b.status.as_u16()), (200, 200));
    assert_eq!(
        active_numbers(&pool, business).await.len(),
        2,
        "one purchase per nonce"
    );
    assert_eq!(env.fake.state().numbers.len(), 2);
}

/// Numbers cost money: only a token this server rendered for this business buys one, so a
/// script cannot mint a fresh "form" per request, nor replay another business's form.
#[sqlx::test]
async fn only_a_server_issued_form_token_of_this_business_buys_a_number(pool: PgPool) {
    let env = with_twilio(pool.clone(), &[]).await;
    let (mut owner, business) = owner(&env.app, &pool, "owner@example.com").await;
    let (mut other, _) = crate::support::buyer(&env.app, &pool, "other@example.com").await;
    let others_token = buy_form_token(&mut other).await;
    for token in ["nonce-made-up-by-a-script", "", others_token.as_str()] {
        let reply = owner
            .call(
                "/api/app/numbers/buy",
                &[("country", "US"), ("label", "Ads"), ("nonce", token)],
            )
            .await;
        assert_eq!(reply.status, 400, "{token}: {}", reply.body);
        assert!(
            reply.body.contains("This form has expired"),
            "{}",
            reply.body
        );
    }
    assert!(active_numbers(&pool, business).await.is_empty());
    assert!(
        env.fake.state().numbers.is_empty(),
        "Twilio was never asked"
    );
    // The page's own token buys, once.
    assert_eq!(buy(&mut owner, &[]).await.status, 200);
    assert_eq!(buy(&mut owner, &[]).await.status, 200);
    assert_eq!(active_numbers(&pool, business).await.len(), 1);
}

#[sqlx::test]
async fn a_number_taken_meanwhile_is_skipped_for_the_next_one(pool: PgPool) {
    let env = with_twilio(pool.clone(), &[]).await;
    {
        let mut fake = env.fake.state();
        fake.offered = Some(vec!["+15125551001".into(), "+15125551002".into()]);
        fake.unavailable.insert("+15125551001".into());
    }
    let (mut owner, business) = owner(&env.app, &pool, "owner@example.com").await;
    assert_eq!(buy(&mut owner, &[]).await.status, 200);
    assert_eq!(active_numbers(&pool, business).await[0].1, "+15125551002");
}

#[sqlx::test]
async fn no_available_numbers_is_explained_on_the_area_code(pool: PgPool) {
    let env = with_twilio(pool.clone(), &[]).await;
    env.fake.state().offered = Some(vec![]);
    let (mut owner, _) = owner(&env.app, &pool, "owner@example.com").await;
    let reply = buy(&mut owner, &[("area_code", "512")]).await;
    assert_eq!(reply.status, 422);
    assert_eq!(
        reply.body,
        r#"{"errors":{"area_code":"No local numbers available for area code 512. Try another area code or leave it empty."}}"#
    );
}

#[sqlx::test]
async fn twilio_failures_are_explained_and_nothing_is_stored(pool: PgPool) {
    let env = with_twilio(pool.clone(), &[]).await;
    let (mut owner, business) = owner(&env.app, &pool, "owner@example.com").await;
    env.fake.state().failures.push_back((503, 20500));
    let reply = buy(&mut owner, &[]).await;
    assert_eq!(reply.status, 409);
    assert!(
        reply
            .body
            .contains("Twilio could not search for numbers (error 20500)"),
        "{}",
        reply.body
    );
    assert!(active_numbers(&pool, business).await.is_empty());

    // Invalid input never reaches Twilio.
    let before = env.fake.state().requests.len();
    let reply = buy(
        &mut owner,
        &[
            ("area_code", "12"),
            ("forwarding_phone", "555-0100"),
            ("country", "MX"),
        ],
    )
    .await;
    assert_eq!(reply.status, 422);
    for field in ["area_code", "forwarding_phone", "country"] {
        assert!(reply.body.contains(field), "{field}: {}", reply.body);
    }
    assert_eq!(env.fake.state().requests.len(), before);
}

#[sqlx::test]
async fn agents_see_numbers_but_cannot_change_them(pool: PgPool) {
    let env = with_twilio(pool.clone(), &[]).await;
    let (mut owner, business) = owner(&env.app, &pool, "owner@example.com").await;
    buy(&mut owner, &[]).await;
    let number = active_numbers(&pool, business).await[0].0.to_string();
    let mut agent = agent(&env.app, &pool, business, "agent@example.com").await;
    let page = agent.get("/app/numbers").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Search ads"));
    assert!(!page.body.contains("Buy a number"), "read-only for agents");
    // Agents get no buy form (so no token); a post anyway is refused for the role.
    let refused = agent
        .call(
            "/api/app/numbers/buy",
            &[("country", "US"), ("label", "Ads"), ("nonce", "any")],
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    for (path, fields) in [
        ("/api/app/numbers/resync", vec![("id", number.as_str())]),
        ("/api/app/numbers/detach", vec![("id", number.as_str())]),
        (
            "/api/app/numbers/update",
            vec![
                ("id", number.as_str()),
                ("label", "x"),
                ("forwarding_number", "5125550142"),
            ],
        ),
    ] {
        assert_eq!(agent.call(path, &fields).await.status, 403, "{path}");
    }
}

fn settings<'a>(id: &'a str, forwarding: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("id", id),
        ("label", "Truck wrap"),
        ("forwarding_number", forwarding),
        ("caller_id_mode", "tracking_number"),
        ("ring_timeout", "25"),
        ("sms_automation", "on"),
        ("call_screening", "on"),
        ("recording_disclosure_text", ""),
        ("short_answer_threshold", "15"),
    ]
}

#[sqlx::test]
async fn number_settings_are_validated_saved_and_audited(pool: PgPool) {
    let env = with_twilio(pool.clone(), &[]).await;
    let (mut owner, business) = owner(&env.app, &pool, "owner@example.com").await;
    buy(&mut owner, &[]).await;
    buy(&mut owner, &[("form", "n2")]).await;
    let numbers = active_numbers(&pool, business).await;
    let (id, other_tracking) = (numbers[0].0.to_string(), numbers[1].1.clone());

    let reply = owner
        .call("/api/app/numbers/update", &settings(&id, "(512) 555-0177"))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let row: (String, String, String, Option<i32>, bool, bool, bool, Option<i32>) = sqlx::query_as(
        "SELECT label, forwarding_number, caller_id_mode, ring_timeout_seconds, sms_automation_enabled,
                call_screening_enabled, recording_enabled, short_answer_threshold_seconds FROM phone_numbers WHERE id = $1",
    )
    .bind(numbers[0].0)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        row,
        (
            "Truck wrap".into(),
            "+15125550177".into(),
            "tracking_number".into(),
            Some(25),
            true,
            true,
            false,
            Some(15)
        )
    );
    let changes: serde_json::Value =
        sqlx::query_scalar("SELECT changes FROM audit_log WHERE action = 'number.updated'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        changes["label"],
        serde_json::json!(["Search ads", "Truck wrap"])
    );
    assert!(
        changes.get("recording_enabled").is_none(),
        "unchanged fields are not listed"
    );

    // W23: forwarding to a tracking number is refused.
    let reply = owner
        .call("/api/app/numbers/update", &settings(&id, &other_tracking))
        .await;
    assert_eq!(reply.status, 422);
    assert_eq!(
        reply.body,
        r#"{"errors":{"forwarding_number":"Use the phone that should ring, not a tracking number."}}"#
    );
}

#[sqlx::test]
async fn resync_restores_the_urls_and_records_failures(pool: PgPool) {
    let env = with_twilio(pool.clone(), &[]).await;
    let (mut owner, business) = owner(&env.app, &pool, "owner@example.com").await;
    buy(&mut owner, &[]).await;
    let (id, _, sid, _) = active_numbers(&pool, business).await.remove(0);
    {
        let mut fake = env.fake.state();
        fake.numbers.get_mut(&sid).unwrap().voice_url = "https://elsewhere.example/voice".into();
        fake.messaging_service.clear();
    }
    let reply = owner
        .call("/api/app/numbers/resync", &[("id", &id.to_string())])
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    {
        let fake = env.fake.state();
        assert_eq!(
            fake.numbers[&sid].voice_url,
            "https://app.example.com/api/twilio/voice#rc=3&rp=all"
        );
        assert!(fake.messaging_service.contains(&sid));
    }
    env.fake.state().failures.push_back((500, 20500));
    let reply = owner.call("/api/app/numbers/resync-all", &[]).await;
    assert_eq!(reply.status, 409);
    let error: Option<String> =
        sqlx::query_scalar("SELECT webhook_sync_error FROM phone_numbers WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(error.unwrap().contains("error 20500"));
}

#[sqlx::test]
async fn detaching_moves_leads_to_the_replacement_and_release_stops_the_number(pool: PgPool) {
    let env = with_twilio(pool.clone(), &[]).await;
    let (mut owner, business) = owner(&env.app, &pool, "owner@example.com").await;
    buy(&mut owner, &[]).await;
    buy(&mut owner, &[("form", "n2")]).await;
    let numbers = active_numbers(&pool, business).await;
    let (old, old_sid, newer) = (numbers[0].0, numbers[0].2.clone(), numbers[1].0);
    let lead: Uuid = sqlx::query_scalar(
        "INSERT INTO leads (business_id, phone_number_id, sending_number_id, caller_e164, source, last_activity_at)
         VALUES ($1, $2, $2, '+15125550100', 'call', now()) RETURNING id",
    )
    .bind(business)
    .bind(old)
    .fetch_one(&pool)
    .await
    .unwrap();

    assert_eq!(
        owner
            .call("/api/app/numbers/release", &[("id", &old.to_string())])
            .await
            .status,
        409,
        "detach first"
    );
    let reply = owner
        .call("/api/app/numbers/detach", &[("id", &old.to_string())])
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let (status, replaced_by): (String, Option<Uuid>) =
        sqlx::query_as("SELECT status, replaced_by_number_id FROM phone_numbers WHERE id = $1")
            .bind(old)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        (status.as_str(), replaced_by),
        ("detached", Some(newer)),
        "the oldest other number by default"
    );
    let sending: Option<Uuid> =
        sqlx::query_scalar("SELECT sending_number_id FROM leads WHERE id = $1")
            .bind(lead)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(sending, Some(newer));
    assert!(
        owner
            .get("/app/numbers")
            .await
            .body
            .contains("Moved notice until")
    );

    let reply = owner
        .call("/api/app/numbers/release", &[("id", &old.to_string())])
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(!env.fake.state().numbers.contains_key(&old_sid));
    let status: String = sqlx::query_scalar("SELECT status FROM phone_numbers WHERE id = $1")
        .bind(old)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(status, "released");
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE target_id = $1 ORDER BY at")
            .bind(old.to_string())
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        actions,
        vec!["number.purchased", "number.detached", "number.released"]
    );
}

#[sqlx::test]
async fn detaching_without_a_replacement_leaves_leads_without_a_sender(pool: PgPool) {
    let env = with_twilio(pool.clone(), &[]).await;
    let (mut owner, business) = owner(&env.app, &pool, "owner@example.com").await;
    buy(&mut owner, &[]).await;
    let (id, _, sid, _) = active_numbers(&pool, business).await.remove(0);
    sqlx::query(
        "INSERT INTO leads (business_id, phone_number_id, sending_number_id, caller_e164, source, last_activity_at)
         VALUES ($1, $2, $2, '+15125550100', 'call', now())",
    )
    .bind(business)
    .bind(id)
    .execute(&pool)
    .await
    .unwrap();
    let reply = owner
        .call(
            "/api/app/numbers/detach",
            &[
                ("id", &id.to_string()),
                ("replacement", "none"),
                ("release_now", "on"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let sending: Option<Uuid> = sqlx::query_scalar("SELECT sending_number_id FROM leads")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(sending, None);
    let status: String = sqlx::query_scalar("SELECT status FROM phone_numbers")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(status, "released", "released in the same step");
    assert!(!env.fake.state().numbers.contains_key(&sid));
}

/// T37 and the other attach rules (operator `attach-number`).
#[sqlx::test]
async fn attaching_respects_activity_and_quarantine(pool: PgPool) {
    use callbackcloser::server::numbers::attach::{AttachRefused, attach};
    let env = with_twilio(pool.clone(), &[]).await;
    let (mut owner_a, business_a) = owner(&env.app, &pool, "a@example.com").await;
    let (_, business_b) = owner(&env.app, &pool, "b@example.com").await;
    buy(&mut owner_a, &[]).await;
    let (id, e164, _, _) = active_numbers(&pool, business_a).await.remove(0);

    let refused = attach(&env.state, business_b, &e164, None, None)
        .await
        .unwrap_err();
    assert!(matches!(refused, AttachRefused::AlreadyActive), "{refused}");

    owner_a
        .call(
            "/api/app/numbers/detach",
            &[("id", &id.to_string()), ("replacement", "none")],
        )
        .await;
    let refused = attach(&env.state, business_b, &e164, None, None)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, AttachRefused::Quarantined),
        "detached by A 0 days ago: {refused}"
    );

    // Business A may take its own number back at once.
    let back = attach(&env.state, business_a, &e164, Some("Back again"), None)
        .await
        .unwrap();
    let row: (String, String) =
        sqlx::query_as("SELECT label, status FROM phone_numbers WHERE id = $1")
            .bind(back)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(row, ("Back again".into(), "active".into()));
    let actor: String =
        sqlx::query_scalar("SELECT actor_type FROM audit_log WHERE action = 'number.attached'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(actor, "operator");

    let missing = attach(&env.state, business_b, "+15125559999", None, None)
        .await
        .unwrap_err();
    assert!(matches!(missing, AttachRefused::NotAtTwilio));
}

#[sqlx::test]
async fn rejected_platform_credentials_reach_the_operator_not_only_the_log(pool: PgPool) {
    let (sink, url) = crate::webhook_support::alert_sink().await;
    let env = with_twilio(pool.clone(), &[("ALERT_WEBHOOK_URL", &url)]).await;
    let (mut owner, _) = owner(&env.app, &pool, "owner@example.com").await;
    env.fake.state().failures.push_back((401, 20003));
    let reply = buy(&mut owner, &[]).await;
    assert_eq!(reply.status, 409);
    assert!(
        reply.body.contains("The operator has been alerted"),
        "{}",
        reply.body
    );
    let events = crate::webhook_support::wait_for_alerts(&sink, 1).await;
    assert_eq!(events, ["twilio.credentials_rejected"]);
}

#[sqlx::test]
async fn buying_needs_an_active_plan_and_reaches_no_twilio_without_one(pool: PgPool) {
    let env = with_twilio(pool.clone(), &[]).await;
    let (mut owner, business) = crate::support::owner(&env.app, &pool, "owner@example.com").await;
    let reply = buy(&mut owner, &[]).await;
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert!(
        reply.body.contains("needs an active plan"),
        "{}",
        reply.body
    );
    assert!(active_numbers(&pool, business).await.is_empty());
    assert!(env.fake.state().requests.is_empty(), "Twilio was not asked");
}

#[sqlx::test]
async fn numbers_are_capped_per_plan(pool: PgPool) {
    let env = with_twilio(pool.clone(), &[]).await;
    let (mut owner, business) = owner(&env.app, &pool, "owner@example.com").await;
    sqlx::query("UPDATE businesses SET stripe_price_id = 'price_starter' WHERE id = $1")
        .bind(business)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(buy(&mut owner, &[("form", "n-1")]).await.status, 200);
    let second = buy(&mut owner, &[("form", "n-2")]).await;
    assert_eq!(second.status, 409, "{}", second.body);
    assert!(
        second
            .body
            .contains("Your Starter plan includes 1 tracking number"),
        "{}",
        second.body
    );
    assert_eq!(active_numbers(&pool, business).await.len(), 1);
    // Pro holds five.
    sqlx::query("UPDATE businesses SET stripe_price_id = 'price_pro' WHERE id = $1")
        .bind(business)
        .execute(&pool)
        .await
        .unwrap();
    for n in 2..=5 {
        let reply = buy(&mut owner, &[("form", &format!("n-{n}"))]).await;
        assert_eq!(reply.status, 200, "{n}: {}", reply.body);
    }
    let sixth = buy(&mut owner, &[("form", "n-6")]).await;
    assert_eq!(sixth.status, 409, "{}", sixth.body);
    assert_eq!(active_numbers(&pool, business).await.len(), 5);
}

#[sqlx::test]
async fn purchases_are_rate_limited_per_business(pool: PgPool) {
    let env = with_twilio(pool.clone(), &[("PLAN_PRO_NUMBERS", "20")]).await;
    let (mut owner, business) = owner(&env.app, &pool, "owner@example.com").await;
    for n in 0..5 {
        let reply = buy(&mut owner, &[("form", &format!("n-{n}"))]).await;
        assert_eq!(reply.status, 200, "{n}: {}", reply.body);
    }
    let refused = buy(&mut owner, &[("form", "n-5")]).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert!(refused.header("retry-after").is_some());
    assert_eq!(active_numbers(&pool, business).await.len(), 5);
}

#[sqlx::test]
async fn slow_purchases_hold_no_database_connection_while_twilio_answers(pool: PgPool) {
    let env = with_twilio(pool.clone(), &[("TWILIO_VALIDATE_SIGNATURE", "true")]).await;
    let mut owners = Vec::new();
    for n in 0..10 {
        owners.push(owner(&env.app, &pool, &format!("owner{n}@example.com")).await);
    }
    // Another tenant's line, not in the cache yet.
    crate::support::insert_number(&pool, owners[0].1, "+15125550166", "active")
        .await
        .unwrap();
    // A stalled Twilio: every answer takes 3 s.
    env.fake.state().stall = Some(std::time::Duration::from_secs(3));
    let purchases = owners.iter_mut().map(|(owner, _)| buy(owner, &[]));
    let health = async {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let health = crate::support::get(&env.app, "/api/health").await;
        let voice = crate::support::send(
            &env.app,
            crate::webhook_support::signed_with(
                crate::support::TWILIO_TOKEN,
                "/api/twilio/voice",
                &crate::webhook_support::params(&[
                    ("AccountSid", crate::support::TWILIO_SID),
                    ("CallSid", "CAslow"),
                    ("From", "+15125550100"),
                    ("To", "+15125550166"),
                ]),
            ),
        )
        .await;
        (health.status.as_u16(), voice.body)
    };
    let (bought, (health, voice)) = tokio::join!(futures::future::join_all(purchases), health);
    assert_eq!(
        health, 200,
        "health answered while ten purchases waited on Twilio"
    );
    assert!(
        voice.contains("<Dial"),
        "the uncached line rang through: {voice}"
    );
    assert!(bought.iter().all(|reply| reply.status == 200));
}
