//! The owner's dashboard over HTTP (web.md §6.2, §6.3, §7; integrations.md §4): the lead list's
//! filters, search and pages, the lead page, the status mutation, the recording proxy with
//! ranges and the allowlist, and the CSV export.

use sqlx::PgPool;
use uuid::Uuid;

use crate::support::{Desk, Reply, TWILIO_SID, Visitor, agent, desk_with, owner};

const TRACKING: &str = "+15125550199";

async fn desk(pool: &PgPool) -> Desk {
    desk_with(
        pool,
        &[],
        "subscription_status = 'ACTIVE', timezone = 'America/Chicago'",
    )
    .await
}

/// A lead `minutes` after 2026-03-02T15:00Z with `set` applied.
async fn lead(pool: &PgPool, desk: &Desk, caller: &str, minutes: i64, set: &str) -> Uuid {
    let at = chrono::DateTime::parse_from_rfc3339("2026-03-02T15:00:00Z").unwrap()
        + chrono::Duration::minutes(minutes);
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO leads (business_id, phone_number_id, sending_number_id, caller_e164, source,
             last_activity_at, created_at)
         VALUES ($1, $2, $2, $3, 'call', $4, $4) RETURNING id",
    )
    .bind(desk.business)
    .bind(desk.number)
    .bind(caller)
    .bind(at)
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

fn listed(reply: &Reply) -> usize {
    reply.body.matches("data-lead-id=").count()
}

#[sqlx::test]
async fn the_list_filters_searches_and_pages(pool: PgPool) {
    let mut d = desk(&pool).await;
    for i in 0..30 {
        lead(&pool, &d, &format!("+151255502{i:02}"), i, "").await;
    }
    let pat = lead(&pool, &d, "+13125550123", 40, "contact_name = 'Pat Morgan', status = 'BOOKED', service = 'Install', postal_code = '78704', postal_country = 'US'").await;
    lead(
        &pool,
        &d,
        "+13125550124",
        41,
        "source = 'sms', automation_paused = true, automation_pause_reason = 'manual'",
    )
    .await;
    lead(
        &pool,
        &d,
        "+13125550125",
        42,
        "billing_required = true, billing_block_reason = 'quota_reached'",
    )
    .await;

    let first = d.owner.get("/app/leads").await;
    assert_eq!(first.status, 200);
    assert_eq!(listed(&first), 25);
    assert!(first.body.contains("Monthly limit reached"));
    assert!(first.body.contains("Paused"));
    assert!(first.body.contains("Install · 78704"));
    let cursor = first
        .body
        .split("before=")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let second = d.owner.get(&format!("/app/leads?before={cursor}")).await;
    assert_eq!(listed(&second), 8);
    assert!(second.body.contains(">Newest<"));
    assert!(!second.body.contains("rel=\"next\""));
    let garbage = d.owner.get("/app/leads?before=nonsense").await;
    assert_eq!(
        listed(&garbage),
        25,
        "an invalid cursor shows the first page"
    );

    let booked = d.owner.get("/app/leads?status=Booked").await;
    assert_eq!(listed(&booked), 1);
    assert!(booked.body.contains(&pat.to_string()));
    assert_eq!(listed(&d.owner.get("/app/leads?source=sms").await), 1);
    assert_eq!(listed(&d.owner.get("/app/leads?flag=paused").await), 1);
    assert_eq!(
        listed(&d.owner.get("/app/leads?flag=billing_required").await),
        1
    );
    assert_eq!(
        listed(&d.owner.get("/app/leads?q=312555").await),
        3,
        "phone digits"
    );
    assert_eq!(
        listed(&d.owner.get("/app/leads?q=morg").await),
        1,
        "name, any case"
    );
    assert_eq!(
        listed(&d.owner.get("/app/leads?q=%25").await),
        25,
        "one character is no search"
    );
    assert_eq!(
        listed(&d.owner.get("/app/leads?q=m%25").await),
        0,
        "% is a literal"
    );
    let by_number = d
        .owner
        .get(&format!("/app/leads?number={}", d.number))
        .await;
    assert_eq!(listed(&by_number), 25);
    assert_eq!(
        listed(
            &d.owner
                .get(&format!("/app/leads?number={}", Uuid::new_v4()))
                .await
        ),
        0
    );
    // The export link carries the filters.
    let filtered = d.owner.get("/app/leads?status=booked&q=Pat").await;
    assert!(
        filtered
            .body
            .contains("/app/leads/export.csv?status=booked&amp;q=Pat")
    );
}

#[sqlx::test]
async fn the_lead_page_shows_fields_calls_and_the_transcript(pool: PgPool) {
    let mut d = desk(&pool).await;
    let id = lead(&pool, &d, "+15125550100", 0, "contact_name = 'Pat Morgan', service = 'Repair', urgency = 'Today', postal_code = '78704', postal_country = 'US', best_time = 'Morning', conversation_state = 'COMPLETED', status = 'QUALIFIED'").await;
    let call: Uuid = sqlx::query_scalar(
        "INSERT INTO calls (call_sid, business_id, phone_number_id, from_e164, from_raw, to_e164, caller_kind,
                            outcome, missed_reason, call_duration_seconds, recording_url, recording_sid)
         VALUES ('CA1', $1, $2, '+15125550100', '+15125550100', $3, 'external', 'missed', 'no_answer', 25,
                 $4, 'RE1') RETURNING id",
    )
    .bind(d.business)
    .bind(d.number)
    .bind(TRACKING)
    .bind(format!("https://api.twilio.com/2010-04-01/Accounts/{TWILIO_SID}/Recordings/RE1"))
    .fetch_one(&pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO lead_calls (business_id, lead_id, call_id, relation, attached_at) VALUES ($1, $2, $3, 'origin', now())")
        .bind(d.business)
        .bind(id)
        .bind(call)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO messages (business_id, lead_id, direction, participant, kind, body, status,
                               suppression_reason, created_at)
         VALUES ($1, $2, 'outbound', 'lead', 'intro', 'Hi, this is Acme', 'delivered', NULL, now() - interval '2 minutes'),
                ($1, $2, 'inbound', 'lead', 'inbound', 'Leaking pipe', 'received', NULL, now() - interval '1 minute'),
                ($1, $2, 'outbound', 'lead', 'prompt', 'How urgent?', 'suppressed', 'automation_paused', now())",
    )
    .bind(d.business)
    .bind(id)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE messages SET suppression_reason = 'automation_paused' WHERE status = 'suppressed'",
    )
    .execute(&pool)
    .await
    .unwrap();
    let page = d.owner.get(&format!("/app/leads/{id}")).await;
    assert_eq!(page.status, 200);
    for text in [
        "Pat Morgan",
        "Repair",
        "Today",
        "78704",
        "Morning",
        "Completed",
        "Missed - no answer",
        "rang 25 s",
        "Leaking pipe",
        "Delivered",
        "Suppressed (automation paused)",
        "Sending a reply stops automated texts for this lead.",
    ] {
        assert!(page.body.contains(text), "{text}");
    }
    let src = format!("src=\"/api/leads/{id}/recording?call={call}\"");
    assert!(page.body.contains(&src), "the player uses the proxy");
    assert!(!page.body.contains("api.twilio.com"), "never the raw URL");
    assert!(page.body.contains("selected") && page.body.contains("Qualified"));

    // An agent without the recording permission sees a note instead of the player.
    let mut helper = agent(&d.env.app, &pool, d.business, "agent@example.com").await;
    let seen = helper.get(&format!("/app/leads/{id}")).await;
    assert!(!seen.body.contains(&src));
    assert!(seen.body.contains("Recording available to owners"));

    // Another business's lead, or no lead at all: 404.
    let (mut stranger, _) = owner(&d.env.app, &pool, "other@example.com").await;
    let foreign = stranger.get(&format!("/app/leads/{id}")).await;
    assert_eq!(foreign.status, 404);
    assert!(!foreign.body.contains("Pat Morgan"));
    assert_eq!(d.owner.get("/app/leads/not-a-uuid").await.status, 404);
}

#[sqlx::test]
async fn status_changes_are_kept_and_audited(pool: PgPool) {
    let mut d = desk(&pool).await;
    let id = lead(&pool, &d, "+15125550100", 0, "").await;
    let reply = d
        .owner
        .submit(
            &format!("/app/leads/{id}"),
            "/api/app/leads/status",
            &[("lead_id", &id.to_string()), ("status", "booked")],
        )
        .await;
    assert_eq!(reply.status, 303);
    assert_eq!(
        reply.header("location"),
        Some(format!("/app/leads/{id}").as_str())
    );
    let (status, booked): (String, bool) =
        sqlx::query_as("SELECT status, booked_at IS NOT NULL FROM leads WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), booked), ("BOOKED", true));
    let changes: serde_json::Value =
        sqlx::query_scalar("SELECT changes FROM audit_log WHERE action = 'lead.status_changed'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(changes["status"], serde_json::json!(["NEW", "BOOKED"]));
    let page = d.owner.get(&format!("/app/leads/{id}")).await;
    assert!(page.body.contains("Status set to Booked"));
    let invalid = d
        .owner
        .call(
            "/api/app/leads/status",
            &[("lead_id", &id.to_string()), ("status", "won")],
        )
        .await;
    assert_eq!(invalid.status, 422);
    let (mut stranger, _) = owner(&d.env.app, &pool, "other@example.com").await;
    let foreign = stranger
        .call(
            "/api/app/leads/status",
            &[("lead_id", &id.to_string()), ("status", "lost")],
        )
        .await;
    assert_eq!(foreign.status, 404);
}

async fn with_recording(pool: &PgPool, d: &Desk, lead_id: Uuid, url: &str) -> Uuid {
    let call: Uuid = sqlx::query_scalar(
        "INSERT INTO calls (call_sid, business_id, phone_number_id, from_e164, from_raw, to_e164, caller_kind,
                            outcome, recording_url, recording_sid)
         VALUES ($4, $1, $2, '+15125550100', '+15125550100', $3, 'external', 'answered', $5, 'RE1') RETURNING id",
    )
    .bind(d.business)
    .bind(d.number)
    .bind(TRACKING)
    .bind(format!("CA{}", Uuid::new_v4().simple()))
    .bind(url)
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO lead_calls (business_id, lead_id, call_id, relation, attached_at) VALUES ($1, $2, $3, 'origin', now())")
        .bind(d.business)
        .bind(lead_id)
        .bind(call)
        .execute(pool)
        .await
        .unwrap();
    call
}

fn ranged(path: &str, range: &str) -> axum::http::Request<axum::body::Body> {
    axum::http::Request::get(path)
        .header("range", range)
        .body(axum::body::Body::empty())
        .unwrap()
}

#[sqlx::test]
async fn the_recording_proxy_streams_ranges_and_refuses_the_rest(pool: PgPool) {
    let mut d = desk(&pool).await;
    let audio: Vec<u8> = (0..=255u8).cycle().take(4000).collect();
    d.env
        .fake
        .state()
        .recording_audio
        .insert("RE1".into(), audio.clone());
    let id = lead(&pool, &d, "+15125550100", 0, "").await;
    let good = format!("https://api.twilio.com/2010-04-01/Accounts/{TWILIO_SID}/Recordings/RE1");
    let call = with_recording(&pool, &d, id, &good).await;
    let path = format!("/api/leads/{id}/recording?call={call}");

    let whole = d.owner.get(&path).await;
    assert_eq!(whole.status, 200);
    assert_eq!(whole.header("content-type"), Some("audio/mpeg"));
    assert_eq!(whole.header("accept-ranges"), Some("bytes"));
    assert_eq!(whole.header("cache-control"), Some("private, no-store"));
    assert_eq!(whole.header("content-length"), Some("4000"));
    assert_eq!(
        whole.header("content-disposition"),
        Some(
            format!(
                "inline; filename=\"recording-{}.mp3\"",
                sid_of(&pool, call).await
            )
            .as_str()
        )
    );
    assert!(whole.header("location").is_none(), "never a redirect");

    let part = d.owner.send(ranged(&path, "bytes=100-199")).await;
    assert_eq!(part.status, 206);
    assert_eq!(part.header("content-range"), Some("bytes 100-199/4000"));
    assert_eq!(part.bytes.len(), 100);
    assert_eq!(&part.bytes[..], &audio[100..200]);
    let beyond = d.owner.send(ranged(&path, "bytes=5000-")).await;
    assert_eq!(beyond.status, 416);
    // Newest recording when no call is named.
    assert_eq!(
        d.owner
            .get(&format!("/api/leads/{id}/recording"))
            .await
            .status,
        200
    );
    assert_eq!(
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM audit_log WHERE action = 'lead.recording_played'"
        )
        .fetch_one(&pool)
        .await
        .unwrap(),
        2,
        "whole plays are audited; seeks are not"
    );

    // Upstream gone → 404; upstream down → 502.
    d.env.fake.state().recording_audio.clear();
    assert_eq!(d.owner.get(&path).await.status, 404);
    d.env.fake.state().failures.push_back((500, 20500));
    assert_eq!(d.owner.get(&path).await.status, 502);

    // A stored URL outside the allowlist is never fetched.
    for bad in [
        "https://api.twilio.com.evil.example/2010-04-01/Accounts/AC1/Recordings/RE1",
        "https://user@api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
        "https://api.twilio.com:8443/2010-04-01/Accounts/AC1/Recordings/RE1",
        "https://api.twilio.com/2010-04-01/Accounts/AC1/Calls/CA1",
    ] {
        let other = lead(&pool, &d, "+15125550101", 1, "").await;
        let call = with_recording(&pool, &d, other, bad).await;
        let reply = d
            .owner
            .get(&format!("/api/leads/{other}/recording?call={call}"))
            .await;
        assert_eq!(reply.status, 404, "{bad}");
        assert_eq!(
            reply.body,
            r#"{"error":"Recording not available for this lead"}"#
        );
    }

    // Who may listen.
    let mut stranger = Visitor::new(d.env.app.clone());
    let refused = stranger.get(&path).await;
    assert_eq!(
        (refused.status.as_u16(), refused.body.as_str()),
        (401, r#"{"error":"Unauthorized"}"#)
    );
    let mut helper = agent(&d.env.app, &pool, d.business, "agent@example.com").await;
    assert_eq!(helper.get(&path).await.status, 403);
    let (mut other_owner, _) = owner(&d.env.app, &pool, "other@example.com").await;
    let foreign = other_owner.get(&path).await;
    assert_eq!(
        (foreign.status.as_u16(), foreign.body.as_str()),
        (404, r#"{"error":"Lead not found"}"#)
    );
}

async fn sid_of(pool: &PgPool, call: Uuid) -> String {
    sqlx::query_scalar("SELECT call_sid FROM calls WHERE id = $1")
        .bind(call)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test]
async fn the_csv_export_is_filtered_quoted_and_formula_safe(pool: PgPool) {
    let mut d = desk(&pool).await;
    let pat = lead(&pool, &d, "+15125550100", 0, "contact_name = '=HYPERLINK(\"x\")', status = 'QUALIFIED', service = 'Install, urgent', call_count = 1").await;
    lead(&pool, &d, "+15125550101", 1, "").await;
    let reply = d.owner.get("/app/leads/export.csv?status=qualified").await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        Some("text/csv; charset=utf-8")
    );
    assert!(
        reply
            .header("content-disposition")
            .unwrap()
            .starts_with("attachment; filename=\"leads-")
    );
    let text = String::from_utf8(reply.bytes.to_vec()).unwrap();
    assert!(text.starts_with('\u{feff}'));
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert_eq!(lines[0], callbackcloser::server::leads::export::HEADER);
    assert_eq!(
        lines.len(),
        3,
        "header, one row, the final empty piece: {lines:?}"
    );
    let row = lines[1];
    assert!(row.starts_with(&format!("{pat},2026-03-02T09:00:00-06:00,call,{TRACKING},")));
    assert!(row.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{row}");
    assert!(row.contains("\"Install, urgent\""));
    assert!(row.contains(",QUALIFIED,NOT_STARTED,"));
    assert!(row.ends_with(&format!("https://app.example.com/app/leads/{pat}")));
    let changes: serde_json::Value =
        sqlx::query_scalar("SELECT changes FROM audit_log WHERE action = 'leads.exported'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(changes["rows"][1], 1);
    assert_eq!(changes["filters"][1], "status=qualified");

    // Dates are business-local and inclusive.
    let all = d
        .owner
        .get("/app/leads/export.csv?from=2026-03-02&to=2026-03-02")
        .await;
    assert_eq!(
        String::from_utf8(all.bytes.to_vec())
            .unwrap()
            .matches("\r\n")
            .count(),
        3
    );
    let none = d.owner.get("/app/leads/export.csv?from=2026-03-03").await;
    assert_eq!(
        String::from_utf8(none.bytes.to_vec())
            .unwrap()
            .matches("\r\n")
            .count(),
        1
    );

    let mut helper = agent(&d.env.app, &pool, d.business, "agent@example.com").await;
    assert_eq!(helper.get("/app/leads/export.csv").await.status, 403);
    let mut stranger = Visitor::new(d.env.app.clone());
    let out = stranger.get("/app/leads/export.csv").await;
    assert_eq!(out.status, 303);
    assert!(
        out.header("location")
            .unwrap()
            .starts_with("/sign-in?next=")
    );
}

#[sqlx::test]
async fn insights_count_the_days_calls_texts_and_results(pool: PgPool) {
    let mut d = desk(&pool).await;
    let insert_call = |sid: &'static str, outcome: &'static str, reason: Option<&'static str>| {
        let pool = pool.clone();
        let (business, number) = (d.business, d.number);
        async move {
            sqlx::query(
                "INSERT INTO calls (call_sid, business_id, phone_number_id, from_e164, from_raw, to_e164,
                                    caller_kind, outcome, missed_reason)
                 VALUES ($1, $2, $3, '+15125550100', '+15125550100', $4, 'external', $5, $6)",
            )
            .bind(sid)
            .bind(business)
            .bind(number)
            .bind(TRACKING)
            .bind(outcome)
            .bind(reason)
            .execute(&pool)
            .await
            .unwrap();
        }
    };
    insert_call("CA1", "answered", None).await;
    insert_call("CA2", "missed", Some("no_answer")).await;
    insert_call("CA3", "missed", Some("busy")).await;
    insert_call("CA4", "moved", None).await;
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO leads (business_id, phone_number_id, caller_e164, source, last_activity_at, status, booked_at)
         VALUES ($1, $2, '+15125550100', 'call', now(), 'BOOKED', now()) RETURNING id",
    )
    .bind(d.business)
    .bind(d.number)
    .fetch_one(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO messages (business_id, lead_id, direction, participant, kind, body, status, sent_at, created_at)
         VALUES ($1, $2, 'outbound', 'lead', 'intro', 'Hi', 'delivered', now(), now() - interval '1 minute'),
                ($1, $2, 'inbound', 'lead', 'inbound', 'Leak', 'received', NULL, now())",
    )
    .bind(d.business)
    .bind(id)
    .execute(&pool)
    .await
    .unwrap();
    let page = d.owner.get("/app/insights?range=7").await;
    assert_eq!(page.status, 200);
    let total = |label: &str| {
        page.body
            .split(&format!("data-total=\"{label}\""))
            .nth(1)
            .and_then(|rest| rest.split('>').nth(1))
            .and_then(|rest| rest.split('<').next())
            .unwrap()
            .to_owned()
    };
    assert_eq!(total("Calls"), "3", "moved calls are not counted");
    assert_eq!(total("Answer rate"), "33%");
    assert_eq!(total("Text-backs"), "1");
    assert_eq!(total("Booked"), "1");
    assert!(page.body.contains("no answer: 1"));
    assert!(page.body.contains("busy: 1"));
    assert!(page.body.contains("<svg"));
    assert!(
        page.body
            .contains("3 calls over 7 days, 1 answered and 2 missed")
    );
    assert!(page.body.contains("By tracking number"));
}

#[sqlx::test]
async fn the_csv_export_survives_compression(pool: PgPool) {
    let mut d = desk(&pool).await;
    lead(&pool, &d, "+15125550100", 0, "").await;
    let request = axum::http::Request::get("/app/leads/export.csv")
        .header("accept-encoding", "gzip")
        .body(axum::body::Body::empty())
        .unwrap();
    let reply = d.owner.send(request).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-encoding"), Some("gzip"));
    assert!(!reply.bytes.is_empty());
}

/// A text and the reply it triggered are written in one transaction, so they share
/// `created_at`; the reply must still come after the text, whatever the ids.
#[sqlx::test]
async fn a_reply_written_in_the_same_transaction_follows_the_text_it_answers(pool: PgPool) {
    let mut d = desk(&pool).await;
    let id = lead(&pool, &d, "+15125550123", 0, "").await;
    sqlx::query(
        "INSERT INTO messages (id, business_id, lead_id, direction, participant, kind, body, status,
                               from_e164, to_e164, created_at)
         VALUES ('00000000-0000-0000-0000-000000000001', $1, $2, 'outbound', 'lead', 'prompt',
                 'How urgent is it?', 'delivered', '+15125550199', '+15125550123', '2026-03-02T15:01:00Z'),
                ('ffffffff-ffff-ffff-ffff-ffffffffffff', $1, $2, 'inbound', 'lead', 'inbound',
                 'Leaking pipe', 'received', '+15125550123', '+15125550199', '2026-03-02T15:01:00Z')",
    )
    .bind(d.business)
    .bind(id)
    .execute(&pool)
    .await
    .unwrap();
    let page = d.owner.get(&format!("/app/leads/{id}")).await;
    let (text, reply) = (
        page.body.find("Leaking pipe").expect("the text"),
        page.body.find("How urgent is it?").expect("the reply"),
    );
    assert!(text < reply, "the reply is shown after the text it answers");
}
