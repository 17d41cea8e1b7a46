//! Password reset links (web.md §3.1): issued by an owner for an agent or by the operator CLI,
//! valid one hour, single use; using one sets the password and ends every session.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{new_security_stamp, tokens};
use crate::{
    api::error::AppError,
    server::{
        audit::{Actor, Entry},
        auth::password::{hash_password, password_problem},
        state::AppState,
    },
};

pub const EXPIRED: &str = "This reset link is no longer valid. Ask for a new one.";

/// Stores a reset for `user_id` and returns its link. `created_by` is the owner's user id or
/// `operator`.
pub async fn issue(
    conn: &mut PgConnection,
    state: &AppState,
    user_id: Uuid,
    created_by: &str,
) -> Result<String, sqlx::Error> {
    let (token, hash) = tokens::new_token();
    sqlx::query("INSERT INTO password_resets (user_id, token_hash, created_by, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(user_id)
        .bind(hash)
        .bind(created_by)
        .bind(state.clock.now() + Duration::hours(1))
        .execute(conn)
        .await?;
    Ok(format!(
        "{}/reset-password?token={token}",
        state.config.public_base_url
    ))
}

/// A link an owner issued works only while its user is still an agent of a business that owner
/// still owns: removing the member or changing their role ends it.
const OWNER_ISSUED_STILL_HOLDS: &str = "EXISTS (
    SELECT 1 FROM memberships target
    JOIN memberships issuer ON issuer.business_id = target.business_id
    WHERE target.user_id = u.id AND target.role = 'agent'
      AND issuer.user_id::text = r.created_by AND issuer.role = 'owner')";

/// Unused links owners issued for `user_id` stop working (the member was removed or their role
/// changed); operator-issued ones are left alone.
pub async fn revoke_owner_issued(
    conn: &mut PgConnection,
    user_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM password_resets WHERE user_id = $1 AND used_at IS NULL AND created_by <> 'operator'",
    )
    .bind(user_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The user a still-usable token belongs to.
pub async fn user_for(
    conn: &mut PgConnection,
    token: &str,
    now: DateTime<Utc>,
    lock: bool,
) -> Result<Option<(Uuid, Uuid, String)>, sqlx::Error> {
    let sql = format!(
        "SELECT r.id, u.id, u.email FROM password_resets r JOIN users u ON u.id = r.user_id
         WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > $2 AND u.disabled_at IS NULL
           AND (r.created_by = 'operator' OR {OWNER_ISSUED_STILL_HOLDS}){}",
        if lock { " FOR UPDATE OF r" } else { "" }
    );
    sqlx::query_as(&sql)
        .bind(tokens::hash(token))
        .bind(now)
        .fetch_optional(conn)
        .await
}

/// Sets the new password from a reset link, once.
pub async fn reset(state: &AppState, token: &str, password: String) -> Result<(), AppError> {
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let (reset_id, user_id, email) = user_for(&mut tx, token, now, true)
        .await?
        .ok_or_else(|| AppError::invalid(crate::api::error::FORM, EXPIRED))?;
    if let Some(problem) = password_problem(&password, &email) {
        return Err(AppError::invalid("password", problem));
    }
    let hash = hash_password(password).await?;
    sqlx::query("UPDATE password_resets SET used_at = $2 WHERE id = $1")
        .bind(reset_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE users SET password_hash = $2, security_stamp = $3, updated_at = now() WHERE id = $1")
        .bind(user_id)
        .bind(hash)
        .bind(new_security_stamp())
        .execute(&mut *tx)
        .await?;
    let business: Option<Uuid> =
        sqlx::query_scalar("SELECT business_id FROM memberships WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
    let mut entry =
        Entry::new(now, Actor::User(user_id), "user.password_changed").target("user", user_id);
    if let Some(business) = business {
        entry = entry.business(business);
    }
    entry.write(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// `GET /reset-password?token=`: an unknown, used or expired token gets the 410 page before
/// the form is rendered (web.md §2.1).
pub async fn reset_page_gate(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if request.method() != axum::http::Method::GET || request.uri().path() != "/reset-password" {
        return next.run(request).await;
    }
    let token = request
        .uri()
        .query()
        .and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "token")
                .map(|(_, v)| v.into_owned())
        })
        .unwrap_or_default();
    let valid = match state.pool.acquire().await {
        Ok(mut conn) => matches!(
            user_for(&mut conn, &token, state.clock.now(), false).await,
            Ok(Some(_))
        ),
        Err(_) => false,
    };
    if valid {
        next.run(request).await
    } else {
        crate::server::http::error_page::error_page(
            axum::http::StatusCode::GONE,
            "This reset link is no longer valid.",
            Some(
                "Reset links work once and for one hour. Ask the owner of your business for a new one.",
            ),
        )
    }
}

/// `issue-reset-link --email`: a reset link for any user, issued by the operator.
pub async fn issue_for_email(state: &AppState, email: &str) -> Result<Option<String>, sqlx::Error> {
    let user: Option<(Uuid, Option<Uuid>)> = sqlx::query_as(
        "SELECT u.id, m.business_id FROM users u LEFT JOIN memberships m ON m.user_id = u.id WHERE u.email = $1",
    )
    .bind(email.trim().to_lowercase())
    .fetch_optional(&state.pool)
    .await?;
    let Some((user_id, business)) = user else {
        return Ok(None);
    };
    let mut tx = state.pool.begin().await?;
    let link = issue(&mut tx, state, user_id, "operator").await?;
    let mut entry = Entry::new(
        state.clock.now(),
        Actor::Operator,
        "member.reset_link_created",
    )
    .target("user", user_id);
    if let Some(business) = business {
        entry = entry.business(business);
    }
    entry.write(&mut tx).await?;
    tx.commit().await?;
    Ok(Some(link))
}
