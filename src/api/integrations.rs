//! `/app/integrations` (integrations.md §2, web.md §6): the Airtable connection; the webhook
//! endpoints' actions are in `webhook_endpoints`. Owners only.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{error::AppError, webhook_endpoints::EndpointView};
use crate::domain::number_import::RowReport;

/// The connect form; the key is never sent back to the page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AirtableForm {
    #[serde(default)]
    pub api_key: String,
    #[serde(default)]
    pub base_id: String,
    #[serde(default)]
    pub calls_table: String,
    #[serde(default)]
    pub leads_table: String,
    #[serde(default)]
    pub config_table: String,
}

/// A connection as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AirtableView {
    pub base_id: String,
    pub calls_table: String,
    pub leads_table: String,
    pub config_table: Option<String>,
    /// `active` or `error`.
    pub status: String,
    pub last_error: Option<String>,
    /// Business-local, e.g. "Mar 2, 9:15 AM"; `None` before the first push.
    pub last_pushed: Option<String>,
    pub queued: i64,
    pub dead: i64,
    pub last_import: Option<ImportReport>,
}

/// The latest "Import number settings": when, and what happened to each row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub at: String,
    pub rows: Vec<RowReport>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrationsPage {
    pub airtable: Option<AirtableView>,
    pub webhooks: Vec<EndpointView>,
    pub max_webhooks: usize,
}

#[server(prefix = "/api/app/integrations", endpoint = "page")]
pub async fn get_integrations_page() -> Result<IntegrationsPage, AppError> {
    crate::server::integrations_page::page().await
}

#[server(prefix = "/api/app/integrations", endpoint = "airtable/connect")]
pub async fn connect_airtable(#[server(flatten)] form: AirtableForm) -> Result<(), AppError> {
    crate::server::airtable::settings::connect(form).await?;
    leptos_axum::redirect("/app/integrations?done=connected");
    Ok(())
}

#[server(prefix = "/api/app/integrations", endpoint = "airtable/disconnect")]
pub async fn disconnect_airtable() -> Result<(), AppError> {
    crate::server::airtable::settings::disconnect().await?;
    leptos_axum::redirect("/app/integrations?done=disconnected");
    Ok(())
}

#[server(prefix = "/api/app/integrations", endpoint = "airtable/test-record")]
pub async fn send_airtable_test_record() -> Result<(), AppError> {
    crate::server::airtable::settings::send_test_record().await?;
    leptos_axum::redirect("/app/integrations?done=test-record");
    Ok(())
}

#[server(prefix = "/api/app/integrations", endpoint = "airtable/resync")]
pub async fn resync_airtable() -> Result<(), AppError> {
    crate::server::airtable::settings::resync().await?;
    leptos_axum::redirect("/app/integrations?done=resync");
    Ok(())
}

#[server(prefix = "/api/app/integrations", endpoint = "airtable/import")]
pub async fn import_number_settings() -> Result<(), AppError> {
    crate::server::airtable::import::import().await?;
    leptos_axum::redirect("/app/integrations?done=imported");
    Ok(())
}
