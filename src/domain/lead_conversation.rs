//! The qualification state machine (conversation.md §5): what one inbound answer does to a
//! lead that is waiting for a step. Pure: the caller stores the answers, moves the state, queues
//! the reply and derives the owner alerts from the `Turn`. What a reply means is
//! `caller_replies`' business; this module decides what happens next.

use super::{
    caller_replies::{self, Reading},
    conversation_texts as texts,
    postal_code::PostalCode,
};

/// Hand-off happens on this many unclear answers to one step (§5.3).
pub const MAX_INVALID_ATTEMPTS: i32 = 3;

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
    pub const ALL: [Step; 5] = [
        Step::Service,
        Step::Urgency,
        Step::Zip,
        Step::BestTime,
        Step::Name,
    ];
}

/// How soon the caller needs the job done (`leads.urgency`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Urgency {
    Emergency,
    Today,
    ThisWeek,
    Quote,
}

impl Urgency {
    /// In menu order: option 1 first.
    pub const ALL: [Urgency; 4] = [
        Urgency::Emergency,
        Urgency::Today,
        Urgency::ThisWeek,
        Urgency::Quote,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Emergency => "Emergency",
            Urgency::Today => "Today",
            Urgency::ThisWeek => "This week",
            Urgency::Quote => "Quote",
        }
    }

    /// Its digit in the question's menu.
    pub fn digit(self) -> usize {
        menu_digit(&Self::ALL, self)
    }
}

/// When the caller would like to be reached (`leads.best_time`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BestTime {
    Morning,
    Afternoon,
    Evening,
    Anytime,
}

impl BestTime {
    /// In menu order: option 1 first.
    pub const ALL: [BestTime; 4] = [
        BestTime::Morning,
        BestTime::Afternoon,
        BestTime::Evening,
        BestTime::Anytime,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BestTime::Morning => "Morning",
            BestTime::Afternoon => "Afternoon",
            BestTime::Evening => "Evening",
            BestTime::Anytime => "Anytime",
        }
    }

    pub fn digit(self) -> usize {
        menu_digit(&Self::ALL, self)
    }
}

/// An option's digit in its question's menu (the first is 1).
fn menu_digit<T: PartialEq>(menu: &[T], option: T) -> usize {
    menu.iter().position(|o| *o == option).unwrap_or_default() + 1
}

/// A valid answer, as stored on the lead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    Service {
        service: String,
        raw: String,
    },
    Urgency(Urgency),
    Postal(PostalCode),
    BestTime(BestTime),
    /// `None`: the caller skipped the name.
    Name(Option<String>),
}

impl Answer {
    pub fn is_emergency(&self) -> bool {
        matches!(self, Answer::Urgency(Urgency::Emergency))
    }

    /// The step this answers.
    pub fn step(&self) -> Step {
        match self {
            Answer::Service { .. } => Step::Service,
            Answer::Urgency(_) => Step::Urgency,
            Answer::Postal(_) => Step::Zip,
            Answer::BestTime(_) => Step::BestTime,
            Answer::Name(_) => Step::Name,
        }
    }
}

/// What the lead already holds when a text arrives.
#[derive(Clone, Copy, Debug, Default)]
pub struct SoFar<'a> {
    pub invalid_attempts: i32,
    /// Steps already answered, some of them early (a ZIP given with the urgency).
    pub answered: &'a [Step],
    /// The name the caller gave, for the completion text.
    pub name: Option<&'a str>,
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
    /// `volunteered` are answers to later steps given in the same text, each stored too; the
    /// steps they answer are skipped.
    Answered {
        answer: Answer,
        volunteered: Vec<Answer>,
        next: ConversationState,
        reply: String,
    },
    /// Unclear answer #1 or #2: re-prompt, `attempts` is the new count.
    Refused { attempts: i32, reply: String },
    /// Unclear answer #3: automation pauses and the owner takes over.
    HandOff { reply: String },
}

/// One inbound text to a lead waiting for `step`.
pub fn take_turn(
    step: Step,
    body: &str,
    media_count: i32,
    so_far: &SoFar<'_>,
    business: &Business<'_>,
) -> Turn {
    if body.trim().is_empty() && media_count > 0 {
        return Turn::MediaOnly;
    }
    let reply = match caller_replies::read(step, body, business.labels) {
        Reading::Understood {
            answer,
            volunteered,
        } => return answered(step, answer, volunteered, so_far, business),
        Reading::Refused(refusal) => texts::reprompt(step, refusal, business.labels),
        Reading::Ambiguous(choices) => texts::which_of(&choices),
        Reading::NotOffered(heard) => texts::not_offered(step, &heard, business.labels),
    };
    let attempts = so_far.invalid_attempts.max(0) + 1;
    if attempts >= MAX_INVALID_ATTEMPTS {
        Turn::HandOff {
            reply: texts::handoff(business.name),
        }
    } else {
        Turn::Refused { attempts, reply }
    }
}

fn answered(
    step: Step,
    answer: Answer,
    volunteered: Vec<Answer>,
    so_far: &SoFar<'_>,
    business: &Business<'_>,
) -> Turn {
    // Only answers to questions still ahead count; one already answered keeps its answer.
    let volunteered: Vec<Answer> = volunteered
        .into_iter()
        .filter(|given| {
            let at = given.step();
            position(at) > position(step) && !so_far.answered.contains(&at)
        })
        .collect();
    let done = |candidate: &Step| {
        so_far.answered.contains(candidate) || volunteered.iter().any(|a| a.step() == *candidate)
    };
    let next = Step::ALL
        .into_iter()
        .filter(|candidate| position(*candidate) > position(step))
        .find(|candidate| !done(candidate))
        .map_or(ConversationState::Completed, ConversationState::Awaiting);
    let name = std::iter::once(&answer)
        .chain(&volunteered)
        .find_map(|given| match given {
            Answer::Name(name) => Some(name.as_deref()),
            _ => None,
        })
        .unwrap_or(so_far.name);
    let emergency = answer.is_emergency() || volunteered.iter().any(Answer::is_emergency);
    let reply = match next {
        ConversationState::Completed => texts::completion(business.name, name),
        ConversationState::Awaiting(Step::Zip) if emergency => {
            texts::emergency_zip_prompt(business.name)
        }
        ConversationState::Awaiting(ahead) if emergency => {
            texts::emergency_then(business.name, ahead, business.labels)
        }
        ConversationState::Awaiting(Step::Urgency) => texts::URGENCY_PROMPT.to_owned(),
        ConversationState::Awaiting(Step::Zip) => texts::ZIP_PROMPT.to_owned(),
        ConversationState::Awaiting(Step::BestTime) => texts::BEST_TIME_PROMPT.to_owned(),
        _ => texts::NAME_PROMPT.to_owned(),
    };
    Turn::Answered {
        answer,
        volunteered,
        next,
        reply,
    }
}

fn position(step: Step) -> usize {
    Step::ALL
        .iter()
        .position(|s| *s == step)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
