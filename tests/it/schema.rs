//! The migrations create every entity of the data model and enforce its uniqueness rules in the
//! database, not only in application code (data-model.md §3, §5).

use sqlx::PgPool;

use crate::support::{
    insert_business, insert_call, insert_lead, insert_number, tenant, violated_constraint,
};

const ENTITIES: [&str; 22] = [
    "users",
    "businesses",
    "memberships",
    "invitations",
    "password_resets",
    "phone_numbers",
    "calls",
    "leads",
    "lead_calls",
    "messages",
    "sms_consent",
    "usage_counters",
    "stripe_events",
    "jobs",
    "audit_log",
    "rate_limit_buckets",
    "service_heartbeat",
    "sessions",
    "airtable_connections",
    "webhook_endpoints",
    "webhook_events",
    "webhook_deliveries",
];

async fn public_tables(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations'
         ORDER BY table_name",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn every_entity_of_the_data_model_has_a_table(pool: PgPool) {
    let tables = public_tables(&pool).await;
    let mut expected: Vec<String> = ENTITIES.iter().map(|t| t.to_string()).collect();
    expected.sort();
    assert_eq!(tables, expected);
}

/// operations.md §10: tenant tables carry business_id so they can be distributed by it; the
/// rest is a short, deliberate list.
#[sqlx::test]
async fn only_allowlisted_tables_lack_business_id(pool: PgPool) {
    let without: Vec<String> = sqlx::query_scalar(
        "SELECT t.table_name::text FROM information_schema.tables t
         WHERE t.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND t.table_name <> '_sqlx_migrations'
           AND NOT EXISTS (SELECT 1 FROM information_schema.columns c
                           WHERE c.table_schema = 'public' AND c.table_name = t.table_name AND c.column_name = 'business_id')
         ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    // businesses is the tenant itself; users, their sessions and password resets belong to
    // people, not tenants; rate-limit buckets and the heartbeat are small platform tables.
    assert_eq!(
        without,
        vec![
            "businesses",
            "password_resets",
            "rate_limit_buckets",
            "service_heartbeat",
            "sessions",
            "users"
        ]
    );
}

#[sqlx::test]
async fn a_second_call_row_with_the_same_call_sid_is_rejected(pool: PgPool) {
    let tenant = tenant(&pool).await;
    insert_call(&pool, &tenant, "CA11111111111111111111111111111111")
        .await
        .unwrap();
    let err = insert_call(&pool, &tenant, "CA11111111111111111111111111111111")
        .await
        .unwrap_err();
    assert_eq!(
        violated_constraint(&err).as_deref(),
        Some("calls_call_sid_key")
    );
}

#[sqlx::test]
async fn a_call_joins_at_most_one_lead(pool: PgPool) {
    let tenant = tenant(&pool).await;
    let call = insert_call(&pool, &tenant, "CA1").await.unwrap();
    let (first, second) = (
        insert_lead(&pool, &tenant).await,
        insert_lead(&pool, &tenant).await,
    );
    let attach = |lead| {
        sqlx::query("INSERT INTO lead_calls (business_id, lead_id, call_id, relation, attached_at) VALUES ($1, $2, $3, 'origin', now())")
            .bind(tenant.business_id)
            .bind(lead)
            .bind(call)
            .execute(&pool)
    };
    attach(first).await.unwrap();
    let err = attach(second).await.unwrap_err();
    assert_eq!(
        violated_constraint(&err).as_deref(),
        Some("lead_calls_call_id_key")
    );
}

#[sqlx::test]
async fn message_sids_and_keys_are_unique_and_message_keys_never_look_like_job_keys(pool: PgPool) {
    let tenant = tenant(&pool).await;
    let inbound = |sid: Option<&'static str>| {
        sqlx::query(
            "INSERT INTO messages (business_id, direction, participant, kind, status, twilio_sid)
             VALUES ($1, 'inbound', 'lead', 'inbound', 'received', $2)",
        )
        .bind(tenant.business_id)
        .bind(sid)
        .execute(&pool)
    };
    inbound(Some("SM1")).await.unwrap();
    let err = inbound(Some("SM1")).await.unwrap_err();
    assert_eq!(
        violated_constraint(&err).as_deref(),
        Some("messages_twilio_sid_key")
    );
    // Outbound rows have no SID until Twilio answers: several may be NULL at once.
    inbound(None).await.unwrap();
    inbound(None).await.unwrap();

    let outbound = |key: &'static str| {
        sqlx::query(
            "INSERT INTO messages (business_id, direction, participant, kind, status, idempotency_key, body)
             VALUES ($1, 'outbound', 'lead', 'intro', 'pending', $2, 'Hi')",
        )
        .bind(tenant.business_id)
        .bind(key)
        .execute(&pool)
    };
    outbound("lead:1:intro").await.unwrap();
    let err = outbound("lead:1:intro").await.unwrap_err();
    assert_eq!(
        violated_constraint(&err).as_deref(),
        Some("messages_idempotency_key_key")
    );
    let err = outbound("job:send:1").await.unwrap_err();
    assert_eq!(
        violated_constraint(&err).as_deref(),
        Some("messages_key_not_job")
    );
}

#[sqlx::test]
async fn a_number_is_active_in_one_place_only_but_keeps_its_history(pool: PgPool) {
    let first = insert_business(&pool, "First Co").await;
    let second = insert_business(&pool, "Second Co").await;
    insert_number(&pool, first, "+15125550199", "detached")
        .await
        .unwrap();
    insert_number(&pool, first, "+15125550199", "active")
        .await
        .unwrap();
    let err = insert_number(&pool, second, "+15125550199", "active")
        .await
        .unwrap_err();
    assert_eq!(
        violated_constraint(&err).as_deref(),
        Some("phone_numbers_active_e164_key")
    );
    let err = insert_number(&pool, second, "5125550199", "active")
        .await
        .unwrap_err();
    assert_eq!(
        violated_constraint(&err).as_deref(),
        Some("phone_numbers_e164")
    );
}

#[sqlx::test]
async fn per_tenant_uniqueness_rules(pool: PgPool) {
    let business = insert_business(&pool, "Acme Plumbing").await;
    let user: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO users (email, password_hash, security_stamp) VALUES ('pat@example.com', 'x', 's') RETURNING id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let other = insert_business(&pool, "Other Co").await;
    let member = |business| {
        sqlx::query("INSERT INTO memberships (user_id, business_id, role) VALUES ($1, $2, 'owner')")
            .bind(user)
            .bind(business)
            .execute(&pool)
    };
    member(business).await.unwrap();
    let err = member(other).await.unwrap_err();
    assert_eq!(
        violated_constraint(&err).as_deref(),
        Some("memberships_user_id_key")
    );

    let consent = || {
        sqlx::query("INSERT INTO sms_consent (business_id, phone_e164, opted_out) VALUES ($1, '+15125550100', true)")
            .bind(business)
            .execute(&pool)
    };
    consent().await.unwrap();
    assert_eq!(
        violated_constraint(&consent().await.unwrap_err()).as_deref(),
        Some("sms_consent_business_phone_key")
    );

    let usage = || {
        sqlx::query("INSERT INTO usage_counters (business_id, period) VALUES ($1, '2026-03')")
            .bind(business)
            .execute(&pool)
    };
    usage().await.unwrap();
    assert_eq!(
        violated_constraint(&usage().await.unwrap_err()).as_deref(),
        Some("usage_counters_business_period_key")
    );

    let customer = |business| {
        sqlx::query("UPDATE businesses SET stripe_customer_id = 'cus_1' WHERE id = $1")
            .bind(business)
            .execute(&pool)
    };
    customer(business).await.unwrap();
    assert_eq!(
        violated_constraint(&customer(other).await.unwrap_err()).as_deref(),
        Some("businesses_stripe_customer_id_key")
    );
}

#[sqlx::test]
async fn users_are_unique_by_lower_cased_email(pool: PgPool) {
    let insert = |email: &'static str| {
        sqlx::query(
            "INSERT INTO users (email, password_hash, security_stamp) VALUES ($1, 'x', 's')",
        )
        .bind(email)
        .execute(&pool)
    };
    insert("pat@example.com").await.unwrap();
    assert_eq!(
        violated_constraint(&insert("pat@example.com").await.unwrap_err()).as_deref(),
        Some("users_email_key")
    );
    assert_eq!(
        violated_constraint(&insert("Pat@Example.com").await.unwrap_err()).as_deref(),
        Some("users_email_normalised")
    );
}

#[sqlx::test]
async fn stripe_events_and_jobs_are_keyed_once(pool: PgPool) {
    let event = || {
        sqlx::query("INSERT INTO stripe_events (event_id, type, received_at) VALUES ('evt_1', 'customer.created', now())")
            .execute(&pool)
    };
    event().await.unwrap();
    assert_eq!(
        violated_constraint(&event().await.unwrap_err()).as_deref(),
        Some("stripe_events_event_id_key")
    );

    let job = |key: &'static str| {
        sqlx::query("INSERT INTO jobs (kind, idempotency_key, max_attempts, next_run_at) VALUES ('purge', $1, 3, now())")
            .bind(key)
            .execute(&pool)
    };
    job("job:purge:2026-03-02").await.unwrap();
    assert_eq!(
        violated_constraint(&job("job:purge:2026-03-02").await.unwrap_err()).as_deref(),
        Some("jobs_idempotency_key_key")
    );
    assert_eq!(
        violated_constraint(&job("purge:2026-03-03").await.unwrap_err()).as_deref(),
        Some("jobs_key_prefix")
    );
}

#[sqlx::test]
async fn flags_and_their_reasons_travel_together(pool: PgPool) {
    let tenant = tenant(&pool).await;
    let lead = insert_lead(&pool, &tenant).await;
    let set = |sql: &'static str| sqlx::query(sql).bind(lead).execute(&pool);
    let err = set("UPDATE leads SET billing_required = true WHERE id = $1")
        .await
        .unwrap_err();
    assert_eq!(
        violated_constraint(&err).as_deref(),
        Some("leads_billing_flag_has_reason")
    );
    set("UPDATE leads SET billing_required = true, billing_block_reason = 'quota_reached' WHERE id = $1")
        .await
        .unwrap();
    let err = set("UPDATE leads SET automation_paused = true WHERE id = $1")
        .await
        .unwrap_err();
    assert_eq!(
        violated_constraint(&err).as_deref(),
        Some("leads_pause_has_reason")
    );

    let call = insert_call(&pool, &tenant, "CA2").await.unwrap();
    let err = sqlx::query("UPDATE calls SET outcome = 'missed' WHERE id = $1")
        .bind(call)
        .execute(&pool)
        .await
        .unwrap_err();
    assert_eq!(
        violated_constraint(&err).as_deref(),
        Some("calls_missed_reason_iff_missed")
    );
}

#[sqlx::test]
async fn the_audit_log_is_append_only(pool: PgPool) {
    sqlx::query("INSERT INTO audit_log (at, actor_type, action) VALUES (now(), 'system', 'business.deleted')")
        .execute(&pool)
        .await
        .unwrap();
    let err = sqlx::query("UPDATE audit_log SET action = 'business.settings_updated'")
        .execute(&pool)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("never updated"), "{err}");
    let err = sqlx::query(
        "INSERT INTO audit_log (at, actor_type, action) VALUES (now(), 'robot', 'x.y')",
    )
    .execute(&pool)
    .await
    .unwrap_err();
    assert_eq!(
        violated_constraint(&err).as_deref(),
        Some("audit_log_actor_type")
    );
}

#[sqlx::test]
async fn the_lead_list_and_search_indexes_exist(pool: PgPool) {
    let indexes: Vec<String> =
        sqlx::query_scalar("SELECT indexname::text FROM pg_indexes WHERE tablename = 'leads'")
            .fetch_all(&pool)
            .await
            .unwrap();
    for expected in [
        "leads_business_created_idx",
        "leads_business_status_created_idx",
        "leads_business_number_created_idx",
        "leads_business_caller_activity_idx",
        "leads_caller_trgm_idx",
        "leads_contact_name_trgm_idx",
    ] {
        assert!(
            indexes.iter().any(|i| i == expected),
            "missing {expected}: {indexes:?}"
        );
    }
}

#[sqlx::test]
async fn pooled_connections_carry_statement_and_idle_transaction_timeouts(pool: PgPool) {
    let url = crate::support::url_of(&pool);
    let config = crate::support::config_with(&[("DATABASE_URL", url.as_str())]);
    let app_pool = callbackcloser::server::db::connect(&config.database, std::time::Duration::ZERO)
        .await
        .unwrap();
    let settings: (String, String) = sqlx::query_as(
        "SELECT current_setting('statement_timeout'),
                current_setting('idle_in_transaction_session_timeout')",
    )
    .fetch_one(&app_pool)
    .await
    .unwrap();
    assert_eq!(settings, ("30s".to_owned(), "1min".to_owned()));
    // A statement past the limit is cancelled.
    let mut conn = app_pool.acquire().await.unwrap();
    sqlx::query("SET statement_timeout = '50ms'")
        .execute(&mut *conn)
        .await
        .unwrap();
    let cancelled = sqlx::query("SELECT pg_sleep(1)").execute(&mut *conn).await;
    assert!(cancelled.is_err());
    conn.detach();
    // Migrations run without that limit on a connection of their own, which is not returned.
    callbackcloser::server::db::migrate(&app_pool)
        .await
        .unwrap();
}
