//! What the billing page and the leads banner show (billing.md §4, §8.4, §9.2), and the return
//! from Checkout that applies the new subscription at once (§5.3).

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::{
    quota,
    subscription_sync::{self, Applied},
};
use crate::{
    domain::billing::{SubscriptionStatus, Tier, Usage, automation_message, automation_paused},
    server::{integrations::stripe::Attempts, state::AppState},
};

/// The business's plan, usage and automation status right now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AutomationStatus {
    pub status: SubscriptionStatus,
    pub tier: Tier,
    pub usage: Usage,
    /// `NOT_STARTED` leads flagged `billing_required`.
    pub blocked: i64,
    pub customer: Option<String>,
    pub period_end: Option<DateTime<Utc>>,
    pub timezone: String,
}

impl AutomationStatus {
    pub fn message(&self) -> String {
        automation_message(self.status, self.usage, self.blocked)
    }

    pub fn is_paused(&self) -> bool {
        automation_paused(self.status, self.usage)
    }
}

pub async fn automation_status(
    state: &AppState,
    business_id: Uuid,
) -> Result<AutomationStatus, sqlx::Error> {
    type Row = (
        String,
        Option<String>,
        Option<String>,
        Option<DateTime<Utc>>,
        String,
        i64,
    );
    let (status, price, customer, period_end, timezone, blocked): Row = sqlx::query_as(
        "SELECT b.subscription_status, b.stripe_price_id, b.stripe_customer_id,
                b.subscription_period_end, b.timezone,
                (SELECT count(*) FROM leads l WHERE l.business_id = b.id
                    AND l.conversation_state = 'NOT_STARTED' AND l.billing_required)
         FROM businesses b WHERE b.id = $1",
    )
    .bind(business_id)
    .fetch_one(&state.pool)
    .await?;
    let status = SubscriptionStatus::from_db(&status);
    let (tier, _) = quota::tier(&state.config, price.as_deref());
    let limit = if status == SubscriptionStatus::Active {
        quota::limit(&state.config.plans, tier)
    } else {
        0
    };
    let used = used_this_month(&state.pool, business_id, &timezone, state.clock.now()).await?;
    Ok(AutomationStatus {
        status,
        tier,
        usage: Usage { used, limit },
        blocked,
        customer,
        period_end,
        timezone,
    })
}

async fn used_this_month(
    pool: &PgPool,
    business_id: Uuid,
    timezone: &str,
    now: DateTime<Utc>,
) -> Result<i32, sqlx::Error> {
    let (period, _, _) = quota::month(timezone, now);
    let used: Option<i32> = sqlx::query_scalar(
        "SELECT conversations_used FROM usage_counters WHERE business_id = $1 AND period = $2",
    )
    .bind(business_id)
    .bind(period)
    .fetch_optional(pool)
    .await?;
    Ok(used.unwrap_or(0))
}

/// §5.3: the session must belong to this business; its subscription is then fetched and
/// applied like an event's. A session of another business, or any failure, changes nothing
/// (the webhook still delivers the state).
pub async fn apply_returned_checkout(state: &AppState, business_id: Uuid, session_id: &str) {
    let session = match state.stripe.retrieve_checkout_session(session_id).await {
        Ok(session) => session,
        Err(err) => {
            tracing::warn!(error = %err, "checkout session not retrieved on return");
            return;
        }
    };
    if session.client_reference_id.as_deref() != Some(business_id.to_string().as_str()) {
        tracing::warn!(business_id = %business_id, "returned checkout session belongs to another business; ignored");
        return;
    }
    let fetched = match &session.subscription {
        Some(id) => match state
            .stripe
            .retrieve_subscription(id, Attempts::InRequest)
            .await
        {
            Ok(subscription) => Some(subscription),
            Err(err) => {
                tracing::warn!(error = %err, "subscription not retrieved on checkout return");
                None
            }
        },
        None => None,
    };
    let applied = async {
        let mut tx = state.pool.begin().await?;
        if let Some(customer) = &session.customer {
            subscription_sync::store_customer(&mut tx, business_id, customer).await?;
        }
        let applied = match &fetched {
            Some(subscription) => Some(
                subscription_sync::apply(&mut tx, business_id, subscription, state.clock.now())
                    .await?,
            ),
            None => None,
        };
        tx.commit().await?;
        Ok::<_, sqlx::Error>(applied)
    }
    .await;
    match applied {
        Ok(Some(Applied::Changed { to, .. })) => {
            tracing::info!(business_id = %business_id, status = to.as_db(), "subscription applied on checkout return")
        }
        Ok(_) => {}
        Err(err) => tracing::warn!(error = %err, "checkout return not applied"),
    }
}
