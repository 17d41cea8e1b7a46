//! The team of a business (web.md §6.7): members and roles, invitation links, reset links for
//! agents. A business always keeps at least one owner.

pub mod accept;

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use crate::{
    api::{
        error::AppError,
        team::{InvitationView, MemberView, TeamPage},
        viewer::Role,
    },
    server::{
        accounts::tokens::new_token,
        audit::Actor,
        auth::viewer::{Member, audit_entry, require_owner, state},
        notices,
    },
};

pub const LAST_OWNER: &str =
    "A business needs at least one owner. Make someone else an owner first.";
pub const MEMBER_NOT_FOUND: &str = "Member not found";
pub const INVITATION_DAYS: i64 = 7;
pub const RESET_LINK_HOURS: i64 = 1;

const TEAM_PAGE: &str = "/app/team";

fn role(raw: &str) -> Result<Role, AppError> {
    Role::parse(raw.trim()).ok_or_else(|| AppError::invalid("role", "Choose Owner or Agent."))
}

fn member_id(raw: &str) -> Result<Uuid, AppError> {
    raw.trim()
        .parse()
        .map_err(|_| AppError::not_found(MEMBER_NOT_FOUND))
}

/// Shows a link once on the team page.
async fn show_once(message: String, link: String) -> Result<(), AppError> {
    notices::show_once(TEAM_PAGE, message, Some(("Link", link))).await
}

pub async fn page() -> Result<TeamPage, AppError> {
    let owner = require_owner().await?;
    let state = state();
    let members: Vec<(Uuid, Uuid, String, Option<String>, String)> = sqlx::query_as(
        "SELECT m.id, u.id, u.email, u.display_name, m.role FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.business_id = $1 ORDER BY m.role DESC, u.email",
    )
    .bind(owner.business_id)
    .fetch_all(&state.pool)
    .await?;
    let invitations: Vec<(Uuid, String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT id, role, expires_at FROM invitations
         WHERE business_id = $1 AND accepted_at IS NULL AND expires_at > $2 ORDER BY created_at DESC",
    )
    .bind(owner.business_id)
    .bind(state.clock.now())
    .fetch_all(&state.pool)
    .await?;
    Ok(TeamPage {
        members: members
            .into_iter()
            .map(|(id, user_id, email, display_name, role)| MemberView {
                id,
                email,
                display_name,
                role: Role::parse(&role).unwrap_or(Role::Agent),
                is_you: user_id == owner.user.id,
            })
            .collect(),
        invitations: invitations
            .into_iter()
            .map(|(id, role, expires_at)| InvitationView {
                id,
                role: Role::parse(&role).unwrap_or(Role::Agent),
                expires_at,
            })
            .collect(),
    })
}

/// Creates a 7-day single-use invitation and shows its link once.
pub async fn invite(raw_role: String) -> Result<(), AppError> {
    let owner = require_owner().await?;
    let role = role(&raw_role)?;
    let state = state();
    let (token, hash) = new_token();
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO invitations (business_id, role, token_hash, created_by, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(owner.business_id)
    .bind(role.as_str())
    .bind(&hash)
    .bind(owner.user.id)
    .bind(now + Duration::days(INVITATION_DAYS))
    .fetch_one(&mut *tx)
    .await?;
    audit_entry(Actor::User(owner.user.id), "member.invited")
        .business(owner.business_id)
        .target("invitation", id)
        .change("role", serde_json::Value::Null, role.as_str())
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    let link = format!("{}/sign-up?invite={token}", state.config.public_base_url);
    show_once(
        format!("Invitation link for a new {} (valid for 7 days, works once). Copy it now: it is shown only this time.", role.label().to_lowercase()),
        link,
    )
    .await
}

/// Withdraws a pending invitation of this business (owners only); another business's id, or
/// one already accepted, is "not found".
pub async fn revoke_invitation(raw_id: String) -> Result<(), AppError> {
    let owner = require_owner().await?;
    let not_found = || AppError::not_found("This invitation is no longer pending.");
    let id: Uuid = raw_id.trim().parse().map_err(|_| not_found())?;
    let state = state();
    let mut tx = state.pool.begin().await?;
    let role: Option<String> = sqlx::query_scalar(
        "DELETE FROM invitations WHERE id = $1 AND business_id = $2 AND accepted_at IS NULL
         RETURNING role",
    )
    .bind(id)
    .bind(owner.business_id)
    .fetch_optional(&mut *tx)
    .await?;
    let role = role.ok_or_else(not_found)?;
    audit_entry(Actor::User(owner.user.id), "member.invitation_revoked")
        .business(owner.business_id)
        .target("invitation", id)
        .change("role", role, serde_json::Value::Null)
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The membership row, locked, of this business; another business's id is "not found".
async fn lock_member(
    tx: &mut sqlx::PgConnection,
    owner: &Member,
    raw_id: &str,
) -> Result<(Uuid, Uuid, Role), AppError> {
    let id = member_id(raw_id)?;
    let row: Option<(Uuid, String)> = sqlx::query_as(
        "SELECT user_id, role FROM memberships WHERE id = $1 AND business_id = $2 FOR UPDATE",
    )
    .bind(id)
    .bind(owner.business_id)
    .fetch_optional(&mut *tx)
    .await?;
    let (user_id, role) = row.ok_or_else(|| AppError::not_found(MEMBER_NOT_FOUND))?;
    Ok((id, user_id, Role::parse(&role).unwrap_or(Role::Agent)))
}

/// Owners of the business other than this membership (rows locked, so two owners cannot
/// demote each other at once and leave none).
async fn other_owners(
    tx: &mut sqlx::PgConnection,
    business_id: Uuid,
    membership: Uuid,
) -> Result<i64, sqlx::Error> {
    let owners: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM memberships WHERE business_id = $1 AND role = 'owner' AND id <> $2 FOR UPDATE",
    )
    .bind(business_id)
    .bind(membership)
    .fetch_all(tx)
    .await?;
    Ok(owners.len() as i64)
}

pub async fn change_role(raw_id: String, raw_role: String) -> Result<(), AppError> {
    let owner = require_owner().await?;
    let new_role = role(&raw_role)?;
    let state = state();
    let mut tx = state.pool.begin().await?;
    let (id, user_id, old_role) = lock_member(&mut tx, &owner, &raw_id).await?;
    if old_role == Role::Owner
        && new_role == Role::Agent
        && other_owners(&mut tx, owner.business_id, id).await? == 0
    {
        return Err(AppError::conflict(LAST_OWNER));
    }
    sqlx::query("UPDATE memberships SET role = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(new_role.as_str())
        .execute(&mut *tx)
        .await?;
    if new_role != old_role {
        crate::server::accounts::reset::revoke_owner_issued(&mut tx, user_id).await?;
    }
    audit_entry(Actor::User(owner.user.id), "member.role_changed")
        .business(owner.business_id)
        .target("membership", id)
        .change("role", old_role.as_str(), new_role.as_str())
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove(raw_id: String) -> Result<(), AppError> {
    let owner = require_owner().await?;
    let state = state();
    let mut tx = state.pool.begin().await?;
    let (id, user_id, role) = lock_member(&mut tx, &owner, &raw_id).await?;
    if role == Role::Owner && other_owners(&mut tx, owner.business_id, id).await? == 0 {
        return Err(AppError::conflict(LAST_OWNER));
    }
    sqlx::query("DELETE FROM memberships WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    crate::server::accounts::reset::revoke_owner_issued(&mut tx, user_id).await?;
    audit_entry(Actor::User(owner.user.id), "member.removed")
        .business(owner.business_id)
        .target("user", user_id)
        .change("role", role.as_str(), serde_json::Value::Null)
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A 1-hour single-use reset link for an agent of this business.
pub async fn reset_link(raw_id: String) -> Result<(), AppError> {
    let owner = require_owner().await?;
    let state = state();
    let mut tx = state.pool.begin().await?;
    let (_, user_id, role) = lock_member(&mut tx, &owner, &raw_id).await?;
    if role != Role::Agent {
        return Err(AppError::conflict(
            "Reset links are for agents. Owners change their password on their account page.",
        ));
    }
    let link =
        crate::server::accounts::reset::issue(&mut tx, &state, user_id, &owner.user.id.to_string())
            .await?;
    audit_entry(Actor::User(owner.user.id), "member.reset_link_created")
        .business(owner.business_id)
        .target("user", user_id)
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    show_once(
        "Password reset link (valid for 1 hour, works once). Send it to your agent; it is shown only this time.".to_owned(),
        link,
    )
    .await
}
