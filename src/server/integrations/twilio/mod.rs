//! A small typed Twilio REST client over reqwest (twilio.md §10.1): Basic auth with the
//! account SID and auth token, form bodies, 5 s to connect and 15 s in all, Twilio's error
//! bodies decoded into `TwilioError`. Credentials never reach a log line.

pub mod lists;
pub mod messages;
pub mod numbers;
pub mod recordings;

use std::time::Duration;

use serde::{Deserialize, de::DeserializeOwned};

pub use messages::{NewMessage, TwilioMessage};
pub use numbers::{AvailableNumber, IncomingNumber, NumberUrls};

use crate::server::config::{Config, Secret};

#[derive(Debug, thiserror::Error)]
pub enum TwilioError {
    #[error("Twilio is not configured (TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN)")]
    NotConfigured,
    /// Nothing reached Twilio (refused connection, DNS failure).
    #[error("could not reach Twilio: {0}")]
    Unreachable(String),
    /// The request may have been processed; the answer never came.
    #[error("Twilio did not answer in time")]
    Timeout,
    #[error("Twilio answered {status}{}: {message}", code.map(|c| format!(" (error {c})")).unwrap_or_default())]
    Api {
        status: u16,
        code: Option<i64>,
        message: String,
        retry_after: Option<u64>,
    },
    #[error("unexpected answer from Twilio: {0}")]
    Decode(String),
}

impl TwilioError {
    pub fn code(&self) -> Option<i64> {
        match self {
            TwilioError::Api { code, .. } => *code,
            _ => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            TwilioError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Worth another attempt (twilio.md §12): nothing reached Twilio, the answer was lost, 429,
    /// or a 5xx.
    pub fn is_retryable(&self) -> bool {
        match self {
            TwilioError::Unreachable(_) | TwilioError::Timeout => true,
            TwilioError::Api { status, .. } => *status == 429 || *status >= 500,
            TwilioError::NotConfigured | TwilioError::Decode(_) => false,
        }
    }

    /// Twilio certainly did not create anything (so no reconciliation is needed before retrying).
    pub fn nothing_was_sent(&self) -> bool {
        matches!(
            self,
            TwilioError::Unreachable(_) | TwilioError::NotConfigured
        ) || matches!(self, TwilioError::Api { status, .. } if *status < 500)
    }

    /// Bad credentials (HTTP 401 or error 20003).
    pub fn is_auth_failure(&self) -> bool {
        self.status() == Some(401) || self.code() == Some(20003)
    }
}

/// Twilio's error body.
#[derive(Debug, Deserialize)]
struct ErrorBody {
    code: Option<i64>,
    message: Option<String>,
}

#[derive(Clone)]
pub struct TwilioClient {
    http: reqwest::Client,
    /// Recording audio: no overall deadline.
    streaming: reqwest::Client,
    api_base: String,
    messaging_api_base: String,
    credentials: Option<(String, Secret)>,
    pub messaging_service_sid: Option<String>,
}

impl std::fmt::Debug for TwilioClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioClient")
            .field("api_base", &self.api_base)
            .finish_non_exhaustive()
    }
}

impl TwilioClient {
    pub fn new(config: &Config) -> Self {
        let twilio = &config.twilio;
        let credentials = match (&twilio.account_sid, &twilio.auth_token) {
            (Some(sid), Some(token)) => Some((sid.clone(), token.clone())),
            _ => None,
        };
        Self {
            http: reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(5))
                .timeout(Duration::from_secs(15))
                .build()
                .unwrap_or_default(),
            streaming: recordings::streaming_client(),
            api_base: twilio.api_base.clone(),
            messaging_api_base: twilio.messaging_api_base.clone(),
            credentials,
            messaging_service_sid: twilio.messaging_service_sid.clone(),
        }
    }

    fn credentials(&self) -> Result<&(String, Secret), TwilioError> {
        self.credentials.as_ref().ok_or(TwilioError::NotConfigured)
    }

    /// `<TWILIO_API_BASE>/2010-04-01/Accounts/<sid><path>`.
    fn account_url(&self, path: &str) -> Result<String, TwilioError> {
        let (sid, _) = self.credentials()?;
        Ok(format!("{}/2010-04-01/Accounts/{sid}{path}", self.api_base))
    }

    fn messaging_url(&self, path: &str) -> String {
        format!("{}{path}", self.messaging_api_base)
    }

    async fn send<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, TwilioError> {
        let bytes = self.send_raw(request).await?;
        serde_json::from_slice(&bytes).map_err(|err| TwilioError::Decode(err.to_string()))
    }

    async fn send_raw(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<bytes::Bytes, TwilioError> {
        let (sid, token) = self.credentials()?;
        let response = request
            .basic_auth(sid, Some(token.expose()))
            .send()
            .await
            .map_err(classify)?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        let bytes = response.bytes().await.map_err(classify)?;
        if status.is_success() {
            return Ok(bytes);
        }
        let body: Option<ErrorBody> = serde_json::from_slice(&bytes).ok();
        Err(TwilioError::Api {
            status: status.as_u16(),
            code: body.as_ref().and_then(|b| b.code),
            message: body
                .and_then(|b| b.message)
                .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned()),
            retry_after,
        })
    }
}

fn classify(err: reqwest::Error) -> TwilioError {
    if err.is_timeout() {
        TwilioError::Timeout
    } else if err.is_connect() {
        TwilioError::Unreachable(err.to_string())
    } else if err.is_decode() {
        TwilioError::Decode(err.to_string())
    } else {
        // The connection broke after the request left (reset, truncated body): Twilio may have
        // processed it, so this is as ambiguous as a timeout.
        TwilioError::Timeout
    }
}
