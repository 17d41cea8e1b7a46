//! Who is signed in: the user row with its membership, loaded once per request by axum-login
//! from the session (data-model.md §3.1, §3.3, §3.17).

use axum_login::{AuthUser, AuthnBackend};
use sqlx::PgPool;
use uuid::Uuid;

use super::password::verify_password;
use crate::api::viewer::Role;

/// The signed-in user and, when they belong to one, their business and role.
#[derive(Clone, sqlx::FromRow)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub display_name: Option<String>,
    security_stamp: String,
    pub business_id: Option<Uuid>,
    role: Option<String>,
}

impl User {
    pub fn role(&self) -> Option<Role> {
        self.role.as_deref().and_then(Role::parse)
    }

    /// The current business and role, when the user has a membership.
    pub fn membership(&self) -> Option<(Uuid, Role)> {
        Some((self.business_id?, self.role()?))
    }
}

// Never print the stamp or the email in full.
impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("business_id", &self.business_id)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

impl AuthUser for User {
    type Id = Uuid;

    fn id(&self) -> Uuid {
        self.id
    }

    /// Sessions remember the stamp they were created with; rotating it (password change,
    /// "sign out other sessions") ends every other session.
    fn session_auth_hash(&self) -> &[u8] {
        self.security_stamp.as_bytes()
    }
}

#[derive(Clone, Debug)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

#[derive(Clone)]
pub struct Backend {
    pool: PgPool,
}

impl Backend {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    pub async fn get_user_by_id(&self, id: Uuid) -> Result<Option<User>, sqlx::Error> {
        match self.get_user(&id).await {
            Ok(user) => Ok(user),
            Err(BackendError::Database(err)) => Err(err),
            Err(BackendError::Password(_)) => Ok(None), // get_user hashes nothing
        }
    }
}

const USER_COLUMNS: &str = "u.id, u.email, u.display_name, u.security_stamp, m.business_id, m.role";

/// Why authenticating did not give an answer.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Password(#[from] super::password::PasswordError),
}

impl AuthnBackend for Backend {
    type User = User;
    type Credentials = Credentials;
    type Error = BackendError;

    /// Unknown emails are checked against a dummy hash, so timing does not reveal whether an
    /// account exists; disabled users cannot sign in.
    async fn authenticate(&self, credentials: Credentials) -> Result<Option<User>, BackendError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: User,
            password_hash: String,
            disabled: bool,
        }
        let row: Option<Row> = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS}, u.password_hash, u.disabled_at IS NOT NULL AS disabled
             FROM users u LEFT JOIN memberships m ON m.user_id = u.id
             WHERE u.email = $1"
        ))
        .bind(credentials.email.trim().to_lowercase())
        .fetch_optional(&self.pool)
        .await?;
        let (hash, user) = match row {
            Some(row) => (Some(row.password_hash), (!row.disabled).then_some(row.user)),
            None => (None, None),
        };
        let verified = verify_password(hash, credentials.password).await?;
        Ok(user.filter(|_| verified))
    }

    async fn get_user(&self, id: &Uuid) -> Result<Option<User>, BackendError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS} FROM users u LEFT JOIN memberships m ON m.user_id = u.id
             WHERE u.id = $1 AND u.disabled_at IS NULL"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }
}

pub type AuthSession = axum_login::AuthSession<Backend>;
