//! The insights queries (web.md §6.6): counts per local day and per tracking number, missed
//! calls by reason, and response-time percentiles, all over the business-local date range.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use std::collections::BTreeMap;
use uuid::Uuid;

use crate::{
    api::insights::{Insights, Measures, Spread},
    domain::lead_words::call_outcome,
    server::state::AppState,
};

/// Outbound intro states that mean the text left for the caller.
const SENT_OR_LATER: &str = "('sent', 'delivered', 'read', 'undelivered')";

type Row = (NaiveDate, String, i64, i64, i64);

pub async fn load(state: &AppState, business_id: Uuid, days: u32) -> Result<Insights, sqlx::Error> {
    let pool = &state.pool;
    let timezone: String = sqlx::query_scalar("SELECT timezone FROM businesses WHERE id = $1")
        .bind(business_id)
        .fetch_one(pool)
        .await?;
    let tz: Tz = timezone.parse().unwrap_or(Tz::UTC);
    let today = state.clock.now().with_timezone(&tz).date_naive();
    let first_day = today - Duration::days(i64::from(days) - 1);
    let midnight = |day: NaiveDate| {
        tz.from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
            .earliest()
            .map_or_else(|| state.clock.now(), |t| t.with_timezone(&Utc))
    };
    // Whole local days: from the first day's midnight to the end of today.
    let (start, end) = (midnight(first_day), midnight(today + Duration::days(1)));
    let calls: Vec<Row> = sqlx::query_as(
        "SELECT (c.created_at AT TIME ZONE $2)::date, n.label, count(*),
                count(*) FILTER (WHERE c.outcome = 'answered'), count(*) FILTER (WHERE c.outcome = 'missed')
         FROM calls c JOIN phone_numbers n ON n.id = c.phone_number_id
         WHERE c.business_id = $1 AND c.created_at >= $3 AND c.created_at < $4
           AND c.caller_kind <> 'internal' AND c.outcome NOT IN ('internal', 'moved')
         GROUP BY 1, 2",
    )
    .bind(business_id)
    .bind(&timezone)
    .bind(start)
    .bind(end)
    .fetch_all(pool)
    .await?;
    let texts: Vec<Row> = sqlx::query_as(&format!(
        "SELECT (l.created_at AT TIME ZONE $2)::date, n.label, 0::bigint,
                count(*) FILTER (WHERE EXISTS (SELECT 1 FROM messages m WHERE m.lead_id = l.id
                    AND m.kind = 'intro' AND m.status IN {SENT_OR_LATER})),
                count(*) FILTER (WHERE EXISTS (SELECT 1 FROM messages i JOIN messages r
                    ON r.lead_id = i.lead_id AND r.direction = 'inbound' AND r.created_at > i.created_at
                    WHERE i.lead_id = l.id AND i.kind = 'intro'))
         FROM leads l JOIN phone_numbers n ON n.id = l.phone_number_id
         WHERE l.business_id = $1 AND l.created_at >= $3 AND l.created_at < $4
         GROUP BY 1, 2"
    ))
    .bind(business_id)
    .bind(&timezone)
    .bind(start)
    .bind(end)
    .fetch_all(pool)
    .await?;
    let outcomes: Vec<Row> = sqlx::query_as(
        "SELECT (at AT TIME ZONE $2)::date, label, count(*) FILTER (WHERE what = 'q'),
                count(*) FILTER (WHERE what = 'b'), count(*) FILTER (WHERE what = 'l')
         FROM (SELECT l.qualified_at AS at, 'q' AS what, n.label FROM leads l JOIN phone_numbers n ON n.id = l.phone_number_id WHERE l.business_id = $1
               UNION ALL SELECT l.booked_at, 'b', n.label FROM leads l JOIN phone_numbers n ON n.id = l.phone_number_id WHERE l.business_id = $1
               UNION ALL SELECT l.lost_at, 'l', n.label FROM leads l JOIN phone_numbers n ON n.id = l.phone_number_id WHERE l.business_id = $1) AS reached
         WHERE at >= $3 AND at < $4
         GROUP BY 1, 2",
    )
    .bind(business_id)
    .bind(&timezone)
    .bind(start)
    .bind(end)
    .fetch_all(pool)
    .await?;
    let reasons: Vec<(String, i64)> = sqlx::query_as(
        "SELECT missed_reason, count(*) FROM calls
         WHERE business_id = $1 AND created_at >= $2 AND created_at < $3 AND outcome = 'missed'
         GROUP BY 1 ORDER BY 2 DESC, 1",
    )
    .bind(business_id)
    .bind(start)
    .bind(end)
    .fetch_all(pool)
    .await?;
    let spreads: (Option<f64>, Option<f64>, Option<f64>, Option<f64>) = sqlx::query_as(&format!(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY intro),
                percentile_cont(0.9) WITHIN GROUP (ORDER BY intro),
                percentile_cont(0.5) WITHIN GROUP (ORDER BY response),
                percentile_cont(0.9) WITHIN GROUP (ORDER BY response)
         FROM (SELECT
                 (SELECT extract(epoch FROM min(COALESCE(m.sent_at, m.delivered_at)) - l.created_at)
                    FROM messages m WHERE m.lead_id = l.id AND m.kind = 'intro'
                      AND m.status IN {SENT_OR_LATER} AND l.source = 'call') AS intro,
                 extract(epoch FROM l.first_owner_response_at - l.created_at) AS response
               FROM leads l WHERE l.business_id = $1 AND l.created_at >= $2 AND l.created_at < $3) AS t"
    ))
    .bind(business_id)
    .bind(start)
    .bind(end)
    .fetch_one(pool)
    .await?;
    Ok(assemble(
        days, first_day, &calls, &texts, &outcomes, reasons, spreads,
    ))
}

fn assemble(
    days: u32,
    first_day: NaiveDate,
    calls: &[Row],
    texts: &[Row],
    outcomes: &[Row],
    reasons: Vec<(String, i64)>,
    spreads: (Option<f64>, Option<f64>, Option<f64>, Option<f64>),
) -> Insights {
    let mut by_day: BTreeMap<NaiveDate, Measures> = (0..i64::from(days))
        .map(|d| (first_day + Duration::days(d), Measures::default()))
        .collect();
    let mut by_source: BTreeMap<String, Measures> = BTreeMap::new();
    let mut apply = |rows: &[Row], fill: &dyn Fn(&mut Measures, &Row)| {
        for row in rows {
            let mut measures = Measures::default();
            fill(&mut measures, row);
            by_day.entry(row.0).or_default().add(&measures);
            by_source.entry(row.1.clone()).or_default().add(&measures);
        }
    };
    apply(calls, &|m, r| {
        (m.calls, m.answered, m.missed) = (r.2, r.3, r.4)
    });
    apply(texts, &|m, r| (m.text_backs, m.replied) = (r.3, r.4));
    apply(outcomes, &|m, r| {
        (m.qualified, m.booked, m.lost) = (r.2, r.3, r.4)
    });
    let mut totals = Measures::default();
    by_day.values().for_each(|m| totals.add(m));
    Insights {
        days,
        totals,
        by_day: by_day.into_iter().collect(),
        by_source: by_source.into_iter().collect(),
        missed_by_reason: reasons
            .into_iter()
            .map(|(reason, n)| {
                let label = call_outcome("missed", Some(&reason)).unwrap_or(reason);
                (label.trim_start_matches("Missed - ").to_owned(), n)
            })
            .collect(),
        missed_call_to_intro: Spread {
            median: spreads.0,
            p90: spreads.1,
        },
        lead_to_first_response: Spread {
            median: spreads.2,
            p90: spreads.3,
        },
    }
}
