//! Fixtures for the SMS tests: texts as Twilio posts them, leads placed at a given step, and
//! readers for what the pipeline queued.

use callbackcloser::server::simulators::twilio::FakeTwilio;
use sqlx::PgPool;
use uuid::Uuid;

use crate::{
    support::Reply,
    webhook_support::{
        ACCOUNT, CALLER, Hooks, Line, TOKEN, TRACKING, count, hooks, post_signed, run_jobs,
    },
};

/// An inbound text from `from` to the tracking number. Each text arrives one second after the
/// previous one, so rows order by time as they would in production.
pub async fn text(hooks: &Hooks, sid: &str, from: &str, body: &str) -> Reply {
    text_to(hooks, sid, from, TRACKING, body).await
}

pub async fn text_to(hooks: &Hooks, sid: &str, from: &str, to: &str, body: &str) -> Reply {
    let reply = post_signed(
        hooks,
        "/api/twilio/sms",
        &[
            ("AccountSid", ACCOUNT),
            ("MessageSid", sid),
            ("From", from),
            ("To", to),
            ("Body", body),
            ("NumMedia", "0"),
        ],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body.ends_with("<Response/>"), "{}", reply.body);
    hooks.clock.advance(chrono::Duration::seconds(1));
    reply
}

/// A lead of `line` for `CALLER`, started and waiting in `state`, with `set` applied
/// (an SQL `SET` list, or empty).
pub async fn lead_at(pool: &PgPool, line: &Line, state: &str, set: &str) -> Uuid {
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO leads (business_id, phone_number_id, sending_number_id, caller_e164, source,
             conversation_state, conversation_started_at, last_activity_at, last_outbound_at,
             call_count)
         VALUES ($1, $2, $2, $3, 'call', $4, now() - interval '1 minute', now() - interval '1 minute',
                 now() - interval '1 minute', 1)
         RETURNING id",
    )
    .bind(line.business_id)
    .bind(line.number_id)
    .bind(CALLER)
    .bind(state)
    .fetch_one(pool)
    .await
    .unwrap();
    if !set.is_empty() {
        sqlx::query(&format!("UPDATE leads SET {set} WHERE id = $1"))
            .bind(id)
            .execute(pool)
            .await
            .unwrap();
    }
    id
}

/// A column of the lead, as text.
pub async fn lead_field(pool: &PgPool, lead_id: Uuid, column: &str) -> Option<String> {
    sqlx::query_scalar(&format!("SELECT {column}::text FROM leads WHERE id = $1"))
        .bind(lead_id)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Outbound texts as `(kind, to, body, status)`, oldest first.
pub async fn outbound(pool: &PgPool) -> Vec<(String, String, String, String)> {
    sqlx::query_as(
        "SELECT kind, to_e164, body, status FROM messages WHERE direction = 'outbound'
         ORDER BY created_at, id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Bodies of outbound texts to `to`, oldest first.
pub async fn texts_to(pool: &PgPool, to: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT body FROM messages WHERE direction = 'outbound' AND to_e164 = $1
         ORDER BY created_at, id",
    )
    .bind(to)
    .fetch_all(pool)
    .await
    .unwrap()
}

pub async fn outbound_count(pool: &PgPool) -> i64 {
    count(
        pool,
        "SELECT count(*) FROM messages WHERE direction = 'outbound'",
    )
    .await
}

/// The app wired to a stateful Twilio fake (same credentials), for delivery tests.
pub async fn hooks_with_fake(pool: PgPool) -> (Hooks, FakeTwilio) {
    let fake = FakeTwilio::new(ACCOUNT, TOKEN);
    let base = fake.spawn().await;
    let hooks = hooks(
        pool,
        &[
            ("TWILIO_API_BASE", &base),
            ("TWILIO_MESSAGING_API_BASE", &base),
        ],
    );
    (hooks, fake)
}

/// Runs due jobs, moving the clock past every retry delay, until no send is queued.
pub async fn deliver_all(hooks: &Hooks) {
    for _ in 0..40 {
        run_jobs(hooks).await;
        let queued = count(
            &hooks.pool,
            "SELECT count(*) FROM jobs WHERE kind = 'send_sms' AND status IN ('queued', 'running')",
        )
        .await;
        if queued == 0 {
            return;
        }
        hooks.clock.advance(chrono::Duration::minutes(16));
    }
    panic!("send jobs never finished");
}
