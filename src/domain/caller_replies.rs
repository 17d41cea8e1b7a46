//! What a caller's reply means at the step it answers (conversation.md §5.2): the menu digit or
//! the words people actually text ("today please", "no rush", "after 5", "mañana"), plus the
//! answers to later questions given early (a ZIP, a name). The precision rule: a reply is never
//! read as a different meaning than the caller's. When it could mean two options, or names
//! something the step does not offer ("next week"), the step asks again, saying what it heard.

mod phrases;
mod times;
mod vocabulary;
mod volunteered;
mod words;

use phrases::{Found, find_phrases, menu_digits, options};
use vocabulary::{BEST_TIME, NOT_OFFERED_BEST_TIME, NOT_OFFERED_URGENCY, Strength, URGENCY};
use words::{Token, phrase_at, tokens};

use super::{
    conversation_texts::Refusal,
    lead_conversation::{Answer, BestTime, Step, Urgency},
    postal_code,
    text_normal::{answer_key, collapse_whitespace, trim_answer},
};

const SERVICE_MAX_CHARS: usize = 160;
const NAME_MAX_CHARS: usize = 80;
const SKIP_NAME: [&str; 12] = [
    "skip",
    "no",
    "n/a",
    "na",
    "none",
    "no thanks",
    "no thank you",
    "prefer not",
    "rather not",
    "pass",
    "no gracias",
    "prefiero no",
];

/// One option of a menu step, as a question offers it back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    Urgency(Urgency),
    BestTime(BestTime),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reading {
    /// The step's answer, with the answers to other questions given in the same text.
    Understood {
        answer: Answer,
        volunteered: Vec<Answer>,
    },
    /// More than one option fits ("1 or 2", "at 8"): ask which, never guess.
    Ambiguous(Vec<Choice>),
    /// Understood, but not one of the step's options ("next week", "Saturday").
    NotOffered(String),
    Refused(Refusal),
}

/// Reads `reply` as the answer to `step`.
pub fn read(step: Step, reply: &str, labels: &[&str]) -> Reading {
    match step {
        Step::Service => service(reply, labels),
        Step::Urgency => urgency(reply),
        Step::Zip => match postal_code::find(reply) {
            Some(code) => understood(Answer::Postal(code), volunteered(reply, Step::Zip)),
            None => Reading::Refused(Refusal::Unclear),
        },
        Step::BestTime => best_time(reply),
        Step::Name => name(reply),
    }
}

fn understood(answer: Answer, volunteered: Vec<Answer>) -> Reading {
    Reading::Understood {
        answer,
        volunteered,
    }
}

fn service(reply: &str, labels: &[&str]) -> Reading {
    let raw = reply.trim();
    let option = trim_answer(reply);
    if let Some(index) = ["1", "2", "3"].iter().position(|digit| *digit == option) {
        return match labels.get(index) {
            Some(label) if !label.is_empty() => understood(
                Answer::Service {
                    service: (*label).to_owned(),
                    raw: raw.to_owned(),
                },
                Vec::new(),
            ),
            _ => Reading::Refused(Refusal::Unclear),
        };
    }
    let length = raw.chars().count();
    if length > SERVICE_MAX_CHARS {
        return Reading::Refused(Refusal::TooLong);
    }
    // At least one letter also rules out digits-only text.
    if length < 2 || !raw.chars().any(char::is_alphabetic) {
        return Reading::Refused(Refusal::Unclear);
    }
    // A reply naming one of the business's services is that service, as the business spells it.
    let key = words::fold(&answer_key(reply));
    let service = labels
        .iter()
        .find(|label| !label.is_empty() && words::fold(label) == key)
        .map_or_else(|| raw.to_owned(), |label| (*label).to_owned());
    understood(
        Answer::Service {
            service,
            raw: raw.to_owned(),
        },
        volunteered(reply, Step::Service),
    )
}

fn urgency(reply: &str) -> Reading {
    let tokens = tokens(reply);
    // A clock time ("after 4") answers the best-time question, and its digit is not option 4.
    let mut used = vec![false; tokens.len()];
    for clock in times::find(&tokens) {
        used[clock.start..clock.end].fill(true);
    }
    let found = find_phrases(&tokens, URGENCY, NOT_OFFERED_URGENCY, used);
    let mut explicit: Vec<Urgency> = options(&found, Strength::Explicit);
    for option in quantities(&tokens) {
        if !explicit.contains(&option) {
            explicit.push(option);
        }
    }
    let mut named = if explicit.is_empty() {
        options(&found, Strength::Situational)
    } else {
        explicit
    };
    // In words, "urgent, today" is the stronger of the two, and "a quote, no rush" a quote.
    if named.contains(&Urgency::Emergency) && named.contains(&Urgency::Today) {
        named.retain(|option| *option != Urgency::Today);
    }
    if named.contains(&Urgency::Quote) && named.contains(&Urgency::ThisWeek) {
        named.retain(|option| *option != Urgency::ThisWeek);
    }
    // A digit that disagrees with the words ("1 or 2", "1 today") is a question.
    for digit in menu_digits(&tokens, &found.used) {
        let option = Urgency::ALL[digit as usize - 1];
        if !named.contains(&option) {
            named.push(option);
        }
    }
    match named.as_slice() {
        [one] => understood(Answer::Urgency(*one), volunteered(reply, Step::Urgency)),
        [] => nothing_offered(found),
        many => Reading::Ambiguous(many.iter().map(|option| Choice::Urgency(*option)).collect()),
    }
}

/// "In 2 hours" is today, "in 3 days" this week; "in 2 weeks" is neither and is not read.
fn quantities(tokens: &[Token]) -> Vec<Urgency> {
    let mut found = Vec::new();
    for pair in tokens.windows(2) {
        let [Token::Number(n), Token::Word(unit)] = pair else {
            continue;
        };
        let option = match unit.as_str() {
            "minutes" | "minute" | "mins" | "min" | "hours" | "hour" | "hrs" | "hr" => {
                Urgency::Today
            }
            "days" | "day" if *n <= 6 => Urgency::ThisWeek,
            _ => continue,
        };
        if !found.contains(&option) {
            found.push(option);
        }
    }
    found
}

fn nothing_offered<T>(found: Found<T>) -> Reading {
    match found
        .not_offered
        .or_else(|| found.negated.into_iter().next())
    {
        Some(heard) => Reading::NotOffered(heard),
        None => Reading::Refused(Refusal::Unclear),
    }
}

fn best_time(reply: &str) -> Reading {
    let tokens = tokens(reply);
    // "am" or "pm" alone is a part of the day; inside a sentence it is a word ("I am free").
    match answer_key(reply).as_str() {
        "am" => return understood(Answer::BestTime(BestTime::Morning), Vec::new()),
        "pm" => return understood(Answer::BestTime(BestTime::Afternoon), Vec::new()),
        _ => {}
    }
    let clocks = times::find(&tokens);
    let mut used = vec![false; tokens.len()];
    for clock in &clocks {
        used[clock.start..clock.end].fill(true);
    }
    let vocabulary: Vec<(&str, BestTime, Strength)> = BEST_TIME
        .iter()
        .filter(|(phrase, _)| !["am", "pm"].contains(phrase))
        .map(|(phrase, option)| (*phrase, *option, Strength::Explicit))
        .collect();
    let found = find_phrases(&tokens, &vocabulary, NOT_OFFERED_BEST_TIME, used);
    let mut named: Vec<BestTime> = options(&found, Strength::Explicit);
    let mut either: Vec<BestTime> = Vec::new();
    for clock in &clocks {
        match clock.periods.as_slice() {
            [one] if !named.contains(one) => named.push(*one),
            [_] => {}
            [] => {}
            many => {
                for period in many {
                    if !either.contains(period) {
                        either.push(*period);
                    }
                }
            }
        }
    }
    for digit in menu_digits(&tokens, &found.used) {
        let option = BestTime::ALL[digit as usize - 1];
        if !named.contains(&option) {
            named.push(option);
        }
    }
    // "Any morning", "anytime after 5": the specific part of the day is the answer; "anytime
    // but mornings" leaves the others to choose from.
    let specific: Vec<BestTime> = named
        .iter()
        .copied()
        .filter(|o| *o != BestTime::Anytime)
        .collect();
    let excluded: Vec<BestTime> = BEST_TIME
        .iter()
        .filter(|(phrase, _)| {
            found
                .negated
                .iter()
                .any(|negated| negated == &format!("not {phrase}"))
        })
        .map(|(_, option)| *option)
        .collect();
    let named = if specific.is_empty() && named.contains(&BestTime::Anytime) && !excluded.is_empty()
    {
        BestTime::ALL[..3]
            .iter()
            .copied()
            .filter(|o| !excluded.contains(o))
            .collect()
    } else if specific.is_empty() {
        named
    } else {
        specific
    };
    let outside_the_day = clocks.iter().any(|clock| clock.periods.is_empty());
    match (named.as_slice(), either.as_slice()) {
        ([one], []) => understood(Answer::BestTime(*one), volunteered(reply, Step::BestTime)),
        ([], []) if outside_the_day => Reading::NotOffered(reply_words(reply)),
        ([], []) => nothing_offered(found),
        ([], many) | (many, []) => Reading::Ambiguous(
            many.iter()
                .map(|option| Choice::BestTime(*option))
                .collect(),
        ),
        (named, either) => {
            let mut all: Vec<BestTime> = named.to_vec();
            all.extend(either.iter().filter(|option| !named.contains(option)));
            Reading::Ambiguous(all.into_iter().map(Choice::BestTime).collect())
        }
    }
}

/// The reply as it can be quoted back: trimmed, single-spaced, at most 40 characters.
fn reply_words(reply: &str) -> String {
    collapse_whitespace(trim_answer(reply))
        .chars()
        .take(40)
        .collect()
}

fn name(reply: &str) -> Reading {
    let key = answer_key(reply);
    if SKIP_NAME.contains(&key.as_str()) {
        return understood(Answer::Name(None), Vec::new());
    }
    let name = volunteered::name(reply).unwrap_or_else(|| bare_name(reply));
    match name.chars().count() {
        1..=NAME_MAX_CHARS if name.chars().any(char::is_alphabetic) => {
            understood(Answer::Name(Some(name)), Vec::new())
        }
        _ => Reading::Refused(Refusal::Unclear),
    }
}

/// The reply without courtesy words and emoji: "Pat Morgan, thanks 🙂" is "Pat Morgan".
fn bare_name(reply: &str) -> String {
    let kept: String = reply
        .chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace() || ['\'', '-', '.', ','].contains(c))
        .collect();
    let mut words: Vec<&str> = kept.split_whitespace().collect();
    while let Some(last) = words.last() {
        let folded = words::fold(last.trim_matches([',', '.']));
        if ["thanks", "thank", "you", "thx", "ty", "gracias"].contains(&folded.as_str()) {
            words.pop();
        } else {
            break;
        }
    }
    collapse_whitespace(&words.join(" "))
        .trim_matches([',', '.', ' '])
        .to_owned()
}

/// The answers to questions after `step` that the reply gives without being asked, each only
/// where it cannot mean anything else.
fn volunteered(reply: &str, step: Step) -> Vec<Answer> {
    let mut answers = Vec::new();
    if step == Step::Service
        && let Some(urgency) = volunteered_urgency(reply)
    {
        answers.push(Answer::Urgency(urgency));
    }
    if matches!(step, Step::Service | Step::Urgency)
        && let Some(code) = volunteered::postal(reply)
    {
        answers.push(Answer::Postal(code));
    }
    if matches!(step, Step::Urgency | Step::Zip)
        && let Some(best) = volunteered_best_time(reply)
    {
        answers.push(Answer::BestTime(best));
    }
    if let Some(name) = volunteered::name(reply) {
        answers.push(Answer::Name(Some(name)));
    }
    answers
}

/// Urgency said outright in a description ("burst pipe, emergency"); words like "today" or
/// "week" in a description usually tell the story, not the urgency.
fn volunteered_urgency(reply: &str) -> Option<Urgency> {
    const OUTRIGHT: &[&str] = &[
        "emergency",
        "emergencia",
        "urgent",
        "urgente",
        "urgently",
        "asap",
        "as soon as possible",
        "no rush",
        "no hurry",
        "not urgent",
        "not an emergency",
        "quote",
        "estimate",
        "cotizacion",
        "presupuesto",
    ];
    let vocabulary: Vec<(&str, Urgency, Strength)> = URGENCY
        .iter()
        .filter(|(phrase, _, _)| OUTRIGHT.contains(phrase))
        .copied()
        .collect();
    let tokens = tokens(reply);
    let found = find_phrases(&tokens, &vocabulary, &[], vec![false; tokens.len()]);
    match options(&found, Strength::Explicit).as_slice() {
        [one] if found.negated.is_empty() => Some(*one),
        _ => None,
    }
}

/// A part of the day said as a preference ("evenings", "after 5", "in the morning"), not a
/// word of the story ("it started last night").
fn volunteered_best_time(reply: &str) -> Option<BestTime> {
    const PREFERENCES: &[(&str, BestTime)] = &[
        ("mornings", BestTime::Morning),
        ("in the morning", BestTime::Morning),
        ("this morning", BestTime::Morning),
        ("por la manana", BestTime::Morning),
        ("afternoons", BestTime::Afternoon),
        ("in the afternoon", BestTime::Afternoon),
        ("this afternoon", BestTime::Afternoon),
        ("por la tarde", BestTime::Afternoon),
        ("evenings", BestTime::Evening),
        ("in the evening", BestTime::Evening),
        ("this evening", BestTime::Evening),
        ("tonight", BestTime::Evening),
        ("after work", BestTime::Evening),
        ("por la noche", BestTime::Evening),
        ("tomorrow morning", BestTime::Morning),
        ("tomorrow afternoon", BestTime::Afternoon),
        ("tomorrow evening", BestTime::Evening),
        ("tomorrow night", BestTime::Evening),
    ];
    let tokens = tokens(reply);
    let mut named: Vec<BestTime> = times::find(&tokens)
        .into_iter()
        .filter_map(|clock| match clock.periods.as_slice() {
            [one] => Some(*one),
            _ => None,
        })
        .collect();
    for at in 0..tokens.len() {
        for (phrase, option) in PREFERENCES {
            if phrase_at(&tokens, at, phrase).is_some() {
                named.push(*option);
            }
        }
    }
    named.sort_by_key(|option| option.as_str());
    named.dedup();
    match named.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
