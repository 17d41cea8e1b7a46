//! The lead page's transcript in pages (web.md §6.3): every view and every refresh reads the
//! latest page only, "Older messages" walks back through a long conversation, and a cursor
//! can never show another lead's texts.

use sqlx::PgPool;
use uuid::Uuid;

use crate::support::{Desk, desk_with};

async fn lead_with_texts(pool: &PgPool, desk: &Desk, caller: &str, texts: i32) -> Uuid {
    let id = desk.lead_from(pool, caller).await;
    // Pairs share a created_at (a text and the reply written with it), so the cursor's
    // tie-break is exercised on every page boundary.
    sqlx::query(
        "INSERT INTO messages (business_id, lead_id, direction, participant, kind, body, status, created_at)
         SELECT $1, $2, CASE WHEN g % 2 = 0 THEN 'inbound' ELSE 'outbound' END, 'lead',
                CASE WHEN g % 2 = 0 THEN 'inbound' ELSE 'prompt' END,
                $3 || ' text #' || g || '.', CASE WHEN g % 2 = 0 THEN 'received' ELSE 'delivered' END,
                timestamptz '2026-03-02 15:00Z' + (g / 2) * interval '1 minute'
         FROM generate_series(0, $4 - 1) g",
    )
    .bind(desk.business)
    .bind(id)
    .bind(caller)
    .bind(texts)
    .execute(pool)
    .await
    .unwrap();
    id
}

/// The numbers of the texts shown, in page order.
fn shown(body: &str, caller: &str) -> Vec<i32> {
    let marker = format!("{caller} text #");
    body.match_indices(&marker)
        .map(|(at, _)| {
            let rest = &body[at + marker.len()..];
            rest[..rest.find('.').unwrap()].parse().unwrap()
        })
        .collect()
}

fn older_link(body: &str) -> Option<String> {
    let start = body.find("?before=")? + "?before=".len();
    let rest = &body[start..];
    Some(rest[..rest.find(['#', '"'])?].to_owned())
}

#[sqlx::test]
async fn a_long_conversation_shows_its_latest_page_and_older_pages_on_request(pool: PgPool) {
    let mut d = desk_with(&pool, &[], "subscription_status = 'ACTIVE'").await;
    let caller = "+15125550100";
    let id = lead_with_texts(&pool, &d, caller, 120).await;

    let latest = d.owner.get(&format!("/app/leads/{id}")).await;
    assert_eq!(latest.status, 200, "{}", latest.body);
    assert_eq!(shown(&latest.body, caller), (70..120).collect::<Vec<_>>());
    assert!(!latest.body.contains("Latest messages"));
    let cursor = older_link(&latest.body).expect("an Older link");

    let older = d
        .owner
        .get(&format!("/app/leads/{id}?before={cursor}"))
        .await;
    assert_eq!(older.status, 200);
    assert_eq!(shown(&older.body, caller), (20..70).collect::<Vec<_>>());
    assert!(older.body.contains("Latest messages"));
    let cursor = older_link(&older.body).expect("another Older link");

    let oldest = d
        .owner
        .get(&format!("/app/leads/{id}?before={cursor}"))
        .await;
    assert_eq!(shown(&oldest.body, caller), (0..20).collect::<Vec<_>>());
    assert_eq!(
        older_link(&oldest.body),
        None,
        "nothing before the first text"
    );
}

#[sqlx::test]
async fn a_short_conversation_has_no_older_link_and_a_bad_cursor_shows_the_latest(pool: PgPool) {
    let mut d = desk_with(&pool, &[], "subscription_status = 'ACTIVE'").await;
    let id = lead_with_texts(&pool, &d, "+15125550100", 50).await;
    let page = d.owner.get(&format!("/app/leads/{id}")).await;
    assert_eq!(shown(&page.body, "+15125550100").len(), 50);
    assert_eq!(older_link(&page.body), None);
    let edited = d
        .owner
        .get(&format!("/app/leads/{id}?before=not-a-cursor"))
        .await;
    assert_eq!(edited.status, 200);
    assert_eq!(shown(&edited.body, "+15125550100").len(), 50);
}

#[sqlx::test]
async fn a_cursor_from_another_lead_shows_none_of_its_texts(pool: PgPool) {
    let mut d = desk_with(&pool, &[], "subscription_status = 'ACTIVE'").await;
    let mine = lead_with_texts(&pool, &d, "+15125550100", 10).await;
    let other = lead_with_texts(&pool, &d, "+15125550101", 10).await;
    let other_text: Uuid = sqlx::query_scalar(
        "SELECT id FROM messages WHERE lead_id = $1 ORDER BY created_at DESC LIMIT 1",
    )
    .bind(other)
    .fetch_one(&pool)
    .await
    .unwrap();
    let page = d
        .owner
        .get(&format!("/app/leads/{mine}?before={other_text}"))
        .await;
    assert_eq!(page.status, 200);
    assert!(shown(&page.body, "+15125550101").is_empty());
    assert!(shown(&page.body, "+15125550100").is_empty());
    assert!(page.body.contains("No older texts."), "{}", page.body);
    assert!(page.body.contains("Latest messages"));
}
