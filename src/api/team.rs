//! The team page and its actions (web.md §6.7).

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{error::AppError, viewer::Role};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    /// The membership id (what the forms post).
    pub id: Uuid,
    pub email: String,
    pub display_name: Option<String>,
    pub role: Role,
    pub is_you: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub id: Uuid,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamPage {
    pub members: Vec<MemberView>,
    pub invitations: Vec<InvitationView>,
}

#[server(prefix = "/api/app", endpoint = "team-page")]
pub async fn get_team_page() -> Result<TeamPage, AppError> {
    crate::server::team::page().await
}

#[server(prefix = "/api/app/team", endpoint = "invite")]
pub async fn invite_member(role: String) -> Result<(), AppError> {
    crate::server::team::invite(role).await?;
    leptos_axum::redirect("/app/team");
    Ok(())
}

/// Withdraws a pending invitation: its link stops working at once.
#[server(prefix = "/api/app/team", endpoint = "revoke-invitation")]
pub async fn revoke_invitation(invitation_id: String) -> Result<(), AppError> {
    crate::server::team::revoke_invitation(invitation_id).await?;
    leptos_axum::redirect("/app/team");
    Ok(())
}

#[server(prefix = "/api/app/team", endpoint = "role")]
pub async fn change_member_role(member_id: String, role: String) -> Result<(), AppError> {
    crate::server::team::change_role(member_id, role).await?;
    leptos_axum::redirect("/app/team");
    Ok(())
}

#[server(prefix = "/api/app/team", endpoint = "remove")]
pub async fn remove_member(member_id: String) -> Result<(), AppError> {
    crate::server::team::remove(member_id).await?;
    leptos_axum::redirect("/app/team");
    Ok(())
}

#[server(prefix = "/api/app/team", endpoint = "reset-link")]
pub async fn create_reset_link(member_id: String) -> Result<(), AppError> {
    crate::server::team::reset_link(member_id).await?;
    leptos_axum::redirect("/app/team");
    Ok(())
}

/// The business an invitation link joins, for the sign-up page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationPreview {
    pub business: String,
    pub role: Role,
}

#[server(prefix = "/api/session", endpoint = "invitation")]
pub async fn preview_invitation(token: String) -> Result<Option<InvitationPreview>, AppError> {
    let state = crate::server::auth::viewer::state();
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT b.name, i.role FROM invitations i JOIN businesses b ON b.id = i.business_id
         WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.expires_at > $2 AND b.deleted_at IS NULL",
    )
    .bind(crate::server::accounts::tokens::hash(&token))
    .bind(state.clock.now())
    .fetch_optional(&state.pool)
    .await?;
    Ok(row.map(|(business, role)| InvitationPreview {
        business,
        role: Role::parse(&role).unwrap_or(Role::Agent),
    }))
}
