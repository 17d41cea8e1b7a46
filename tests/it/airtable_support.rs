//! The Airtable tests' fixture: an owner on an app wired to the stateful Airtable fake (whose
//! request log reads the same manual clock), and a second app instance on the same database.

use std::sync::Arc;

use axum::Router;
use callbackcloser::{
    domain::airtable_records::{CALL_FIELDS, LEAD_FIELDS},
    server::{
        clock::{Clock as _, ManualClock, SharedClock},
        router::router,
        simulators::airtable::FakeAirtable,
        state::AppState,
    },
};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use crate::{
    support::{Visitor, config_with, owner, state_with, test_clock},
    webhook_support::run_jobs_of,
};

pub const KEY: &str = "patTESTKEY.0123456789";
pub const BASE: &str = "appTESTBASE000001";

pub struct Mirror {
    pub pool: PgPool,
    pub fake: FakeAirtable,
    pub clock: Arc<ManualClock>,
    pub state: AppState,
    pub second_instance: AppState,
    pub owner: Visitor,
    pub business: Uuid,
}

impl Mirror {
    pub async fn new(pool: PgPool) -> Self {
        let clock = test_clock();
        let shared: SharedClock = clock.clone();
        let fake = FakeAirtable::new(KEY, shared);
        fake.add_table(BASE, "Calls", &CALL_FIELDS);
        fake.add_table(BASE, "Leads", &LEAD_FIELDS);
        fake.add_table(
            BASE,
            "Number settings",
            &[
                "Tracking Number",
                "Primary Number",
                "SMS Missed Call Active?",
                "Ring Timeout",
                "Notes",
            ],
        );
        let base = fake.spawn().await;
        let vars = [
            ("AIRTABLE_API_BASE", base.as_str()),
            ("PUBLIC_BASE_URL", "https://app.example.com"),
        ];
        let state = state_with(pool.clone(), config_with(&vars), clock.clone());
        let second_instance = state_with(pool.clone(), config_with(&vars), clock.clone());
        let app: Router = router(state.clone());
        let (mut owner, business) = owner(&app, &pool, "owner@example.com").await;
        owner.origin = "https://app.example.com".into();
        Self {
            pool,
            fake,
            clock,
            state,
            second_instance,
            owner,
            business,
        }
    }

    pub async fn connect(&mut self) -> crate::support::Reply {
        self.owner
            .call(
                "/api/app/integrations/airtable/connect",
                &[
                    ("api_key", KEY),
                    ("base_id", BASE),
                    ("calls_table", "Calls"),
                    ("leads_table", "Leads"),
                    ("config_table", "Number settings"),
                ],
            )
            .await
    }

    pub async fn connected(pool: PgPool) -> Self {
        let mut mirror = Self::new(pool).await;
        let reply = mirror.connect().await;
        assert!(reply.status.is_success(), "{} {}", reply.status, reply.body);
        mirror
    }

    /// A lead written the way the app writes rows: its times from the shared clock.
    pub async fn lead(&self, number: Uuid) -> Uuid {
        sqlx::query_scalar(
            "INSERT INTO leads (business_id, phone_number_id, sending_number_id, caller_e164, source,
                                last_activity_at, created_at, updated_at)
             VALUES ($1, $2, $2, '+15125550100', 'call', $3, $3, $3) RETURNING id",
        )
        .bind(self.business)
        .bind(number)
        .bind(self.clock.now())
        .fetch_one(&self.pool)
        .await
        .unwrap()
    }

    pub async fn missed_call(&self, number: Uuid, sid: &str) -> Uuid {
        sqlx::query_scalar(
            "INSERT INTO calls (call_sid, business_id, phone_number_id, from_e164, to_e164, caller_kind,
                                outcome, missed_reason, created_at, updated_at)
             VALUES ($1, $2, $3, '+15125550100', '+15125550199', 'external', 'missed', 'no_answer', $4, $4)
             RETURNING id",
        )
        .bind(sid)
        .bind(self.business)
        .bind(number)
        .bind(self.clock.now())
        .fetch_one(&self.pool)
        .await
        .unwrap()
    }

    /// `UPDATE leads SET <set>` at the clock's now.
    pub async fn change_lead(&self, lead: Uuid, set: &str) {
        sqlx::query(&format!(
            "UPDATE leads SET {set}, updated_at = $2 WHERE id = $1"
        ))
        .bind(lead)
        .bind(self.clock.now())
        .execute(&self.pool)
        .await
        .unwrap();
    }

    pub async fn number(&self) -> Uuid {
        crate::support::insert_number(&self.pool, self.business, "+15125550199", "active")
            .await
            .unwrap()
    }

    pub async fn run_jobs(&self) -> usize {
        run_jobs_of(&self.state).await
    }

    /// Fills the Number settings table with these rows' fields.
    pub fn config_rows(&self, rows: &[Value]) {
        let rows = rows
            .iter()
            .filter_map(|row| row.as_object().cloned())
            .collect();
        self.fake
            .state()
            .records
            .insert((BASE.to_owned(), "Number settings".to_owned()), rows);
    }

    pub fn leads(&self) -> Vec<serde_json::Map<String, Value>> {
        self.fake.records(BASE, "Leads")
    }
}

pub async fn connection(pool: &PgPool, business: Uuid) -> (String, Option<String>) {
    sqlx::query_as("SELECT status, last_error FROM airtable_connections WHERE business_id = $1")
        .bind(business)
        .fetch_one(pool)
        .await
        .unwrap()
}
