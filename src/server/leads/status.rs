//! The lead status an owner or agent sets (web.md §2.3 `/api/app/leads/status`): any of the
//! five, the first time each is reached kept for insights (data-model.md §3), audit-logged.

use super::actions::{lock_lead, parse_id};
use crate::{
    api::error::AppError,
    server::{
        audit::Actor,
        auth::viewer::{audit_entry, require_member, state},
        outbound_webhooks::events::{self, Occasion},
    },
};

pub const STATUSES: [&str; 5] = ["NEW", "QUALIFIED", "CONTACTED", "BOOKED", "LOST"];

pub async fn set_status(lead_id: &str, status: &str) -> Result<(), AppError> {
    let member = require_member().await?;
    let lead_id = parse_id(lead_id)?;
    let status = status.trim().to_ascii_uppercase();
    if !STATUSES.contains(&status.as_str()) {
        return Err(AppError::invalid(
            "status",
            "Choose one of the five statuses.",
        ));
    }
    let state = state();
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let lead = lock_lead(&mut tx, &member, lead_id).await?;
    if lead.status == status {
        return Ok(());
    }
    sqlx::query(
        "UPDATE leads SET status = $2, status_changed_at = $3, updated_at = $3,
             qualified_at = CASE WHEN $2 = 'QUALIFIED' THEN COALESCE(qualified_at, $3) ELSE qualified_at END,
             contacted_at = CASE WHEN $2 = 'CONTACTED' THEN COALESCE(contacted_at, $3) ELSE contacted_at END,
             booked_at = CASE WHEN $2 = 'BOOKED' THEN COALESCE(booked_at, $3) ELSE booked_at END,
             lost_at = CASE WHEN $2 = 'LOST' THEN COALESCE(lost_at, $3) ELSE lost_at END
         WHERE id = $1",
    )
    .bind(lead_id)
    .bind(&status)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let occasion = Occasion::new(&state, lead.business_id, now);
    events::status_changed_by_user(&mut tx, occasion, lead_id, &lead.status).await?;
    audit_entry(Actor::User(member.user.id), "lead.status_changed")
        .business(lead.business_id)
        .target("lead", lead_id)
        .change("status", lead.status.clone(), status)
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
