//! The simulated Twilio's delivery reports (demo mode): each accepted text's `StatusCallback`
//! receives `sent`, then `delivered`, signed like Twilio's own.

use super::{
    twilio::{FakeMessage, FakeTwilio},
    webhook_poster::{WebhookPoster, form as signed_form},
};

/// Status callbacks as Twilio sends them: `sent`, then `delivered`, `step` apart, signed.
#[derive(Clone, Debug)]
pub struct StatusCallbacks {
    pub poster: WebhookPoster,
    pub step: std::time::Duration,
}

/// Walks one accepted text through `sent` and `delivered`, posting each to its callback.
pub(super) async fn report_delivery(
    fake: FakeTwilio,
    callbacks: StatusCallbacks,
    message: FakeMessage,
) {
    for status in ["sent", "delivered"] {
        tokio::time::sleep(callbacks.step).await;
        if let Some(stored) = fake
            .state()
            .messages
            .iter_mut()
            .find(|m| m.sid == message.sid)
        {
            stored.status = status.to_owned();
        }
        let params = signed_form(&[
            ("AccountSid", fake.account_sid()),
            ("ApiVersion", "2010-04-01"),
            ("From", &message.from),
            ("MessageSid", &message.sid),
            ("MessageStatus", status),
            ("SmsSid", &message.sid),
            ("SmsStatus", status),
            ("To", &message.to),
        ]);
        if let Err(err) = callbacks
            .poster
            .post(&message.status_callback, &params)
            .await
        {
            tracing::warn!(error = %err, sid = %message.sid, status, "simulated Twilio: status callback not taken");
        }
    }
}
