//! The operator's `delete-user` (operations.md §2, data-model.md §7): a user is kept until the
//! operator deletes them. A business is never left without an owner: the last owner of a
//! business that is not deleted is refused (delete the business first, or make someone else
//! owner). Otherwise the memberships, sessions and user row go in one transaction; audit rows
//! keep the user's id, and rows that named the user as sender or inviter keep their content.

use uuid::Uuid;

use crate::server::{
    audit::{Actor, Entry},
    state::AppState,
};

#[derive(Debug, PartialEq, Eq)]
pub enum UserDeletion {
    Deleted {
        user_id: Uuid,
    },
    NoSuchUser,
    /// The user is the only owner of this (not deleted) business.
    LastOwner {
        business_name: String,
    },
}

/// Deletes the user with this email (case-insensitive), unless they are a business's last owner.
pub async fn delete_user(state: &AppState, email: &str) -> Result<UserDeletion, sqlx::Error> {
    let mut tx = state.pool.begin().await?;
    let user: Option<Uuid> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1 FOR UPDATE")
        .bind(email.trim().to_lowercase())
        .fetch_optional(&mut *tx)
        .await?;
    let Some(user_id) = user else {
        return Ok(UserDeletion::NoSuchUser);
    };
    // Each business the user owns is locked first, so an owner removed or demoted meanwhile
    // (team changes lock the same row) cannot leave it with nobody.
    let owned: Vec<(Uuid, String, bool)> = sqlx::query_as(
        "SELECT b.id, b.name, b.deleted_at IS NOT NULL
         FROM memberships m JOIN businesses b ON b.id = m.business_id
         WHERE m.user_id = $1 AND m.role = 'owner'
         ORDER BY b.id
         FOR UPDATE OF b",
    )
    .bind(user_id)
    .fetch_all(&mut *tx)
    .await?;
    for (business_id, business_name, deleted) in &owned {
        let other_owners: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM memberships
             WHERE business_id = $1 AND role = 'owner' AND user_id <> $2",
        )
        .bind(business_id)
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
        if !deleted && other_owners == 0 {
            return Ok(UserDeletion::LastOwner {
                business_name: business_name.clone(),
            });
        }
    }
    let businesses: Vec<Uuid> =
        sqlx::query_scalar("DELETE FROM memberships WHERE user_id = $1 RETURNING business_id")
            .bind(user_id)
            .fetch_all(&mut *tx)
            .await?;
    // A session row is opaque MessagePack holding the user id as text. Without the user row no
    // session could sign in anyway (every request loads the user); removing them is tidiness.
    sqlx::query("DELETE FROM sessions WHERE position(convert_to($1, 'UTF8') IN data) > 0")
        .bind(user_id.to_string())
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    // One audit row per business the user left (so each owner sees it), or one without.
    let now = state.clock.now();
    let scopes: Vec<Option<Uuid>> = if businesses.is_empty() {
        vec![None]
    } else {
        businesses.into_iter().map(Some).collect()
    };
    for scope in scopes {
        let mut entry = Entry::new(now, Actor::Operator, "user.deleted").target("user", user_id);
        if let Some(business_id) = scope {
            entry = entry.business(business_id);
        }
        entry.write(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(UserDeletion::Deleted { user_id })
}
