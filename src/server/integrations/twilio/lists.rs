//! Twilio's call and message lists (twilio.md §10.5), read by `twilio_reconcile`: filtered by
//! number, newest first, followed page by page through `next_page_uri`.

use serde::{Deserialize, de::DeserializeOwned};

use super::{TwilioClient, TwilioError, messages::TwilioMessage};

/// A call as Twilio lists it.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct TwilioCall {
    pub sid: String,
    #[serde(default)]
    pub parent_call_sid: Option<String>,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub status: String,
    /// RFC 2822.
    #[serde(default)]
    pub start_time: Option<String>,
    /// Seconds, as a string.
    #[serde(default)]
    pub duration: Option<String>,
}

/// One page of any list: the items under `key`, and where the next page is.
#[derive(Deserialize)]
#[serde(bound(deserialize = "T: DeserializeOwned"))]
struct Page<T> {
    #[serde(default = "Vec::new", alias = "calls", alias = "messages")]
    items: Vec<T>,
    #[serde(default)]
    next_page_uri: Option<String>,
}

/// Pages read at most per list: 100 items each, far beyond any small business's outage.
const MAX_PAGES: usize = 50;

impl TwilioClient {
    /// Calls to `to` started on or after `start_date` (UTC `YYYY-MM-DD`).
    pub async fn calls_to(
        &self,
        to: &str,
        start_date: &str,
    ) -> Result<Vec<TwilioCall>, TwilioError> {
        let query = [("To", to), ("StartTime>", start_date), ("PageSize", "100")];
        self.all_pages("/Calls.json", &query, |_: &TwilioCall| true)
            .await
    }

    /// The legs Twilio dialled for `parent` (the forwarded call to the owner).
    pub async fn child_calls(&self, parent: &str) -> Result<Vec<TwilioCall>, TwilioError> {
        let query = [("ParentCallSid", parent), ("PageSize", "100")];
        self.all_pages("/Calls.json", &query, |_: &TwilioCall| true)
            .await
    }

    /// Messages matching `filter` (`To` or `From`), newest first, until `keep` is false.
    pub async fn messages_while(
        &self,
        filter: (&str, &str),
        keep: impl Fn(&TwilioMessage) -> bool,
    ) -> Result<Vec<TwilioMessage>, TwilioError> {
        let query = [filter, ("PageSize", "100")];
        self.all_pages("/Messages.json", &query, keep).await
    }

    /// Follows `next_page_uri` while every item of a page passes `keep`; returns the kept ones.
    async fn all_pages<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        keep: impl Fn(&T) -> bool,
    ) -> Result<Vec<T>, TwilioError> {
        let mut kept = Vec::new();
        let mut page: Page<T> = self
            .send(self.http.get(self.account_url(path)?).query(query))
            .await?;
        for _ in 0..MAX_PAGES {
            let before = kept.len();
            let total = page.items.len();
            kept.extend(page.items.into_iter().filter(|item| keep(item)));
            let all_kept = kept.len() - before == total;
            match page.next_page_uri.filter(|uri| all_kept && !uri.is_empty()) {
                Some(uri) => {
                    let url = format!("{}{uri}", self.api_base);
                    page = self.send(self.http.get(url)).await?;
                }
                None => break,
            }
        }
        Ok(kept)
    }
}
