//! Times shown to owners in their business's time zone.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::PgPool;
use uuid::Uuid;

/// The business's zone (UTC when the stored name is unknown).
pub async fn zone(pool: &PgPool, business_id: Uuid) -> Result<Tz, sqlx::Error> {
    let zone: String = sqlx::query_scalar("SELECT timezone FROM businesses WHERE id = $1")
        .bind(business_id)
        .fetch_one(pool)
        .await?;
    Ok(zone.parse().unwrap_or(Tz::UTC))
}

/// "Mar 2, 9:15 AM".
pub fn label(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone)
        .format("%b %-d, %-I:%M %p")
        .to_string()
}

/// "Mar 2, 9:15:04 AM", for logs where seconds tell attempts apart.
pub fn label_with_seconds(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone)
        .format("%b %-d, %-I:%M:%S %p")
        .to_string()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn labels_are_business_local() {
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 15, 15, 4).unwrap();
        let chicago: Tz = "America/Chicago".parse().unwrap();
        assert_eq!(label(at, chicago), "Mar 2, 9:15 AM");
        assert_eq!(label_with_seconds(at, chicago), "Mar 2, 9:15:04 AM");
    }
}
