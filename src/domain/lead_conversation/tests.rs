//! The acceptance cases of conversation.md §11 that the state machine decides alone, named
//! after their ids, plus the input tables of §5.2 row by row.

use super::*;
use crate::domain::conversation_texts::{
    BEST_TIME_PROMPT, NAME_PROMPT, URGENCY_PROMPT, ZIP_PROMPT,
};

const THREE: [&str; 3] = ["Repair", "Install", "Maintenance"];
const ACME: Business<'static> = Business {
    name: "Acme Plumbing",
    labels: &THREE,
};

fn turn(step: Step, body: &str) -> Turn {
    take_turn(step, body, 0, &SoFar::default(), &ACME)
}

fn after(invalid_attempts: i32) -> SoFar<'static> {
    SoFar {
        invalid_attempts,
        ..SoFar::default()
    }
}

fn answered(step: Step, body: &str) -> (Answer, ConversationState, String) {
    match turn(step, body) {
        Turn::Answered {
            answer,
            next,
            reply,
            ..
        } => (answer, next, reply),
        other => panic!("{body:?} at {step:?} was not accepted: {other:?}"),
    }
}

fn refused(step: Step, body: &str) -> String {
    match turn(step, body) {
        Turn::Refused { attempts: 1, reply } => reply,
        other => panic!("{body:?} at {step:?} was not refused once: {other:?}"),
    }
}

fn service(service: &str, raw: &str) -> Answer {
    Answer::Service {
        service: service.to_owned(),
        raw: raw.to_owned(),
    }
}

fn postal(code: &str, country: &'static str) -> Answer {
    Answer::Postal(PostalCode {
        code: code.to_owned(),
        country,
    })
}

const SERVICE_REPROMPT: &str = "Sorry, I did not get that. Reply 1 for Repair, 2 for Install, 3 for Maintenance, or describe the job.";
const URGENCY_REPROMPT: &str = "Sorry, please reply 1 Emergency, 2 Today, 3 This week, or 4 Quote.";
const ZIP_REPROMPT: &str =
    "Sorry, please reply with the 5-digit ZIP code (or postal code) of the job.";
const BEST_TIME_REPROMPT: &str =
    "Sorry, please reply 1 Morning, 2 Afternoon, 3 Evening, or 4 Anytime.";

#[test]
fn states_round_trip_through_their_names() {
    for state in ConversationState::ALL {
        assert_eq!(ConversationState::parse(state.as_str()), Some(state));
    }
    assert_eq!(ConversationState::parse("awaiting_zip"), None);
}

#[test]
fn c1_c3_service_option_digits() {
    let awaiting_urgency = ConversationState::Awaiting(Step::Urgency);
    assert_eq!(
        answered(Step::Service, " 2 "),
        (
            service("Install", "2"),
            awaiting_urgency,
            URGENCY_PROMPT.into()
        )
    );
    assert_eq!(answered(Step::Service, "2.").0, service("Install", "2."));
    assert_eq!(answered(Step::Service, "1").0, service("Repair", "1"));
    assert_eq!(
        answered(Step::Service, "3!").0,
        service("Maintenance", "3!")
    );
}

#[test]
fn c2_c7_c8_free_text_service_is_stored_verbatim() {
    for body in [
        "AC not cooling",
        "Help with my furnace",
        "Stop by tomorrow to fix the sink",
        "ok",
        "4 leaking taps",
        "Réparer la fuite",
    ] {
        let (answer, next, _) = answered(Step::Service, &format!("  {body} "));
        assert_eq!(answer, service(body, body));
        assert_eq!(next, ConversationState::Awaiting(Step::Urgency));
    }
    let exactly_160 = "a".repeat(160);
    assert_eq!(
        answered(Step::Service, &exactly_160).0,
        service(&exactly_160, &exactly_160)
    );
}

#[test]
fn c4_a_digit_for_an_unconfigured_label_is_unclear() {
    let two = Business {
        name: "Acme Plumbing",
        labels: &THREE[..2],
    };
    assert_eq!(
        take_turn(Step::Service, "3", 0, &after(0), &two),
        Turn::Refused {
            attempts: 1,
            reply:
                "Sorry, I did not get that. Reply 1 for Repair, 2 for Install, or describe the job."
                    .into()
        }
    );
}

#[test]
fn c5_c6_short_digit_only_and_long_services_are_refused() {
    for body in ["x", "", "   ", "4", "12345", "0", "!!", "42."] {
        assert_eq!(refused(Step::Service, body), SERVICE_REPROMPT, "{body:?}");
    }
    assert_eq!(
        refused(Step::Service, &"a".repeat(161)),
        "Please sum up the job in 160 characters or less. Reply 1 for Repair, 2 for Install, 3 for Maintenance, or describe the job."
    );
    // Characters, not bytes.
    assert!(matches!(
        turn(Step::Service, &"é".repeat(160)),
        Turn::Answered { .. }
    ));
}

#[test]
fn c9_c15_urgency_table() {
    use Urgency::*;
    let cases = [
        ("1", Emergency),
        ("emergency", Emergency),
        ("URGENT!", Emergency),
        ("emergency please", Emergency),
        ("2", Today),
        ("today", Today),
        ("ASAP", Today),
        ("today please", Today),
        ("3", ThisWeek),
        ("week", ThisWeek),
        ("This Week!", ThisWeek),
        ("this   week", ThisWeek),
        ("tomorrow", ThisWeek),
        ("4", Quote),
        ("quote", Quote),
        ("estimate", Quote),
    ];
    for (body, stored) in cases {
        let (answer, next, reply) = answered(Step::Urgency, body);
        assert_eq!(answer, Answer::Urgency(stored), "{body}");
        assert_eq!(next, ConversationState::Awaiting(Step::Zip));
        if stored == Emergency {
            assert_eq!(
                reply,
                "We are alerting Acme Plumbing right away. Meanwhile, what is the ZIP code (or postal code) for the job?"
            );
        } else {
            assert_eq!(reply, ZIP_PROMPT);
        }
    }
    for body in ["yes", "5", "0", "what?"] {
        assert_eq!(refused(Step::Urgency, body), URGENCY_REPROMPT, "{body}");
    }
}

#[test]
fn c16_c25_c58_zip_step() {
    let cases = [
        ("78704", postal("78704", "US")),
        ("78704-1234", postal("78704-1234", "US")),
        ("787041234", postal("78704-1234", "US")),
        ("k1a 0b1", postal("K1A 0B1", "CA")),
        ("K1A0B1", postal("K1A 0B1", "CA")),
        ("my zip is 78704.", postal("78704", "US")),
        ("my zip is 78704 1234", postal("78704-1234", "US")),
    ];
    for (body, expected) in cases {
        let (answer, next, reply) = answered(Step::Zip, body);
        assert_eq!(answer, expected, "{body}");
        assert_eq!(next, ConversationState::Awaiting(Step::BestTime));
        assert_eq!(reply, BEST_TIME_PROMPT);
    }
    for body in ["NOPE", "12", "78704 or 78745", "D1A 0B1"] {
        assert_eq!(refused(Step::Zip, body), ZIP_REPROMPT, "{body}");
    }
}

#[test]
fn c26_third_unclear_answer_hands_off() {
    assert_eq!(
        take_turn(Step::Zip, "TOMORROW", 0, &after(2), &ACME),
        Turn::HandOff {
            reply: "Thanks! Someone from Acme Plumbing will follow up with you directly.".into()
        }
    );
    assert_eq!(
        take_turn(Step::Zip, "TOMORROW", 0, &after(1), &ACME),
        Turn::Refused {
            attempts: 2,
            reply: ZIP_REPROMPT.into()
        }
    );
}

#[test]
fn c28_c31_best_time_table() {
    use BestTime::*;
    let cases = [
        ("1", Morning),
        ("Morning", Morning),
        ("am", Morning),
        ("2", Afternoon),
        ("PM", Afternoon),
        ("afternoon.", Afternoon),
        ("3", Evening),
        ("evening", Evening),
        ("tonight", Evening),
        ("after 5", Evening),
        ("4", Anytime),
        ("anytime", Anytime),
        ("Any time", Anytime),
        ("asap", Anytime),
        ("whenever", Anytime),
    ];
    for (body, stored) in cases {
        let (answer, next, reply) = answered(Step::BestTime, body);
        assert_eq!(answer, Answer::BestTime(stored), "{body}");
        assert_eq!(next, ConversationState::Awaiting(Step::Name));
        assert_eq!(reply, NAME_PROMPT);
    }
    for body in ["idk", "depends", "call me"] {
        assert_eq!(refused(Step::BestTime, body), BEST_TIME_REPROMPT, "{body}");
    }
}

#[test]
fn c32_c34_name_step() {
    for body in ["skip", "SKIP", "N/A", "na", "none", "No.", "n/a!"] {
        let (answer, next, reply) = answered(Step::Name, body);
        assert_eq!(answer, Answer::Name(None), "{body}");
        assert_eq!(next, ConversationState::Completed);
        assert_eq!(
            reply,
            "Thanks! Acme Plumbing has your request and will reach out soon."
        );
    }
    let (answer, _, reply) = answered(Step::Name, "  Pat   Morgan ");
    assert_eq!(answer, Answer::Name(Some("Pat Morgan".into())));
    assert_eq!(
        reply,
        "Thanks, Pat Morgan! Acme Plumbing has your request and will reach out soon."
    );
    assert_eq!(
        answered(Step::Name, &"b".repeat(80)).0,
        Answer::Name(Some("b".repeat(80)))
    );
    assert_eq!(answered(Step::Name, "J").0, Answer::Name(Some("J".into())));
    for body in ["b".repeat(81), String::new(), "   ".into()] {
        assert_eq!(
            refused(Step::Name, &body),
            "Please reply with just your name (80 characters max), or SKIP."
        );
    }
}

#[test]
fn c51_media_only_is_neither_an_answer_nor_unclear() {
    for step in [
        Step::Service,
        Step::Urgency,
        Step::Zip,
        Step::BestTime,
        Step::Name,
    ] {
        assert_eq!(take_turn(step, "", 1, &after(2), &ACME), Turn::MediaOnly);
        assert_eq!(take_turn(step, "  ", 3, &after(0), &ACME), Turn::MediaOnly);
    }
    // A caption with the photo is an answer.
    assert!(matches!(
        take_turn(Step::Service, "Leaking pipe", 1, &after(0), &ACME),
        Turn::Answered { .. }
    ));
}

#[test]
fn every_valid_answer_moves_exactly_one_step() {
    let path = [
        (
            Step::Service,
            "1",
            ConversationState::Awaiting(Step::Urgency),
        ),
        (Step::Urgency, "2", ConversationState::Awaiting(Step::Zip)),
        (
            Step::Zip,
            "78704",
            ConversationState::Awaiting(Step::BestTime),
        ),
        (Step::BestTime, "1", ConversationState::Awaiting(Step::Name)),
        (Step::Name, "skip", ConversationState::Completed),
    ];
    for (step, body, expected) in path {
        assert_eq!(answered(step, body).1, expected);
    }
}

#[test]
fn an_answer_given_early_is_kept_and_its_question_skipped() {
    let Turn::Answered {
        volunteered,
        next,
        reply,
        ..
    } = turn(Step::Urgency, "today please, 78704")
    else {
        panic!("not answered");
    };
    assert_eq!(volunteered, vec![postal("78704", "US")]);
    assert_eq!(next, ConversationState::Awaiting(Step::BestTime));
    assert_eq!(reply, BEST_TIME_PROMPT);
}

#[test]
fn a_step_answered_earlier_is_skipped_and_its_answer_not_replaced() {
    let so_far = SoFar {
        answered: &[Step::Service, Step::Urgency, Step::Zip, Step::Name],
        name: Some("Pat"),
        ..SoFar::default()
    };
    let Turn::Answered {
        volunteered,
        next,
        reply,
        ..
    } = take_turn(Step::BestTime, "evenings, this is Sam", 0, &so_far, &ACME)
    else {
        panic!("not answered");
    };
    assert!(volunteered.is_empty(), "the name given before stands");
    assert_eq!(next, ConversationState::Completed);
    assert_eq!(
        reply,
        "Thanks, Pat! Acme Plumbing has your request and will reach out soon."
    );
}

#[test]
fn an_emergency_with_its_zip_goes_straight_to_the_best_time() {
    let Turn::Answered { next, reply, .. } = turn(Step::Urgency, "emergency 78704") else {
        panic!("not answered");
    };
    assert_eq!(next, ConversationState::Awaiting(Step::BestTime));
    assert_eq!(
        reply,
        "We are alerting Acme Plumbing right away. Meanwhile: When is the best time to reach you? Reply 1 Morning, 2 Afternoon, 3 Evening, 4 Anytime."
    );
}

#[test]
fn an_ambiguous_answer_is_asked_about_and_counts_as_an_attempt() {
    assert_eq!(
        turn(Step::Urgency, "1 or 2"),
        Turn::Refused {
            attempts: 1,
            reply: "Just to check: did you mean Emergency or Today? Reply 1 for Emergency or 2 for Today.".into()
        }
    );
    assert_eq!(
        turn(Step::BestTime, "next week"),
        Turn::Refused {
            attempts: 1,
            reply: BEST_TIME_REPROMPT.into()
        }
    );
    assert_eq!(
        turn(Step::Urgency, "next week"),
        Turn::Refused {
            attempts: 1,
            reply: "Got it: next week. Which is closest? Reply 1 Emergency, 2 Today, 3 This week, or 4 Quote.".into()
        }
    );
}
