//! The caller's phone in the demo simulator (operations.md §3.3): calls and texts to a tracking
//! number become the webhooks Twilio would send, signed with the demo auth token and posted to
//! this app's own endpoints, so they take exactly the production path.

use crate::{
    domain::{
        call_webhooks::{ReplayedCall, SimulatedOutcome, webhook_steps},
        webhook_urls::WebhookUrls,
    },
    server::{
        config::Config,
        simulators::webhook_poster::{PostError, WebhookPoster, form},
    },
};

/// Present in `AppState` only in demo mode, which is what makes the simulator exist at all.
#[derive(Clone, Debug)]
pub struct DemoPhone {
    poster: WebhookPoster,
    account_sid: String,
    public_base: String,
    webhook_token: Option<String>,
}

impl DemoPhone {
    /// `None` outside demo mode (or, defensively, without the demo Twilio credentials).
    pub fn from_config(config: &Config) -> Option<Self> {
        if !config.demo_mode {
            return None;
        }
        let account_sid = config.twilio.account_sid.clone()?;
        let token = config.twilio.auth_token.as_ref()?.expose().to_owned();
        Some(Self {
            poster: super::webhook_poster(config, &token),
            account_sid,
            public_base: config.public_base_url.clone(),
            webhook_token: config.webhook_token().map(str::to_owned),
        })
    }

    fn urls(&self) -> WebhookUrls<'_> {
        WebhookUrls::new(&self.public_base, self.webhook_token.as_deref())
    }

    /// Calls `to` from `from`; the call ends as `outcome`. Returns the CallSid.
    pub async fn call(
        &self,
        from: &str,
        to: &str,
        outcome: SimulatedOutcome,
    ) -> Result<String, PostError> {
        let (call_sid, dial_call_sid) = (sid("CA"), sid("CA"));
        let call = ReplayedCall {
            account_sid: &self.account_sid,
            call_sid: &call_sid,
            from,
            to,
        };
        for step in webhook_steps(&self.urls(), call, &dial_call_sid, outcome) {
            self.poster.post(&step.url, &step.params).await?;
        }
        Ok(call_sid)
    }

    /// Texts `body` to `to` from `from`.
    pub async fn text(&self, from: &str, to: &str, body: &str) -> Result<(), PostError> {
        let message_sid = sid("SM");
        let params = form(&[
            ("AccountSid", &self.account_sid),
            ("ApiVersion", "2010-04-01"),
            ("Body", body),
            ("From", from),
            ("MessageSid", &message_sid),
            ("NumMedia", "0"),
            ("NumSegments", "1"),
            ("SmsMessageSid", &message_sid),
            ("SmsSid", &message_sid),
            ("SmsStatus", "received"),
            ("To", to),
        ]);
        self.poster.post(&self.urls().sms(), &params).await?;
        Ok(())
    }
}

/// A Twilio-shaped SID: the prefix and 32 hex digits.
fn sid(prefix: &str) -> String {
    format!("{prefix}{}", super::random_hex())
}
