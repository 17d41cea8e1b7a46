//! The tenant-isolation matrix (web.md §4, quality.md §8): every route that takes an id is
//! called by another business's owner with this business's ids; each answers 404 exactly like
//! a missing id, and nothing changes anywhere (database or Twilio).

use sqlx::PgPool;
use uuid::Uuid;

use crate::support::{agent, owner, with_twilio};

/// One row of the matrix: the route, its form fields, and the 404 message.
type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);

/// Everything a refused request must leave untouched.
async fn snapshot(pool: &PgPool) -> String {
    sqlx::query_scalar(
        "SELECT concat_ws('|',
            (SELECT string_agg(concat_ws(',', id, label, forwarding_number, status, webhooks_synced_at), ';' ORDER BY id) FROM phone_numbers),
            (SELECT string_agg(concat_ws(',', id, role, business_id), ';' ORDER BY id) FROM memberships),
            (SELECT count(*) FROM password_resets),
            (SELECT count(*) FROM audit_log),
            (SELECT count(*) FROM jobs),
            (SELECT string_agg(concat_ws(',', id, status, automation_paused, conversation_state), ';' ORDER BY id) FROM leads),
            (SELECT count(*) FROM sms_consent),
            (SELECT count(*) FROM messages))",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn other_tenants_ids_are_not_found_on_every_id_route(pool: PgPool) {
    let env = with_twilio(pool.clone(), &[]).await;
    let (mut owner_a, business_a) = crate::support::buyer(&env.app, &pool, "a@example.com").await;
    let token = crate::support::buy_form_token(&mut owner_a).await;
    owner_a
        .call(
            "/api/app/numbers/buy",
            &[("country", "US"), ("nonce", &token)],
        )
        .await;
    agent(&env.app, &pool, business_a, "agent-a@example.com").await;
    let number: Uuid = sqlx::query_scalar("SELECT id FROM phone_numbers")
        .fetch_one(&pool)
        .await
        .unwrap();
    let member: Uuid = sqlx::query_scalar("SELECT m.id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'agent-a@example.com'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let lead: Uuid = sqlx::query_scalar(
        "INSERT INTO leads (business_id, phone_number_id, sending_number_id, caller_e164, source,
             last_activity_at)
         VALUES ($1, $2, $2, '+15125550100', 'call', now()) RETURNING id",
    )
    .bind(business_a)
    .bind(Uuid::parse_str(&number.to_string()).unwrap())
    .fetch_one(&pool)
    .await
    .unwrap();
    let (number, member, lead) = (number.to_string(), member.to_string(), lead.to_string());
    let (mut owner_b, _) = owner(&env.app, &pool, "b@example.com").await;
    owner_b.origin = "https://app.example.com".into();

    let matrix: Vec<Case> = vec![
        (
            "/api/app/numbers/update",
            vec![
                ("id", &number),
                ("label", "Stolen"),
                ("forwarding_number", "(512) 555-0177"),
            ],
            "Number not found",
        ),
        (
            "/api/app/numbers/resync",
            vec![("id", &number)],
            "Number not found",
        ),
        (
            "/api/app/numbers/detach",
            vec![("id", &number), ("replacement", "none")],
            "Number not found",
        ),
        (
            "/api/app/numbers/release",
            vec![("id", &number)],
            "Number not found",
        ),
        (
            "/api/app/team/role",
            vec![("member_id", &member), ("role", "owner")],
            "Member not found",
        ),
        (
            "/api/app/team/remove",
            vec![("member_id", &member)],
            "Member not found",
        ),
        (
            "/api/app/team/reset-link",
            vec![("member_id", &member)],
            "Member not found",
        ),
        (
            "/api/app/leads/reply",
            vec![("lead_id", &lead), ("body", "On our way"), ("nonce", "n-b")],
            "Lead not found",
        ),
        (
            "/api/app/leads/automation",
            vec![("lead_id", &lead), ("action", "pause")],
            "Lead not found",
        ),
        (
            "/api/app/leads/mark-opted-out",
            vec![("lead_id", &lead)],
            "Lead not found",
        ),
        (
            "/api/app/leads/start-follow-up",
            vec![("lead_id", &lead)],
            "Lead not found",
        ),
    ];
    let before = snapshot(&pool).await;
    let twilio_before = env.fake.state().requests.len();
    for (path, fields, message) in &matrix {
        let reply = owner_b.call(path, fields).await;
        assert_eq!(reply.status, 404, "{path}: {}", reply.body);
        assert_eq!(
            reply.body,
            format!(r#"{{"code":"not_found","error":"{message}"}}"#),
            "{path}"
        );
        // The same as an id that never existed.
        let mut unknown = fields.clone();
        let random = Uuid::new_v4().to_string();
        for field in unknown
            .iter_mut()
            .filter(|(k, _)| matches!(*k, "id" | "member_id" | "lead_id"))
        {
            field.1 = &random;
        }
        assert_eq!(
            owner_b.call(path, &unknown).await.body,
            reply.body,
            "{path}"
        );
        let plain = owner_b.submit("/app", path, fields).await;
        assert_eq!(plain.status, 404, "plain form {path}");
        assert!(plain.body.contains("Page not found"));
    }
    assert_eq!(snapshot(&pool).await, before, "no side effect");
    assert_eq!(
        env.fake.state().requests.len(),
        twilio_before,
        "nothing reached Twilio"
    );
}
