//! Lead mutations (web.md §2.3): status, owner reply, pause/resume, mark opted out, start
//! follow-up.
//! Owners and agents alike; another business's lead answers 404.

use leptos::prelude::*;

use super::error::AppError;

/// Where a plain-form submit lands: the lead's page.
#[cfg(feature = "ssr")]
fn back_to_lead(lead_id: &str) {
    leptos_axum::redirect(&format!("/app/leads/{}", lead_id.trim()));
}

#[server(prefix = "/api/app/leads", endpoint = "status")]
pub async fn set_lead_status(lead_id: String, status: String) -> Result<(), AppError> {
    crate::server::leads::status::set_status(&lead_id, &status).await?;
    back_to_lead(&lead_id);
    Ok(())
}

#[server(prefix = "/api/app/leads", endpoint = "reply")]
pub async fn send_reply(lead_id: String, body: String, nonce: String) -> Result<(), AppError> {
    crate::server::leads::actions::reply(&lead_id, &body, &nonce).await?;
    back_to_lead(&lead_id);
    Ok(())
}

#[server(prefix = "/api/app/leads", endpoint = "automation")]
pub async fn set_automation(lead_id: String, action: String) -> Result<(), AppError> {
    crate::server::leads::actions::set_automation(&lead_id, &action).await?;
    back_to_lead(&lead_id);
    Ok(())
}

#[server(prefix = "/api/app/leads", endpoint = "mark-opted-out")]
pub async fn mark_opted_out(lead_id: String) -> Result<(), AppError> {
    crate::server::leads::actions::mark_opted_out(&lead_id).await?;
    back_to_lead(&lead_id);
    Ok(())
}

/// Lands on the lead the follow-up started (a new one when the lead was booked or lost).
#[server(prefix = "/api/app/leads", endpoint = "start-follow-up")]
pub async fn start_follow_up(
    lead_id: String,
    #[server(default)] nonce: String,
) -> Result<(), AppError> {
    let started = crate::server::leads::actions::start_follow_up(&lead_id, &nonce).await?;
    back_to_lead(&started.to_string());
    Ok(())
}
