//! Sign-up, sign-in and sign-out (web.md §3.1, §3.2).

use leptos::prelude::*;

use super::error::AppError;

#[server(prefix = "/api/auth", endpoint = "sign-up")]
pub async fn sign_up(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    crate::server::accounts::sign_up(email, password, next).await
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
