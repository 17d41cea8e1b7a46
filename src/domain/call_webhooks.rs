//! The webhooks Twilio sends for one inbound call forwarded to the owner (twilio.md §5–§7):
//! voice webhook, `<Dial>` action (when a leg was dialled), then the parent call's final status.
//! The demo simulator sends them for a chosen outcome, and `twilio_reconcile` for a call Twilio
//! lists that the app never heard about, so both take exactly the production path.

use super::webhook_urls::{StatusEvent, WebhookUrls};

/// What happens to a simulated call (operations.md §3.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimulatedOutcome {
    /// The owner picks up and talks for a minute and a half.
    Answered,
    NoAnswer,
    Busy,
    /// The owner's voicemail answers after a few seconds: missed when the number has a
    /// short-answer threshold or screening, answered otherwise, as in production.
    VoicemailPickup,
    /// The caller gives up while it rings: Twilio never reports a dial outcome, so the app
    /// decides at finalize, 15 s after the call ends.
    CallerHungUp,
}

impl SimulatedOutcome {
    pub const ALL: [SimulatedOutcome; 5] = [
        SimulatedOutcome::Answered,
        SimulatedOutcome::NoAnswer,
        SimulatedOutcome::Busy,
        SimulatedOutcome::VoicemailPickup,
        SimulatedOutcome::CallerHungUp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SimulatedOutcome::Answered => "answered",
            SimulatedOutcome::NoAnswer => "no_answer",
            SimulatedOutcome::Busy => "busy",
            SimulatedOutcome::VoicemailPickup => "voicemail",
            SimulatedOutcome::CallerHungUp => "caller_hung_up",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SimulatedOutcome::Answered => "Owner answers",
            SimulatedOutcome::NoAnswer => "No answer",
            SimulatedOutcome::Busy => "Busy",
            SimulatedOutcome::VoicemailPickup => "Voicemail picks up",
            SimulatedOutcome::CallerHungUp => "Caller hangs up while ringing",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|outcome| outcome.as_str() == raw.trim())
    }

    /// `(DialCallStatus, DialCallDuration)`, or `None` when Twilio sends no dial outcome.
    fn dial(self) -> Option<(&'static str, &'static str)> {
        match self {
            SimulatedOutcome::Answered => Some(("completed", "95")),
            SimulatedOutcome::NoAnswer => Some(("no-answer", "0")),
            SimulatedOutcome::Busy => Some(("busy", "0")),
            SimulatedOutcome::VoicemailPickup => Some(("completed", "4")),
            SimulatedOutcome::CallerHungUp => None,
        }
    }

    /// The parent call's `CallDuration` in seconds.
    fn call_duration(self) -> &'static str {
        match self {
            SimulatedOutcome::Answered => "101",
            SimulatedOutcome::NoAnswer | SimulatedOutcome::VoicemailPickup => "27",
            SimulatedOutcome::Busy => "3",
            SimulatedOutcome::CallerHungUp => "8",
        }
    }
}

/// How a call ended, as Twilio reports it.
#[derive(Clone, Copy, Debug)]
pub struct CallEnding<'a> {
    /// `(DialCallSid, DialCallStatus, DialCallDuration)`; `None` when no leg was dialled.
    pub dial: Option<(&'a str, &'a str, &'a str)>,
    /// The parent call's final `CallStatus` and `CallDuration`.
    pub call_status: &'a str,
    pub call_duration: &'a str,
}

/// Who calls whom, and the call's SID.
#[derive(Clone, Copy, Debug)]
pub struct ReplayedCall<'a> {
    pub account_sid: &'a str,
    pub call_sid: &'a str,
    pub from: &'a str,
    pub to: &'a str,
}

/// One webhook: the URL the app configured on the number, and the form Twilio posts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookStep {
    pub url: String,
    pub params: Vec<(String, String)>,
}

/// The webhooks, in order, that Twilio sends for a call ending in `outcome`; the forwarded
/// leg is `dial_call_sid`.
pub fn webhook_steps(
    urls: &WebhookUrls<'_>,
    call: ReplayedCall<'_>,
    dial_call_sid: &str,
    outcome: SimulatedOutcome,
) -> Vec<WebhookStep> {
    let ending = CallEnding {
        dial: outcome
            .dial()
            .map(|(status, duration)| (dial_call_sid, status, duration)),
        call_status: "completed",
        call_duration: outcome.call_duration(),
    };
    call_webhooks(urls, call, &ending)
}

/// The webhooks, in order, that Twilio sends for `call` ending as `ending` says.
pub fn call_webhooks(
    urls: &WebhookUrls<'_>,
    call: ReplayedCall<'_>,
    ending: &CallEnding<'_>,
) -> Vec<WebhookStep> {
    let common = |extra: &[(&str, &str)]| -> Vec<(String, String)> {
        [
            ("AccountSid", call.account_sid),
            ("ApiVersion", "2010-04-01"),
            ("CallSid", call.call_sid),
            ("Direction", "inbound"),
            ("From", call.from),
            ("To", call.to),
        ]
        .iter()
        .chain(extra)
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
    };
    let mut steps = vec![WebhookStep {
        url: urls.voice(),
        params: common(&[("CallStatus", "ringing")]),
    }];
    if let Some((sid, status, duration)) = ending.dial {
        steps.push(WebhookStep {
            url: urls.status(StatusEvent::Dial),
            params: common(&[
                ("CallStatus", "in-progress"),
                ("DialCallSid", sid),
                ("DialCallStatus", status),
                ("DialCallDuration", duration),
            ]),
        });
    }
    steps.push(WebhookStep {
        url: urls.status(StatusEvent::Call),
        params: common(&[
            ("CallStatus", ending.call_status),
            ("CallDuration", ending.call_duration),
        ]),
    });
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    const CALL: ReplayedCall<'static> = ReplayedCall {
        account_sid: "AC00000000000000000000000000000001",
        call_sid: "CA00000000000000000000000000000001",
        from: "+15125550199",
        to: "+15125550100",
    };
    const DIALLED: &str = "CA00000000000000000000000000000002";

    fn steps(outcome: SimulatedOutcome) -> Vec<WebhookStep> {
        webhook_steps(
            &WebhookUrls::new("https://demo.test", None),
            CALL,
            DIALLED,
            outcome,
        )
    }

    fn param<'a>(step: &'a WebhookStep, name: &str) -> Option<&'a str> {
        step.params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    #[test]
    fn every_outcome_round_trips_through_its_name() {
        for outcome in SimulatedOutcome::ALL {
            assert_eq!(SimulatedOutcome::parse(outcome.as_str()), Some(outcome));
        }
        assert_eq!(
            SimulatedOutcome::parse(" busy "),
            Some(SimulatedOutcome::Busy)
        );
        assert_eq!(SimulatedOutcome::parse("declined"), None);
        assert_eq!(SimulatedOutcome::parse(""), None);
    }

    #[test]
    fn a_call_rings_then_reports_the_dial_outcome_then_ends() {
        let cases = [
            (SimulatedOutcome::Answered, "completed", "95"),
            (SimulatedOutcome::NoAnswer, "no-answer", "0"),
            (SimulatedOutcome::Busy, "busy", "0"),
            (SimulatedOutcome::VoicemailPickup, "completed", "4"),
        ];
        for (outcome, status, duration) in cases {
            let steps = steps(outcome);
            let urls: Vec<&str> = steps.iter().map(|s| s.url.as_str()).collect();
            assert_eq!(
                urls,
                [
                    "https://demo.test/api/twilio/voice#rc=3&rp=all",
                    "https://demo.test/api/twilio/status?event=dial#rc=3&rp=all",
                    "https://demo.test/api/twilio/status?event=call#rc=3&rp=all",
                ],
                "{outcome:?}"
            );
            assert_eq!(param(&steps[0], "CallStatus"), Some("ringing"));
            assert_eq!(param(&steps[1], "DialCallStatus"), Some(status));
            assert_eq!(param(&steps[1], "DialCallDuration"), Some(duration));
            assert_eq!(param(&steps[2], "CallStatus"), Some("completed"));
            for step in &steps {
                assert_eq!(param(step, "CallSid"), Some(CALL.call_sid));
                assert_eq!(param(step, "From"), Some(CALL.from));
                assert_eq!(param(step, "To"), Some(CALL.to));
            }
        }
    }

    #[test]
    fn a_caller_who_hangs_up_while_ringing_sends_no_dial_outcome() {
        let steps = steps(SimulatedOutcome::CallerHungUp);
        assert_eq!(steps.len(), 2);
        assert!(steps.iter().all(|s| param(s, "DialCallStatus").is_none()));
        assert_eq!(param(&steps[1], "CallStatus"), Some("completed"));
        assert_eq!(param(&steps[1], "CallDuration"), Some("8"));
    }

    #[test]
    fn the_dial_outcome_names_the_forwarded_leg() {
        let steps = steps(SimulatedOutcome::NoAnswer);
        assert_eq!(param(&steps[1], "DialCallSid"), Some(DIALLED));
    }

    #[test]
    fn a_listed_call_replays_with_its_own_final_status() {
        let ending = CallEnding {
            dial: Some(("CAchild", "busy", "0")),
            call_status: "completed",
            call_duration: "14",
        };
        let steps = call_webhooks(
            &WebhookUrls::new("https://a.test", Some("tok")),
            CALL,
            &ending,
        );
        assert_eq!(steps.len(), 3);
        assert!(steps.iter().all(|s| s.url.contains("webhook_token=tok")));
        assert_eq!(param(&steps[1], "DialCallStatus"), Some("busy"));
        assert_eq!(param(&steps[2], "CallDuration"), Some("14"));
    }
}
