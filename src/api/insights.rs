//! `/app/insights` (web.md §6.6): how the business is doing over 7, 30 or 90 days, per local
//! day and per tracking number.

use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::error::AppError;

/// The counted measures of one day or one source.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measures {
    pub calls: i64,
    pub answered: i64,
    pub missed: i64,
    pub text_backs: i64,
    pub replied: i64,
    pub qualified: i64,
    pub booked: i64,
    pub lost: i64,
}

impl Measures {
    /// Answered share of answered + missed, in whole percent.
    pub fn answer_rate(&self) -> Option<i64> {
        let decided = self.answered + self.missed;
        (decided > 0).then(|| (self.answered * 100 + decided / 2) / decided)
    }

    pub fn add(&mut self, other: &Measures) {
        self.calls += other.calls;
        self.answered += other.answered;
        self.missed += other.missed;
        self.text_backs += other.text_backs;
        self.replied += other.replied;
        self.qualified += other.qualified;
        self.booked += other.booked;
        self.lost += other.lost;
    }
}

/// Median and 90th percentile, in seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    pub median: Option<f64>,
    pub p90: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Insights {
    pub days: u32,
    pub totals: Measures,
    /// Every local day of the range, oldest first, zeros included.
    pub by_day: Vec<(NaiveDate, Measures)>,
    /// Per tracking number label.
    pub by_source: Vec<(String, Measures)>,
    /// Missed calls by reason, in the owner's words.
    pub missed_by_reason: Vec<(String, i64)>,
    pub missed_call_to_intro: Spread,
    pub lead_to_first_response: Spread,
}

/// 7, 30 or 90; anything else is 30.
pub fn range_days(raw: Option<&str>) -> u32 {
    match raw.map(str::trim) {
        Some("7") => 7,
        Some("90") => 90,
        _ => 30,
    }
}

#[server(prefix = "/api/app", endpoint = "insights")]
pub async fn get_insights(range: Option<String>) -> Result<Insights, AppError> {
    use crate::server::auth::viewer::{require_member, state};
    let member = require_member().await?;
    let days = range_days(range.as_deref());
    Ok(crate::server::insights::load(&state(), member.business_id, days).await?)
}
