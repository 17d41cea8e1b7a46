//! Business settings and deletion (web.md §6.5, data-model.md §7.1).

use chrono::Duration;
use sqlx::PgPool;
use uuid::Uuid;

use callbackcloser::server::{
    jobs::{Worker, WorkerOptions, maintenance},
    serve::job_registry,
};

use crate::support::{agent, app, insert_number, onboarding_fields, owner, with_twilio};

fn settings_fields() -> Vec<(&'static str, &'static str)> {
    let mut fields = onboarding_fields();
    fields.retain(|(k, _)| !matches!(*k, "name" | "timezone"));
    fields.extend([
        ("name", "Joe’s Plumbing – Austin"),
        ("timezone", "Pacific/Honolulu"),
        ("greeting_text", "Hi from {business}!"),
        ("quiet_hours_start", "22:00"),
        ("quiet_hours_end", "07:30"),
        ("repeat_caller_window_hours", "48"),
        ("stall_nudge_enabled", "on"),
        ("stall_nudge_delay_minutes", "90"),
        ("relay_max_per_hour", "3"),
        ("emergency_alert_enabled", "on"),
    ]);
    fields
}

#[sqlx::test]
async fn settings_are_saved_normalised_and_audited(pool: PgPool) {
    let app = app(pool.clone());
    let (mut owner, business) = owner(&app, &pool, "owner@example.com").await;
    let reply = owner.call("/api/app/settings", &settings_fields()).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("location"), Some("/app/settings?done=saved"));
    let row: (String, String, Option<String>, String, i32, bool, bool, bool) = sqlx::query_as(
        "SELECT name, timezone, greeting_text, to_char(quiet_hours_end, 'HH24:MI'), repeat_caller_window_hours,
                relay_to_owner_enabled, emergency_alert_enabled, agents_can_play_recordings
         FROM businesses WHERE id = $1",
    )
    .bind(business)
    .fetch_one(&pool)
    .await
    .unwrap();
    // W29: curly quote and long dash become plain; unticked boxes turn settings off.
    assert_eq!(
        row,
        (
            "Joe's Plumbing - Austin".into(),
            "Pacific/Honolulu".into(),
            Some("Hi from {business}!".into()),
            "07:30".into(),
            48,
            false,
            true,
            false
        )
    );
    let changes: serde_json::Value = sqlx::query_scalar(
        "SELECT changes FROM audit_log WHERE action = 'business.settings_updated'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        changes["timezone"],
        serde_json::json!(["America/Chicago", "Pacific/Honolulu"])
    );
    assert_eq!(
        changes["relay_to_owner_enabled"],
        serde_json::json!([true, false])
    );
    assert!(changes.get("notify_phone").is_none());

    let page = owner.get("/app/settings").await;
    assert!(
        page.body
            .contains("Hi from Joe&#x27;s Plumbing - Austin! What can we help with?")
            || page
                .body
                .contains("Hi from Joe's Plumbing - Austin! What can we help with?"),
        "the preview uses the saved greeting"
    );
}

#[sqlx::test]
async fn settings_are_revalidated_on_every_save(pool: PgPool) {
    let app = app(pool.clone());
    let (mut owner, business) = owner(&app, &pool, "owner@example.com").await;
    let other = crate::support::insert_business(&pool, "Other Co").await;
    insert_number(&pool, other, "+15125550111", "active")
        .await
        .unwrap();
    let mut fields = settings_fields();
    fields.retain(|(k, _)| {
        !matches!(
            *k,
            "greeting_text" | "quiet_hours_start" | "relay_max_per_hour"
        )
    });
    fields.extend([
        ("greeting_text", "Hello there"),
        ("quiet_hours_start", "9pm"),
        ("relay_max_per_hour", "31"),
    ]);
    let reply = owner.call("/api/app/settings", &fields).await;
    assert_eq!(reply.status, 422);
    for field in ["greeting_text", "quiet_hours_start", "relay_max_per_hour"] {
        assert!(reply.body.contains(field), "{field}: {}", reply.body);
    }
    // W23: the notify phone (+15125550111) is now a tracking number of another business.
    let reply = owner.call("/api/app/settings", &settings_fields()).await;
    assert_eq!(reply.status, 422);
    assert_eq!(
        reply.body,
        r#"{"errors":{"notify_phone":"Use the phone that should ring, not a tracking number."}}"#
    );
    let name: String = sqlx::query_scalar("SELECT name FROM businesses WHERE id = $1")
        .bind(business)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(name, "Acme Plumbing", "nothing saved");

    let mut agent = agent(&app, &pool, business, "agent@example.com").await;
    assert_eq!(
        agent
            .call("/api/app/settings", &settings_fields())
            .await
            .status,
        403
    );
    assert_eq!(
        agent
            .call(
                "/api/app/business/delete",
                &[("confirm_name", "Acme Plumbing")]
            )
            .await
            .status,
        403
    );
}

/// W24: deleting stops texting at once, members land on onboarding, numbers are released and
/// recordings deleted at Twilio, and after 30 days only consent and audit rows remain.
#[sqlx::test]
async fn deleting_a_business(pool: PgPool) {
    let env = with_twilio(pool.clone(), &[]).await;
    let (mut owner, business) = crate::support::buyer(&env.app, &pool, "owner@example.com").await;
    let token = crate::support::buy_form_token(&mut owner).await;
    owner
        .call(
            "/api/app/numbers/buy",
            &[("country", "US"), ("label", "Main line"), ("nonce", &token)],
        )
        .await;
    let mut agent = agent(&env.app, &pool, business, "agent@example.com").await;
    let number: Uuid = sqlx::query_scalar("SELECT id FROM phone_numbers WHERE business_id = $1")
        .bind(business)
        .fetch_one(&pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO calls (call_sid, business_id, phone_number_id, from_e164, to_e164, caller_kind, recording_sid, recording_status)
         VALUES ('CA1', $1, $2, '+15125550100', '+15125550199', 'external', 'RE1', 'completed')",
    )
    .bind(business)
    .bind(number)
    .execute(&pool)
    .await
    .unwrap();
    env.fake.state().recordings.insert("RE1".into());
    sqlx::query("INSERT INTO messages (business_id, direction, participant, kind, status, idempotency_key, body) VALUES ($1, 'outbound', 'lead', 'intro', 'pending', 'k1', 'Hi')")
        .bind(business)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO sms_consent (business_id, phone_e164, opted_out) VALUES ($1, '+15125550100', true)")
        .bind(business)
        .execute(&pool)
        .await
        .unwrap();

    let wrong = owner
        .call("/api/app/business/delete", &[("confirm_name", "Acme")])
        .await;
    assert_eq!(wrong.status, 422);
    let reply = owner
        .call(
            "/api/app/business/delete",
            &[("confirm_name", " acme plumbing ")],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("location"), Some("/app/onboarding"));
    assert_eq!(
        owner.get("/app/leads").await.header("location"),
        Some("/app/onboarding")
    );
    assert_eq!(
        agent.get("/app/leads").await.header("location"),
        Some("/app/onboarding")
    );
    let message: String = sqlx::query_scalar("SELECT status FROM messages")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(message, "canceled");

    let worker = Worker::new(
        pool.clone(),
        env.state.clock.clone(),
        job_registry(&env.state),
        WorkerOptions::new("w", 2),
    );
    worker.drain().await.unwrap();
    let job: String = sqlx::query_scalar("SELECT status FROM jobs WHERE kind = 'delete_business'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(job, "succeeded");
    {
        let fake = env.fake.state();
        assert!(fake.numbers.is_empty(), "numbers released");
        assert!(fake.recordings.is_empty(), "recordings deleted");
    }
    let status: String = sqlx::query_scalar("SELECT status FROM phone_numbers")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(status, "released");

    let later = env.state.clock.now() + Duration::days(31);
    maintenance::purge(&pool, later).await.unwrap();
    let count = |table: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(&format!(
                "SELECT count(*) FROM {table} WHERE business_id = $1"
            ))
            .bind(business)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    for table in ["phone_numbers", "calls", "messages", "memberships"] {
        assert_eq!(count(table).await, 0, "{table}");
    }
    assert_eq!(count("sms_consent").await, 1, "consent is proof of opt-out");
    assert!(count("audit_log").await > 0);
    maintenance::purge(&pool, later + Duration::days(730))
        .await
        .unwrap();
    assert_eq!(count("sms_consent").await, 0, "kept 24 months only");
    assert_eq!(count("audit_log").await, 0);
}
