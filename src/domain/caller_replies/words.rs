//! A reply as words: folded (lower case, accents and emoji gone, "a.m." as "am"), split into
//! word and number tokens, and matched against phrases with room for one typo in longer words.

use unicode_normalization::{UnicodeNormalization as _, char::is_combining_mark};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    Word(String),
    Number(u32),
    /// `:` between an hour and its minutes, `-` between the ends of a range.
    Colon,
    Dash,
}

/// Real words one edit away from a vocabulary word: never read as that word.
const NOT_TYPOS: [&str; 8] = [
    "quite", "quit", "note", "vote", "todas", "weak", "mourning", "ever",
];

/// The reply's tokens, in order.
pub fn tokens(reply: &str) -> Vec<Token> {
    let folded = fold(reply);
    let mut tokens = Vec::new();
    let mut chars = folded.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_digit() {
            let mut digits = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                digits.push(d);
                chars.next();
            }
            // Longer digit runs (a ZIP, a phone) stay as typed, leading zeros and all.
            match digits.parse() {
                Ok(number) if digits.len() <= 4 => tokens.push(Token::Number(number)),
                _ => tokens.push(Token::Word(digits)),
            }
        } else if c.is_alphabetic() {
            let mut word = String::new();
            while let Some(&l) = chars.peek().filter(|l| l.is_alphabetic() || **l == '\'') {
                if l != '\'' {
                    word.push(l);
                }
                chars.next();
            }
            tokens.push(Token::Word(word));
        } else {
            match c {
                ':' => tokens.push(Token::Colon),
                '-' | '–' | '—' => tokens.push(Token::Dash),
                _ => {}
            }
            chars.next();
        }
    }
    tokens
}

/// Lower case without accents, `’` as `'`, and the dotted `a.m.` / `p.m.` as words.
pub fn fold(text: &str) -> String {
    let plain: String = text
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| if c == '’' { '\'' } else { c })
        .collect::<String>()
        .to_lowercase();
    plain.replace("a.m.", "am").replace("p.m.", "pm")
}

/// Whether `token` reads as `word`: equal, or (for words of five letters or more) one edit
/// away, two for words of eight or more — "emergancy", "tommorow", "afternon".
pub fn same_word(token: &str, word: &str) -> bool {
    if token == word {
        return true;
    }
    let length = word.chars().count();
    // Typos keep the first letter: "water" is not a typo of "later".
    if length < 5
        || NOT_TYPOS.contains(&token)
        || !token.is_ascii()
        || token.chars().next() != word.chars().next()
    {
        return false;
    }
    let allowed = if length >= 8 { 2 } else { 1 };
    token.len().abs_diff(word.len()) <= allowed && edit_distance(token, word) <= allowed
}

/// Optimal string alignment distance: insertions, deletions, substitutions and swaps of
/// neighbours each cost one.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

/// The number of tokens of `phrase` (words separated by spaces) matched at `at`, if it is there.
pub fn phrase_at(tokens: &[Token], at: usize, phrase: &str) -> Option<usize> {
    let mut count = 0;
    for (offset, word) in phrase.split(' ').enumerate() {
        let matched = match tokens.get(at + offset)? {
            Token::Word(token) => same_word(token, word),
            Token::Number(n) => word.parse() == Ok(*n),
            Token::Colon | Token::Dash => false,
        };
        if !matched {
            return None;
        }
        count += 1;
    }
    Some(count)
}

pub fn word(token: Option<&Token>) -> Option<&str> {
    match token {
        Some(Token::Word(word)) => Some(word),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(word: &str) -> Token {
        Token::Word(word.into())
    }

    #[test]
    fn replies_fold_to_plain_lower_case_words_and_numbers() {
        assert_eq!(
            tokens("Mañana, después de las 5 P.M. 🙏"),
            vec![
                w("manana"),
                w("despues"),
                w("de"),
                w("las"),
                Token::Number(5),
                w("pm")
            ]
        );
        assert_eq!(
            tokens("9:30am-11"),
            vec![
                Token::Number(9),
                Token::Colon,
                Token::Number(30),
                w("am"),
                Token::Dash,
                Token::Number(11)
            ]
        );
        assert_eq!(tokens("don’t know"), vec![w("dont"), w("know")]);
    }

    #[test]
    fn long_words_allow_a_typo_and_short_ones_do_not() {
        assert!(same_word("emergancy", "emergency"));
        assert!(same_word("tommorow", "tomorrow"));
        assert!(same_word("todya", "today"));
        assert!(!same_word("weak", "week"));
        assert!(!same_word("quite", "quote"));
        assert!(!same_word("am", "pm"));
        assert!(!same_word("evenings", "morning"));
        assert!(!same_word("water", "later"));
    }

    #[test]
    fn phrases_match_whole_words_in_order() {
        let reply = tokens("as soon as possible please");
        assert_eq!(phrase_at(&reply, 0, "as soon as possible"), Some(4));
        assert_eq!(phrase_at(&reply, 1, "as soon as possible"), None);
        assert_eq!(phrase_at(&reply, 4, "please now"), None);
    }
}
