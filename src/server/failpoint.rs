//! Crash points for the restart drills (quality.md §3, R5). Only a build with the test-only
//! `failpoints` feature can stop here: `CC_FAILPOINT=<name>` makes the process `abort()` the
//! first time it reaches that point, as `kill -9` would at the worst moment. Every other build
//! compiles `hit` to nothing.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failpoint {
    /// Twilio answered a send with its SID; the answer is not stored yet.
    AfterTwilioAccept,
    /// A webhook's transaction committed; Twilio or Stripe has no response yet.
    AfterWebhookCommit,
    /// A Stripe event is being applied: Stripe was asked, the business is not updated yet.
    DuringStripeProcessing,
}

impl Failpoint {
    pub fn name(self) -> &'static str {
        match self {
            Self::AfterTwilioAccept => "after_twilio_accept",
            Self::AfterWebhookCommit => "after_webhook_commit",
            Self::DuringStripeProcessing => "during_stripe_processing",
        }
    }
}

#[cfg(feature = "failpoints")]
pub fn hit(point: Failpoint) {
    if std::env::var("CC_FAILPOINT").is_ok_and(|armed| armed == point.name()) {
        eprintln!("failpoint {} reached: aborting", point.name());
        std::process::abort();
    }
}

#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub fn hit(_point: Failpoint) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failpoint_has_the_name_quality_md_gives_it() {
        assert_eq!(Failpoint::AfterTwilioAccept.name(), "after_twilio_accept");
        assert_eq!(Failpoint::AfterWebhookCommit.name(), "after_webhook_commit");
        assert_eq!(
            Failpoint::DuringStripeProcessing.name(),
            "during_stripe_processing"
        );
    }

    #[cfg(not(feature = "failpoints"))]
    #[test]
    fn without_the_feature_an_armed_failpoint_does_nothing() {
        // SAFETY: the variable is only read by `hit`, on this thread.
        unsafe { std::env::set_var("CC_FAILPOINT", "after_webhook_commit") };
        hit(Failpoint::AfterWebhookCommit);
        unsafe { std::env::remove_var("CC_FAILPOINT") };
    }
}
