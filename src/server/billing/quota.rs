//! Monthly conversation quota (billing.md §8): the plan tier from the price id, the month
//! window in the business's time zone, and the conditional increment that claims one
//! conversation without ever exceeding the limit.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use sqlx::PgConnection;
use uuid::Uuid;

pub use crate::domain::billing::Tier;
use crate::server::config::{Config, PlanConfig};

/// The tier of an `ACTIVE` subscription. A price the configuration does not list counts as
/// Starter; `true` says so, for the `billing.unknown_price` alert.
pub fn tier(config: &Config, price_id: Option<&str>) -> (Tier, bool) {
    let listed = |ids: &[String]| price_id.is_some_and(|p| ids.iter().any(|id| id == p));
    if listed(&config.stripe.price_pro) {
        (Tier::Pro, false)
    } else if listed(&config.stripe.price_starter) {
        (Tier::Starter, false)
    } else {
        (Tier::Starter, true)
    }
}

pub fn limit(plans: &PlanConfig, tier: Tier) -> i32 {
    let limit = match tier {
        Tier::Starter => plans.starter_conversations,
        Tier::Pro => plans.pro_conversations,
    };
    i32::try_from(limit).unwrap_or(i32::MAX)
}

/// The business-local month containing `now`: its `YYYY-MM` key and UTC bounds
/// (start inclusive, end exclusive). An unknown zone name falls back to UTC.
pub fn month(timezone: &str, now: DateTime<Utc>) -> (String, DateTime<Utc>, DateTime<Utc>) {
    let tz: Tz = timezone.parse().unwrap_or(Tz::UTC);
    let local = now.with_timezone(&tz);
    let first = NaiveDate::from_ymd_opt(local.year(), local.month(), 1).unwrap_or_default();
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(first);
    let start_of = |day: NaiveDate| {
        // Midnight exists in every zone the product offers; `earliest` covers a gap anyway.
        tz.from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
            .earliest()
            .map_or(now, |t| t.with_timezone(&Utc))
    };
    (
        format!("{:04}-{:02}", local.year(), local.month()),
        start_of(first),
        start_of(next),
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    Claimed,
    /// No conversation left this month.
    Reached {
        used: i32,
    },
}

/// Takes one conversation of `period` if fewer than `limit` were used (data-model.md §6).
pub async fn claim(
    conn: &mut PgConnection,
    business_id: Uuid,
    period: &str,
    limit: i32,
    now: DateTime<Utc>,
) -> Result<Claim, sqlx::Error> {
    sqlx::query(
        "INSERT INTO usage_counters (business_id, period, created_at, updated_at)
         VALUES ($1, $2, $3, $3) ON CONFLICT (business_id, period) DO NOTHING",
    )
    .bind(business_id)
    .bind(period)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let claimed = sqlx::query(
        "UPDATE usage_counters SET conversations_used = conversations_used + 1, updated_at = $4
         WHERE business_id = $1 AND period = $2 AND conversations_used < $3",
    )
    .bind(business_id)
    .bind(period)
    .bind(limit)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if claimed == 1 {
        return Ok(Claim::Claimed);
    }
    let used = sqlx::query_scalar(
        "SELECT conversations_used FROM usage_counters WHERE business_id = $1 AND period = $2",
    )
    .bind(business_id)
    .bind(period)
    .fetch_one(conn)
    .await?;
    Ok(Claim::Reached { used })
}

/// Claims the month's one "limit reached" alert (billing.md §8.3).
pub async fn claim_limit_alert(
    conn: &mut PgConnection,
    business_id: Uuid,
    period: &str,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE usage_counters SET limit_alert_sent_at = $3, updated_at = $3
         WHERE business_id = $1 AND period = $2 AND limit_alert_sent_at IS NULL",
    )
    .bind(business_id)
    .bind(period)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn spec_month_windows() {
        let cases = [
            (
                "America/New_York",
                "2026-02-15T12:00:00Z",
                "2026-02",
                "2026-02-01T05:00:00Z",
                "2026-03-01T05:00:00Z",
            ),
            (
                "America/New_York",
                "2026-03-20T12:00:00Z",
                "2026-03",
                "2026-03-01T05:00:00Z",
                "2026-04-01T04:00:00Z",
            ),
            (
                "America/Los_Angeles",
                "2026-03-20T12:00:00Z",
                "2026-03",
                "2026-03-01T08:00:00Z",
                "2026-04-01T07:00:00Z",
            ),
            (
                "America/Los_Angeles",
                "2026-04-01T06:30:00Z",
                "2026-03",
                "2026-03-01T08:00:00Z",
                "2026-04-01T07:00:00Z",
            ),
            (
                "Pacific/Honolulu",
                "2026-01-01T05:00:00Z",
                "2025-12",
                "2025-12-01T10:00:00Z",
                "2026-01-01T10:00:00Z",
            ),
        ];
        for (tz, now, key, start, end) in cases {
            assert_eq!(
                month(tz, at(now)),
                (key.to_owned(), at(start), at(end)),
                "{tz} {now}"
            );
        }
    }

    #[test]
    fn unknown_zone_is_utc() {
        let (key, start, _) = month("Mars/Olympus", at("2026-05-31T23:00:00Z"));
        assert_eq!(key, "2026-05");
        assert_eq!(start, at("2026-05-01T00:00:00Z"));
    }

    #[test]
    fn tiers_from_price_ids() {
        let mut config = crate::server::config::read(
            &|name| match name {
                "DATABASE_URL" => Some("postgres://x/y".into()),
                "STRIPE_PRICE_STARTER" => Some("price_s1,price_s0".into()),
                "STRIPE_PRICE_PRO" => Some("price_p".into()),
                _ => None,
            },
            None,
        )
        .0;
        assert_eq!(tier(&config, Some("price_p")), (Tier::Pro, false));
        assert_eq!(tier(&config, Some("price_s0")), (Tier::Starter, false));
        assert_eq!(tier(&config, Some("price_other")), (Tier::Starter, true));
        assert_eq!(tier(&config, None), (Tier::Starter, true));
        config.plans.starter_conversations = 200;
        config.plans.pro_conversations = 1000;
        assert_eq!(limit(&config.plans, Tier::Starter), 200);
        assert_eq!(limit(&config.plans, Tier::Pro), 1000);
    }
}
