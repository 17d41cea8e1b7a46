//! How inbound text bodies are compared (conversation.md §3.1, §5.2): trimmed, trailing
//! punctuation ignored, case-insensitive. "Punctuation" is Unicode general category P, so `¿`,
//! `…` and `！` count the same as `.` and `!`.

use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory as _};

pub fn is_punctuation(c: char) -> bool {
    c.general_category_group() == GeneralCategoryGroup::Punctuation
}

/// Leading/trailing whitespace removed, then trailing punctuation (and the whitespace it leaves
/// behind, so `"stop ."` reads as `"stop"`).
pub fn trim_answer(body: &str) -> &str {
    body.trim()
        .trim_end_matches(|c: char| is_punctuation(c) || c.is_whitespace())
}

/// `trim_answer`, lower-cased, with runs of whitespace collapsed to one space.
pub fn answer_key(body: &str) -> String {
    collapse_whitespace(trim_answer(body)).to_lowercase()
}

pub fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_punctuation_of_any_script_is_ignored() {
        assert_eq!(trim_answer(" Stop. "), "Stop");
        assert_eq!(trim_answer("STOP!!!"), "STOP");
        assert_eq!(trim_answer("info?"), "info");
        assert_eq!(trim_answer("stop …"), "stop");
        assert_eq!(trim_answer("ayuda¡！"), "ayuda");
        assert_eq!(trim_answer("n/a"), "n/a");
        assert_eq!(trim_answer("...."), "");
    }

    #[test]
    fn symbols_and_leading_punctuation_are_not_stripped() {
        assert_eq!(trim_answer("stop 👍"), "stop 👍");
        assert_eq!(trim_answer("stop$"), "stop$");
        assert_eq!(trim_answer("¿stop"), "¿stop");
    }

    #[test]
    fn keys_are_lower_case_with_single_spaces() {
        assert_eq!(answer_key("  This   Week! "), "this week");
        assert_eq!(answer_key("ANY\ttime"), "any time");
    }
}
