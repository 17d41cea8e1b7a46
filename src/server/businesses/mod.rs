//! Businesses: creating one at onboarding, and the rules their fields follow.

pub mod deletion;
pub mod local_time;
pub mod settings;
pub mod validation;

use sqlx::PgPool;
use uuid::Uuid;

use self::validation::{NOT_A_TRACKING_NUMBER, Profile};
use crate::{
    api::error::{AppError, FieldErrors},
    server::audit::Entry,
};

pub const ALREADY_IN_A_BUSINESS: &str = "This account already belongs to a business.";

/// Which of these phones is an active tracking number of the platform (any business).
pub async fn tracking_numbers_among(
    pool: &PgPool,
    phones: &[&str],
) -> Result<Vec<String>, sqlx::Error> {
    let phones: Vec<String> = phones.iter().map(|p| p.to_string()).collect();
    sqlx::query_scalar("SELECT e164 FROM phone_numbers WHERE status = 'active' AND e164 = ANY($1)")
        .bind(&phones)
        .fetch_all(pool)
        .await
}

/// 422 when the notify or forwarding phone is an active tracking number (W23).
pub async fn reject_tracking_numbers(
    pool: &PgPool,
    fields: &[(&str, &str)],
) -> Result<(), AppError> {
    let phones: Vec<&str> = fields.iter().map(|(_, phone)| *phone).collect();
    let taken = tracking_numbers_among(pool, &phones).await?;
    let mut errors = FieldErrors::default();
    for (field, phone) in fields {
        if taken.iter().any(|t| t == phone) {
            errors.add(field, NOT_A_TRACKING_NUMBER);
        }
    }
    errors.into_result(())
}

/// Creates the business with `user` as its owner, in one transaction.
pub async fn create(
    pool: &PgPool,
    user_id: Uuid,
    profile: &Profile,
    audit: Entry,
) -> Result<Uuid, AppError> {
    reject_tracking_numbers(
        pool,
        &[
            ("notify_phone", &profile.notify_phone),
            ("forwarding_phone", &profile.forwarding_phone),
        ],
    )
    .await?;
    let mut tx = pool.begin().await?;
    let [label_1, label_2, label_3] = &profile.service_labels;
    let business_id: Uuid = sqlx::query_scalar(
        "INSERT INTO businesses (name, timezone, notify_phone, default_forwarding_number, service_label_1,
                                 service_label_2, service_label_3, default_ring_timeout_seconds)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(&profile.name)
    .bind(&profile.timezone)
    .bind(&profile.notify_phone)
    .bind(&profile.forwarding_phone)
    .bind(label_1)
    .bind(label_2)
    .bind(label_3)
    .bind(profile.ring_timeout)
    .fetch_one(&mut *tx)
    .await?;
    let joined = sqlx::query(
        "INSERT INTO memberships (user_id, business_id, role) VALUES ($1, $2, 'owner')",
    )
    .bind(user_id)
    .bind(business_id)
    .execute(&mut *tx)
    .await;
    if let Err(err) = &joined
        && err.as_database_error().and_then(|db| db.constraint()) == Some("memberships_user_id_key")
    {
        return Err(AppError::conflict(ALREADY_IN_A_BUSINESS));
    }
    joined?;
    audit
        .business(business_id)
        .target("business", business_id)
        .change("name", Option::<String>::None, profile.name.clone())
        .change("timezone", Option::<String>::None, profile.timezone.clone())
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(business_id)
}
