//! Accepting an invitation (web.md §3.3): at sign-up (`/sign-up?invite=`) or, signed in, at
//! `/app/team/accept?invite=`, which asks for confirmation and joins on its POST.

use axum::{
    Form,
    extract::{Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::server::{
    accounts::tokens,
    audit::{Actor, Entry},
    auth::AuthSession,
    http::error_page::{error_page, escape},
    state::AppState,
};

pub const NO_LONGER_VALID: &str = "This invitation is no longer valid.";
pub const ALREADY_IN_A_BUSINESS: &str = "This account already belongs to a business.";

#[derive(Debug, thiserror::Error)]
pub enum JoinRefused {
    #[error("{NO_LONGER_VALID}")]
    Invalid,
    #[error("{ALREADY_IN_A_BUSINESS}")]
    AlreadyInBusiness,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Makes `user_id` a member with the invited role and uses the invitation up.
pub async fn join(
    conn: &mut PgConnection,
    token: &str,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Uuid, JoinRefused> {
    let invitation: Option<(Uuid, Uuid, String)> = sqlx::query_as(
        "SELECT i.id, i.business_id, i.role FROM invitations i JOIN businesses b ON b.id = i.business_id
         WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.expires_at > $2 AND b.deleted_at IS NULL
         FOR UPDATE OF i",
    )
    .bind(tokens::hash(token))
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    let (invitation_id, business_id, role) = invitation.ok_or(JoinRefused::Invalid)?;
    let joined =
        sqlx::query("INSERT INTO memberships (user_id, business_id, role) VALUES ($1, $2, $3)")
            .bind(user_id)
            .bind(business_id)
            .bind(&role)
            .execute(&mut *conn)
            .await;
    match joined {
        Err(err)
            if err.as_database_error().and_then(|db| db.constraint())
                == Some("memberships_user_id_key") =>
        {
            return Err(JoinRefused::AlreadyInBusiness);
        }
        other => other?,
    };
    sqlx::query("UPDATE invitations SET accepted_at = $2, accepted_by = $3 WHERE id = $1")
        .bind(invitation_id)
        .bind(now)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Entry::new(now, Actor::User(user_id), "member.joined")
        .business(business_id)
        .target("invitation", invitation_id)
        .change("role", serde_json::Value::Null, role)
        .write(conn)
        .await?;
    Ok(business_id)
}

#[derive(Debug, Deserialize)]
pub struct AcceptQuery {
    invite: Option<String>,
}

/// The business and role a still-valid invitation offers (nothing is locked or used).
async fn preview(state: &AppState, token: &str) -> Result<Option<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT b.name, i.role FROM invitations i JOIN businesses b ON b.id = i.business_id
         WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.expires_at > $2
           AND b.deleted_at IS NULL",
    )
    .bind(tokens::hash(token))
    .bind(state.clock.now())
    .fetch_optional(&state.pool)
    .await
}

/// `GET /app/team/accept?invite=<token>` (signed in; the gate sends visitors to sign-in): a
/// confirmation page. Opening a link changes nothing (a link another site loads in the
/// background must not make anyone a member); joining is the page's POST.
pub async fn accept(
    State(state): State<AppState>,
    auth: AuthSession,
    Query(query): Query<AcceptQuery>,
) -> Response {
    let Some(user) = auth.user else {
        return Redirect::to("/sign-in").into_response();
    };
    if user.membership().is_some() {
        return already_in_a_business();
    }
    let token = query.invite.unwrap_or_default();
    match preview(&state, &token).await {
        Ok(Some((business, role))) => confirmation_page(&business, &role, &token),
        Ok(None) => no_longer_valid(),
        Err(err) => failed(err),
    }
}

#[derive(Debug, Deserialize)]
pub struct AcceptForm {
    invite: String,
}

/// `POST /app/team/accept` from the confirmation page (same-origin only, like every form).
pub async fn accept_confirmed(
    State(state): State<AppState>,
    auth: AuthSession,
    Form(form): Form<AcceptForm>,
) -> Response {
    let Some(user) = auth.user else {
        return Redirect::to("/sign-in").into_response();
    };
    if user.membership().is_some() {
        return already_in_a_business();
    }
    let result = async {
        let mut tx = state.pool.begin().await?;
        join(&mut tx, &form.invite, user.id, state.clock.now()).await?;
        tx.commit().await?;
        Ok::<_, JoinRefused>(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to("/app/leads").into_response(),
        Err(JoinRefused::Invalid) => no_longer_valid(),
        Err(JoinRefused::AlreadyInBusiness) => already_in_a_business(),
        Err(JoinRefused::Database(err)) => failed(err),
    }
}

fn confirmation_page(business: &str, role: &str, token: &str) -> Response {
    let role = if role == "owner" {
        "an owner"
    } else {
        "an agent"
    };
    let body = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Join {business}</title><link rel=\"stylesheet\" href=\"/pkg/callbackcloser.css\"></head>\
         <body class=\"error-page\"><main><h1 class=\"text-2xl font-bold\">Join {business}</h1>\
         <p class=\"mt-2\">You were invited to join {business} as {role}.</p>\
         <form method=\"post\" action=\"/app/team/accept\" class=\"mt-4\">\
         <input type=\"hidden\" name=\"invite\" value=\"{token}\">\
         <button type=\"submit\" class=\"min-h-11 rounded-lg bg-teal-700 px-4 font-semibold text-white\">Join {business}</button></form>\
         <p class=\"mt-4\"><a class=\"underline\" href=\"/app\">Not now</a></p></main></body></html>",
        business = escape(business),
        token = escape(token),
    );
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

fn already_in_a_business() -> Response {
    error_page(
        StatusCode::CONFLICT,
        ALREADY_IN_A_BUSINESS,
        Some("Sign out and create another account to join a different business."),
    )
}

fn no_longer_valid() -> Response {
    error_page(
        StatusCode::GONE,
        NO_LONGER_VALID,
        Some("Ask the owner of the business for a new link."),
    )
}

fn failed(err: impl std::fmt::Display) -> Response {
    tracing::error!(event = "app.error", error = %err, "accepting an invitation failed");
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        None,
    )
}
