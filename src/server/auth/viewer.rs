//! The checks server functions run first: who is signed in, which business they act for, and
//! whether their role allows the action (web.md §4). Another tenant's ids never get this far:
//! every query then filters by the member's own `business_id`.

use leptos::prelude::{expect_context, use_context};
use uuid::Uuid;

use super::{AuthSession, User};
use crate::{
    api::{
        error::AppError,
        viewer::{Role, Viewer, ViewerBusiness},
    },
    server::{errors::internal, state::AppState},
};

/// The application state, inside a server function.
pub fn state() -> AppState {
    expect_context::<AppState>()
}

/// This request's auth session (present on every route behind the session layer).
pub async fn auth_session() -> Result<AuthSession, AppError> {
    leptos_axum::extract::<AuthSession>()
        .await
        .map_err(|err| internal(format!("auth session missing: {err}")))
}

/// 401 unless someone is signed in.
pub async fn require_user() -> Result<User, AppError> {
    auth_session()
        .await?
        .user
        .ok_or_else(AppError::unauthorized)
}

/// A user acting for their business.
#[derive(Clone, Debug)]
pub struct Member {
    pub user: User,
    pub business_id: Uuid,
    pub role: Role,
}

impl Member {
    pub fn is_owner(&self) -> bool {
        self.role == Role::Owner
    }
}

/// 401 when signed out, 403 without a business.
pub async fn require_member() -> Result<Member, AppError> {
    let user = require_user().await?;
    let (business_id, role) = user.membership().ok_or_else(AppError::forbidden)?;
    Ok(Member {
        user,
        business_id,
        role,
    })
}

/// As `require_member`, and 403 for agents.
pub async fn require_owner() -> Result<Member, AppError> {
    let member = require_member().await?;
    if member.is_owner() {
        Ok(member)
    } else {
        Err(AppError::forbidden())
    }
}

pub async fn current_viewer() -> Result<Option<Viewer>, AppError> {
    let Some(user) = auth_session().await?.user else {
        return Ok(None);
    };
    let business = match user.membership() {
        Some((id, role)) => {
            let name: Option<String> = sqlx::query_scalar(
                "SELECT name FROM businesses WHERE id = $1 AND deleted_at IS NULL",
            )
            .bind(id)
            .fetch_optional(&state().pool)
            .await?;
            name.map(|name| ViewerBusiness { id, name, role })
        }
        None => None,
    };
    Ok(Some(Viewer {
        email: user.email.clone(),
        display_name: user.display_name.clone(),
        business,
    }))
}

/// The peer address of this request, after trusted proxies.
pub fn client_ip() -> Option<std::net::IpAddr> {
    let parts = use_context::<axum::http::request::Parts>()?;
    let peer = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip());
    let forwarded = parts
        .headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    crate::domain::client_ip::client_ip(
        peer,
        forwarded,
        state().config.rate_limits.trusted_proxy_hops,
    )
}

/// An audit entry stamped with this request's time, client address and correlation id.
pub fn audit_entry(
    actor: crate::server::audit::Actor,
    action: &'static str,
) -> crate::server::audit::Entry {
    crate::server::audit::Entry::new(state().clock.now(), actor, action).request(
        client_ip().map(|ip| ip.to_string()),
        Some(crate::server::errors::current_correlation_id()),
    )
}
