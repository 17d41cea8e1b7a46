//! Outbound webhooks on `/app/integrations` (integrations.md §3): endpoints, their signing
//! secrets (shown once), "Send test event", the delivery log and "Resend". Owners only.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::error::AppError;
use crate::domain::outbound_events::EventType;

/// An owner may keep this many endpoints.
pub const MAX_ENDPOINTS: usize = 5;

/// Adds an endpoint (no `endpoint_id`) or saves one. Each event is a checkbox named by
/// `EventType::field_name`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointForm {
    #[serde(default)]
    pub endpoint_id: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub event_lead_created: Option<String>,
    #[serde(default)]
    pub event_lead_qualified: Option<String>,
    #[serde(default)]
    pub event_lead_completed: Option<String>,
    #[serde(default)]
    pub event_lead_status_changed: Option<String>,
    #[serde(default)]
    pub event_message_received: Option<String>,
    #[serde(default)]
    pub enabled: Option<String>,
}

impl EndpointForm {
    /// The checked event types, in the page's order.
    pub fn events(&self) -> Vec<EventType> {
        let checked = [
            &self.event_lead_created,
            &self.event_lead_qualified,
            &self.event_lead_completed,
            &self.event_lead_status_changed,
            &self.event_message_received,
        ];
        EventType::SUBSCRIBABLE
            .into_iter()
            .zip(checked)
            .filter(|(_, value)| value.is_some())
            .map(|(event, _)| event)
            .collect()
    }
}

/// One attempt as the delivery log lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub id: String,
    /// Business-local, e.g. "Mar 2, 9:15:04 AM".
    pub at: String,
    pub event_type: String,
    pub attempt: i32,
    pub status_code: Option<i32>,
    pub duration_ms: Option<i32>,
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointView {
    pub id: String,
    pub url: String,
    /// Subscribed event types (`lead.created`, …).
    pub events: Vec<String>,
    pub enabled: bool,
    /// `gone` after the endpoint answered 410.
    pub disabled_reason: Option<String>,
    /// The last 50 attempts, newest first.
    pub deliveries: Vec<DeliveryView>,
}

#[server(prefix = "/api/app/integrations", endpoint = "webhooks/add")]
pub async fn add_webhook_endpoint(#[server(flatten)] form: EndpointForm) -> Result<(), AppError> {
    crate::server::outbound_webhooks::endpoints::add(form).await?;
    // No query: the one-time notice with the secret belongs to the page itself.
    leptos_axum::redirect("/app/integrations");
    Ok(())
}

#[server(prefix = "/api/app/integrations", endpoint = "webhooks/save")]
pub async fn save_webhook_endpoint(#[server(flatten)] form: EndpointForm) -> Result<(), AppError> {
    crate::server::outbound_webhooks::endpoints::save(form).await?;
    leptos_axum::redirect("/app/integrations?done=endpoint-saved");
    Ok(())
}

#[server(prefix = "/api/app/integrations", endpoint = "webhooks/delete")]
pub async fn delete_webhook_endpoint(endpoint_id: String) -> Result<(), AppError> {
    crate::server::outbound_webhooks::endpoints::delete(&endpoint_id).await?;
    leptos_axum::redirect("/app/integrations?done=endpoint-deleted");
    Ok(())
}

#[server(prefix = "/api/app/integrations", endpoint = "webhooks/test")]
pub async fn send_webhook_test_event(endpoint_id: String) -> Result<(), AppError> {
    crate::server::outbound_webhooks::endpoints::send_test_event(&endpoint_id).await?;
    leptos_axum::redirect("/app/integrations?done=test-event");
    Ok(())
}

#[server(prefix = "/api/app/integrations", endpoint = "webhooks/resend")]
pub async fn resend_webhook_delivery(delivery_id: String) -> Result<(), AppError> {
    crate::server::outbound_webhooks::endpoints::resend(&delivery_id).await?;
    leptos_axum::redirect("/app/integrations?done=resent");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_checkbox_is_named_after_its_event() {
        for event in EventType::SUBSCRIBABLE {
            let mut fields = serde_json::Map::new();
            fields.insert(event.field_name().to_owned(), "on".into());
            let form: EndpointForm = serde_json::from_value(fields.into()).unwrap();
            assert_eq!(form.events(), vec![event]);
        }
        let none: EndpointForm = serde_json::from_str(r#"{"url":"x"}"#).unwrap();
        assert!(none.events().is_empty());
    }
}
