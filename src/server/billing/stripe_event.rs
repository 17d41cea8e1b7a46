//! Reading a Stripe event (billing.md §6.3, §6.4) with a tolerant reader of the few fields the
//! product uses: unknown fields are ignored and no API version is assumed.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::server::integrations::stripe::{id_of, str_at};

/// The envelope of a verified event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventHead {
    pub id: String,
    pub kind: String,
    pub created: Option<DateTime<Utc>>,
    pub livemode: bool,
    pub api_version: Option<String>,
}

/// The envelope, or `None` for "Invalid payload": not JSON, or no usable `id` / `type`.
pub fn head(body: &[u8]) -> Option<EventHead> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let id = str_at(&value, &["id"]).filter(|id| id.chars().count() <= 255)?;
    let kind = str_at(&value, &["type"])?;
    Some(EventHead {
        id,
        kind,
        created: value
            .get("created")
            .and_then(Value::as_i64)
            .and_then(|secs| DateTime::from_timestamp(secs, 0)),
        livemode: value
            .get("livemode")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        api_version: str_at(&value, &["api_version"]),
    })
}

/// Ways an event may name its business, tried in this order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BusinessRef {
    /// `metadata.businessId`.
    pub metadata: Option<String>,
    pub client_reference_id: Option<String>,
    pub customer: Option<String>,
}

/// What an event asks for (billing.md §6.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handling {
    /// `checkout.session.completed`: store the customer; apply the subscription when present.
    CheckoutCompleted {
        business: BusinessRef,
        subscription: Option<String>,
    },
    /// `customer.subscription.*` and the invoice events that name a subscription.
    Subscription {
        business: BusinessRef,
        subscription: String,
    },
    /// A handled type with nothing to do (an invoice without a subscription).
    Nothing,
    /// A type the product does not handle: stored and marked processed.
    Unhandled,
}

/// Types that get a `process_stripe_event` job.
pub fn is_handled(kind: &str) -> bool {
    matches!(
        kind,
        "checkout.session.completed"
            | "customer.subscription.created"
            | "customer.subscription.updated"
            | "customer.subscription.deleted"
            | "invoice.payment_failed"
            | "invoice.payment_succeeded"
    )
}

pub fn handling(kind: &str, event: &Value) -> Handling {
    let object = event.pointer("/data/object").unwrap_or(&Value::Null);
    let customer = id_of(object.get("customer"));
    let metadata = str_at(object, &["metadata", "businessId"]);
    match kind {
        "checkout.session.completed" => Handling::CheckoutCompleted {
            business: BusinessRef {
                metadata,
                client_reference_id: str_at(object, &["client_reference_id"]),
                customer,
            },
            subscription: id_of(object.get("subscription")),
        },
        "customer.subscription.created"
        | "customer.subscription.updated"
        | "customer.subscription.deleted" => match str_at(object, &["id"]) {
            Some(subscription) => Handling::Subscription {
                business: BusinessRef {
                    metadata,
                    client_reference_id: None,
                    customer,
                },
                subscription,
            },
            None => Handling::Nothing,
        },
        "invoice.payment_failed" | "invoice.payment_succeeded" => {
            let subscription = id_of(object.get("subscription"))
                .or_else(|| id_of(object.pointer("/parent/subscription_details/subscription")));
            match subscription {
                Some(subscription) => Handling::Subscription {
                    business: BusinessRef {
                        customer,
                        ..BusinessRef::default()
                    },
                    subscription,
                },
                None => Handling::Nothing,
            }
        }
        _ => Handling::Unhandled,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn envelopes() {
        let head = head(br#"{"id":"evt_1","type":"customer.created","created":1700000000,"livemode":true,"api_version":"2025-01-27.acacia","extra":[1]}"#).unwrap();
        assert_eq!(head.id, "evt_1");
        assert_eq!(head.kind, "customer.created");
        assert_eq!(head.created.unwrap().timestamp(), 1_700_000_000);
        assert!(head.livemode);
        assert_eq!(head.api_version.as_deref(), Some("2025-01-27.acacia"));
        for bad in [
            &b"not json"[..],
            br#"{"type":"x"}"#,
            br#"{"id":"evt_1"}"#,
            br#"{"id":"","type":"x"}"#,
            br#"{"id":5,"type":"x"}"#,
            br#"[1,2]"#,
        ] {
            assert_eq!(super::head(bad), None, "{}", String::from_utf8_lossy(bad));
        }
        let long = format!(r#"{{"id":"{}","type":"x"}}"#, "e".repeat(256));
        assert_eq!(super::head(long.as_bytes()), None);
    }

    #[test]
    fn checkout_completed_names_the_business_three_ways() {
        let event = json!({"data": {"object": {
            "customer": "cus_1", "subscription": {"id": "sub_1"}, "client_reference_id": "42",
            "metadata": {"businessId": "b-1"}
        }}});
        assert_eq!(
            handling("checkout.session.completed", &event),
            Handling::CheckoutCompleted {
                business: BusinessRef {
                    metadata: Some("b-1".into()),
                    client_reference_id: Some("42".into()),
                    customer: Some("cus_1".into()),
                },
                subscription: Some("sub_1".into()),
            }
        );
    }

    #[test]
    fn subscription_events_use_the_object_id() {
        let event =
            json!({"data": {"object": {"id": "sub_9", "customer": "cus_9", "metadata": {}}}});
        for kind in [
            "customer.subscription.created",
            "customer.subscription.updated",
            "customer.subscription.deleted",
        ] {
            assert!(is_handled(kind));
            assert_eq!(
                handling(kind, &event),
                Handling::Subscription {
                    business: BusinessRef {
                        customer: Some("cus_9".into()),
                        ..BusinessRef::default()
                    },
                    subscription: "sub_9".into(),
                }
            );
        }
    }

    #[test]
    fn invoices_find_the_subscription_in_either_place() {
        let old = json!({"data": {"object": {"customer": "cus_1", "subscription": "sub_1"}}});
        let new = json!({"data": {"object": {"customer": "cus_1",
            "parent": {"subscription_details": {"subscription": "sub_2"}}}}});
        let none = json!({"data": {"object": {"customer": "cus_1"}}});
        let sub = |h: Handling| match h {
            Handling::Subscription { subscription, .. } => Some(subscription),
            _ => None,
        };
        assert_eq!(
            sub(handling("invoice.payment_failed", &old)).as_deref(),
            Some("sub_1")
        );
        assert_eq!(
            sub(handling("invoice.payment_succeeded", &new)).as_deref(),
            Some("sub_2")
        );
        assert_eq!(
            handling("invoice.payment_succeeded", &none),
            Handling::Nothing
        );
    }

    #[test]
    fn other_types_are_not_handled() {
        assert!(!is_handled("customer.created"));
        assert_eq!(
            handling("customer.created", &json!({})),
            Handling::Unhandled
        );
    }
}
