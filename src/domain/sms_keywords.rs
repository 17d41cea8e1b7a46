//! Compliance keywords and possible opt-out phrases (conversation.md §3). A keyword is the
//! **whole** message: "Stop by tomorrow" is an answer, not an unsubscribe.

use super::text_normal::{is_punctuation, trim_answer};

const OPT_OUT: [&str; 8] = [
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "REVOKE",
    "OPTOUT",
];
const OPT_IN: [&str; 2] = ["START", "UNSTOP"];
const HELP: [&str; 2] = ["HELP", "INFO"];

const POSSIBLE_OPT_OUT: [&str; 15] = [
    "stop texting",
    "stop messaging",
    "stop sending",
    "stop contacting",
    "do not text",
    "dont text",
    "no more texts",
    "no more messages",
    "remove me",
    "take me off",
    "opt me out",
    "unsubscribe me",
    "leave me alone",
    "wrong number",
    "not interested",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeywordGroup {
    OptOut,
    OptIn,
    Help,
}

/// A compliance keyword, with the word as received (upper-cased) for `last_keyword`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keyword {
    pub group: KeywordGroup,
    pub word: String,
}

/// The keyword this whole message is, if any. `YES` opts in only a phone that is opted out;
/// otherwise it is an ordinary answer.
pub fn detect(body: &str, sender_opted_out: bool) -> Option<Keyword> {
    let word = trim_answer(body).to_uppercase();
    let group = if OPT_OUT.contains(&word.as_str()) {
        KeywordGroup::OptOut
    } else if OPT_IN.contains(&word.as_str()) || (word == "YES" && sender_opted_out) {
        KeywordGroup::OptIn
    } else if HELP.contains(&word.as_str()) {
        KeywordGroup::Help
    } else {
        return None;
    };
    Some(Keyword { group, word })
}

/// Whether the text reads like a request to stop without being a keyword (§3.4).
pub fn is_possible_opt_out(body: &str) -> bool {
    let lowered: String = body
        .to_lowercase()
        .chars()
        .filter(|c| !is_punctuation(*c))
        .collect();
    let collapsed = lowered.split_whitespace().collect::<Vec<_>>().join(" ");
    POSSIBLE_OPT_OUT
        .iter()
        .any(|phrase| collapsed.contains(phrase))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(body: &str, opted_out: bool) -> Option<KeywordGroup> {
        detect(body, opted_out).map(|k| k.group)
    }

    #[test]
    fn every_opt_out_word_in_any_case_with_trailing_punctuation() {
        for word in OPT_OUT {
            for body in [
                word.to_owned(),
                word.to_lowercase(),
                format!(" {}. ", word.to_lowercase()),
                format!("{word}!!!"),
            ] {
                let keyword = detect(&body, false).unwrap();
                assert_eq!(keyword.group, KeywordGroup::OptOut, "{body}");
                assert_eq!(keyword.word, word);
            }
        }
        assert_eq!(detect("Stop!!", false).unwrap().word, "STOP");
        assert_eq!(detect("optout", false).unwrap().word, "OPTOUT");
    }

    #[test]
    fn keywords_must_be_the_whole_message() {
        for body in [
            "Stop by tomorrow",
            "STOP ALL",
            "stop please",
            "Help with my furnace",
            "help me",
            "please stop",
            "¿stop",
            "stop 🙂",
            "",
        ] {
            assert_eq!(group(body, false), None, "{body}");
        }
    }

    #[test]
    fn opt_in_and_help() {
        assert_eq!(group("start", false), Some(KeywordGroup::OptIn));
        assert_eq!(group("UNSTOP", true), Some(KeywordGroup::OptIn));
        assert_eq!(group("Yes", true), Some(KeywordGroup::OptIn));
        assert_eq!(detect("yes!", true).unwrap().word, "YES");
        assert_eq!(group("yes", false), None);
        assert_eq!(group("HELP", false), Some(KeywordGroup::Help));
        assert_eq!(group("info?", true), Some(KeywordGroup::Help));
    }

    #[test]
    fn possible_opt_out_phrases_anywhere_in_the_text() {
        for body in [
            "please stop texting me",
            "Don't text me again!",
            "do   not text",
            "Wrong number.",
            "not interested, thanks",
            "Take me off your list",
            "unsubscribe me please",
        ] {
            assert!(is_possible_opt_out(body), "{body}");
        }
        for body in [
            "Stop by tomorrow to fix the sink",
            "stop",
            "I need a text back",
        ] {
            assert!(!is_possible_opt_out(body), "{body}");
        }
    }
}
