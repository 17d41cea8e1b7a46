//! Texts at Twilio (twilio.md §10.2): create one, and list recent ones between two numbers so an
//! attempt whose answer never came can be adopted instead of sent twice.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{TwilioClient, TwilioError};

/// A message as Twilio describes it.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct TwilioMessage {
    pub sid: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    /// `inbound`, `outbound-api`, `outbound-call` or `outbound-reply`.
    #[serde(default)]
    pub direction: String,
    #[serde(default)]
    pub num_media: Option<String>,
    /// RFC 2822, e.g. `Wed, 18 Aug 2010 20:01:40 +0000`.
    #[serde(default)]
    pub date_created: Option<String>,
    #[serde(default)]
    pub error_code: Option<serde_json::Value>,
}

impl TwilioMessage {
    /// The error code as the status callback spells it (Twilio lists it as a number).
    pub fn error_code_text(&self) -> Option<String> {
        match &self.error_code {
            Some(serde_json::Value::Number(code)) => Some(code.to_string()),
            Some(serde_json::Value::String(code)) if !code.trim().is_empty() => {
                Some(code.trim().to_owned())
            }
            _ => None,
        }
    }

    pub fn created_at(&self) -> Option<DateTime<Utc>> {
        self.date_created
            .as_deref()
            .and_then(|raw| DateTime::parse_from_rfc2822(raw).ok())
            .map(|at| at.to_utc())
    }
}

#[derive(Deserialize)]
struct MessageList {
    #[serde(default)]
    messages: Vec<TwilioMessage>,
}

/// One text to send.
pub struct NewMessage<'a> {
    pub to: &'a str,
    pub from: &'a str,
    pub body: &'a str,
    pub status_callback: &'a str,
}

impl TwilioClient {
    pub async fn create_message(
        &self,
        message: &NewMessage<'_>,
    ) -> Result<TwilioMessage, TwilioError> {
        let url = self.account_url("/Messages.json")?;
        let form = [
            ("To", message.to),
            ("From", message.from),
            ("Body", message.body),
            ("StatusCallback", message.status_callback),
        ];
        self.send(self.http.post(url).form(&form)).await
    }

    /// The newest messages from `from` to `to` (Twilio lists newest first).
    pub async fn recent_messages(
        &self,
        to: &str,
        from: &str,
        page_size: u32,
    ) -> Result<Vec<TwilioMessage>, TwilioError> {
        let url = self.account_url("/Messages.json")?;
        let page_size = page_size.to_string();
        let query = [("To", to), ("From", from), ("PageSize", page_size.as_str())];
        let list: MessageList = self.send(self.http.get(url).query(&query)).await?;
        Ok(list.messages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twilio_dates_are_rfc_2822() {
        let message = TwilioMessage {
            sid: "SM1".into(),
            status: "queued".into(),
            body: String::new(),
            date_created: Some("Wed, 18 Aug 2010 20:01:40 +0000".into()),
            error_code: None,
            from: String::new(),
            to: String::new(),
            direction: "outbound-api".into(),
            num_media: None,
        };
        assert_eq!(
            message.created_at().unwrap().to_rfc3339(),
            "2010-08-18T20:01:40+00:00"
        );
        let garbled = TwilioMessage {
            date_created: Some("yesterday".into()),
            ..message
        };
        assert_eq!(garbled.created_at(), None);
    }
}
