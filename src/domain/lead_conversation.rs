//! The qualification state machine (conversation.md §5): what one inbound answer does to a
//! lead that is waiting for a step. Pure: the caller stores the answer, moves the state, queues
//! the reply and derives the owner alerts from the `Turn`.

use super::{
    conversation_texts::{self as texts, Refusal},
    postal_code::{self, PostalCode},
    text_normal::{answer_key, collapse_whitespace, trim_answer},
};

/// Hand-off happens on this many unclear answers to one step (§5.3).
pub const MAX_INVALID_ATTEMPTS: i32 = 3;
const SERVICE_MAX_CHARS: usize = 160;
const NAME_MAX_CHARS: usize = 80;
const SKIP_WORDS: [&str; 5] = ["skip", "no", "n/a", "na", "none"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Service,
    Urgency,
    Zip,
    BestTime,
    Name,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConversationState {
    NotStarted,
    Awaiting(Step),
    Completed,
}

impl ConversationState {
    pub const ALL: [ConversationState; 7] = [
        ConversationState::NotStarted,
        ConversationState::Awaiting(Step::Service),
        ConversationState::Awaiting(Step::Urgency),
        ConversationState::Awaiting(Step::Zip),
        ConversationState::Awaiting(Step::BestTime),
        ConversationState::Awaiting(Step::Name),
        ConversationState::Completed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConversationState::NotStarted => "NOT_STARTED",
            ConversationState::Awaiting(Step::Service) => "AWAITING_SERVICE",
            ConversationState::Awaiting(Step::Urgency) => "AWAITING_URGENCY",
            ConversationState::Awaiting(Step::Zip) => "AWAITING_ZIP",
            ConversationState::Awaiting(Step::BestTime) => "AWAITING_BEST_TIME",
            ConversationState::Awaiting(Step::Name) => "AWAITING_NAME",
            ConversationState::Completed => "COMPLETED",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == raw)
    }
}

impl Step {
    fn next(self) -> ConversationState {
        match self {
            Step::Service => ConversationState::Awaiting(Step::Urgency),
            Step::Urgency => ConversationState::Awaiting(Step::Zip),
            Step::Zip => ConversationState::Awaiting(Step::BestTime),
            Step::BestTime => ConversationState::Awaiting(Step::Name),
            Step::Name => ConversationState::Completed,
        }
    }
}

/// A valid answer, as stored on the lead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    Service {
        service: String,
        raw: String,
    },
    Urgency(&'static str),
    Postal(PostalCode),
    BestTime(&'static str),
    /// `None`: the caller skipped the name.
    Name(Option<String>),
}

impl Answer {
    pub fn is_emergency(&self) -> bool {
        matches!(self, Answer::Urgency("Emergency"))
    }
}

/// What the business contributes to a turn.
#[derive(Clone, Copy, Debug)]
pub struct Business<'a> {
    pub name: &'a str,
    /// The configured service labels, in order (label 1 always present).
    pub labels: &'a [&'a str],
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Turn {
    /// Media without text: stored, no reply, attempts unchanged.
    MediaOnly,
    /// Stored; the state moves to `next`; `reply` is the next prompt (or the completion).
    Answered {
        answer: Answer,
        next: ConversationState,
        reply: String,
    },
    /// Unclear answer #1 or #2: re-prompt, `attempts` is the new count.
    Refused { attempts: i32, reply: String },
    /// Unclear answer #3: automation pauses and the owner takes over.
    HandOff { reply: String },
}

/// One inbound text to a lead waiting for `step`, with `invalid_attempts` unclear answers so far.
pub fn take_turn(
    step: Step,
    body: &str,
    media_count: i32,
    invalid_attempts: i32,
    business: &Business<'_>,
) -> Turn {
    if body.trim().is_empty() && media_count > 0 {
        return Turn::MediaOnly;
    }
    match parse_answer(step, body, business.labels) {
        Ok(answer) => {
            let next = step.next();
            let reply = match (&answer, next) {
                (Answer::Name(name), _) => texts::completion(business.name, name.as_deref()),
                (answer, _) if answer.is_emergency() => texts::emergency_zip_prompt(business.name),
                (_, ConversationState::Awaiting(Step::Urgency)) => texts::URGENCY_PROMPT.to_owned(),
                (_, ConversationState::Awaiting(Step::Zip)) => texts::ZIP_PROMPT.to_owned(),
                (_, ConversationState::Awaiting(Step::BestTime)) => {
                    texts::BEST_TIME_PROMPT.to_owned()
                }
                _ => texts::NAME_PROMPT.to_owned(),
            };
            Turn::Answered {
                answer,
                next,
                reply,
            }
        }
        Err(refusal) => {
            let attempts = invalid_attempts.max(0) + 1;
            if attempts >= MAX_INVALID_ATTEMPTS {
                Turn::HandOff {
                    reply: texts::handoff(business.name),
                }
            } else {
                Turn::Refused {
                    attempts,
                    reply: texts::reprompt(step, refusal, business.labels),
                }
            }
        }
    }
}

/// The accepted inputs of §5.2.
pub fn parse_answer(step: Step, body: &str, labels: &[&str]) -> Result<Answer, Refusal> {
    let key = answer_key(body);
    let picked = |options: &[(&'static str, &[&str])]| {
        options
            .iter()
            .find(|(_, accepted)| accepted.contains(&key.as_str()))
            .map(|(stored, _)| *stored)
            .ok_or(Refusal::Unclear)
    };
    match step {
        Step::Service => service(body, labels),
        Step::Urgency => picked(&[
            ("Emergency", &["1", "emergency", "urgent"]),
            ("Today", &["2", "today", "asap"]),
            ("This week", &["3", "week", "this week"]),
            ("Quote", &["4", "quote", "estimate"]),
        ])
        .map(Answer::Urgency),
        Step::Zip => postal_code::find(body)
            .map(Answer::Postal)
            .ok_or(Refusal::Unclear),
        Step::BestTime => picked(&[
            ("Morning", &["1", "morning", "am"]),
            ("Afternoon", &["2", "afternoon", "pm"]),
            ("Evening", &["3", "evening", "tonight"]),
            ("ASAP", &["4", "anytime", "any time", "asap"]),
        ])
        .map(Answer::BestTime),
        Step::Name => name(body, &key),
    }
}

fn service(body: &str, labels: &[&str]) -> Result<Answer, Refusal> {
    let raw = body.trim();
    let option = trim_answer(body);
    if let Some(index) = ["1", "2", "3"].iter().position(|digit| *digit == option) {
        return match labels.get(index) {
            Some(label) if !label.is_empty() => Ok(Answer::Service {
                service: (*label).to_owned(),
                raw: raw.to_owned(),
            }),
            _ => Err(Refusal::Unclear),
        };
    }
    let length = raw.chars().count();
    if length > SERVICE_MAX_CHARS {
        return Err(Refusal::TooLong);
    }
    // At least one letter also rules out digits-only text.
    if length < 2 || !raw.chars().any(char::is_alphabetic) {
        return Err(Refusal::Unclear);
    }
    Ok(Answer::Service {
        service: raw.to_owned(),
        raw: raw.to_owned(),
    })
}

fn name(body: &str, key: &str) -> Result<Answer, Refusal> {
    if SKIP_WORDS.contains(&key) {
        return Ok(Answer::Name(None));
    }
    let name = collapse_whitespace(body);
    match name.chars().count() {
        1..=NAME_MAX_CHARS => Ok(Answer::Name(Some(name))),
        _ => Err(Refusal::Unclear),
    }
}

#[cfg(test)]
mod tests;
