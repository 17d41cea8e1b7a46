//! The lead list (web.md §6.2). This first version lists the newest leads with the
//! getting-started checklist; filters, search and paging come with the full dashboard.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadSummary {
    pub id: Uuid,
    pub caller_e164: String,
    pub contact_name: Option<String>,
    pub status: String,
    pub conversation_state: String,
    pub source: String,
    pub created_at: DateTime<Utc>,
}

/// What a new business still has to do before missed calls turn into texts (web.md §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checklist {
    pub has_active_plan: bool,
    pub has_number: bool,
}

impl Checklist {
    pub fn is_done(self) -> bool {
        self.has_active_plan && self.has_number
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadsOverview {
    pub leads: Vec<LeadSummary>,
    pub checklist: Checklist,
    /// Texting problems the owner must act on (web.md §5), and the 80 % usage notice.
    pub banners: Vec<String>,
    /// The automation status message (billing.md §9.2) unless it is plain "Automation is
    /// active." (web.md §5), and whether it says "paused".
    pub automation: Option<String>,
    pub automation_paused: bool,
}

/// `Waiting: service`, `Completed`, … (web.md §6.2).
pub fn state_label(state: &str) -> &'static str {
    match state {
        "NOT_STARTED" => "Not started",
        "AWAITING_SERVICE" => "Waiting: service",
        "AWAITING_URGENCY" => "Waiting: urgency",
        "AWAITING_ZIP" => "Waiting: ZIP",
        "AWAITING_BEST_TIME" => "Waiting: best time",
        "AWAITING_NAME" => "Waiting: name",
        "COMPLETED" => "Completed",
        _ => "Unknown state",
    }
}

#[server(prefix = "/api/app", endpoint = "leads-overview")]
pub async fn get_leads_overview() -> Result<LeadsOverview, AppError> {
    use crate::server::auth::viewer::{require_member, state};
    let member = require_member().await?;
    let pool = &state().pool;
    let leads = sqlx::query_as::<
        _,
        (
            Uuid,
            String,
            Option<String>,
            String,
            String,
            String,
            DateTime<Utc>,
        ),
    >(
        "SELECT id, caller_e164, contact_name, status, conversation_state, source, created_at
         FROM leads WHERE business_id = $1 ORDER BY created_at DESC, id DESC LIMIT 25",
    )
    .bind(member.business_id)
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(
        |(id, caller_e164, contact_name, status, conversation_state, source, created_at)| {
            LeadSummary {
                id,
                caller_e164,
                contact_name,
                status,
                conversation_state,
                source,
                created_at,
            }
        },
    )
    .collect();
    let (has_active_plan, has_number): (bool, bool) = sqlx::query_as(
        "SELECT b.subscription_status = 'ACTIVE',
                EXISTS (SELECT 1 FROM phone_numbers n WHERE n.business_id = b.id AND n.status = 'active')
         FROM businesses b WHERE b.id = $1",
    )
    .bind(member.business_id)
    .fetch_one(pool)
    .await?;
    let health = crate::server::messaging::health::texting_health(pool, member.business_id).await?;
    let automation =
        crate::server::billing::overview::automation_status(&state(), member.business_id).await?;
    let mut banners = crate::domain::messaging_banners::banners(&health);
    banners.extend(automation.usage.warning());
    Ok(LeadsOverview {
        leads,
        checklist: Checklist {
            has_active_plan,
            has_number,
        },
        banners,
        automation: Some(automation.message()).filter(|m| m != "Automation is active."),
        automation_paused: automation.is_paused(),
    })
}
