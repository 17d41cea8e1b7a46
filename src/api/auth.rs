//! Sign-up, sign-in and sign-out (web.md §3.1, §3.2).

use leptos::prelude::*;

use super::error::AppError;

#[server(prefix = "/api/auth", endpoint = "sign-up")]
pub async fn sign_up(
    email: String,
    password: String,
    next: Option<String>,
    #[server(default)] invite: Option<String>,
) -> Result<(), AppError> {
    let invite = invite.filter(|token| !token.trim().is_empty());
    crate::server::accounts::sign_up(email, password, next, invite).await
}

#[server(prefix = "/api/auth", endpoint = "sign-in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    crate::server::accounts::sign_in(email, password, next).await
}

#[server(prefix = "/api/auth", endpoint = "sign-out")]
pub async fn sign_out() -> Result<(), AppError> {
    crate::server::accounts::sign_out().await
}

#[server(prefix = "/api/auth", endpoint = "reset-password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    let state = crate::server::auth::viewer::state();
    crate::server::accounts::reset::reset(&state, &token, password).await?;
    leptos_axum::redirect("/sign-in?reset=done");
    Ok(())
}
