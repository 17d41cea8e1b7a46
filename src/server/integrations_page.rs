//! The data of `/app/integrations`: the Airtable connection and the webhook endpoints.

use crate::{
    api::{error::AppError, integrations::IntegrationsPage},
    server::{
        airtable,
        auth::viewer::{require_owner, state},
        outbound_webhooks,
    },
};

pub async fn page() -> Result<IntegrationsPage, AppError> {
    let owner = require_owner().await?;
    let state = state();
    Ok(IntegrationsPage {
        airtable: airtable::settings::view(&state, &owner).await?,
        webhooks: outbound_webhooks::endpoints::views(&state, &owner).await?,
        max_webhooks: crate::api::webhook_endpoints::MAX_ENDPOINTS,
    })
}
