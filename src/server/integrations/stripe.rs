//! Stripe's REST API (billing.md §10): async-stripe's typed requests, `STRIPE_API_BASE`, a
//! Bearer secret key, an `Idempotency-Key` on every POST and 10 s per attempt.
//!
//! Answers are read as plain JSON with the few fields the product needs, not as the crate's
//! complete typed models: those insist on every field of one API version, and the product must
//! keep working when Stripe (or a fake) adds or omits one.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use stripe::{RequestStrategy, StripeError, StripeRequest};
use stripe_billing::{
    billing_portal_session::CreateBillingPortalSession,
    subscription::{CancelSubscription, RetrieveSubscription},
};
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionSubscriptionData,
    RetrieveCheckoutSession,
};
use stripe_core::customer::CreateCustomer;

use crate::server::config::Config;

const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Pauses before the second and third try of a call made inside a user request.
const IN_REQUEST_BACKOFF: [Duration; 2] = [Duration::from_millis(250), Duration::from_secs(1)];

#[derive(Debug, thiserror::Error)]
pub enum StripeApiError {
    #[error("Stripe is not configured (STRIPE_SECRET_KEY)")]
    NotConfigured,
    /// Nothing came back: refused connection, DNS, timeout.
    #[error("could not reach Stripe: {0}")]
    Unavailable(String),
    #[error("Stripe answered {status}: {message}")]
    Api { status: u16, message: String },
    #[error("unexpected answer from Stripe: {0}")]
    Decode(String),
}

impl StripeApiError {
    /// 429, 5xx and network failures are worth another try.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Unavailable(_) => true,
            Self::Api { status, .. } => *status == 429 || *status >= 500,
            Self::NotConfigured | Self::Decode(_) => false,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl From<StripeError> for StripeApiError {
    fn from(err: StripeError) -> Self {
        match err {
            StripeError::Stripe(body, status) => Self::Api {
                status,
                message: body.message.unwrap_or_default(),
            },
            StripeError::JSONDeserialize(message) => Self::Decode(message),
            StripeError::ClientError(message) | StripeError::ConfigError(message) => {
                Self::Unavailable(message)
            }
            StripeError::Timeout => Self::Unavailable("timed out".to_owned()),
        }
    }
}

/// How hard to try: inside a user request three times (250 ms, 1 s apart); inside a job once,
/// the job's schedule being the retry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempts {
    InRequest,
    Once,
}

/// What the product reads of a subscription.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    pub id: String,
    pub status: String,
    pub customer: Option<String>,
    /// The first item's price.
    pub price_id: Option<String>,
    pub period_end: Option<DateTime<Utc>>,
}

impl Subscription {
    pub fn from_json(value: &Value) -> Result<Self, StripeApiError> {
        let id = str_at(value, &["id"]).ok_or_else(|| missing("subscription id"))?;
        let status = str_at(value, &["status"]).ok_or_else(|| missing("subscription status"))?;
        let first_item = value.pointer("/items/data/0").unwrap_or(&Value::Null);
        let period_end = value
            .get("current_period_end")
            .or_else(|| first_item.get("current_period_end"))
            .and_then(Value::as_i64)
            .and_then(|secs| DateTime::from_timestamp(secs, 0));
        Ok(Self {
            id,
            status,
            customer: id_of(value.get("customer")),
            price_id: id_of(first_item.get("price")),
            period_end,
        })
    }
}

/// What the product reads of a Checkout Session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckoutSession {
    pub id: String,
    pub url: Option<String>,
    pub client_reference_id: Option<String>,
    pub customer: Option<String>,
    pub subscription: Option<String>,
}

/// A new Checkout Session for one business (billing.md §5.2).
pub struct NewCheckout<'a> {
    pub business_id: uuid::Uuid,
    pub customer: &'a str,
    pub price_id: &'a str,
    pub nonce: &'a str,
    pub base_url: &'a str,
}

/// The customer of a new business (billing.md §5.2 step 1).
pub struct NewCustomer<'a> {
    pub business_id: uuid::Uuid,
    pub name: &'a str,
    pub email: &'a str,
    pub phone: Option<&'a str>,
}

#[derive(Clone)]
pub struct StripeClient {
    client: Option<stripe::Client>,
}

impl std::fmt::Debug for StripeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeClient")
            .field("configured", &self.client.is_some())
            .finish()
    }
}

impl StripeClient {
    pub fn new(config: &Config) -> Self {
        let client = config.stripe.secret_key.as_ref().and_then(|key| {
            stripe::ClientBuilder::new(key.expose())
                .url(format!("{}/", config.stripe.api_base.trim_end_matches('/')))
                .timeout(ATTEMPT_TIMEOUT)
                .build()
                .inspect_err(|err| tracing::error!(error = %err, "Stripe client not built"))
                .ok()
        });
        Self { client }
    }

    pub fn is_configured(&self) -> bool {
        self.client.is_some()
    }

    pub async fn create_customer(&self, new: &NewCustomer<'_>) -> Result<String, StripeApiError> {
        let business_id = new.business_id.to_string();
        let mut request = CreateCustomer::new()
            .name(new.name)
            .email(new.email)
            .metadata([("businessId".to_owned(), business_id.clone())]);
        if let Some(phone) = new.phone {
            request = request.phone(phone);
        }
        let key = format!("customer-{business_id}");
        let value = self.send(&request, Some(&key), Attempts::InRequest).await?;
        str_at(&value, &["id"]).ok_or_else(|| missing("customer id"))
    }

    pub async fn create_checkout_session(
        &self,
        new: &NewCheckout<'_>,
    ) -> Result<CheckoutSession, StripeApiError> {
        let business_id = new.business_id.to_string();
        let metadata = [("businessId".to_owned(), business_id.clone())];
        let mut line_item = CreateCheckoutSessionLineItems::new();
        line_item.price = Some(new.price_id.to_owned());
        line_item.quantity = Some(1);
        let mut subscription_data = CreateCheckoutSessionSubscriptionData::new();
        subscription_data.metadata = Some(metadata.clone().into_iter().collect());
        let request = CreateCheckoutSession::new()
            .mode(stripe_checkout::CheckoutSessionMode::Subscription)
            .customer(new.customer)
            .client_reference_id(business_id.clone())
            .line_items(vec![line_item])
            .allow_promotion_codes(true)
            .metadata(metadata)
            .subscription_data(subscription_data)
            .success_url(format!(
                "{}/app/billing?checkout=success&session_id={{CHECKOUT_SESSION_ID}}",
                new.base_url
            ))
            .cancel_url(format!("{}/app/billing?checkout=canceled", new.base_url));
        let key = format!("checkout-{business_id}-{}", new.nonce);
        let value = self.send(&request, Some(&key), Attempts::InRequest).await?;
        checkout_session(&value)
    }

    pub async fn retrieve_checkout_session(
        &self,
        id: &str,
    ) -> Result<CheckoutSession, StripeApiError> {
        let request = RetrieveCheckoutSession::new(id);
        let value = self.send(&request, None, Attempts::InRequest).await?;
        checkout_session(&value)
    }

    /// The portal's URL for `customer`, returning to the billing page.
    pub async fn create_portal_session(
        &self,
        customer: &str,
        return_url: &str,
        key: &str,
    ) -> Result<String, StripeApiError> {
        let request = CreateBillingPortalSession::new()
            .customer(customer)
            .return_url(return_url);
        let value = self.send(&request, Some(key), Attempts::InRequest).await?;
        str_at(&value, &["url"]).ok_or_else(|| missing("portal url"))
    }

    pub async fn retrieve_subscription(
        &self,
        id: &str,
        attempts: Attempts,
    ) -> Result<Subscription, StripeApiError> {
        let request = RetrieveSubscription::new(id);
        let value = self.send(&request, None, attempts).await?;
        Subscription::from_json(&value)
    }

    /// Cancels at once (business deletion); an already canceled subscription counts as done.
    pub async fn cancel_subscription(&self, id: &str) -> Result<(), StripeApiError> {
        let request = CancelSubscription::new(id);
        let key = format!("cancel-{id}");
        match self.send(&request, Some(&key), Attempts::Once).await {
            Ok(_) => Ok(()),
            Err(StripeApiError::Api { status: 404, .. }) => Ok(()),
            Err(err) => {
                let already = matches!(&err, StripeApiError::Api { status: 400, message }
                    if message.contains("canceled"));
                if already { Ok(()) } else { Err(err) }
            }
        }
    }

    async fn send(
        &self,
        request: &impl StripeRequest,
        idempotency_key: Option<&str>,
        attempts: Attempts,
    ) -> Result<Value, StripeApiError> {
        let client = self.client.as_ref().ok_or(StripeApiError::NotConfigured)?;
        let strategy = match idempotency_key {
            Some(key) => RequestStrategy::Idempotent(
                stripe::IdempotencyKey::new(key)
                    .map_err(|err| StripeApiError::Decode(err.to_string()))?,
            ),
            None => RequestStrategy::Once,
        };
        let pauses: &[Duration] = match attempts {
            Attempts::InRequest => &IN_REQUEST_BACKOFF,
            Attempts::Once => &[],
        };
        let mut pauses = pauses.iter();
        loop {
            let answer = request
                .build()
                .customize::<miniserde::json::Value>()
                .request_strategy(strategy.clone())
                .send(client)
                .await
                .map_err(StripeApiError::from);
            match answer {
                Ok(value) => return to_serde(&value),
                Err(err) if err.is_retryable() => match pauses.next() {
                    Some(pause) => tokio::time::sleep(*pause).await,
                    None => return Err(err),
                },
                Err(err) => return Err(err),
            }
        }
    }
}

fn to_serde(value: &miniserde::json::Value) -> Result<Value, StripeApiError> {
    serde_json::from_str(&miniserde::json::to_string(value))
        .map_err(|err| StripeApiError::Decode(err.to_string()))
}

fn checkout_session(value: &Value) -> Result<CheckoutSession, StripeApiError> {
    Ok(CheckoutSession {
        id: str_at(value, &["id"]).ok_or_else(|| missing("checkout session id"))?,
        url: str_at(value, &["url"]),
        client_reference_id: str_at(value, &["client_reference_id"]),
        customer: id_of(value.get("customer")),
        subscription: id_of(value.get("subscription")),
    })
}

fn missing(what: &str) -> StripeApiError {
    StripeApiError::Decode(format!("no {what} in the answer"))
}

/// A string at `path`, non-empty.
pub fn str_at(value: &Value, path: &[&str]) -> Option<String> {
    let mut at = value;
    for key in path {
        at = at.get(key)?;
    }
    at.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

/// An id given as a string or as an expanded object with `id`.
pub fn id_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(id) if !id.is_empty() => Some(id.clone()),
        Value::Object(object) => object
            .get("id")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty())
            .map(str::to_owned),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subscriptions_are_read_tolerantly() {
        let item_period = json!({
            "id": "sub_1", "status": "active", "customer": {"id": "cus_1", "object": "customer"},
            "items": {"data": [{"price": {"id": "price_p"}, "current_period_end": 1_700_000_000}]},
            "something_new": true
        });
        let sub = Subscription::from_json(&item_period).unwrap();
        assert_eq!(sub.customer.as_deref(), Some("cus_1"));
        assert_eq!(sub.price_id.as_deref(), Some("price_p"));
        assert_eq!(sub.period_end.unwrap().timestamp(), 1_700_000_000);

        let top_period = json!({
            "id": "sub_2", "status": "past_due", "customer": "cus_2",
            "current_period_end": 1_800_000_000, "items": {"data": []}
        });
        let sub = Subscription::from_json(&top_period).unwrap();
        assert_eq!(sub.price_id, None);
        assert_eq!(sub.period_end.unwrap().timestamp(), 1_800_000_000);
        assert!(Subscription::from_json(&json!({"status": "active"})).is_err());
    }

    #[test]
    fn retryable_failures() {
        let api = |status| StripeApiError::Api {
            status,
            message: String::new(),
        };
        assert!(api(429).is_retryable() && api(500).is_retryable() && api(503).is_retryable());
        assert!(!api(400).is_retryable() && !api(404).is_retryable());
        assert!(StripeApiError::Unavailable("x".into()).is_retryable());
        assert!(!StripeApiError::NotConfigured.is_retryable());
    }
}
