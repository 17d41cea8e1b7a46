//! The lead list's query (web.md §6.2) and the export's (integrations.md §4): one filter
//! builder over the indexed columns, newest first with a keyset cursor for pages.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::domain::lead_filters::{Cursor, Flag, LeadQuery, PAGE_SIZE, Search};

/// One lead as the list shows it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ListedLead {
    pub id: Uuid,
    pub caller_e164: String,
    pub contact_name: Option<String>,
    pub status: String,
    pub conversation_state: String,
    pub source: String,
    pub created_at: DateTime<Utc>,
    pub service: Option<String>,
    pub postal_code: Option<String>,
    pub billing_block_reason: Option<String>,
    pub automation_paused: bool,
    pub owner_notified: bool,
    pub unreachable: bool,
    pub opted_out: bool,
    pub number_label: String,
}

const SELECT: &str = "SELECT l.id, l.caller_e164, l.contact_name, l.status, l.conversation_state,
        l.source, l.created_at, l.service, l.postal_code, l.billing_block_reason,
        l.automation_paused, l.owner_notified_at IS NOT NULL AS owner_notified,
        l.unreachable_code IS NOT NULL AS unreachable,
        COALESCE(c.opted_out, false) AS opted_out, n.label AS number_label
    FROM leads l
    JOIN phone_numbers n ON n.id = l.phone_number_id
    LEFT JOIN sms_consent c ON c.business_id = l.business_id AND c.phone_e164 = l.caller_e164
    WHERE l.business_id = ";

/// `%` and `_` in the search text match themselves.
fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Appends the filters of `query` (not the cursor) to a query that ends inside `WHERE`.
pub fn push_filters(builder: &mut QueryBuilder<'_, Postgres>, query: &LeadQuery) {
    if let Some(status) = &query.status {
        builder.push(" AND l.status = ").push_bind(status.clone());
    }
    if let Some(number) = query
        .number
        .as_deref()
        .and_then(|n| Uuid::parse_str(n).ok())
    {
        builder.push(" AND l.phone_number_id = ").push_bind(number);
    }
    if let Some(source) = &query.source {
        builder.push(" AND l.source = ").push_bind(source.clone());
    }
    match query.flag {
        Some(Flag::BillingRequired) => builder.push(" AND l.billing_required"),
        Some(Flag::Paused) => builder.push(" AND l.automation_paused"),
        Some(Flag::OptedOut) => builder.push(" AND c.opted_out"),
        Some(Flag::Unreachable) => builder.push(" AND l.unreachable_code IS NOT NULL"),
        None => builder,
    };
    match &query.search {
        Some(Search::PhoneDigits(digits)) => {
            builder
                .push(" AND l.caller_e164 LIKE ")
                .push_bind(like_pattern(digits));
        }
        Some(Search::Name(name)) => {
            builder
                .push(" AND lower(l.contact_name) LIKE ")
                .push_bind(like_pattern(name));
        }
        None => {}
    }
}

/// One page (25) of leads and the cursor of the next, if there is one.
pub async fn page(
    pool: &PgPool,
    business_id: Uuid,
    query: &LeadQuery,
) -> Result<(Vec<ListedLead>, Option<Cursor>), sqlx::Error> {
    let mut builder = QueryBuilder::new(SELECT);
    builder.push_bind(business_id);
    push_filters(&mut builder, query);
    if let Some(cursor) = &query.before
        && let (Some(at), Ok(id)) = (
            DateTime::from_timestamp_micros(cursor.created_micros),
            Uuid::parse_str(&cursor.id),
        )
    {
        builder
            .push(" AND (l.created_at, l.id) < (")
            .push_bind(at)
            .push(", ")
            .push_bind(id)
            .push(")");
    }
    builder
        .push(" ORDER BY l.created_at DESC, l.id DESC LIMIT ")
        .push_bind(PAGE_SIZE + 1);
    let mut leads: Vec<ListedLead> = builder.build_query_as().fetch_all(pool).await?;
    let next = if leads.len() as i64 > PAGE_SIZE {
        leads.truncate(PAGE_SIZE as usize);
        leads.last().map(|last| Cursor {
            created_micros: last.created_at.timestamp_micros(),
            id: last.id.simple().to_string(),
        })
    } else {
        None
    };
    Ok((leads, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("pat"), "%pat%");
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
