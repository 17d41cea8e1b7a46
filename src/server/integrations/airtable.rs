//! Airtable's REST API (integrations.md §2): the tables metadata call, record upserts
//! (`performUpsert`) and record pages, at `AIRTABLE_API_BASE` with a Bearer token and 10 s per
//! request. One request per call; pacing and retries belong to the caller (the push job).

use std::time::Duration;

use serde_json::{Map, Value, json};

const TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum AirtableError {
    /// 429: the base is over its request rate.
    #[error("Airtable asked us to slow down (429)")]
    RateLimited,
    /// 401 or 403.
    #[error("Airtable rejected the API key")]
    Rejected,
    /// 404: the base or table is gone.
    #[error("Airtable could not find {0}")]
    NotFound(String),
    /// 422: a field name or value Airtable does not accept.
    #[error("Airtable refused the record: {0}")]
    Invalid(String),
    /// 5xx, timeout, refused connection, an unreadable answer.
    #[error("Airtable is unavailable: {0}")]
    Unavailable(String),
}

/// A table and its field names, from the metadata call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    pub name: String,
    pub fields: Vec<String>,
}

/// One page of a table's records: each record's fields, and the offset of the next page.
#[derive(Clone, Debug, Default)]
pub struct RecordPage {
    pub records: Vec<Map<String, Value>>,
    pub offset: Option<String>,
}

#[derive(Clone, Debug)]
pub struct AirtableClient {
    http: reqwest::Client,
    api_base: String,
}

impl AirtableClient {
    pub fn new(api_base: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(TIMEOUT)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("an HTTP client with a timeout"),
            api_base: api_base.trim_end_matches('/').to_owned(),
        }
    }

    /// `GET /v0/meta/bases/<base>/tables`.
    pub async fn tables(&self, key: &str, base_id: &str) -> Result<Vec<Table>, AirtableError> {
        let url = format!("{}/v0/meta/bases/{base_id}/tables", self.api_base);
        let body = self
            .answer(self.http.get(url).bearer_auth(key), "the base")
            .await?;
        let tables = body["tables"].as_array().cloned().unwrap_or_default();
        Ok(tables
            .iter()
            .map(|table| Table {
                name: table["name"].as_str().unwrap_or_default().to_owned(),
                fields: table["fields"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|field| field["name"].as_str().map(str::to_owned))
                    .collect(),
            })
            .collect())
    }

    /// `PATCH /v0/<base>/<table>` with `performUpsert` on `merge_field` and `typecast`.
    pub async fn upsert(
        &self,
        key: &str,
        base_id: &str,
        table: &str,
        merge_field: &str,
        fields: Map<String, Value>,
    ) -> Result<(), AirtableError> {
        let body = json!({
            "performUpsert": { "fieldsToMergeOn": [merge_field] },
            "typecast": true,
            "records": [{ "fields": fields }],
        });
        let request = self
            .http
            .patch(self.table_url(base_id, table))
            .bearer_auth(key)
            .json(&body);
        self.answer(request, &format!("the table \"{table}\""))
            .await
            .map(drop)
    }

    /// `GET /v0/<base>/<table>?pageSize=100[&offset=…]`.
    pub async fn records(
        &self,
        key: &str,
        base_id: &str,
        table: &str,
        offset: Option<&str>,
    ) -> Result<RecordPage, AirtableError> {
        let mut query = vec![("pageSize", "100")];
        if let Some(offset) = offset {
            query.push(("offset", offset));
        }
        let request = self
            .http
            .get(self.table_url(base_id, table))
            .bearer_auth(key)
            .query(&query);
        let body = self
            .answer(request, &format!("the table \"{table}\""))
            .await?;
        Ok(RecordPage {
            records: body["records"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|record| record["fields"].as_object().cloned())
                .collect(),
            offset: body["offset"].as_str().map(str::to_owned),
        })
    }

    fn table_url(&self, base_id: &str, table: &str) -> String {
        let table: String = url::form_urlencoded::byte_serialize(table.as_bytes()).collect();
        // Path segments take %20, not the form encoding's `+`.
        format!(
            "{}/v0/{base_id}/{}",
            self.api_base,
            table.replace('+', "%20")
        )
    }

    async fn answer(
        &self,
        request: reqwest::RequestBuilder,
        what: &str,
    ) -> Result<Value, AirtableError> {
        let response = request
            .send()
            .await
            .map_err(|err| AirtableError::Unavailable(without_url(&err)))?;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        match status {
            200..=299 => Ok(body),
            401 | 403 => Err(AirtableError::Rejected),
            404 => Err(AirtableError::NotFound(what.to_owned())),
            422 => Err(AirtableError::Invalid(error_message(&body))),
            429 => Err(AirtableError::RateLimited),
            _ => Err(AirtableError::Unavailable(format!("HTTP {status}"))),
        }
    }
}

/// Airtable's `{"error": {"type", "message"}}` (or `{"error": "TYPE"}`) as one line.
fn error_message(body: &Value) -> String {
    let error = &body["error"];
    match (
        error["message"].as_str(),
        error["type"].as_str(),
        error.as_str(),
    ) {
        (Some(message), _, _) => message.to_owned(),
        (None, Some(kind), _) | (None, None, Some(kind)) => kind.to_owned(),
        _ => "invalid request".to_owned(),
    }
}

/// A transport error without its URL (which names the base and table).
fn without_url(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        "timed out".to_owned()
    } else if err.is_connect() {
        "could not connect".to_owned()
    } else {
        "request failed".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn airtable_error_bodies_become_one_line() {
        let typed = json!({"error": {"type": "INVALID_VALUE_FOR_COLUMN", "message": "Field \"Calls\" cannot accept \"x\""}});
        assert_eq!(error_message(&typed), "Field \"Calls\" cannot accept \"x\"");
        assert_eq!(error_message(&json!({"error": "NOT_FOUND"})), "NOT_FOUND");
        assert_eq!(error_message(&json!({"error": {"type": "X"}})), "X");
        assert_eq!(error_message(&Value::Null), "invalid request");
    }

    #[test]
    fn table_names_are_escaped_as_one_path_segment() {
        let client = AirtableClient::new("https://api.airtable.com/");
        assert_eq!(
            client.table_url("appABCDEFGHIJKLMN", "Missed calls/2026 & more"),
            "https://api.airtable.com/v0/appABCDEFGHIJKLMN/Missed%20calls%2F2026%20%26%20more"
        );
    }
}
