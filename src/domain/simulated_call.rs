//! The webhooks Twilio sends for one inbound call forwarded to the owner, by how the call ends
//! (twilio.md §5–§7). The demo simulator replays them, so a simulated call takes exactly the
//! production path: voice webhook, `<Dial>` action, then the parent call's final status.

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
    fn dial(self) -> Option<(&'static str, u32)> {
        match self {
            SimulatedOutcome::Answered => Some(("completed", 95)),
            SimulatedOutcome::NoAnswer => Some(("no-answer", 0)),
            SimulatedOutcome::Busy => Some(("busy", 0)),
            SimulatedOutcome::VoicemailPickup => Some(("completed", 4)),
            SimulatedOutcome::CallerHungUp => None,
        }
    }

    /// The parent call's `CallDuration` in seconds.
    fn call_duration(self) -> u32 {
        match self {
            SimulatedOutcome::Answered => 101,
            SimulatedOutcome::NoAnswer | SimulatedOutcome::VoicemailPickup => 27,
            SimulatedOutcome::Busy => 3,
            SimulatedOutcome::CallerHungUp => 8,
        }
    }
}

/// Who calls whom, and the call's SIDs.
#[derive(Clone, Copy, Debug)]
pub struct SimulatedCall<'a> {
    pub account_sid: &'a str,
    pub call_sid: &'a str,
    /// The forwarded leg to the owner's phone.
    pub dial_call_sid: &'a str,
    pub from: &'a str,
    pub to: &'a str,
}

/// One webhook: the URL the app configured on the number, and the form Twilio posts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookStep {
    pub url: String,
    pub params: Vec<(String, String)>,
}

/// The webhooks, in order, that Twilio sends for `call` ending in `outcome`.
pub fn webhook_steps(
    urls: &WebhookUrls<'_>,
    call: SimulatedCall<'_>,
    outcome: SimulatedOutcome,
) -> Vec<WebhookStep> {
    let common = |extra: &[(&str, String)]| -> Vec<(String, String)> {
        [
            ("AccountSid", call.account_sid.to_owned()),
            ("ApiVersion", "2010-04-01".to_owned()),
            ("CallSid", call.call_sid.to_owned()),
            ("Direction", "inbound".to_owned()),
            ("From", call.from.to_owned()),
            ("To", call.to.to_owned()),
        ]
        .iter()
        .chain(extra)
        .map(|(name, value)| ((*name).to_owned(), value.clone()))
        .collect()
    };
    let mut steps = vec![WebhookStep {
        url: urls.voice(),
        params: common(&[("CallStatus", "ringing".to_owned())]),
    }];
    if let Some((status, duration)) = outcome.dial() {
        steps.push(WebhookStep {
            url: urls.status(StatusEvent::Dial),
            params: common(&[
                ("CallStatus", "in-progress".to_owned()),
                ("DialCallSid", call.dial_call_sid.to_owned()),
                ("DialCallStatus", status.to_owned()),
                ("DialCallDuration", duration.to_string()),
            ]),
        });
    }
    steps.push(WebhookStep {
        url: urls.status(StatusEvent::Call),
        params: common(&[
            ("CallStatus", "completed".to_owned()),
            ("CallDuration", outcome.call_duration().to_string()),
        ]),
    });
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    const CALL: SimulatedCall<'static> = SimulatedCall {
        account_sid: "AC00000000000000000000000000000001",
        call_sid: "CA00000000000000000000000000000001",
        dial_call_sid: "CA00000000000000000000000000000002",
        from: "+15125550199",
        to: "+15125550100",
    };

    fn steps(outcome: SimulatedOutcome) -> Vec<WebhookStep> {
        webhook_steps(&WebhookUrls::new("https://demo.test", None), CALL, outcome)
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
        assert_eq!(param(&steps[1], "DialCallSid"), Some(CALL.dial_call_sid));
    }
}
