//! The lead list (web.md §6.2): filters, search, keyset pages, badges, the banners and the
//! getting-started checklist.

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
    pub service: Option<String>,
    pub postal_code: Option<String>,
    pub number_label: String,
    /// `Billing inactive`, `Owner notified`, `Paused`, … (web.md §6.2).
    pub badges: Vec<String>,
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

/// The list's filters as the page shows them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListFilters {
    pub status: Option<String>,
    pub number: Option<String>,
    pub source: Option<String>,
    pub flag: Option<String>,
    pub q: String,
    /// The filters as a query string, without the cursor.
    pub query: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadsOverview {
    pub leads: Vec<LeadSummary>,
    /// Cursor of the next (older) page.
    pub older: Option<String>,
    pub is_first_page: bool,
    pub filters: ListFilters,
    /// Tracking numbers to filter by: `(id, label)`.
    pub numbers: Vec<(Uuid, String)>,
    pub is_owner: bool,
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

/// `New`, `Qualified`, … for a stored status.
pub fn status_label(status: &str) -> &'static str {
    match status {
        "NEW" => "New",
        "QUALIFIED" => "Qualified",
        "CONTACTED" => "Contacted",
        "BOOKED" => "Booked",
        "LOST" => "Lost",
        _ => "Unknown",
    }
}

#[server(prefix = "/api/app", endpoint = "leads-overview")]
pub async fn get_leads_overview(
    status: Option<String>,
    number: Option<String>,
    source: Option<String>,
    flag: Option<String>,
    q: Option<String>,
    before: Option<String>,
) -> Result<LeadsOverview, AppError> {
    use crate::{
        domain::lead_filters::LeadQuery,
        server::{
            auth::viewer::{require_member, state},
            leads::list,
        },
    };
    let member = require_member().await?;
    let state = state();
    let pool = &state.pool;
    let query = LeadQuery::parse(
        status.as_deref(),
        number.as_deref(),
        source.as_deref(),
        flag.as_deref(),
        q.as_deref(),
        before.as_deref(),
    );
    let (rows, next) = list::page(pool, member.business_id, &query).await?;
    let leads = rows.into_iter().map(summary).collect();
    let numbers: Vec<(Uuid, String, bool)> = sqlx::query_as(
        "SELECT id, label || ' (' || e164 || ')', status = 'active' FROM phone_numbers
         WHERE business_id = $1 AND status <> 'released' ORDER BY created_at",
    )
    .bind(member.business_id)
    .fetch_all(pool)
    .await?;
    let has_number = numbers.iter().any(|(_, _, active)| *active);
    let has_active_plan: bool =
        sqlx::query_scalar("SELECT subscription_status = 'ACTIVE' FROM businesses WHERE id = $1")
            .bind(member.business_id)
            .fetch_one(pool)
            .await?;
    let health = crate::server::messaging::health::texting_health(pool, member.business_id).await?;
    let automation =
        crate::server::billing::overview::automation_status(&state, member.business_id).await?;
    let mut banners = crate::domain::messaging_banners::banners(&health);
    banners.extend(automation.usage.warning());
    Ok(LeadsOverview {
        leads,
        older: next.map(|c| c.encode()),
        is_first_page: query.before.is_none(),
        filters: ListFilters {
            status: query.status.as_ref().map(|s| s.to_ascii_lowercase()),
            number: query.number.clone(),
            source: query.source.clone(),
            flag: query.flag.map(|f| f.key().to_owned()),
            q: query.q.clone(),
            query: query.filters_query(),
        },
        checklist: Checklist {
            has_active_plan,
            has_number,
        },
        numbers: numbers
            .into_iter()
            .map(|(id, label, _)| (id, label))
            .collect(),
        is_owner: member.is_owner(),
        banners,
        automation: Some(automation.message()).filter(|m| m != "Automation is active."),
        automation_paused: automation.is_paused(),
    })
}

#[cfg(feature = "ssr")]
fn summary(lead: crate::server::leads::list::ListedLead) -> LeadSummary {
    let mut badges = Vec::new();
    match lead.billing_block_reason.as_deref() {
        Some("billing_inactive") => badges.push("Billing inactive"),
        Some("quota_reached") => badges.push("Monthly limit reached"),
        _ => {}
    }
    for (on, badge) in [
        (lead.owner_notified, "Owner notified"),
        (lead.automation_paused, "Paused"),
        (lead.opted_out, "Opted out"),
        (lead.unreachable, "Can't text"),
    ] {
        if on {
            badges.push(badge);
        }
    }
    LeadSummary {
        id: lead.id,
        caller_e164: lead.caller_e164,
        contact_name: lead.contact_name,
        status: lead.status,
        conversation_state: lead.conversation_state,
        source: lead.source,
        created_at: lead.created_at,
        service: lead.service,
        postal_code: lead.postal_code,
        number_label: lead.number_label,
        badges: badges.into_iter().map(str::to_owned).collect(),
    }
}
