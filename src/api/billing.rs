//! Billing (billing.md §4, §5, §7): the page's data, checkout and the portal. Checkout and the
//! portal answer with a redirect, to Stripe or back to the page with a fixed error code.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::error::AppError;
use crate::domain::billing::{SubscriptionStatus, Tier};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanCard {
    pub tier: Tier,
    pub conversations: u32,
    /// The plan's price variable is set.
    pub available: bool,
    pub current: bool,
    /// Chosen on the marketing site (`/buy?plan=`).
    pub selected: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingPage {
    pub status: SubscriptionStatus,
    pub plan_label: String,
    pub period_end: Option<DateTime<Utc>>,
    /// `42/200 used (158 remaining)`, while a plan is active.
    pub usage_line: Option<String>,
    pub usage_warning: Option<String>,
    pub automation_message: String,
    pub automation_paused: bool,
    pub plans: Vec<PlanCard>,
    pub has_customer: bool,
    pub demo_mode: bool,
    /// One-time key of the checkout form: a double submit opens the same session.
    pub nonce: String,
}

/// The page's fixed texts for `?error=` (billing.md §4); unknown codes show nothing.
pub fn error_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "no_customer" => "No billing account yet. Choose a plan first.",
        "checkout_failed" => "We could not start checkout. Please try again.",
        "portal_failed" => "We could not open billing management. Please try again.",
        "plan_unavailable" => "That plan is not available right now. Please choose another.",
        _ => return None,
    })
}

/// `session_id` is set on the return from Checkout (`checkout=success`): the page applies that
/// session's subscription before it renders (billing.md §5.3).
#[server(prefix = "/api/app", endpoint = "billing-page")]
pub async fn get_billing_page(
    plan: Option<String>,
    session_id: Option<String>,
) -> Result<BillingPage, AppError> {
    use crate::{
        domain::billing::plan_label,
        server::{
            auth::viewer::{require_owner, state},
            billing::{checkout::first_price, overview},
        },
    };
    let owner = require_owner().await?;
    let state = state();
    if let Some(session_id) = session_id.as_deref().filter(|id| !id.trim().is_empty()) {
        overview::apply_returned_checkout(&state, owner.business_id, session_id.trim()).await;
    }
    let status = overview::automation_status(&state, owner.business_id).await?;
    let selected = plan.as_deref().and_then(Tier::from_key);
    let active = status.status == SubscriptionStatus::Active;
    let plans = [Tier::Starter, Tier::Pro]
        .into_iter()
        .map(|tier| PlanCard {
            tier,
            conversations: match tier {
                Tier::Starter => state.config.plans.starter_conversations,
                Tier::Pro => state.config.plans.pro_conversations,
            },
            available: first_price(&state, tier).is_some(),
            current: active && status.tier == tier,
            selected: selected == Some(tier),
        })
        .collect();
    Ok(BillingPage {
        status: status.status,
        plan_label: plan_label(status.status, status.tier).to_owned(),
        period_end: status.period_end,
        usage_line: active.then(|| status.usage.line()),
        usage_warning: status.usage.warning(),
        automation_message: status.message(),
        automation_paused: status.is_paused(),
        plans,
        has_customer: status.customer.is_some(),
        demo_mode: state.config.demo_mode,
        nonce: uuid::Uuid::new_v4().simple().to_string(),
    })
}

#[server(prefix = "/api/billing", endpoint = "checkout")]
pub async fn start_checkout(plan: String, nonce: String) -> Result<(), AppError> {
    let target = crate::server::billing::checkout::checkout(&plan, &nonce).await?;
    leptos_axum::redirect(&target);
    Ok(())
}

#[server(prefix = "/api/billing", endpoint = "portal")]
pub async fn open_portal() -> Result<(), AppError> {
    let target = crate::server::billing::checkout::portal().await?;
    leptos_axum::redirect(&target);
    Ok(())
}
