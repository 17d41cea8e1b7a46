//! Checkout and the billing portal (billing.md §5, §7). Each answers with where the browser goes
//! next: a Stripe page, or back to `/app/billing` with a fixed error code. Stripe's own error
//! messages never reach the person or the URL.

use chrono::Duration;
use serde_json::json;
use uuid::Uuid;

use crate::{
    api::error::AppError,
    domain::billing::{SubscriptionStatus, Tier},
    server::{
        audit::Actor,
        auth::{
            User,
            viewer::{audit_entry, require_user, state},
        },
        integrations::stripe::{NewCheckout, NewCustomer, StripeApiError},
        observability::Alert,
        ratelimit,
        state::AppState,
    },
};

/// `POST /api/billing/checkout` (§5.1).
pub async fn checkout(plan: &str, nonce: &str) -> Result<String, AppError> {
    let user = require_user().await?;
    let Some(business_id) = owner_business(&user)? else {
        return Ok("/app/onboarding".to_owned());
    };
    let state = state();
    limit_protected(&state, user.id).await?;
    let tier = Tier::from_key(plan);
    let price = tier.and_then(|tier| first_price(&state, tier));
    let Some(price) = price else {
        return Ok(billing_error("plan_unavailable"));
    };
    let business = Business::load(&state, business_id).await?;
    if business.status.is_live() {
        // No second subscription: changes happen in the portal.
        return Ok(portal_for(&state, &user, &business, "checkout").await);
    }
    let nonce = usable_nonce(nonce);
    let started = async {
        let customer = customer_of(&state, &user, &business).await?;
        let checkout = NewCheckout {
            business_id,
            customer: &customer,
            price_id: &price,
            nonce: &nonce,
            base_url: &state.config.public_base_url,
        };
        state.stripe.create_checkout_session(&checkout).await
    }
    .await;
    match started {
        Ok(session) => {
            let Some(url) = session.url else {
                return Ok(failed(&state, business_id, "checkout", "no session url"));
            };
            audit_entry(Actor::User(user.id), "billing.checkout_created")
                .business(business_id)
                .target("checkout_session", &session.id)
                .change("plan", serde_json::Value::Null, plan.trim().to_lowercase())
                .write(&mut *state.pool.acquire().await?)
                .await?;
            Ok(url)
        }
        Err(err) => Ok(failed(&state, business_id, "checkout", &err.to_string())),
    }
}

/// `POST /api/billing/portal` (§7).
pub async fn portal() -> Result<String, AppError> {
    let user = require_user().await?;
    let Some(business_id) = owner_business(&user)? else {
        return Ok("/app/onboarding".to_owned());
    };
    let state = state();
    limit_protected(&state, user.id).await?;
    let business = Business::load(&state, business_id).await?;
    Ok(portal_for(&state, &user, &business, "portal").await)
}

/// The business an owner acts for; `None` without one; 403 for agents.
fn owner_business(user: &User) -> Result<Option<Uuid>, AppError> {
    match user.membership() {
        None => Ok(None),
        Some((id, crate::api::viewer::Role::Owner)) => Ok(Some(id)),
        Some(_) => Err(AppError::forbidden()),
    }
}

struct Business {
    id: Uuid,
    name: String,
    notify_phone: Option<String>,
    customer: Option<String>,
    status: SubscriptionStatus,
}

impl Business {
    async fn load(state: &AppState, id: Uuid) -> Result<Self, AppError> {
        let (name, notify_phone, customer, status): (
            String,
            Option<String>,
            Option<String>,
            String,
        ) = sqlx::query_as(
            "SELECT name, notify_phone, stripe_customer_id, subscription_status
                 FROM businesses WHERE id = $1 AND deleted_at IS NULL",
        )
        .bind(id)
        .fetch_optional(&state.pool)
        .await?
        .ok_or_else(AppError::forbidden)?;
        Ok(Self {
            id,
            name,
            notify_phone,
            customer,
            status: SubscriptionStatus::from_db(&status),
        })
    }
}

/// The first price id of a plan: the one new checkouts use.
pub fn first_price(state: &AppState, tier: Tier) -> Option<String> {
    let prices = match tier {
        Tier::Starter => &state.config.stripe.price_starter,
        Tier::Pro => &state.config.stripe.price_pro,
    };
    prices.first().cloned()
}

/// The business's Stripe customer, created once (§5.2 step 1). Two requests racing both ask
/// Stripe with the same idempotency key (one customer) and the conditional update keeps one.
async fn customer_of(
    state: &AppState,
    user: &User,
    business: &Business,
) -> Result<String, StripeApiError> {
    if let Some(customer) = &business.customer {
        return Ok(customer.clone());
    }
    let created = state
        .stripe
        .create_customer(&NewCustomer {
            business_id: business.id,
            name: &business.name,
            email: &user.email,
            phone: business.notify_phone.as_deref(),
        })
        .await?;
    let stored: Result<Option<Option<String>>, sqlx::Error> = sqlx::query_scalar(
        "UPDATE businesses SET stripe_customer_id = COALESCE(stripe_customer_id, $2), updated_at = now()
         WHERE id = $1 RETURNING stripe_customer_id",
    )
    .bind(business.id)
    .bind(&created)
    .fetch_optional(&state.pool)
    .await;
    match stored {
        Ok(Some(Some(customer))) => Ok(customer),
        Ok(_) => Ok(created),
        Err(err) => Err(StripeApiError::Unavailable(format!(
            "could not store the customer: {err}"
        ))),
    }
}

async fn portal_for(state: &AppState, user: &User, business: &Business, via: &str) -> String {
    let Some(customer) = &business.customer else {
        return billing_error("no_customer");
    };
    let return_url = format!("{}/app/billing", state.config.public_base_url);
    let key = format!("portal-{}-{}", business.id, Uuid::new_v4());
    match state
        .stripe
        .create_portal_session(customer, &return_url, &key)
        .await
    {
        Ok(url) => {
            let entry = audit_entry(Actor::User(user.id), "billing.portal_opened")
                .business(business.id)
                .change("via", serde_json::Value::Null, via);
            match state.pool.acquire().await {
                Ok(mut conn) => {
                    if let Err(err) = entry.write(&mut conn).await {
                        tracing::warn!(error = %err, "portal audit not written");
                    }
                }
                Err(err) => tracing::warn!(error = %err, "portal audit not written"),
            }
            url
        }
        Err(err) => failed(state, business.id, "portal", &err.to_string()),
    }
}

/// Logs the cause, alerts the operator, and sends the owner back with a fixed code.
fn failed(state: &AppState, business_id: Uuid, what: &'static str, cause: &str) -> String {
    tracing::warn!(business_id = %business_id, error = cause, "stripe {what} failed");
    let (event, code) = match what {
        "portal" => ("portal_failed", "portal_failed"),
        _ => ("checkout_failed", "checkout_failed"),
    };
    state.alerts.report(
        Alert::new(
            "billing",
            event,
            format!("Stripe {what} could not be started"),
        )
        .metadata(json!({ "business_id": business_id, "error": cause })),
    );
    billing_error(code)
}

fn billing_error(code: &str) -> String {
    format!("/app/billing?error={code}")
}

/// The form nonce when it is a sane idempotency-key part; otherwise a fresh one.
fn usable_nonce(nonce: &str) -> String {
    let nonce = nonce.trim();
    let sane = (8..=64).contains(&nonce.len())
        && nonce
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if sane {
        nonce.to_owned()
    } else {
        Uuid::new_v4().simple().to_string()
    }
}

/// `RATE_LIMIT_PROTECTED_API_MAX` POSTs per user per window on checkout and portal (§5.1).
async fn limit_protected(state: &AppState, user_id: Uuid) -> Result<(), AppError> {
    let limits = &state.config.rate_limits;
    let window = Duration::from_std(limits.window).unwrap_or(Duration::minutes(1));
    let key = format!("protected:billing:{user_id}");
    let decision = ratelimit::hit(
        &state.pool,
        &key,
        limits.protected_api_max,
        window,
        state.clock.now(),
    )
    .await?;
    if decision.allowed {
        Ok(())
    } else {
        Err(AppError::rate_limited(
            decision.retry_after.max(1) as u64,
            "Too many billing requests. Please wait a moment and try again.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_become_idempotency_key_parts() {
        assert_eq!(usable_nonce("abcdef0123456789"), "abcdef0123456789");
        assert_eq!(usable_nonce("  abcdef01  "), "abcdef01");
        assert_eq!(usable_nonce("short").len(), 32);
        assert_eq!(usable_nonce("has space inside!").len(), 32);
        assert_eq!(usable_nonce(&"x".repeat(65)).len(), 32);
    }
}
