//! Answers to later questions given early: a name introduced as one ("this is Pat", "me llamo
//! José") and a ZIP that cannot be a model number or a price. Both are taken only when nothing
//! else could be meant; otherwise the question is simply asked when its turn comes.

use super::words::fold;
use crate::domain::{
    postal_code::{self, PostalCode},
    text_normal::is_punctuation,
};

const NAME_MAX_WORDS: usize = 3;

/// What introduces a name, and whether the name after it must be capitalised to count ("this
/// is urgent" introduces nothing; "my name is pat" does).
const NAME_CUES: &[(&[&str], bool)] = &[
    (&["my", "name", "is"], false),
    (&["my", "names"], false),
    (&["name", "is"], false),
    (&["mi", "nombre", "es"], false),
    (&["me", "llamo"], false),
    (&["this", "is"], true),
    (&["its"], true),
    (&["im"], true),
    (&["i", "am"], true),
    (&["soy"], true),
];

/// Words that follow a cue without being a name: "this is Urgent", "I'm Home after 5".
const NOT_NAMES: &[&str] = &[
    "a",
    "an",
    "the",
    "at",
    "in",
    "on",
    "home",
    "here",
    "there",
    "not",
    "available",
    "free",
    "busy",
    "out",
    "from",
    "with",
    "and",
    "but",
    "so",
    "very",
    "really",
    "just",
    "also",
    "still",
    "ok",
    "okay",
    "good",
    "fine",
    "sure",
    "ready",
    "urgent",
    "urgente",
    "emergency",
    "today",
    "tomorrow",
    "back",
    "about",
    "going",
    "looking",
    "calling",
    "texting",
    "waiting",
    "trying",
    "interested",
    "sorry",
    "for",
    "to",
    "of",
    "my",
    "your",
    "our",
    "this",
    "that",
    "it",
    "is",
    "was",
    "be",
    "been",
    "leaking",
    "flooding",
    "broken",
    "working",
    "off",
    "up",
    "down",
    "now",
    "asap",
    "morning",
    "afternoon",
    "evening",
    "night",
    "anytime",
    "after",
    "before",
    "around",
    "el",
    "la",
    "de",
    "del",
    "en",
    "que",
    "yes",
    "no",
    "hi",
    "hello",
    "hey",
    "thanks",
    "please",
    "quote",
    "estimate",
    "zip",
    "in",
    "needing",
    "need",
    "having",
    "after",
    "usually",
    "only",
    "always",
    "never",
    "new",
    "old",
    "same",
    "again",
    "around",
    "near",
    "close",
    "nearby",
];

/// The name introduced in `reply`, as typed.
pub fn name(reply: &str) -> Option<String> {
    let words: Vec<&str> = reply
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .map(|word| word.trim_matches(|c: char| is_punctuation(c) && c != '\''))
        .filter(|word| !word.is_empty())
        .collect();
    let folded: Vec<String> = words
        .iter()
        .map(|word| fold(word).replace('\'', ""))
        .collect();
    for start in 0..words.len() {
        for (cue, capitalised) in NAME_CUES {
            let matches = cue.iter().enumerate().all(|(offset, cue_word)| {
                folded.get(start + offset).map(String::as_str) == Some(*cue_word)
            });
            if !matches {
                continue;
            }
            let after = start + cue.len();
            let name: Vec<&str> = words[after..]
                .iter()
                .zip(&folded[after..])
                .take_while(|(word, folded)| {
                    is_name_word(word)
                        && !NOT_NAMES.contains(&folded.as_str())
                        && (!capitalised || word.chars().next().is_some_and(char::is_uppercase))
                })
                .take(NAME_MAX_WORDS)
                .map(|(word, _)| *word)
                .collect();
            if name.iter().map(|word| word.chars().count()).sum::<usize>() >= 2 {
                return Some(name.join(" "));
            }
        }
    }
    None
}

fn is_name_word(word: &str) -> bool {
    word.chars().any(char::is_alphabetic)
        && word
            .chars()
            .all(|c| c.is_alphabetic() || c == '\'' || c == '-' || c == '.')
}

/// Words beside a five-digit number that make it something other than a ZIP.
const NOT_ZIP_BEFORE: &[&str] = &[
    "model", "unit", "apt", "suite", "ste", "box", "no", "number", "order", "account", "invoice",
    "serial", "part", "ticket", "ref",
];
const NOT_ZIP_AFTER: &[&str] = &[
    "btu", "btus", "gal", "gallon", "gallons", "sq", "sqft", "ft", "feet", "dollars", "usd", "lbs",
    "watts", "w", "volts", "miles", "mi", "k",
];

/// The one postal code in `reply`, unless the words around it make it a price, a model or a size.
pub fn postal(reply: &str) -> Option<PostalCode> {
    let code = postal_code::find(reply)?;
    if code.country != "US" {
        return Some(code);
    }
    let digits = &code.code[..5];
    let folded = fold(reply);
    let words: Vec<&str> = folded
        .split(|c: char| !(c.is_alphanumeric() || c == '$' || c == '#'))
        .filter(|word| !word.is_empty())
        .collect();
    let at = words
        .iter()
        .position(|word| word.trim_start_matches(['$', '#']).starts_with(digits))?;
    let prefixed = words[at].starts_with(['$', '#']);
    let before = at.checked_sub(1).map(|i| words[i]);
    let after = words.get(at + 1).copied();
    let ruled_out = prefixed
        || before.is_some_and(|word| NOT_ZIP_BEFORE.contains(&word))
        || after.is_some_and(|word| NOT_ZIP_AFTER.contains(&word));
    (!ruled_out).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_counts_only_where_it_is_introduced_as_one() {
        assert_eq!(
            name("today please, this is Pat Morgan").as_deref(),
            Some("Pat Morgan")
        );
        assert_eq!(name("my name is jose").as_deref(), Some("jose"));
        assert_eq!(
            name("Hola, me llamo José García").as_deref(),
            Some("José García")
        );
        assert_eq!(name("I'm Maria from Austin").as_deref(), Some("Maria"));
        assert_eq!(name("this is urgent"), None);
        assert_eq!(name("I'm home after 5"), None);
        assert_eq!(name("its leaking everywhere"), None);
        assert_eq!(name("This is The worst"), None);
    }

    #[test]
    fn a_zip_beside_a_price_or_a_model_number_is_not_volunteered() {
        assert_eq!(
            postal("asap, 78704").map(|code| code.code),
            Some("78704".into())
        );
        assert_eq!(
            postal("zip 02139 today").map(|code| code.code),
            Some("02139".into())
        );
        assert_eq!(postal("need a 40000 btu furnace"), None);
        assert_eq!(postal("model 12345 keeps tripping"), None);
        assert_eq!(postal("quote under $10000"), None);
        assert_eq!(
            postal("K1A 0B1 please").map(|code| code.country),
            Some("CA")
        );
    }
}
