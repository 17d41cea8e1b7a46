//! `seed-demo` (operations.md §2, §3.3): the demo owner, one ACTIVE (Pro) business "Demo Heating
//! & Plumbing" with two tracking numbers, and about 30 days of calls, leads and conversations,
//! so the dashboard and insights have something to show. Idempotent: a second run finds the
//! owner and changes nothing.

use chrono::{DateTime, Duration, Utc};
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::server::{accounts::new_security_stamp, auth::password::hash_password};

pub const DEMO_EMAIL: &str = "demo@callbackcloser.test";
/// Fixed so a second run can print it again; the account only exists in demo deployments.
pub const DEMO_PASSWORD: &str = "demo-callbacks-2468";
pub const DEMO_BUSINESS: &str = "Demo Heating & Plumbing";
/// Fictional 555-01xx numbers: the main line and a second line for ads.
const NUMBERS: [(&str, &str); 2] = [
    ("+15125550100", "Main line"),
    ("+15125550101", "Google Ads"),
];
const OWNER_PHONE: &str = "+15125550110";
const DAYS: i64 = 30;

#[derive(Debug, PartialEq, Eq)]
pub struct Seeded {
    pub created: bool,
    pub business_id: Uuid,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Hash(#[from] crate::server::auth::password::PasswordError),
}

/// Creates the demo data unless the demo owner already exists.
pub async fn seed_demo(
    pool: &PgPool,
    now: DateTime<Utc>,
    pro_price: &str,
) -> Result<Seeded, SeedError> {
    if let Some(business_id) = existing(pool).await? {
        return Ok(Seeded {
            created: false,
            business_id,
        });
    }
    let hash = hash_password(DEMO_PASSWORD.to_owned()).await?;
    let mut tx = pool.begin().await?;
    // Two instances starting at once: the second waits here, then finds the owner.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('callbackcloser:seed-demo'))")
        .execute(&mut *tx)
        .await?;
    if let Some(business_id) = existing(&mut *tx).await? {
        return Ok(Seeded {
            created: false,
            business_id,
        });
    }
    let business_id = owner_and_business(&mut tx, &hash, now, pro_price).await?;
    let numbers = tracking_numbers(&mut tx, business_id).await?;
    history(&mut tx, business_id, &numbers, now).await?;
    tx.commit().await?;
    Ok(Seeded {
        created: true,
        business_id,
    })
}

async fn existing<'e>(executor: impl sqlx::PgExecutor<'e>) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT m.business_id FROM users u JOIN memberships m ON m.user_id = u.id
         WHERE u.email = $1",
    )
    .bind(DEMO_EMAIL)
    .fetch_optional(executor)
    .await
}

async fn owner_and_business(
    tx: &mut Transaction<'_, Postgres>,
    password_hash: &str,
    now: DateTime<Utc>,
    pro_price: &str,
) -> Result<Uuid, sqlx::Error> {
    let user_id: Uuid = sqlx::query_scalar(
        "INSERT INTO users (email, password_hash, display_name, security_stamp)
         VALUES ($1, $2, 'Demo Owner', $3) RETURNING id",
    )
    .bind(DEMO_EMAIL)
    .bind(password_hash)
    .bind(new_security_stamp())
    .fetch_one(&mut **tx)
    .await?;
    let business_id: Uuid = sqlx::query_scalar(
        "INSERT INTO businesses (name, timezone, notify_phone, default_forwarding_number,
                                 subscription_status, stripe_price_id, subscription_period_end,
                                 subscription_synced_at, created_at)
         VALUES ($1, 'America/Chicago', $2, $2, 'ACTIVE', $3, $4, $5, $5 - interval '31 days')
         RETURNING id",
    )
    .bind(DEMO_BUSINESS)
    .bind(OWNER_PHONE)
    .bind(pro_price)
    .bind(now + Duration::days(DAYS))
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query("INSERT INTO memberships (user_id, business_id, role) VALUES ($1, $2, 'owner')")
        .bind(user_id)
        .bind(business_id)
        .execute(&mut **tx)
        .await?;
    Ok(business_id)
}

async fn tracking_numbers(
    tx: &mut Transaction<'_, Postgres>,
    business_id: Uuid,
) -> Result<Vec<Uuid>, sqlx::Error> {
    let mut ids = Vec::new();
    for (index, (e164, label)) in NUMBERS.into_iter().enumerate() {
        // The main line treats a pickup shorter than 10 s as the owner's voicemail.
        let threshold = (index == 0).then_some(10);
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO phone_numbers (business_id, e164, twilio_sid, label, forwarding_number,
                                        short_answer_threshold_seconds, webhooks_synced_at)
             VALUES ($1, $2, 'PN' || md5('demo' || $2), $3, $4, $5, now()) RETURNING id",
        )
        .bind(business_id)
        .bind(e164)
        .bind(label)
        .bind(OWNER_PHONE)
        .bind(threshold)
        .fetch_one(&mut **tx)
        .await?;
        ids.push(id);
    }
    Ok(ids)
}

/// About three calls a day for 30 days; two in three missed, each missed call a lead whose
/// conversation got as far as its index says.
async fn history(
    tx: &mut Transaction<'_, Postgres>,
    business_id: Uuid,
    numbers: &[Uuid],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "WITH nums AS (SELECT id, e164, row_number() OVER (ORDER BY created_at, id) - 1 AS k
                       FROM phone_numbers WHERE id = ANY($2)),
              g AS (SELECT i, $3::timestamptz - (i * interval '8 hours 3 minutes') AS at
                    FROM generate_series(1, 3 * $4::int) i)
         INSERT INTO calls (call_sid, business_id, phone_number_id, from_e164, to_e164, caller_kind,
                            forwarded_to, call_status, call_duration_seconds, dial_call_sid,
                            dial_call_status, dial_call_duration_seconds, dial_outcome_at,
                            outcome, missed_reason, ended_at, created_at, updated_at)
         SELECT 'CA' || md5('demo-call' || i), $1, nums.id,
                '+1512555' || lpad((2000 + i % 60)::text, 4, '0'), nums.e164, 'external', $5,
                'completed', CASE WHEN i % 3 = 0 THEN 140 ELSE 25 END,
                'CA' || md5('demo-dial' || i),
                (ARRAY['completed', 'no-answer', 'busy'])[1 + i % 3],
                CASE WHEN i % 3 = 0 THEN 120 ELSE 0 END, at + interval '20 seconds',
                CASE WHEN i % 3 = 0 THEN 'answered' ELSE 'missed' END,
                CASE i % 3 WHEN 1 THEN 'no_answer' WHEN 2 THEN 'busy' END,
                at + interval '30 seconds', at, at
         FROM g JOIN nums ON nums.k = (i / 4) % 2",
    )
    .bind(business_id)
    .bind(numbers)
    .bind(now)
    .bind(DAYS as i32)
    .bind(OWNER_PHONE)
    .execute(&mut **tx)
    .await?;
    leads_for_missed_calls(tx, business_id).await?;
    conversations(tx, business_id).await
}

async fn leads_for_missed_calls(
    tx: &mut Transaction<'_, Postgres>,
    business_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "WITH missed AS (
             SELECT c.id AS call_id, c.phone_number_id, c.from_e164, c.created_at,
                    (row_number() OVER (ORDER BY c.created_at))::int AS n
             FROM calls c WHERE c.business_id = $1 AND c.outcome = 'missed'),
         made AS (
             INSERT INTO leads (business_id, phone_number_id, sending_number_id, caller_e164, source,
                                status, status_changed_at, qualified_at, booked_at,
                                conversation_state, service, urgency, postal_code, postal_country,
                                best_time, contact_name, conversation_started_at,
                                conversation_completed_at, owner_notified_at, call_count,
                                last_inbound_at, last_outbound_at, last_activity_at,
                                first_owner_response_at, created_at, updated_at)
             SELECT $1, phone_number_id, phone_number_id, from_e164, 'call',
                    (ARRAY['BOOKED', 'QUALIFIED', 'CONTACTED', 'NEW', 'LOST', 'QUALIFIED'])[1 + n % 6],
                    created_at + interval '2 hours',
                    CASE WHEN n % 4 <> 3 THEN created_at + interval '6 minutes' END,
                    CASE WHEN n % 6 = 0 THEN created_at + interval '3 hours' END,
                    CASE WHEN n % 4 = 3 THEN 'AWAITING_ZIP' ELSE 'COMPLETED' END,
                    (ARRAY['Repair', 'Install', 'Maintenance'])[1 + n % 3],
                    (ARRAY['Emergency', 'Today', 'This week', 'Quote'])[1 + n % 4],
                    CASE WHEN n % 4 <> 3 THEN (ARRAY['78701', '78704', '78745', '78758'])[1 + n % 4] END,
                    CASE WHEN n % 4 <> 3 THEN 'US' END,
                    CASE WHEN n % 4 <> 3 THEN (ARRAY['Morning', 'Afternoon', 'Evening', 'Anytime'])[1 + n % 4] END,
                    CASE WHEN n % 4 <> 3 THEN (ARRAY['Maria Lopez', 'James Carter', 'Priya Shah', 'Tom Nguyen', 'Ava Brooks'])[1 + n % 5] END,
                    created_at + interval '40 seconds',
                    CASE WHEN n % 4 <> 3 THEN created_at + interval '6 minutes' END,
                    created_at + interval '41 seconds', 1,
                    created_at + interval '6 minutes', created_at + interval '6 minutes',
                    created_at + interval '6 minutes',
                    CASE WHEN n % 2 = 0 THEN created_at + interval '25 minutes' END,
                    created_at, created_at
             FROM missed
             RETURNING id, caller_e164, created_at)
         INSERT INTO lead_calls (business_id, lead_id, call_id, relation, attached_at)
         SELECT $1, made.id, missed.call_id, 'origin', made.created_at
         FROM made JOIN missed ON missed.from_e164 = made.caller_e164 AND missed.created_at = made.created_at",
    )
    .bind(business_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The qualification texts each lead exchanged, and the owner's alert.
async fn conversations(
    tx: &mut Transaction<'_, Postgres>,
    business_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO messages (business_id, lead_id, phone_number_id, direction, participant, kind,
                               from_e164, to_e164, body, status, twilio_sid, sent_at, delivered_at,
                               created_at, updated_at)
         SELECT l.business_id, l.id, l.phone_number_id, t.direction, t.participant, t.kind,
                CASE WHEN t.direction = 'inbound' THEN l.caller_e164 ELSE n.e164 END,
                CASE WHEN t.participant = 'owner' THEN b.notify_phone
                     WHEN t.direction = 'inbound' THEN n.e164 ELSE l.caller_e164 END,
                replace(replace(replace(t.body, '{service}', coalesce(l.service, 'Repair')),
                        '{zip}', coalesce(l.postal_code, '78701')), '{name}', coalesce(l.contact_name, 'a caller')),
                CASE WHEN t.direction = 'inbound' THEN 'received' ELSE 'delivered' END,
                'SM' || md5(l.id::text || t.step),
                CASE WHEN t.direction = 'outbound' THEN l.created_at + t.offs END,
                CASE WHEN t.direction = 'outbound' THEN l.created_at + t.offs + interval '2 seconds' END,
                l.created_at + t.offs, l.created_at + t.offs
         FROM leads l
         JOIN phone_numbers n ON n.id = l.phone_number_id
         JOIN businesses b ON b.id = l.business_id
         JOIN (VALUES
             (1, 'outbound', 'lead', 'intro', 'Sorry we missed your call at Demo Heating & Plumbing! What do you need help with? Reply 1 Repair, 2 Install, 3 Maintenance. Reply STOP to opt out.', interval '40 seconds', false),
             (2, 'inbound', 'lead', 'inbound', '{service}', interval '2 minutes', false),
             (3, 'outbound', 'lead', 'prompt', 'How urgent is it? 1 Emergency, 2 Today, 3 This week, 4 Just a quote', interval '2 minutes 2 seconds', false),
             (4, 'inbound', 'lead', 'inbound', '2', interval '3 minutes', false),
             (5, 'outbound', 'lead', 'prompt', 'What ZIP code is the job in?', interval '3 minutes 2 seconds', false),
             (6, 'inbound', 'lead', 'inbound', '{zip}', interval '4 minutes', true),
             (7, 'outbound', 'lead', 'prompt', 'When is best to reach you? 1 Morning, 2 Afternoon, 3 Evening, 4 Anytime', interval '4 minutes 2 seconds', true),
             (8, 'inbound', 'lead', 'inbound', '4', interval '5 minutes', true),
             (9, 'outbound', 'lead', 'prompt', 'And your name?', interval '5 minutes 2 seconds', true),
             (10, 'inbound', 'lead', 'inbound', '{name}', interval '6 minutes', true),
             (11, 'outbound', 'lead', 'completion', 'Thanks! Demo Heating & Plumbing will call you back soon.', interval '6 minutes 2 seconds', true),
             (12, 'outbound', 'owner', 'owner_alert', 'New lead: {name}, {service}, ZIP {zip}. Open the dashboard to reply.', interval '6 minutes 3 seconds', true)
         ) AS t(step, direction, participant, kind, body, offs, needs_completed)
           ON NOT t.needs_completed OR l.conversation_state = 'COMPLETED'
         WHERE l.business_id = $1",
    )
    .bind(business_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
