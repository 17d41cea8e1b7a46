//! Accounts: creating users, signing in and out, and the login rate limits (web.md §3).

pub mod deletion;
pub mod reset;
pub mod tokens;

use chrono::Duration;
use rand::RngCore as _;

use crate::{
    api::error::{AppError, FORM, FieldErrors},
    domain::{
        email::normalize_email,
        next_url::{DEFAULT_NEXT, safe_next, sanitize_next},
    },
    server::{
        audit::Actor,
        auth::{
            Credentials,
            backend::BackendError,
            password::{hash_password, password_problem, verify_password},
            viewer::{audit_entry, auth_session, client_ip, require_user, state},
        },
        errors::internal,
        ratelimit,
        team::accept::{JoinRefused, join},
    },
};

/// Sign-in failures are counted in 15-minute windows.
const LOGIN_WINDOW_MINUTES: i64 = 15;
/// Per client IP the limit is this many times the per-email one.
const IP_FACTOR: u32 = 5;
/// Sign-ups per client address are counted in windows of this length (`RATE_LIMIT_SIGNUP_MAX`).
const SIGN_UP_WINDOW_MINUTES: i64 = 60;

/// This request's client address as a rate-limit bucket (`domain::client_ip::bucket`).
fn client_bucket() -> String {
    client_ip().map_or_else(|| "unknown".to_owned(), crate::domain::client_ip::bucket)
}

pub const INVALID_CREDENTIALS: &str = "Invalid email or password.";
pub const EMAIL_TAKEN: &str = "An account with this email already exists.";

/// A fresh random security stamp; rotating it ends every session made with the old one.
pub fn new_security_stamp() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub async fn sign_up(
    email: String,
    password: String,
    next: Option<String>,
    invite: Option<String>,
) -> Result<(), AppError> {
    let mut errors = FieldErrors::default();
    let email = errors.check("email", normalize_email(&email));
    if let Some(problem) = password_problem(&password, email.as_deref().unwrap_or_default()) {
        errors.add("password", problem);
    }
    let email = errors.into_result(email.unwrap_or_default())?;
    let state = state();
    // Counted before the (deliberately slow) hash: an anonymous script gets 429s, not CPU.
    let ip_key = format!("signup:ip:{}", client_bucket());
    let decision = ratelimit::hit(
        &state.pool,
        &ip_key,
        state.config.rate_limits.signup_max,
        Duration::minutes(SIGN_UP_WINDOW_MINUTES),
        state.clock.now(),
    )
    .await?;
    if !decision.allowed {
        return Err(AppError::rate_limited(
            decision.retry_after.max(1) as u64,
            "Too many new accounts from this network. Try again later.",
        ));
    }
    let hash = hash_password(password).await?;
    let mut tx = state.pool.begin().await?;
    let inserted: Result<uuid::Uuid, sqlx::Error> = sqlx::query_scalar(
        "INSERT INTO users (email, password_hash, security_stamp) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(&email)
    .bind(hash)
    .bind(new_security_stamp())
    .fetch_one(&mut *tx)
    .await;
    if let Err(err) = &inserted
        && err.as_database_error().and_then(|db| db.constraint()) == Some("users_email_key")
    {
        return Err(AppError::invalid("email", EMAIL_TAKEN));
    }
    let user_id = inserted?;
    let joined = match &invite {
        Some(token) => match join(&mut tx, token, user_id, state.clock.now()).await {
            Ok(_) => true,
            Err(JoinRefused::Database(err)) => return Err(err.into()),
            Err(refused) => return Err(AppError::invalid(FORM, refused.to_string())),
        },
        None => false,
    };
    tx.commit().await?;
    let mut auth = auth_session().await?;
    let user = auth
        .backend
        .get_user_by_id(user_id)
        .await?
        .ok_or_else(|| internal("user vanished after sign-up"))?;
    sign_in_fresh(&mut auth, &user).await?;
    let fallback = if joined { "/app/leads" } else { DEFAULT_NEXT };
    leptos_axum::redirect(safe_next(next.as_deref()).unwrap_or(fallback));
    Ok(())
}

pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    let state = state();
    let now = state.clock.now();
    let limit = state.config.rate_limits.login_max;
    let window = Duration::minutes(LOGIN_WINDOW_MINUTES);
    let email = email.trim().to_lowercase();
    let email_key = format!("login:email:{email}");
    let ip_key = format!("login:ip:{}", client_bucket());

    // Each attempt is counted before the password is checked, in one atomic step per bucket,
    // so concurrent guesses cannot all pass a check made before any of them was counted.
    for (key, key_limit) in [(&email_key, limit), (&ip_key, limit * IP_FACTOR)] {
        let decision = ratelimit::hit(&state.pool, key, key_limit, window, now).await?;
        if !decision.allowed {
            let minutes = (decision.retry_after as u64).div_ceil(60);
            let unit = if minutes == 1 { "minute" } else { "minutes" };
            return Err(AppError::rate_limited(
                decision.retry_after as u64,
                format!("Too many sign-in attempts. Try again in {minutes} {unit}."),
            ));
        }
    }

    let mut auth = auth_session().await?;
    let user = match auth.authenticate(Credentials { email, password }).await {
        Ok(user) => user,
        Err(axum_login::Error::Backend(BackendError::Password(err))) => return Err(err.into()),
        Err(err) => return Err(internal(err)),
    };
    let Some(user) = user else {
        return Err(AppError::invalid(FORM, INVALID_CREDENTIALS));
    };
    // A success is not a failure: its attempt is given back to the shared address's budget.
    ratelimit::refund(&state.pool, &ip_key).await?;
    ratelimit::clear(&state.pool, &email_key).await?;
    sign_in_fresh(&mut auth, &user).await?;
    sqlx::query("UPDATE users SET last_login_at = $2 WHERE id = $1")
        .bind(user.id)
        .bind(now)
        .execute(&state.pool)
        .await?;
    leptos_axum::redirect(sanitize_next(next.as_deref()));
    Ok(())
}

/// Signs `user` in on a new session id, also over a session that is already signed in (the
/// login library keeps the id when the same user signs in again), so an id seen before a
/// sign-in never works after it.
async fn sign_in_fresh(
    auth: &mut crate::server::auth::AuthSession,
    user: &crate::server::auth::User,
) -> Result<(), AppError> {
    auth.login(user).await.map_err(internal)?;
    auth.session.cycle_id().await.map_err(internal)?;
    Ok(())
}

pub async fn sign_out() -> Result<(), AppError> {
    let mut auth = auth_session().await?;
    auth.logout().await.map_err(internal)?;
    leptos_axum::redirect("/");
    Ok(())
}

/// Sets a new password and rotates the security stamp: every other session ends; this one is
/// renewed with the new stamp.
pub async fn change_password(current: String, new: String) -> Result<(), AppError> {
    let user = require_user().await?;
    let state = state();
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(user.id)
        .fetch_one(&state.pool)
        .await?;
    if !verify_password(Some(hash), current).await? {
        return Err(AppError::invalid(
            "current_password",
            "That is not your current password.",
        ));
    }
    if let Some(problem) = password_problem(&new, &user.email) {
        return Err(AppError::invalid("new_password", problem));
    }
    let hash = hash_password(new).await?;
    let mut tx = state.pool.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $2, security_stamp = $3, updated_at = now() WHERE id = $1")
        .bind(user.id)
        .bind(hash)
        .bind(new_security_stamp())
        .execute(&mut *tx)
        .await?;
    let mut entry =
        audit_entry(Actor::User(user.id), "user.password_changed").target("user", user.id);
    if let Some((business_id, _)) = user.membership() {
        entry = entry.business(business_id);
    }
    entry.write(&mut tx).await?;
    tx.commit().await?;
    renew_current_session(user.id).await
}

/// "Sign out other sessions": the stamp rotates without a password change.
pub async fn sign_out_other_sessions() -> Result<(), AppError> {
    let user = require_user().await?;
    sqlx::query("UPDATE users SET security_stamp = $2, updated_at = now() WHERE id = $1")
        .bind(user.id)
        .bind(new_security_stamp())
        .execute(&state().pool)
        .await?;
    renew_current_session(user.id).await
}

/// Stores the new stamp in this session so it stays signed in.
async fn renew_current_session(user_id: uuid::Uuid) -> Result<(), AppError> {
    let mut auth = auth_session().await?;
    let user = auth
        .backend
        .get_user_by_id(user_id)
        .await?
        .ok_or_else(AppError::unauthorized)?;
    auth.login(&user).await.map_err(internal)
}
