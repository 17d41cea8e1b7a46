//! The texting health behind the leads page's banners (web.md §5).

use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::messaging_banners::TextingHealth;

/// Carrier blocks count as current for a week after the last one.
const RECENT_DAYS: i32 = 7;

pub async fn texting_health(
    pool: &PgPool,
    business_id: Uuid,
) -> Result<TextingHealth, sqlx::Error> {
    let (opted_out_from, failure_code, filtered, unregistered): (
        Option<String>,
        Option<String>,
        bool,
        bool,
    ) = sqlx::query_as(
        "SELECT CASE WHEN c.opted_out THEN COALESCE(
                    (SELECT m.to_e164 FROM messages m
                     WHERE m.business_id = b.id AND m.twilio_sid = c.last_message_sid),
                    (SELECT n.e164 FROM phone_numbers n WHERE n.business_id = b.id
                       AND n.status = 'active' ORDER BY n.created_at, n.id LIMIT 1)) END,
                b.notify_failure_code,
                EXISTS (SELECT 1 FROM messages m WHERE m.business_id = b.id AND m.error_code = '30007'
                          AND m.updated_at > now() - make_interval(days => $2)),
                EXISTS (SELECT 1 FROM messages m WHERE m.business_id = b.id AND m.error_code = '30034'
                          AND m.updated_at > now() - make_interval(days => $2))
         FROM businesses b
         LEFT JOIN sms_consent c ON c.business_id = b.id AND c.phone_e164 = b.notify_phone
         WHERE b.id = $1",
    )
    .bind(business_id)
    .bind(RECENT_DAYS)
    .fetch_one(pool)
    .await?;
    Ok(TextingHealth {
        notify_opted_out_from: opted_out_from,
        notify_failure_code: failure_code,
        carrier_filtered: filtered,
        not_registered: unregistered,
    })
}
