//! The Airtable mirror (integrations.md §2) against the stateful Airtable fake: connecting,
//! what each push carries, coalescing, pacing per base across two instances, 429 and outage
//! recovery, broken keys, refused records, the test record and disconnecting. Time moves on the
//! shared manual clock.

use callbackcloser::server::{clock::Clock as _, router::router};
use chrono::Duration;
use serde_json::Value;
use sqlx::PgPool;

use crate::{
    airtable_support::{BASE, KEY, Mirror, connection},
    webhook_support::{count, run_jobs_of},
};

#[sqlx::test]
async fn connecting_checks_the_tables_and_keeps_the_key_encrypted(pool: PgPool) {
    let mut mirror = Mirror::new(pool.clone()).await;
    let fields = |key: &str, base: &str, calls: &str| {
        vec![
            ("api_key", key.to_owned()),
            ("base_id", base.to_owned()),
            ("calls_table", calls.to_owned()),
            ("leads_table", "Leads".to_owned()),
        ]
    };
    let path = "/api/app/integrations/airtable/connect";
    let cases = [
        (
            fields("patWRONG", BASE, "Calls"),
            "api_key",
            "Airtable rejected this API key.",
        ),
        (
            fields(KEY, "appNOSUCHBASE0001", "Calls"),
            "base_id",
            "Base not found.",
        ),
        (
            fields(KEY, BASE, "Missed calls"),
            "calls_table",
            "This base has no table named \"Missed calls\".",
        ),
        (
            fields(KEY, "base-1", "Calls"),
            "base_id",
            "A base id starts with \"app\" followed by 14 letters or digits.",
        ),
    ];
    for (form, field, message) in cases {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = mirror.owner.call(path, &form).await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        let body: Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(body["errors"][field], message, "{}", reply.body);
    }
    mirror
        .fake
        .add_table(BASE, "Thin calls", &["Call SID", "Outcome"]);
    let thin = fields(KEY, BASE, "Thin calls");
    let thin: Vec<(&str, &str)> = thin.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = mirror.owner.call(path, &thin).await;
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    let missing = body["errors"]["calls_table"].as_str().unwrap();
    assert!(
        missing.starts_with("Missing fields: Started At, From,"),
        "{missing}"
    );
    assert_eq!(
        count(&pool, "SELECT count(*) FROM airtable_connections").await,
        0
    );

    let reply = mirror.connect().await;
    assert!(reply.status.is_success(), "{}", reply.body);
    let stored: Vec<u8> = sqlx::query_scalar("SELECT api_key_encrypted FROM airtable_connections")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(!stored.windows(KEY.len()).any(|w| w == KEY.as_bytes()));
    assert_eq!(mirror.state.secrets.open(&stored).unwrap(), KEY);
    let audit = "SELECT count(*) FROM audit_log WHERE action = 'integration.airtable_connected'
                 AND changes->'api_key'->>1 = '[redacted]'";
    assert_eq!(count(&pool, audit).await, 1);
    let page = mirror.owner.get("/app/integrations").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(BASE) && !page.body.contains(KEY));
}

#[sqlx::test]
async fn each_call_and_lead_is_upserted_with_the_tables_fields(pool: PgPool) {
    let mut mirror = Mirror::connected(pool.clone()).await;
    let number = mirror.number().await;
    let call = mirror.missed_call(number, "CAmirror1").await;
    let lead = mirror.lead(number).await;
    sqlx::query("INSERT INTO lead_calls (business_id, lead_id, call_id, relation, attached_at) VALUES ($1, $2, $3, 'origin', $4)")
        .bind(mirror.business)
        .bind(lead)
        .bind(call)
        .bind(mirror.clock.now())
        .execute(&pool)
        .await
        .unwrap();
    mirror.run_jobs().await;

    let calls = mirror.fake.records(BASE, "Calls");
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0]["Call SID"], "CAmirror1");
    assert_eq!(calls[0]["Outcome"], "Missed");
    assert_eq!(calls[0]["Lead ID"], lead.to_string());
    assert_eq!(
        calls[0]["Lead Link"],
        format!("https://app.example.com/app/leads/{lead}")
    );
    let leads = mirror.leads();
    assert_eq!(leads.len(), 1);
    assert_eq!(leads[0]["Lead ID"], lead.to_string());
    assert_eq!(leads[0]["Status"], "NEW");
    for upsert in mirror.fake.upserts() {
        assert_eq!(upsert.body["typecast"], true);
        let merge = &upsert.body["performUpsert"]["fieldsToMergeOn"][0];
        assert!(merge == "Call SID" || merge == "Lead ID", "{merge}");
    }

    // A status change through the app is pushed too.
    let reply = mirror
        .owner
        .call(
            "/api/app/leads/status",
            &[("lead_id", &lead.to_string()), ("status", "BOOKED")],
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.body);
    mirror.run_jobs().await;
    let leads = mirror.leads();
    assert_eq!(leads.len(), 1, "merged on Lead ID");
    assert_eq!(leads[0]["Status"], "BOOKED");
    let pushed = "SELECT count(*) FROM airtable_connections WHERE last_pushed_at IS NOT NULL";
    assert_eq!(count(&pool, pushed).await, 1);
}

#[sqlx::test]
async fn i3_quick_changes_to_one_lead_become_one_request_with_the_final_state(pool: PgPool) {
    let mirror = Mirror::connected(pool.clone()).await;
    let number = mirror.number().await;
    let lead = mirror.lead(number).await;
    for status in ["QUALIFIED", "CONTACTED", "BOOKED"] {
        mirror
            .change_lead(lead, &format!("status = '{status}'"))
            .await;
    }
    mirror.run_jobs().await;
    let upserts = mirror.fake.upserts();
    assert_eq!(upserts.len(), 1, "{upserts:?}");
    assert_eq!(upserts[0].body["records"][0]["fields"]["Status"], "BOOKED");
}

#[sqlx::test]
async fn an_unrelated_column_change_pushes_nothing(pool: PgPool) {
    let mirror = Mirror::connected(pool.clone()).await;
    let number = mirror.number().await;
    let lead = mirror.lead(number).await;
    mirror.run_jobs().await;
    assert_eq!(mirror.fake.upserts().len(), 1);
    mirror
        .change_lead(lead, "invalid_attempts = 2, nudge_sent_at = updated_at")
        .await;
    mirror.run_jobs().await;
    assert_eq!(mirror.fake.upserts().len(), 1);
}

#[sqlx::test]
async fn i1_a_429_holds_the_base_and_two_instances_stay_within_five_a_second(pool: PgPool) {
    let mirror = Mirror::connected(pool.clone()).await;
    let number = mirror.number().await;
    mirror.fake.state().failures.push_back(429);
    for _ in 0..20 {
        mirror.lead(number).await;
    }
    mirror.run_jobs().await;
    // The worker had a few requests in flight when the 429 came back; none started after it.
    let (refused_at, burst) = {
        let state = mirror.fake.state();
        let refused = state.requests.iter().find(|r| r.status == 429).unwrap();
        (refused.at, state.requests.len())
    };
    assert!(burst <= 5, "{burst} requests before the 429 was known");

    // Nothing is sent before the 30 s are over, then both instances work through the rest.
    mirror.clock.advance(Duration::seconds(29));
    run_jobs_of(&mirror.second_instance).await;
    assert_eq!(mirror.fake.state().requests.len(), burst, "the base waits");
    for _ in 0..20 {
        mirror.clock.advance(Duration::milliseconds(500));
        mirror.run_jobs().await;
        run_jobs_of(&mirror.second_instance).await;
    }
    assert_eq!(mirror.leads().len(), 20, "every lead eventually pushed");
    let requests = mirror.fake.state().requests.clone();
    assert!(requests[burst].at >= refused_at + Duration::seconds(30));
    for request in &requests {
        let within_a_second = requests
            .iter()
            .filter(|other| other.at >= request.at && other.at < request.at + Duration::seconds(1))
            .count();
        assert!(
            within_a_second <= 5,
            "{within_a_second} requests in the second from {}",
            request.at
        );
    }
    let dead = "SELECT count(*) FROM jobs WHERE kind = 'airtable_push' AND status <> 'succeeded'";
    assert_eq!(count(&pool, dead).await, 0);
}

#[sqlx::test]
async fn r9_pushes_wait_out_an_airtable_outage_and_all_complete(pool: PgPool) {
    let mirror = Mirror::connected(pool.clone()).await;
    let number = mirror.number().await;
    mirror.fake.state().down = true;
    let before = mirror.fake.state().requests.len();
    for _ in 0..5 {
        mirror.lead(number).await;
    }
    // Writing leads (what every webhook does) never calls Airtable: only the job does.
    assert_eq!(mirror.fake.state().requests.len(), before);
    // Ten minutes of outage, the worker trying on the kind's schedule.
    for _ in 0..20 {
        mirror.run_jobs().await;
        mirror.clock.advance(Duration::seconds(30));
    }
    assert!(mirror.leads().is_empty());
    let waiting = "SELECT count(*) FROM jobs WHERE kind = 'airtable_push' AND status = 'queued'";
    assert_eq!(count(&pool, waiting).await, 5, "retrying, not dead");
    mirror.fake.state().down = false;
    for _ in 0..12 {
        mirror.clock.advance(Duration::minutes(1));
        mirror.run_jobs().await;
    }
    assert_eq!(mirror.leads().len(), 5);
    let (status, _) = connection(&pool, mirror.business).await;
    assert_eq!(status, "active");
}

#[sqlx::test]
async fn i4_a_refused_key_stops_the_mirror_until_reconnect_and_resync(pool: PgPool) {
    let mut mirror = Mirror::connected(pool.clone()).await;
    let number = mirror.number().await;
    let lead = mirror.lead(number).await;
    mirror.fake.state().failures.push_back(401);
    mirror.run_jobs().await;
    let (status, error) = connection(&pool, mirror.business).await;
    assert_eq!(status, "error");
    assert_eq!(error.as_deref(), Some("Airtable rejected the API key"));
    let dead = "SELECT count(*) FROM jobs WHERE kind = 'airtable_push' AND status = 'dead'";
    assert_eq!(count(&pool, dead).await, 1);
    let page = mirror.owner.get("/app/integrations").await;
    assert!(
        page.body.contains("Airtable rejected the API key"),
        "shown to the owner"
    );

    // While broken, changes queue nothing.
    mirror.change_lead(lead, "status = 'BOOKED'").await;
    assert_eq!(mirror.run_jobs().await, 0);

    assert!(mirror.connect().await.status.is_success());
    let reply = mirror
        .owner
        .call("/api/app/integrations/airtable/resync", &[])
        .await;
    assert!(reply.status.is_success(), "{}", reply.body);
    mirror.clock.advance(Duration::seconds(2));
    mirror.run_jobs().await;
    let leads = mirror.leads();
    assert_eq!(leads.len(), 1);
    assert_eq!(leads[0]["Status"], "BOOKED");
}

#[sqlx::test]
async fn a_refused_record_fails_alone_with_airtables_message(pool: PgPool) {
    let mirror = Mirror::connected(pool.clone()).await;
    let number = mirror.number().await;
    mirror.fake.state().failures.push_back(422);
    mirror.lead(number).await;
    mirror.lead(number).await;
    mirror.run_jobs().await;
    assert_eq!(mirror.leads().len(), 1, "the other record went through");
    let (status, error) = connection(&pool, mirror.business).await;
    assert_eq!(status, "active");
    assert!(error.unwrap().contains("cannot accept the provided value"));
}

#[sqlx::test]
async fn i12_the_test_record_is_one_upsert_and_says_so(pool: PgPool) {
    let mut mirror = Mirror::connected(pool.clone()).await;
    let reply = mirror
        .owner
        .submit(
            "/app/integrations",
            "/api/app/integrations/airtable/test-record",
            &[],
        )
        .await;
    assert_eq!(reply.status, 303);
    let location = reply.header("location").unwrap().to_owned();
    assert!(location.ends_with("done=test-record"), "{location}");
    let page = mirror.owner.get(&location).await;
    assert!(page.body.contains("Test record sent."));
    let leads = mirror.leads();
    assert_eq!(leads.len(), 1);
    assert_eq!(leads[0]["Lead ID"], "test-record");
    assert_eq!(leads[0]["Name"], "Test record");
}

#[sqlx::test]
async fn disconnecting_forgets_the_key_and_cancels_queued_pushes(pool: PgPool) {
    let mut mirror = Mirror::connected(pool.clone()).await;
    let number = mirror.number().await;
    mirror.lead(number).await;
    let reply = mirror
        .owner
        .call("/api/app/integrations/airtable/disconnect", &[])
        .await;
    assert!(reply.status.is_success(), "{}", reply.body);
    assert_eq!(
        count(&pool, "SELECT count(*) FROM airtable_connections").await,
        0
    );
    let canceled = "SELECT count(*) FROM jobs WHERE kind = 'airtable_push' AND status = 'canceled'";
    assert_eq!(count(&pool, canceled).await, 1);
    mirror.run_jobs().await;
    assert!(
        mirror
            .fake
            .state()
            .requests
            .iter()
            .all(|r| r.method == "GET")
    );
}

#[sqlx::test]
async fn agents_cannot_use_the_integrations_page_or_its_actions(pool: PgPool) {
    let mirror = Mirror::new(pool.clone()).await;
    let app = router(mirror.state.clone());
    let mut agent = crate::support::agent(&app, &pool, mirror.business, "agent@example.com").await;
    assert_eq!(agent.get("/app/integrations").await.status, 403);
    let reply = agent
        .call("/api/app/integrations/airtable/resync", &[])
        .await;
    assert_eq!(reply.status, 403);
}

/// I2 through the real webhooks: with the mirror connected and Airtable down, a missed call
/// (voice, dial action) and a text answer as always without a single Airtable request on the
/// request path; the pushes they queued complete after recovery.
#[sqlx::test]
async fn i2_calls_and_texts_never_wait_for_airtable(pool: PgPool) {
    use callbackcloser::{
        domain::airtable_records::{CALL_FIELDS, LEAD_FIELDS},
        server::{clock::SharedClock, simulators::airtable::FakeAirtable},
    };

    use crate::{
        sms_support::text,
        support::test_clock,
        webhook_support::{CALLER, active_line, hooks, missed_call, run_jobs},
    };

    let fake_clock: SharedClock = test_clock();
    let fake = FakeAirtable::new(KEY, fake_clock);
    fake.add_table(BASE, "Calls", &CALL_FIELDS);
    fake.add_table(BASE, "Leads", &LEAD_FIELDS);
    let base = fake.spawn().await;
    let hooks = hooks(pool.clone(), &[("AIRTABLE_API_BASE", &base)]);
    let line = active_line(&pool).await;
    sqlx::query(
        "INSERT INTO airtable_connections (business_id, base_id, api_key_encrypted, calls_table,
             leads_table, status, created_at, updated_at)
         VALUES ($1, $2, $3, 'Calls', 'Leads', 'active', $4, $4)",
    )
    .bind(line.business_id)
    .bind(BASE)
    .bind(hooks.state.secrets.seal(KEY))
    .bind(hooks.clock.now())
    .execute(&pool)
    .await
    .unwrap();
    fake.state().down = true;

    let reply = missed_call(&hooks, "CA00000000000000000000000000i2ab", CALLER).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    text(&hooks, "SM000000000000000000000000000i2ab", CALLER, "1").await;
    assert!(
        fake.state().requests.is_empty(),
        "no webhook waited on Airtable"
    );
    let queued = "SELECT count(*) FROM jobs WHERE kind = 'airtable_push' AND status = 'queued'";
    assert_eq!(count(&pool, queued).await, 2, "the call and the lead");

    run_jobs(&hooks).await;
    assert!(
        fake.records(BASE, "Leads").is_empty(),
        "down: nothing pushed"
    );
    assert_eq!(count(&pool, queued).await, 2, "retrying, not dead");
    fake.state().down = false;
    for _ in 0..4 {
        hooks.clock.advance(Duration::minutes(1));
        run_jobs(&hooks).await;
    }
    assert_eq!(fake.records(BASE, "Calls").len(), 1);
    let leads = fake.records(BASE, "Leads");
    assert_eq!(leads.len(), 1);
    assert_eq!(leads[0]["Service"], "Repair", "the lead as it is now");
}

#[sqlx::test]
async fn a_resync_is_paced_at_the_source_not_due_all_at_once(pool: PgPool) {
    let mut mirror = Mirror::connected(pool.clone()).await;
    let number = mirror.number().await;
    for _ in 0..10 {
        mirror.lead(number).await;
    }
    mirror.clock.advance(Duration::seconds(5));
    for _ in 0..10 {
        mirror.run_jobs().await;
        mirror.clock.advance(Duration::seconds(1));
    }
    let reply = mirror
        .owner
        .call("/api/app/integrations/airtable/resync", &[])
        .await;
    assert!(reply.status.is_success(), "{}", reply.body);
    let due: Vec<chrono::DateTime<chrono::Utc>> = sqlx::query_scalar(
        "SELECT next_run_at FROM jobs WHERE kind = 'airtable_push' AND status = 'queued'
         ORDER BY next_run_at",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(due.len(), 10);
    // Five a second, the base's pace: 200 ms apart.
    for pair in due.windows(2) {
        assert_eq!(pair[1] - pair[0], Duration::milliseconds(200));
    }
}
