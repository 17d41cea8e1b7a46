//! Lead mutations (web.md §2.3): owner reply, pause/resume, mark opted out, start follow-up.
//! Owners and agents alike; another business's lead answers 404.

use leptos::prelude::*;

use super::error::AppError;

/// Where a plain-form submit lands (the lead list until the lead page exists).
#[cfg(feature = "ssr")]
fn back_to_leads() {
    leptos_axum::redirect("/app/leads");
}

#[server(prefix = "/api/app/leads", endpoint = "reply")]
pub async fn send_reply(lead_id: String, body: String, nonce: String) -> Result<(), AppError> {
    crate::server::leads::actions::reply(&lead_id, &body, &nonce).await?;
    back_to_leads();
    Ok(())
}

#[server(prefix = "/api/app/leads", endpoint = "automation")]
pub async fn set_automation(lead_id: String, action: String) -> Result<(), AppError> {
    crate::server::leads::actions::set_automation(&lead_id, &action).await?;
    back_to_leads();
    Ok(())
}

#[server(prefix = "/api/app/leads", endpoint = "mark-opted-out")]
pub async fn mark_opted_out(lead_id: String) -> Result<(), AppError> {
    crate::server::leads::actions::mark_opted_out(&lead_id).await?;
    back_to_leads();
    Ok(())
}

#[server(prefix = "/api/app/leads", endpoint = "start-follow-up")]
pub async fn start_follow_up(lead_id: String) -> Result<(), AppError> {
    crate::server::leads::actions::start_follow_up(&lead_id).await?;
    back_to_leads();
    Ok(())
}
