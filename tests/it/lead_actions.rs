//! The dashboard's lead mutations (conversation.md §3.4, §9; web.md §2.3) through the real
//! router as a signed-in owner or agent: replies, takeover, pause/resume, manual opt-out, and
//! follow-ups, with the refusals they owe.

use callbackcloser::server::outbox::{self, OutboundText};
use sqlx::PgPool;
use uuid::Uuid;

use crate::{
    support::{Desk, agent, desk_with},
    webhook_support::run_jobs_of,
};

const CALLER: &str = "+15125550100";
const TRACKING: &str = "+15125550199";

async fn desk(pool: &PgPool) -> Desk {
    desk_with(
        pool,
        &[
            ("STRIPE_PRICE_STARTER", "price_starter"),
            ("STRIPE_PRICE_PRO", "price_pro"),
        ],
        "subscription_status = 'ACTIVE', stripe_price_id = 'price_starter'",
    )
    .await
}

async fn lead(pool: &PgPool, desk: &Desk, set: &str) -> Uuid {
    let id = desk.lead_from(pool, CALLER).await;
    if !set.is_empty() {
        sqlx::query(&format!("UPDATE leads SET {set} WHERE id = $1"))
            .bind(id)
            .execute(pool)
            .await
            .unwrap();
    }
    id
}

async fn field(pool: &PgPool, lead: Uuid, column: &str) -> Option<String> {
    sqlx::query_scalar(&format!("SELECT {column}::text FROM leads WHERE id = $1"))
        .bind(lead)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn replies(pool: &PgPool) -> Vec<(String, Option<Uuid>)> {
    sqlx::query_as(
        "SELECT body, sent_by_user_id FROM messages WHERE kind = 'owner_reply' ORDER BY created_at, id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn run_jobs(desk: &Desk) {
    run_jobs_of(&desk.env.state).await;
}

#[sqlx::test]
async fn c66_the_first_reply_carries_the_stop_line_and_the_owner_takes_over(pool: PgPool) {
    let mut desk = desk(&pool).await;
    let lead = lead(&pool, &desk, "status = 'QUALIFIED'").await;
    let id = lead.to_string();
    let reply = desk
        .owner
        .call(
            "/api/app/leads/reply",
            &[("lead_id", &id), ("body", " On our way "), ("nonce", "n1")],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    // A double tap sends once (W16).
    desk.owner
        .call(
            "/api/app/leads/reply",
            &[("lead_id", &id), ("body", "On our way"), ("nonce", "n1")],
        )
        .await;
    desk.owner
        .call(
            "/api/app/leads/reply",
            &[("lead_id", &id), ("body", "Be there at 3"), ("nonce", "n2")],
        )
        .await;
    let sent = replies(&pool).await;
    let mut bodies: Vec<&str> = sent.iter().map(|(body, _)| body.as_str()).collect();
    bodies.sort_unstable();
    assert_eq!(
        bodies,
        ["Be there at 3", "On our way Reply STOP to opt out."]
    );
    assert!(
        sent.iter().all(|(_, user)| user.is_some()),
        "the sender is recorded"
    );
    assert_eq!(
        field(&pool, lead, "automation_pause_reason")
            .await
            .as_deref(),
        Some("owner_takeover")
    );
    assert_eq!(
        field(&pool, lead, "status").await.as_deref(),
        Some("CONTACTED")
    );
    assert!(
        field(&pool, lead, "first_owner_response_at")
            .await
            .is_some()
    );
    run_jobs(&desk).await;
    let at_twilio = desk.env.fake.state().messages.clone();
    assert_eq!(at_twilio.len(), 2);
    assert_eq!(at_twilio[0].from, TRACKING);
}

#[sqlx::test]
async fn c68_a_prompt_queued_before_the_reply_is_suppressed(pool: PgPool) {
    let mut desk = desk(&pool).await;
    let lead = lead(&pool, &desk, "conversation_state = 'AWAITING_URGENCY'").await;
    let mut conn = pool.acquire().await.unwrap();
    outbox::queue_text(
        &mut conn,
        &OutboundText {
            business_id: desk.business,
            lead_id: Some(lead),
            phone_number_id: Some(desk.number),
            from_e164: Some(TRACKING),
            to_e164: CALLER,
            participant: "lead",
            kind: "prompt",
            body: "Got it. How urgent is it? Reply 1 Emergency, 2 Today, 3 This week, 4 Quote."
                .into(),
            idempotency_key: format!("lead:{lead}:reply:SM1"),
            correlation_id: None,
        },
        desk.env.state.clock.now(),
    )
    .await
    .unwrap();
    drop(conn);
    let reply = desk
        .owner
        .call(
            "/api/app/leads/reply",
            &[
                ("lead_id", &lead.to_string()),
                ("body", "Calling you now"),
                ("nonce", "n1"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    run_jobs(&desk).await;
    let prompt: (String, Option<String>) =
        sqlx::query_as("SELECT status, suppression_reason FROM messages WHERE kind = 'prompt'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        prompt,
        ("suppressed".into(), Some("automation_paused".into()))
    );
    let at_twilio = desk.env.fake.state().messages.clone();
    assert_eq!(at_twilio.len(), 1);
    // The queued prompt counted as an earlier text when the reply was written (§9.1).
    assert_eq!(at_twilio[0].body, "Calling you now");
}

#[sqlx::test]
async fn replies_are_refused_with_the_reason(pool: PgPool) {
    let mut desk = desk(&pool).await;
    let lead = lead(&pool, &desk, "").await.to_string();
    let empty = desk
        .owner
        .call(
            "/api/app/leads/reply",
            &[("lead_id", &lead), ("body", "  "), ("nonce", "a")],
        )
        .await;
    assert_eq!(empty.status, 422, "{}", empty.body);
    let long = "x".repeat(1601);
    let too_long = desk
        .owner
        .call(
            "/api/app/leads/reply",
            &[("lead_id", &lead), ("body", &long), ("nonce", "b")],
        )
        .await;
    assert_eq!(too_long.status, 422);
    let cases = [
        (
            "UPDATE leads SET unreachable_code = '30006'",
            "cannot receive texts",
        ),
        (
            "INSERT INTO sms_consent (business_id, phone_e164, opted_out) SELECT id, '+15125550100', true FROM businesses",
            "opted out",
        ),
        (
            "UPDATE businesses SET subscription_status = 'PAST_DUE'",
            "billing is inactive",
        ),
    ];
    for (n, (change, reason)) in cases.iter().enumerate() {
        sqlx::query(change).execute(&pool).await.unwrap();
        let refused = desk
            .owner
            .call(
                "/api/app/leads/reply",
                &[
                    ("lead_id", &lead),
                    ("body", "hi"),
                    ("nonce", &format!("c{n}")),
                ],
            )
            .await;
        assert_eq!(refused.status, 409, "{change}: {}", refused.body);
        assert!(refused.body.contains(reason), "{}", refused.body);
    }
    assert!(replies(&pool).await.is_empty());
}

#[sqlx::test]
async fn c67_pause_resume_and_mark_opted_out_are_audited(pool: PgPool) {
    let mut desk = desk(&pool).await;
    let lead = lead(
        &pool,
        &desk,
        "conversation_state = 'AWAITING_ZIP', invalid_attempts = 2",
    )
    .await;
    let id = lead.to_string();
    let mut agent = agent(&desk.env.app, &pool, desk.business, "agent@example.com").await;
    agent.origin = "https://app.example.com".into();
    let paused = agent
        .call(
            "/api/app/leads/automation",
            &[("lead_id", &id), ("action", "pause")],
        )
        .await;
    assert_eq!(paused.status, 200, "{}", paused.body);
    assert_eq!(
        field(&pool, lead, "automation_pause_reason")
            .await
            .as_deref(),
        Some("manual")
    );
    desk.owner
        .call(
            "/api/app/leads/automation",
            &[("lead_id", &id), ("action", "resume")],
        )
        .await;
    assert_eq!(
        field(&pool, lead, "automation_paused").await.as_deref(),
        Some("false")
    );
    assert_eq!(
        field(&pool, lead, "invalid_attempts").await.as_deref(),
        Some("0")
    );
    let marked = desk
        .owner
        .call("/api/app/leads/mark-opted-out", &[("lead_id", &id)])
        .await;
    assert_eq!(marked.status, 200, "{}", marked.body);
    let keyword: String = sqlx::query_scalar(
        "SELECT last_keyword FROM sms_consent WHERE opted_out AND phone_e164 = $1",
    )
    .bind(CALLER)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(keyword, "MANUAL");
    let actions: Vec<(String, Option<Uuid>)> = sqlx::query_as(
        "SELECT action, actor_user_id FROM audit_log WHERE target_type = 'lead' ORDER BY at, id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    // All three happen at the same test-clock instant, so compare them as a set.
    let mut names: Vec<&str> = actions.iter().map(|(a, _)| a.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "lead.automation_paused",
            "lead.automation_resumed",
            "lead.marked_opted_out"
        ]
    );
    assert!(actions.iter().all(|(_, user)| user.is_some()));
    let texts: i64 = sqlx::query_scalar("SELECT count(*) FROM messages")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(texts, 0, "no confirmation text for a manual opt-out");
    let bad = desk
        .owner
        .call(
            "/api/app/leads/automation",
            &[("lead_id", &id), ("action", "explode")],
        )
        .await;
    assert_eq!(bad.status, 422);
}

#[sqlx::test]
async fn c43_c69_start_follow_up(pool: PgPool) {
    let mut desk = desk(&pool).await;
    // C43: not started and opted out: refused, nothing changes.
    let blocked = lead(&pool, &desk, "").await;
    sqlx::query(
        "INSERT INTO sms_consent (business_id, phone_e164, opted_out) VALUES ($1, $2, true)",
    )
    .bind(desk.business)
    .bind(CALLER)
    .execute(&pool)
    .await
    .unwrap();
    let refused = desk
        .owner
        .call(
            "/api/app/leads/start-follow-up",
            &[("lead_id", &blocked.to_string())],
        )
        .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body.contains("opted out"), "{}", refused.body);
    assert_eq!(
        field(&pool, blocked, "conversation_state").await.as_deref(),
        Some("NOT_STARTED")
    );
    sqlx::query("DELETE FROM sms_consent")
        .execute(&pool)
        .await
        .unwrap();
    // A not-started lead starts with the owner-started intro (even with texting off).
    sqlx::query("UPDATE phone_numbers SET sms_automation_enabled = false")
        .execute(&pool)
        .await
        .unwrap();
    let started = desk
        .owner
        .call(
            "/api/app/leads/start-follow-up",
            &[("lead_id", &blocked.to_string())],
        )
        .await;
    assert_eq!(started.status, 200, "{}", started.body);
    assert_eq!(
        field(&pool, blocked, "conversation_state").await.as_deref(),
        Some("AWAITING_SERVICE")
    );
    // C69: a booked lead gets a new lead; the old one is unchanged.
    sqlx::query("UPDATE leads SET status = 'BOOKED' WHERE id = $1")
        .bind(blocked)
        .execute(&pool)
        .await
        .unwrap();
    let again = desk
        .owner
        .call(
            "/api/app/leads/start-follow-up",
            &[("lead_id", &blocked.to_string())],
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.body);
    let leads: Vec<(Uuid, String, String)> =
        sqlx::query_as("SELECT id, status, conversation_state FROM leads ORDER BY created_at, id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(leads.len(), 2);
    let new = leads.iter().find(|(id, _, _)| *id != blocked).unwrap();
    assert_eq!(
        (new.1.as_str(), new.2.as_str()),
        ("NEW", "AWAITING_SERVICE")
    );
    let intros: Vec<String> = sqlx::query_scalar(
        "SELECT body FROM messages WHERE kind = 'intro' ORDER BY created_at, id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(intros.len(), 2);
    assert!(intros.iter().all(|body| body.starts_with(
        "Hi, this is Acme Plumbing following up on your recent call. What can we help with?"
    )));
    let used: i32 = sqlx::query_scalar("SELECT conversations_used FROM usage_counters")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(used, 2);
    // An already started lead is refused.
    let twice = desk
        .owner
        .call(
            "/api/app/leads/start-follow-up",
            &[("lead_id", &new.0.to_string())],
        )
        .await;
    assert_eq!(twice.status, 409);
}

#[sqlx::test]
async fn start_follow_up_twice_on_a_booked_lead_starts_one_lead_and_lands_on_it(pool: PgPool) {
    let mut desk = desk(&pool).await;
    let booked = lead(&pool, &desk, "status = 'BOOKED'").await;
    let form = [("lead_id", booked.to_string()), ("nonce", "n-1".to_owned())];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = format!("/app/leads/{booked}");
    // A double click: the same form (same nonce) arrives twice, without JavaScript.
    let first = desk
        .owner
        .submit(&page, "/api/app/leads/start-follow-up", &form)
        .await;
    let second = desk
        .owner
        .submit(&page, "/api/app/leads/start-follow-up", &form)
        .await;
    let started: Vec<Uuid> =
        sqlx::query_scalar("SELECT id FROM leads WHERE id <> $1 ORDER BY created_at, id")
            .bind(booked)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(started.len(), 1, "one new lead");
    let landing = format!("/app/leads/{}", started[0]);
    for reply in [&first, &second] {
        assert_eq!(reply.status, 303, "{}", reply.body);
        assert_eq!(reply.header("location"), Some(landing.as_str()));
    }
    // Another click from a stale page (a new nonce) is refused: the caller has an open lead.
    let stale = desk
        .owner
        .call(
            "/api/app/leads/start-follow-up",
            &[("lead_id", &booked.to_string()), ("nonce", "n-2")],
        )
        .await;
    assert_eq!(stale.status, 409, "{}", stale.body);
    assert!(
        stale.body.contains("already has an open lead"),
        "{}",
        stale.body
    );
    assert_eq!(
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM messages WHERE kind = 'intro'")
            .fetch_one(&pool)
            .await
            .unwrap(),
        1,
        "one intro"
    );
    let used: i32 = sqlx::query_scalar("SELECT conversations_used FROM usage_counters")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(used, 1, "one conversation counted");
}

#[sqlx::test]
async fn a_reply_with_a_nul_byte_is_a_clear_400_and_sends_nothing(pool: PgPool) {
    let mut desk = desk(&pool).await;
    let lead = lead(&pool, &desk, "").await;
    let reply = desk
        .owner
        .call(
            "/api/app/leads/reply",
            &[
                ("lead_id", &lead.to_string()),
                ("body", "On our way\0"),
                ("nonce", "n-1"),
            ],
        )
        .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(reply.body.contains("cannot be saved"), "{}", reply.body);
    assert!(replies(&pool).await.is_empty());
}

#[sqlx::test]
async fn c56_the_leads_page_shows_the_texting_banners(pool: PgPool) {
    let mut desk = desk(&pool).await;
    let page = desk.owner.get("/app/leads").await;
    assert_eq!(page.status, 200);
    assert!(
        !page.body.contains("notify phone"),
        "no banner when healthy"
    );
    sqlx::query(
        "INSERT INTO sms_consent (business_id, phone_e164, opted_out, last_keyword)
         VALUES ($1, '+15125550111', true, 'STOP')",
    )
    .bind(desk.business)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("UPDATE businesses SET notify_failure_code = '30006'")
        .execute(&pool)
        .await
        .unwrap();
    let page = desk.owner.get("/app/leads").await;
    assert!(
        page.body.contains(
            "Your notify phone has opted out of texts from (512) 555-0199. Text START to (512) 555-0199 to receive alerts again."
        ),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("Alerts to your notify phone are failing (30006).")
    );
}
