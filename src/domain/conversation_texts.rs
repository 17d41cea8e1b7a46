//! The caller-facing texts of the qualification and the compliance confirmations
//! (conversation.md §6.1, §6.2), exact. The intro lives in `templates`, shared with the
//! settings preview.

use super::{
    caller_replies::Choice, lead_conversation::Step, phone::display, templates::options_line,
};

pub const URGENCY_PROMPT: &str =
    "Got it. How urgent is it? Reply 1 Emergency, 2 Today, 3 This week, 4 Quote.";
pub const ZIP_PROMPT: &str = "Thanks. What is the ZIP code (or postal code) for the job?";
pub const BEST_TIME_PROMPT: &str =
    "When is the best time to reach you? Reply 1 Morning, 2 Afternoon, 3 Evening, 4 Anytime.";
pub const NAME_PROMPT: &str = "Last question: what is your name? Reply SKIP to skip.";
const URGENCY_BARE: &str = "How urgent is it? Reply 1 Emergency, 2 Today, 3 This week, 4 Quote.";
const ZIP_BARE: &str = "What is the ZIP code (or postal code) for the job?";

pub fn emergency_zip_prompt(business: &str) -> String {
    format!(
        "We are alerting {business} right away. Meanwhile, what is the ZIP code (or postal code) for the job?"
    )
}

pub fn completion(business: &str, name: Option<&str>) -> String {
    match name {
        Some(name) => {
            format!("Thanks, {name}! {business} has your request and will reach out soon.")
        }
        None => format!("Thanks! {business} has your request and will reach out soon."),
    }
}

/// Why the answer was refused, which picks the re-prompt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    Unclear,
    /// Free-text service over 160 characters.
    TooLong,
}

pub fn reprompt(step: Step, refusal: Refusal, labels: &[&str]) -> String {
    match (step, refusal) {
        (Step::Service, Refusal::TooLong) => format!(
            "Please sum up the job in 160 characters or less. {}",
            options_line(labels)
        ),
        (Step::Service, Refusal::Unclear) => {
            format!("Sorry, I did not get that. {}", options_line(labels))
        }
        (Step::Urgency, _) => {
            "Sorry, please reply 1 Emergency, 2 Today, 3 This week, or 4 Quote.".to_owned()
        }
        (Step::Zip, _) => {
            "Sorry, please reply with the 5-digit ZIP code (or postal code) of the job.".to_owned()
        }
        (Step::BestTime, _) => {
            "Sorry, please reply 1 Morning, 2 Afternoon, 3 Evening, or 4 Anytime.".to_owned()
        }
        (Step::Name, _) => {
            "Please reply with just your name (80 characters max), or SKIP.".to_owned()
        }
    }
}

/// A reply that fits more than one option: asked back, never guessed.
pub fn which_of(choices: &[Choice]) -> String {
    let (names, digits): (Vec<&str>, Vec<String>) = choices
        .iter()
        .map(|choice| match choice {
            Choice::Urgency(option) => (
                option.as_str(),
                format!("{} for {}", option.digit(), option.as_str()),
            ),
            Choice::BestTime(option) => (
                option.as_str(),
                format!("{} for {}", option.digit(), option.as_str()),
            ),
        })
        .unzip();
    format!(
        "Just to check: did you mean {}? Reply {}.",
        either_or(&names),
        either_or(&digits)
    )
}

/// "A", "A or B", "A, B or C".
fn either_or<T: AsRef<str>>(items: &[T]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [init @ .., last] => format!(
            "{} or {}",
            init.iter()
                .map(AsRef::as_ref)
                .collect::<Vec<_>>()
                .join(", "),
            last.as_ref()
        ),
    }
}

/// A reply understood but not among the step's options ("next week"): said back, then the
/// question again, so the caller knows they were heard.
pub fn not_offered(step: Step, heard: &str, labels: &[&str]) -> String {
    let question = match step {
        Step::Urgency => "Which is closest? Reply 1 Emergency, 2 Today, 3 This week, or 4 Quote.",
        Step::BestTime => {
            "What time of day is best? Reply 1 Morning, 2 Afternoon, 3 Evening, or 4 Anytime."
        }
        _ => return reprompt(step, Refusal::Unclear, labels),
    };
    format!("Got it: {heard}. {question}")
}

/// The emergency acknowledgement when the ZIP was already given: straight to the next question.
pub fn emergency_then(business: &str, next: Step, labels: &[&str]) -> String {
    format!(
        "We are alerting {business} right away. Meanwhile: {}",
        bare_question(next, labels)
    )
}

/// A step's question without the "Got it." that follows an answer.
fn bare_question(step: Step, labels: &[&str]) -> String {
    match step {
        Step::Service => format!("What can we help with? {}", options_line(labels)),
        Step::Urgency => URGENCY_BARE.to_owned(),
        Step::Zip => ZIP_BARE.to_owned(),
        Step::BestTime => BEST_TIME_PROMPT.to_owned(),
        Step::Name => NAME_PROMPT.to_owned(),
    }
}

pub fn handoff(business: &str) -> String {
    format!("Thanks! Someone from {business} will follow up with you directly.")
}

/// The stall nudge: the current step's bare prompt between a greeting and the opt-out line.
pub fn nudge(business: &str, step: Step, labels: &[&str]) -> String {
    format!(
        "Hi, it is {business} again. Still need help? {} Reply STOP to opt out.",
        bare_question(step, labels)
    )
}

pub fn acknowledgement(business: &str) -> String {
    format!("Thanks, we passed your message to {business}. They will get back to you soon.")
}

pub fn stop_confirmation(business: &str) -> String {
    format!(
        "{business}: You are unsubscribed and will not receive more texts from us. Reply START to opt back in."
    )
}

pub fn start_confirmation(business: &str) -> String {
    format!("{business}: You are opted back in. Reply HELP for help or STOP to opt out.")
}

/// `number` is the tracking number texted, in E.164 (shown formatted).
pub fn help_reply(business: &str, number: &str) -> String {
    format!(
        "{business}: texts about your recent call or message to us. Msg & data rates may apply. Reply STOP to opt out. To reach us, call {}.",
        display(number)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABELS: [&str; 3] = ["Repair", "Install", "Maintenance"];

    #[test]
    fn prompts_and_completion() {
        assert_eq!(
            emergency_zip_prompt("Acme Plumbing"),
            "We are alerting Acme Plumbing right away. Meanwhile, what is the ZIP code (or postal code) for the job?"
        );
        assert_eq!(
            completion("Acme Plumbing", Some("Pat Morgan")),
            "Thanks, Pat Morgan! Acme Plumbing has your request and will reach out soon."
        );
        assert_eq!(
            completion("Acme Plumbing", None),
            "Thanks! Acme Plumbing has your request and will reach out soon."
        );
        assert_eq!(
            handoff("Acme Plumbing"),
            "Thanks! Someone from Acme Plumbing will follow up with you directly."
        );
        assert_eq!(
            acknowledgement("Acme Plumbing"),
            "Thanks, we passed your message to Acme Plumbing. They will get back to you soon."
        );
    }

    #[test]
    fn every_reprompt() {
        assert_eq!(
            reprompt(Step::Service, Refusal::Unclear, &LABELS[..2]),
            "Sorry, I did not get that. Reply 1 for Repair, 2 for Install, or describe the job."
        );
        assert_eq!(
            reprompt(Step::Service, Refusal::TooLong, &LABELS),
            "Please sum up the job in 160 characters or less. Reply 1 for Repair, 2 for Install, 3 for Maintenance, or describe the job."
        );
        assert_eq!(
            reprompt(Step::Urgency, Refusal::Unclear, &LABELS),
            "Sorry, please reply 1 Emergency, 2 Today, 3 This week, or 4 Quote."
        );
        assert_eq!(
            reprompt(Step::Zip, Refusal::Unclear, &LABELS),
            "Sorry, please reply with the 5-digit ZIP code (or postal code) of the job."
        );
        assert_eq!(
            reprompt(Step::BestTime, Refusal::Unclear, &LABELS),
            "Sorry, please reply 1 Morning, 2 Afternoon, 3 Evening, or 4 Anytime."
        );
        assert_eq!(
            reprompt(Step::Name, Refusal::Unclear, &LABELS),
            "Please reply with just your name (80 characters max), or SKIP."
        );
    }

    #[test]
    fn nudges_use_the_bare_prompt_of_the_step() {
        assert_eq!(
            nudge("Acme Plumbing", Step::Urgency, &LABELS),
            "Hi, it is Acme Plumbing again. Still need help? How urgent is it? Reply 1 Emergency, 2 Today, 3 This week, 4 Quote. Reply STOP to opt out."
        );
        assert_eq!(
            nudge("Acme", Step::Service, &LABELS[..1]),
            "Hi, it is Acme again. Still need help? What can we help with? Reply 1 for Repair, or describe the job. Reply STOP to opt out."
        );
        assert_eq!(
            nudge("Acme", Step::Zip, &LABELS),
            "Hi, it is Acme again. Still need help? What is the ZIP code (or postal code) for the job? Reply STOP to opt out."
        );
        assert!(nudge("Acme", Step::BestTime, &LABELS).contains(BEST_TIME_PROMPT));
        assert!(nudge("Acme", Step::Name, &LABELS).contains(NAME_PROMPT));
    }

    #[test]
    fn compliance_confirmations() {
        assert_eq!(
            stop_confirmation("Acme Plumbing"),
            "Acme Plumbing: You are unsubscribed and will not receive more texts from us. Reply START to opt back in."
        );
        assert_eq!(
            start_confirmation("Acme Plumbing"),
            "Acme Plumbing: You are opted back in. Reply HELP for help or STOP to opt out."
        );
        assert_eq!(
            help_reply("Acme Plumbing", "+15125550199"),
            "Acme Plumbing: texts about your recent call or message to us. Msg & data rates may apply. Reply STOP to opt out. To reach us, call (512) 555-0199."
        );
    }
}
