//! "Import number settings" (integrations.md §2.5; I5, I6, I15): rows matched to this
//! business's numbers, each validated like the number form, valid rows applied together, and a
//! per-row report on the page.

use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::{
    airtable_support::Mirror,
    support::{insert_business, insert_number},
    webhook_support::count,
};

const IMPORT: &str = "/api/app/integrations/airtable/import";

async fn settings(pool: &PgPool, number: Uuid) -> (String, bool, Option<i32>) {
    sqlx::query_as(
        "SELECT forwarding_number, sms_automation_enabled, ring_timeout_seconds
         FROM phone_numbers WHERE id = $1",
    )
    .bind(number)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn i5_the_design_notes_columns_update_matching_numbers_and_skip_the_rest(pool: PgPool) {
    let mut mirror = Mirror::connected(pool.clone()).await;
    let number = mirror.number().await;
    assert!(settings(&pool, number).await.1, "automation starts on");
    mirror.config_rows(&[
        json!({"Tracking Number": "(512) 555-0199", "Primary Number": "+1 512 555 0142", "Notes": "main"}),
        json!({"Tracking Number": "+15125550123", "Primary Number": "+15125550142", "SMS Missed Call Active?": true}),
    ]);
    let reply = mirror.owner.submit("/app/integrations", IMPORT, &[]).await;
    assert_eq!(reply.status, 303, "{}", reply.body);

    // Unticked checkbox (left out of the record) turns automation off; the forwarding phone
    // changes; the ring timeout column is empty, so it stays.
    assert_eq!(
        settings(&pool, number).await,
        ("+15125550142".to_owned(), false, None)
    );
    let page = mirror.owner.get("/app/integrations").await;
    assert!(
        page.body
            .contains("Forwarding number: +15125550177 → +15125550142"),
        "{}",
        page.body
    );
    assert!(page.body.contains("SMS automation: on → off"));
    assert!(page.body.contains("Skipped: not one of your numbers"));
    let audit = "SELECT count(*) FROM audit_log WHERE action = 'integration.config_imported'";
    assert_eq!(count(&pool, audit).await, 1);
}

#[sqlx::test]
async fn i6_a_row_for_another_business_is_skipped_and_nothing_is_written(pool: PgPool) {
    let mut mirror = Mirror::connected(pool.clone()).await;
    let other = insert_business(&pool, "Other Plumbing").await;
    let theirs = insert_number(&pool, other, "+15125550188", "active")
        .await
        .unwrap();
    let before = settings(&pool, theirs).await;
    mirror.config_rows(&[
        json!({"Tracking Number": "+15125550188", "Primary Number": "+15125550142"}),
    ]);
    let reply = mirror.owner.call(IMPORT, &[]).await;
    assert!(reply.status.is_success(), "{}", reply.body);
    assert_eq!(settings(&pool, theirs).await, before);
    let page = mirror.owner.get("/app/integrations").await;
    assert!(page.body.contains("Skipped: not one of your numbers"));
}

#[sqlx::test]
async fn i15_an_invalid_row_is_reported_and_the_valid_one_applied(pool: PgPool) {
    let mut mirror = Mirror::connected(pool.clone()).await;
    let first = mirror.number().await;
    let second = insert_number(&pool, mirror.business, "+15125550198", "active")
        .await
        .unwrap();
    let second_before = settings(&pool, second).await;
    mirror.config_rows(&[
        json!({"Tracking Number": "+15125550199", "Ring Timeout": 30, "SMS Missed Call Active?": "yes"}),
        json!({"Tracking Number": "+15125550198", "Ring Timeout": 300, "Primary Number": "+15125550142", "SMS Missed Call Active?": "maybe"}),
    ]);
    let reply = mirror.owner.call(IMPORT, &[]).await;
    assert!(reply.status.is_success(), "{}", reply.body);
    assert_eq!(settings(&pool, first).await.2, Some(30));
    assert_eq!(
        settings(&pool, second).await,
        second_before,
        "not applied at all"
    );
    let page = mirror.owner.get("/app/integrations").await;
    assert!(page.body.contains("Not applied"));
    assert!(
        page.body
            .contains("Ring timeout: Use a whole number of seconds from 5 to 90"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("SMS automation: Use a checkbox, true/false, yes/no or 1/0.")
    );
    assert!(page.body.contains("Ring timeout: – → 30"));
}

#[sqlx::test]
async fn importing_needs_a_settings_table(pool: PgPool) {
    let mut mirror = Mirror::new(pool.clone()).await;
    let reply = mirror.owner.call(IMPORT, &[]).await;
    assert_eq!(reply.status, 409, "{}", reply.body);
    let reply = mirror
        .owner
        .call(
            "/api/app/integrations/airtable/connect",
            &[
                ("api_key", crate::airtable_support::KEY),
                ("base_id", crate::airtable_support::BASE),
                ("calls_table", "Calls"),
                ("leads_table", "Leads"),
            ],
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.body);
    let reply = mirror.owner.call(IMPORT, &[]).await;
    assert_eq!(reply.status, 409);
    assert!(reply.body.contains("settings table"), "{}", reply.body);
}
