//! Posts webhooks to this app as Twilio does: a form signed with the account's auth token over
//! the public URL (`PUBLIC_BASE_URL` + path), delivered over loopback. The simulated Twilio's
//! status callbacks and the demo phone simulator both use it, so everything they do goes
//! through the production webhook path, signature check included.

use std::time::Duration;

use crate::{domain::webhook_urls, server::webhooks::twilio::signature};

#[derive(Clone, Debug)]
pub struct WebhookPoster {
    client: reqwest::Client,
    /// What the signature covers, e.g. `https://example.ngrok.app`.
    public_base: String,
    /// Where the request actually goes, e.g. `http://127.0.0.1:3000`.
    deliver_base: String,
    auth_token: String,
}

/// The app did not take a webhook (transport error or a non-2xx answer).
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    #[error("could not reach the app: {0}")]
    Unreachable(#[from] reqwest::Error),
    #[error("the app answered {status}: {body}")]
    Refused { status: u16, body: String },
    #[error("{0} is not under PUBLIC_BASE_URL")]
    ElsewhereUrl(String),
}

impl WebhookPoster {
    pub fn new(public_base: &str, deliver_base: &str, auth_token: &str) -> Self {
        Self {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(15))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("a client with a timeout"),
            public_base: public_base.trim_end_matches('/').to_owned(),
            deliver_base: deliver_base.trim_end_matches('/').to_owned(),
            auth_token: auth_token.to_owned(),
        }
    }

    /// Posts the signed form to `url`: a webhook URL the app generated (under the public base,
    /// possibly with Twilio's `#` fragment, which is never sent or signed) or a bare path.
    pub async fn post(&self, url: &str, params: &[(String, String)]) -> Result<String, PostError> {
        let path_and_query = webhook_urls::path_and_query(&self.public_base, url)
            .ok_or_else(|| PostError::ElsewhereUrl(url.to_owned()))?;
        let signed_url = format!("{}{path_and_query}", self.public_base);
        let response = self
            .client
            .post(format!("{}{path_and_query}", self.deliver_base))
            .header(
                "x-twilio-signature",
                signature::sign(&self.auth_token, &signed_url, params),
            )
            .header("user-agent", "TwilioProxy/1.1 (CallbackCloser simulator)")
            .form(params)
            .send()
            .await?;
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        if status.is_success() {
            Ok(body)
        } else {
            Err(PostError::Refused {
                status: status.as_u16(),
                body,
            })
        }
    }
}

/// `(name, value)` pairs as owned strings, the form the poster signs.
pub fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}
