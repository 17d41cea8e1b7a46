//! The signed-in user's own account (web.md §2.1 `/app/account`, §3.2).

use leptos::prelude::*;

use super::error::AppError;

#[server(prefix = "/api/app/account", endpoint = "password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    crate::server::accounts::change_password(current_password, new_password).await?;
    leptos_axum::redirect("/app/account?done=password");
    Ok(())
}

#[server(prefix = "/api/app/account", endpoint = "sign-out-others")]
pub async fn sign_out_other_sessions() -> Result<(), AppError> {
    crate::server::accounts::sign_out_other_sessions().await?;
    leptos_axum::redirect("/app/account?done=sessions");
    Ok(())
}
