//! Password hashing (argon2id, data-model.md §3.1) and the sign-up password policy
//! (web.md §3.1). Hashing runs on the blocking pool, never on the async workers.

use std::{collections::HashSet, sync::LazyLock, time::Duration};

use argon2::{
    Argon2,
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng},
};

/// The 1,000 most common passwords, most common first (the ranked list shipped with zxcvbn
/// 4.4.2, MIT licence, derived from public password leaks).
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

static COMMON: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| COMMON_PASSWORDS.lines().map(str::trim).collect());

/// Verified when the email is unknown, so a sign-in takes as long whether or not the account
/// exists.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    hash_now("an unguessable placeholder that no account uses").unwrap_or_default()
});

/// argon2id with the crate defaults: 19 MiB, 2 iterations, 1 lane, 16-byte random salt.
fn hash_now(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

fn verify_now(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Hashes running at once: one per core. Each takes 19 MiB and a core for ~50 ms, so without a
/// bound 60 concurrent sign-ups took a gigabyte and every tenant's webhooks slowed down.
static HASHING: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    tokio::sync::Semaphore::new(cores)
});
/// How long a request waits for a hashing slot before it is told to come back.
const HASHING_WAIT: Duration = Duration::from_secs(2);
/// What the client is told to wait after `PasswordError::Busy`.
pub const BUSY_RETRY_AFTER_SECONDS: u64 = 2;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// Every hashing slot stayed taken for `HASHING_WAIT`: answered 429 with Retry-After.
    #[error("password hashing is busy")]
    Busy,
    #[error("password hashing failed: {0}")]
    Failed(String),
}

/// Runs `work` on the blocking pool once a hashing slot is free.
async fn with_hashing_slot<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, PasswordError> {
    with_slot_of(&HASHING, work).await
}

async fn with_slot_of<T: Send + 'static>(
    slots: &tokio::sync::Semaphore,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, PasswordError> {
    let _slot = tokio::time::timeout(HASHING_WAIT, slots.acquire())
        .await
        .map_err(|_| PasswordError::Busy)?
        .map_err(|err| PasswordError::Failed(err.to_string()))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| PasswordError::Failed(err.to_string()))
}

pub async fn hash_password(password: String) -> Result<String, PasswordError> {
    with_hashing_slot(move || hash_now(&password))
        .await?
        .map_err(|err| PasswordError::Failed(err.to_string()))
}

/// Checks `password` against `hash`, or against a fixed dummy hash when there is no account.
pub async fn verify_password(
    hash: Option<String>,
    password: String,
) -> Result<bool, PasswordError> {
    with_hashing_slot(move || match hash {
        Some(hash) => verify_now(&hash, &password),
        None => {
            verify_now(&DUMMY_HASH, &password);
            false
        }
    })
    .await
}

/// Why a new password is refused, in the words the form shows.
pub fn password_problem(password: &str, email: &str) -> Option<&'static str> {
    let length = password.chars().count();
    if length < 10 {
        Some("Use at least 10 characters.")
    } else if length > 128 {
        Some("Use at most 128 characters.")
    } else if password.trim().eq_ignore_ascii_case(email.trim()) {
        Some("Your password cannot be your email address.")
    } else if COMMON.contains(password.to_lowercase().as_str()) {
        Some("This password is too common. Choose one that is harder to guess.")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_list_has_a_thousand_entries() {
        assert_eq!(COMMON.len(), 1000);
        assert!(COMMON.contains("password123"));
    }

    #[test]
    fn policy() {
        assert_eq!(
            password_problem("short", "a@b.co"),
            Some("Use at least 10 characters.")
        );
        assert_eq!(
            password_problem(&"x".repeat(129), "a@b.co"),
            Some("Use at most 128 characters.")
        );
        assert!(password_problem(&"x".repeat(128), "a@b.co").is_none());
        assert_eq!(
            password_problem("Pat@Example.com", "pat@example.com"),
            Some("Your password cannot be your email address.")
        );
        assert_eq!(
            password_problem("Password123", "a@b.co"),
            Some("This password is too common. Choose one that is harder to guess.")
        );
        assert_eq!(
            password_problem("qwertyuiop", "a@b.co").map(|m| &m[..8]),
            Some("This pas")
        );
        assert_eq!(password_problem("correct horse battery", "a@b.co"), None);
    }

    #[tokio::test]
    async fn with_every_hashing_slot_taken_a_request_is_told_to_come_back() {
        let slots = tokio::sync::Semaphore::new(2);
        let taken = slots.acquire_many(2).await.unwrap();
        let busy = with_slot_of(&slots, || hash_now("correct horse battery")).await;
        assert!(matches!(busy, Err(PasswordError::Busy)));
        drop(taken);
        let hashed = with_slot_of(&slots, || hash_now("correct horse battery")).await;
        assert!(matches!(hashed, Ok(Ok(_))));
    }

    #[tokio::test]
    async fn hashes_verify_and_use_argon2id_with_the_documented_cost() {
        let hash = hash_password("correct horse battery".into()).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            verify_password(Some(hash.clone()), "correct horse battery".into())
                .await
                .unwrap()
        );
        assert!(
            !verify_password(Some(hash), "wrong horse battery".into())
                .await
                .unwrap()
        );
        assert!(!verify_password(None, "anything".into()).await.unwrap());
        assert!(
            !verify_password(Some("not a hash".into()), "anything".into())
                .await
                .unwrap()
        );
    }
}
