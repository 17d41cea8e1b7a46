//! The ZIP step's parser (conversation.md §5.2): a US ZIP, ZIP+4 or Canadian postal code,
//! either the whole reply or exactly one candidate inside it ("my zip is 78704").

use super::text_normal::{is_punctuation, trim_answer};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostalCode {
    /// `78704`, `78704-1234` or `K1A 0B1`.
    pub code: String,
    /// `US` or `CA`.
    pub country: &'static str,
}

/// The one postal code in `reply`; `None` when there is none or more than one.
pub fn find(reply: &str) -> Option<PostalCode> {
    let whole = trim_answer(reply);
    if let Some(code) = candidate(whole) {
        return Some(code);
    }
    let tokens: Vec<&str> = whole
        .split_whitespace()
        .map(|token| token.trim_matches(is_punctuation))
        .filter(|token| !token.is_empty())
        .collect();
    // Each match covers one token or two adjacent ones; `(first token, last token, code)`.
    let mut matches: Vec<(usize, usize, PostalCode)> = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        if let Some(code) = candidate(token) {
            matches.push((i, i, code));
        }
        if let Some(next) = tokens.get(i + 1)
            && let Some(code) = candidate(&format!("{token} {next}"))
        {
            matches.push((i, i + 1, code));
        }
    }
    // Overlapping matches are one candidate (the longest); disjoint ones are ambiguous.
    let mut groups: Vec<(usize, usize, PostalCode)> = Vec::new();
    for (first, last, code) in matches {
        match groups.last_mut() {
            Some(group) if first <= group.1 => {
                if last - first > group.1 - group.0 {
                    *group = (group.0.min(first), last, code);
                } else {
                    group.1 = group.1.max(last);
                }
            }
            _ => groups.push((first, last, code)),
        }
    }
    match groups.as_slice() {
        [(_, _, code)] => Some(code.clone()),
        _ => None,
    }
}

/// Whether `text` as a whole is a postal code, normalised.
fn candidate(text: &str) -> Option<PostalCode> {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    match bytes.len() {
        5 if digits(0..5) => Some(us(text.to_owned())),
        9 if digits(0..9) => Some(us(format!("{}-{}", &text[..5], &text[5..]))),
        10 if digits(0..5) && matches!(bytes[5], b'-' | b' ') && digits(6..10) => {
            Some(us(format!("{}-{}", &text[..5], &text[6..])))
        }
        6 | 7 => canadian(text),
        _ => None,
    }
}

fn us(code: String) -> PostalCode {
    PostalCode {
        code,
        country: "US",
    }
}

/// `^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d$`, case-insensitive.
fn canadian(text: &str) -> Option<PostalCode> {
    let upper = text.to_ascii_uppercase();
    let chars: Vec<char> = upper.chars().collect();
    let (head, tail) = match chars.as_slice() {
        [a, b, c, ' ', d, e, f] | [a, b, c, d, e, f] => ([*a, *b, *c], [*d, *e, *f]),
        _ => return None,
    };
    let first_letter = |c: char| "ABCEGHJKLMNPRSTVXY".contains(c);
    let other_letter = |c: char| "ABCEGHJKLMNPRSTVWXYZ".contains(c);
    let digit = |c: char| c.is_ascii_digit();
    let valid = first_letter(head[0])
        && digit(head[1])
        && other_letter(head[2])
        && digit(tail[0])
        && other_letter(tail[1])
        && digit(tail[2]);
    valid.then(|| PostalCode {
        code: format!(
            "{}{}{} {}{}{}",
            head[0], head[1], head[2], tail[0], tail[1], tail[2]
        ),
        country: "CA",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(reply: &str) -> Option<(String, &'static str)> {
        find(reply).map(|p| (p.code, p.country))
    }

    fn us(code: &str) -> Option<(String, &'static str)> {
        Some((code.to_owned(), "US"))
    }

    fn ca(code: &str) -> Option<(String, &'static str)> {
        Some((code.to_owned(), "CA"))
    }

    #[test]
    fn whole_replies() {
        assert_eq!(code("78704"), us("78704"));
        assert_eq!(code(" 78704. "), us("78704"));
        assert_eq!(code("78704-1234"), us("78704-1234"));
        assert_eq!(code("787041234"), us("78704-1234"));
        assert_eq!(code("78704 1234"), us("78704-1234"));
        assert_eq!(code("k1a 0b1"), ca("K1A 0B1"));
        assert_eq!(code("K1A0B1"), ca("K1A 0B1"));
        assert_eq!(code("h2x 1y4!"), ca("H2X 1Y4"));
    }

    #[test]
    fn one_candidate_inside_a_sentence() {
        assert_eq!(code("my zip is 78704."), us("78704"));
        assert_eq!(code("postal code K1A 0B1"), ca("K1A 0B1"));
        assert_eq!(code("my zip is 78704 1234"), us("78704-1234"));
        assert_eq!(code("zip: 78704-1234, thanks"), us("78704-1234"));
        assert_eq!(code("(78704)"), us("78704"));
        assert_eq!(code("it's K1A0B1 in Ottawa"), ca("K1A 0B1"));
    }

    #[test]
    fn nothing_or_several_is_invalid() {
        for reply in [
            "NOPE",
            "TOMORROW",
            "12",
            "787",
            "787041",
            "7870412345",
            "78704 or 78745",
            "D1A 0B1",
            "K1A 0B",
            "W1A 0B1",
            "K1A 0D1",
            "",
            "78704-123",
            "call me at 5125550100",
        ] {
            assert_eq!(code(reply), None, "{reply}");
        }
    }

    #[test]
    fn every_excluded_canadian_letter_is_refused() {
        for first in "DFIOQUWZ".chars() {
            assert_eq!(code(&format!("{first}1A 0B1")), None);
        }
        for other in "DFIOQU".chars() {
            assert_eq!(code(&format!("K1{other} 0B1")), None);
            assert_eq!(code(&format!("K1A 0{other}1")), None);
        }
        assert_eq!(code("X0E 0B1"), ca("X0E 0B1"));
        assert_eq!(code("T2Z 0W1"), ca("T2Z 0W1"));
    }
}
