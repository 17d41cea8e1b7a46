//! Applying a subscription fetched from Stripe to its business (billing.md §6.5). Shared by the
//! event job and the return from Checkout, so both move the business the same way. The state
//! always comes from a fresh fetch, never from an event body, so late or out-of-order events
//! cannot move a business backwards.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{
    domain::billing::SubscriptionStatus,
    server::{
        audit::{Actor, Entry},
        integrations::stripe::Subscription,
    },
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    Changed {
        from: SubscriptionStatus,
        to: SubscriptionStatus,
    },
    /// Written, the status unchanged (a renewal, a new period end).
    Refreshed,
    /// A canceled subscription other than the live one the business tracks: ignored.
    KeptLive,
    /// The business was deleted: nothing changes.
    BusinessDeleted,
}

/// Stores `customer` on a business that has none, unless another business already uses it.
pub async fn store_customer(
    conn: &mut PgConnection,
    business_id: Uuid,
    customer: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE businesses SET stripe_customer_id = $2, updated_at = now()
         WHERE id = $1 AND stripe_customer_id IS NULL AND deleted_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM businesses other WHERE other.stripe_customer_id = $2)",
    )
    .bind(business_id)
    .bind(customer)
    .execute(conn)
    .await?;
    Ok(())
}

/// Steps 2–5 of billing.md §6.5, inside the caller's transaction.
pub async fn apply(
    conn: &mut PgConnection,
    business_id: Uuid,
    subscription: &Subscription,
    now: DateTime<Utc>,
) -> Result<Applied, sqlx::Error> {
    let row: Option<(String, Option<String>, bool)> = sqlx::query_as(
        "SELECT subscription_status, stripe_subscription_id, deleted_at IS NOT NULL
         FROM businesses WHERE id = $1 FOR UPDATE",
    )
    .bind(business_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((current, tracked, deleted)) = row else {
        return Ok(Applied::BusinessDeleted);
    };
    if deleted {
        return Ok(Applied::BusinessDeleted);
    }
    let from = SubscriptionStatus::from_db(&current);
    let to = SubscriptionStatus::from_stripe(&subscription.status);
    let other_subscription = tracked.as_deref().is_some_and(|t| t != subscription.id);
    if other_subscription && to == SubscriptionStatus::Canceled && from.is_live() {
        return Ok(Applied::KeptLive);
    }
    if let Some(customer) = &subscription.customer {
        store_customer(conn, business_id, customer).await?;
    }
    sqlx::query(
        "UPDATE businesses SET stripe_subscription_id = $2, stripe_price_id = $3,
             subscription_status = $4, subscription_period_end = $5, subscription_synced_at = $6,
             updated_at = $6
         WHERE id = $1",
    )
    .bind(business_id)
    .bind(&subscription.id)
    .bind(&subscription.price_id)
    .bind(to.as_db())
    .bind(subscription.period_end)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if from == to {
        return Ok(Applied::Refreshed);
    }
    Entry::new(now, Actor::Stripe, "billing.status_changed")
        .business(business_id)
        .target("subscription", &subscription.id)
        .change("subscription_status", from.as_db(), to.as_db())
        .write(conn)
        .await?;
    Ok(Applied::Changed { from, to })
}
