//! `GET /app/leads/export.csv` (integrations.md §4): the owner's leads with the list's filters
//! (plus business-local `from`/`to` dates), streamed in pages of 1000 oldest first, so memory
//! stays flat however many leads there are.

use axum::{
    body::{Body, Bytes},
    extract::{Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use chrono::{DateTime, NaiveDate, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;
use futures::StreamExt as _;
use serde::Deserialize;
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use super::list::push_filters;
use crate::{
    api::viewer::Role,
    domain::{
        csv::{cell, row, text_cell},
        lead_filters::LeadQuery,
        url::encode_component,
    },
    server::{
        audit::{Actor, Entry},
        auth::AuthSession,
        http::error_page::{error_page, heading_for},
        state::AppState,
    },
};

pub const HEADER: &str = "lead_id,created_at,source,tracking_number,source_label,caller_phone,contact_name,status,conversation_state,service,urgency,postal_code,best_time,billing_required,billing_block_reason,automation_paused,call_count,last_activity_at,owner_notified_at,lead_url";
const PAGE: i64 = 1000;

#[derive(Debug, Default, Deserialize)]
pub struct ExportQuery {
    status: Option<String>,
    number: Option<String>,
    source: Option<String>,
    flag: Option<String>,
    q: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ExportRow {
    id: Uuid,
    created_at: DateTime<Utc>,
    source: String,
    tracking_number: String,
    source_label: String,
    caller_e164: String,
    contact_name: Option<String>,
    status: String,
    conversation_state: String,
    service: Option<String>,
    urgency: Option<String>,
    postal_code: Option<String>,
    best_time: Option<String>,
    billing_required: bool,
    billing_block_reason: Option<String>,
    automation_paused: bool,
    call_count: i32,
    last_activity_at: DateTime<Utc>,
    owner_notified_at: Option<DateTime<Utc>>,
}

/// Everything one export needs between pages.
struct Export {
    state: AppState,
    business_id: Uuid,
    user_id: Uuid,
    query: LeadQuery,
    window: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    tz: Tz,
    after: Option<(DateTime<Utc>, Uuid)>,
    rows: u64,
    done: bool,
}

pub async fn export(
    State(state): State<AppState>,
    auth: AuthSession,
    Query(raw): Query<ExportQuery>,
) -> Response {
    let Some(user) = auth.user else {
        return Redirect::to(&format!(
            "/sign-in?next={}",
            encode_component("/app/leads/export.csv")
        ))
        .into_response();
    };
    let Some((business_id, Role::Owner)) = user.membership() else {
        let status = StatusCode::FORBIDDEN;
        return error_page(status, heading_for(status), None);
    };
    let timezone: Option<String> =
        sqlx::query_scalar("SELECT timezone FROM businesses WHERE id = $1")
            .bind(business_id)
            .fetch_optional(&state.pool)
            .await
            .unwrap_or(None);
    let tz: Tz = timezone.and_then(|t| t.parse().ok()).unwrap_or(Tz::UTC);
    let query = LeadQuery::parse(
        raw.status.as_deref(),
        raw.number.as_deref(),
        raw.source.as_deref(),
        raw.flag.as_deref(),
        raw.q.as_deref(),
        None,
    );
    let day = |raw: &Option<String>, next: bool| {
        let date = NaiveDate::parse_from_str(raw.as_deref()?.trim(), "%Y-%m-%d").ok()?;
        let date = if next { date.succ_opt()? } else { date };
        let local = tz
            .from_local_datetime(&date.and_hms_opt(0, 0, 0)?)
            .earliest()?;
        Some(local.with_timezone(&Utc))
    };
    let filename = format!(
        "leads-{}.csv",
        state.clock.now().with_timezone(&tz).format("%Y-%m-%d")
    );
    let export = Export {
        window: (day(&raw.from, false), day(&raw.to, true)),
        state,
        business_id,
        user_id: user.id,
        query,
        tz,
        after: None,
        rows: 0,
        done: false,
    };
    let first = Bytes::from(format!("\u{feff}{HEADER}\r\n"));
    let pages = futures::stream::unfold(export, next_page);
    // Fused: the compression layer may poll once more after the end, which `unfold` forbids.
    let body = futures::stream::once(async move { Ok::<_, sqlx::Error>(first) })
        .chain(pages)
        .fuse();
    let mut response = Body::from_stream(body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

async fn next_page(mut export: Export) -> Option<(Result<Bytes, sqlx::Error>, Export)> {
    if export.done {
        return None;
    }
    let rows = match fetch(&export).await {
        Ok(rows) => rows,
        Err(err) => {
            tracing::error!(error = %err, "lead export broke off");
            export.done = true;
            return Some((Err(err), export));
        }
    };
    let mut chunk = String::new();
    for lead in &rows {
        chunk.push_str(&line(&export, lead));
    }
    export.rows += rows.len() as u64;
    export.after = rows.last().map(|r| (r.created_at, r.id));
    if (rows.len() as i64) < PAGE {
        export.done = true;
        audit(&export).await;
    }
    Some((Ok(Bytes::from(chunk)), export))
}

async fn fetch(export: &Export) -> Result<Vec<ExportRow>, sqlx::Error> {
    let mut builder: QueryBuilder<'_, Postgres> = QueryBuilder::new(
        "SELECT l.id, l.created_at, l.source, n.e164 AS tracking_number, n.label AS source_label,
                l.caller_e164, l.contact_name, l.status, l.conversation_state, l.service, l.urgency,
                l.postal_code, l.best_time, l.billing_required, l.billing_block_reason,
                l.automation_paused, l.call_count, l.last_activity_at, l.owner_notified_at
         FROM leads l
         JOIN phone_numbers n ON n.id = l.phone_number_id
         LEFT JOIN sms_consent c ON c.business_id = l.business_id AND c.phone_e164 = l.caller_e164
         WHERE l.business_id = ",
    );
    builder.push_bind(export.business_id);
    push_filters(&mut builder, &export.query);
    if let Some(from) = export.window.0 {
        builder.push(" AND l.created_at >= ").push_bind(from);
    }
    if let Some(to) = export.window.1 {
        builder.push(" AND l.created_at < ").push_bind(to);
    }
    if let Some((at, id)) = export.after {
        builder
            .push(" AND (l.created_at, l.id) > (")
            .push_bind(at)
            .push(", ")
            .push_bind(id)
            .push(")");
    }
    builder
        .push(" ORDER BY l.created_at, l.id LIMIT ")
        .push_bind(PAGE);
    builder.build_query_as().fetch_all(&export.state.pool).await
}

fn line(export: &Export, lead: &ExportRow) -> String {
    let time = |at: DateTime<Utc>| {
        at.with_timezone(&export.tz)
            .to_rfc3339_opts(SecondsFormat::Secs, false)
    };
    let text = |value: &Option<String>| text_cell(value.as_deref().unwrap_or_default());
    let plain = |value: &Option<String>| cell(value.as_deref().unwrap_or_default());
    row(&[
        lead.id.to_string(),
        time(lead.created_at),
        cell(&lead.source),
        cell(&lead.tracking_number),
        text_cell(&lead.source_label),
        cell(&lead.caller_e164),
        text(&lead.contact_name),
        cell(&lead.status),
        cell(&lead.conversation_state),
        text(&lead.service),
        plain(&lead.urgency),
        plain(&lead.postal_code),
        plain(&lead.best_time),
        lead.billing_required.to_string(),
        plain(&lead.billing_block_reason),
        lead.automation_paused.to_string(),
        lead.call_count.to_string(),
        time(lead.last_activity_at),
        lead.owner_notified_at.map(time).unwrap_or_default(),
        cell(&format!(
            "{}/app/leads/{}",
            export.state.config.public_base_url, lead.id
        )),
    ])
}

async fn audit(export: &Export) {
    let state = &export.state;
    let entry = Entry::new(
        state.clock.now(),
        Actor::User(export.user_id),
        "leads.exported",
    )
    .business(export.business_id)
    .change(
        "filters",
        serde_json::Value::Null,
        export.query.filters_query(),
    )
    .change("rows", serde_json::Value::Null, export.rows);
    let written = match state.pool.acquire().await {
        Ok(mut conn) => entry.write(&mut conn).await,
        Err(err) => Err(err),
    };
    if let Err(err) = written {
        tracing::warn!(error = %err, "export audit not written");
    }
}
