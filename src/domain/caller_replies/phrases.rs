//! A step's phrases and menu digits in a reply's tokens: longest phrase first, a phrase turned
//! around by a negation just before it ("not today"), digits that stand alone.

use super::{
    vocabulary::{BEST_TIME, FILLER, NEGATIONS, Strength, URGENCY, WEEKDAYS},
    words::{Token, phrase_at, word},
};

/// The phrases of a step found in a reply: the options it names, the ones it turns down ("not
/// today"), and what it names that the step does not offer.
#[derive(Debug, Default)]
pub(super) struct Found<T> {
    pub(super) named: Vec<(T, Strength)>,
    pub(super) negated: Vec<String>,
    pub(super) not_offered: Option<String>,
    /// Tokens inside a phrase or a time: not menu digits, not negations.
    pub(super) used: Vec<bool>,
}

pub(super) fn find_phrases<T: Copy>(
    tokens: &[Token],
    vocabulary: &[(&str, T, Strength)],
    not_offered: &[&str],
    used: Vec<bool>,
) -> Found<T> {
    let mut found = Found {
        named: Vec::new(),
        negated: Vec::new(),
        not_offered: None,
        used,
    };
    let mut at = 0;
    while at < tokens.len() {
        if found.used[at] {
            at += 1;
            continue;
        }
        let option = vocabulary
            .iter()
            .filter_map(|(phrase, option, strength)| {
                phrase_at(tokens, at, phrase).map(|len| (len, Some((*option, *strength)), *phrase))
            })
            .chain(
                not_offered.iter().chain(WEEKDAYS).filter_map(|phrase| {
                    phrase_at(tokens, at, phrase).map(|len| (len, None, *phrase))
                }),
            )
            .max_by_key(|(len, _, _)| *len);
        let Some((len, option, phrase)) = option else {
            at += 1;
            continue;
        };
        found.used[at..at + len].fill(true);
        // "no rush", "not urgent" say their own "no"; anything else can be turned around.
        let negative_phrase = NEGATIONS.contains(&phrase.split(' ').next().unwrap_or_default());
        let negation = (1..=2)
            .filter(|_| !negative_phrase)
            .filter_map(|back| at.checked_sub(back))
            .find(|i| {
                !found.used[*i] && word(tokens.get(*i)).is_some_and(|w| NEGATIONS.contains(&w))
            });
        match (option, negation) {
            (_, Some(i)) => {
                found.used[i] = true;
                found.negated.push(format!("not {}", display(phrase)));
            }
            (Some(option), None) => found.named.push(option),
            (None, None) => {
                found.not_offered.get_or_insert_with(|| display(phrase));
            }
        }
        at += len;
    }
    found
}

/// A folded phrase as the caller would recognise it.
fn display(phrase: &str) -> String {
    match phrase {
        "manana" => "mañana".into(),
        "proxima semana" | "la proxima semana" => "la próxima semana".into(),
        "el proximo mes" => "el próximo mes".into(),
        "miercoles" => "Miércoles".into(),
        "sabado" => "Sábado".into(),
        day if WEEKDAYS.contains(&day) => {
            let mut letters = day.chars();
            letters
                .next()
                .map(|first| first.to_uppercase().chain(letters).collect())
                .unwrap_or_default()
        }
        other => other.to_owned(),
    }
}

/// Menu digits (1–4) standing alone: not a quantity ("2 toilets", "in 2 days") or a time.
pub(super) fn menu_digits(tokens: &[Token], used: &[bool]) -> Vec<u32> {
    let mut digits = Vec::new();
    for (at, token) in tokens.iter().enumerate() {
        let Token::Number(n @ 1..=4) = token else {
            continue;
        };
        if used[at] {
            continue;
        }
        let before = at.checked_sub(1).and_then(|i| word(tokens.get(i)));
        let after = tokens.get(at + 1);
        let quantity_before =
            before.is_some_and(|w| ["in", "within", "next", "like", "about"].contains(&w));
        let quantity_after = match after {
            Some(Token::Word(w)) if w.chars().all(char::is_alphabetic) => {
                !FILLER.contains(&w.as_str()) && !starts_a_phrase(tokens, at + 1)
            }
            Some(Token::Colon) => true,
            _ => false,
        };
        if !quantity_before && !quantity_after && !digits.contains(n) {
            digits.push(*n);
        }
    }
    digits
}

/// Whether a step's phrase starts at `at` ("2 today", "2 - this week").
fn starts_a_phrase(tokens: &[Token], at: usize) -> bool {
    URGENCY
        .iter()
        .map(|(phrase, _, _)| *phrase)
        .chain(BEST_TIME.iter().map(|(phrase, _)| *phrase))
        .any(|phrase| phrase_at(tokens, at, phrase).is_some())
}

pub(super) fn options<T: Copy + PartialEq>(found: &Found<T>, strength: Strength) -> Vec<T> {
    let mut options = Vec::new();
    for (option, _) in found.named.iter().filter(|(_, s)| *s == strength) {
        if !options.contains(option) {
            options.push(*option);
        }
    }
    options
}
