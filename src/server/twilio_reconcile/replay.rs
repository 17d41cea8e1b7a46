//! Replays a webhook Twilio could not deliver through this app's own router, signed as Twilio
//! signs it (or with the shared token outside production). The handlers key everything by SID,
//! so a replay of something already recorded changes nothing.

use axum::{Router, body::Body, http::Request};
use tower::ServiceExt as _;

use crate::{
    domain::webhook_urls,
    server::{
        jobs::JobError, state::AppState, twilio_reconcile::outage::OutageWatch,
        webhooks::twilio::signature,
    },
};

pub struct Replayer {
    router: Router,
    public_base: String,
    /// Whichever the webhook authentication accepts here: both are sent when both exist.
    auth_token: Option<String>,
    shared_token: Option<String>,
}

/// The app as replays reach it: a replay the database refuses must not report a new outage, or
/// every failing replay would schedule another reconcile of the same window.
fn replay_state(state: &AppState) -> AppState {
    let mut state = state.clone();
    state.db_outage = OutageWatch::new(false);
    state
}

impl Replayer {
    pub fn new(state: &AppState) -> Result<Self, JobError> {
        let config = &state.config;
        let auth_token = config
            .twilio
            .auth_token
            .as_ref()
            .map(|token| token.expose().to_owned())
            .filter(|token| !token.is_empty());
        let shared_token = config.webhook_token().map(str::to_owned);
        if auth_token.is_none() && shared_token.is_none() {
            return Err(JobError::Permanent(
                "twilio_reconcile: no Twilio credentials to sign replays with".into(),
            ));
        }
        Ok(Self {
            router: crate::server::router::router(replay_state(state)),
            public_base: config.public_base_url.trim_end_matches('/').to_owned(),
            auth_token,
            shared_token,
        })
    }

    /// Posts `params` to `url` (a webhook URL the app generates). A refusal is logged and
    /// skipped, so one odd listed item cannot block the rest; a 5xx or 429 is retried later.
    pub async fn post(&self, url: &str, params: &[(String, String)]) -> Result<(), JobError> {
        let path = webhook_urls::path_and_query(&self.public_base, url).ok_or_else(|| {
            JobError::Permanent(format!("twilio_reconcile: {url} is not this app's"))
        })?;
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        let mut request = Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("user-agent", "CallbackCloser twilio_reconcile");
        if let Some(token) = &self.auth_token {
            let signed_url = format!("{}{path}", self.public_base);
            request = request.header(
                "x-twilio-signature",
                signature::sign(token, &signed_url, params),
            );
        }
        if let Some(token) = &self.shared_token {
            request = request.header("x-webhook-token", token.as_str());
        }
        let request = request
            .body(Body::from(body))
            .map_err(|err| JobError::Permanent(format!("twilio_reconcile: bad request: {err}")))?;
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .map_err(|err| JobError::Retryable(format!("twilio_reconcile: {err}")))?;
        let status = response.status();
        if status.is_server_error() || status.as_u16() == 429 {
            return Err(JobError::Retryable(format!(
                "twilio_reconcile: {path} answered {status}"
            )));
        }
        if !status.is_success() {
            tracing::warn!(
                event = "twilio.reconcile_refused",
                path,
                status = status.as_u16(),
                "a replayed webhook was refused; skipped"
            );
        }
        Ok(())
    }
}
