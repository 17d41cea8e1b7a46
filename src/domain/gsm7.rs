//! The GSM-7 character set that business names, labels and greetings must fit (data-model.md
//! §3.2, conversation.md §1), and how a text splits into SMS segments.

/// GSM 03.38 basic character set.
const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u{1b}ÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// Extension table: each costs two septets.
const EXTENSION: &str = "^{}\\[~]|€\u{c}";

pub fn is_gsm7_char(c: char) -> bool {
    c != '\u{1b}' && (BASIC.contains(c) || EXTENSION.contains(c))
}

pub fn is_gsm7(text: &str) -> bool {
    text.chars().all(is_gsm7_char)
}

/// Curly quotes and long dashes, which phones insert on their own, become their plain forms
/// before validation (`Joe’s Plumbing – Austin` → `Joe's Plumbing - Austin`).
pub fn normalise_punctuation(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{2032}' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{2033}' => '"',
            '\u{2013}' | '\u{2014}' | '\u{2012}' | '\u{2015}' | '\u{2212}' => '-',
            other => other,
        })
        .collect()
}

/// Segments a text needs: GSM-7 160 per segment (153 when split, extension characters count
/// twice), otherwise UCS-2 70 (67 when split, characters outside the BMP count twice).
pub fn segments(text: &str) -> usize {
    let (units, single, multi) = if is_gsm7(text) {
        let septets: usize = text
            .chars()
            .map(|c| if EXTENSION.contains(c) { 2 } else { 1 })
            .sum();
        (septets, 160, 153)
    } else {
        (text.encode_utf16().count(), 70, 67)
    };
    match units {
        0 => 0,
        n if n <= single => 1,
        n => n.div_ceil(multi),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_curly_punctuation_become_gsm7() {
        // W29
        let name = normalise_punctuation("Joe’s Plumbing – Austin");
        assert_eq!(name, "Joe's Plumbing - Austin");
        assert!(is_gsm7(&name));
        assert_eq!(normalise_punctuation("“Best” — ever"), "\"Best\" - ever");
    }

    #[test]
    fn the_character_set() {
        assert!(is_gsm7("Acme Plumbing & Heating (24/7) @ 50% off!"));
        assert!(is_gsm7("Ñoño Élite Øresund {€}"));
        assert!(!is_gsm7("Ñandú"), "ú is not in GSM-7 (ù is)");
        assert!(!is_gsm7("Café ☕"));
        assert!(!is_gsm7("Naïve"), "ï is not in GSM-7");
        assert!(!is_gsm7("\u{1b}"), "the escape character is not text");
        assert!(!is_gsm7("日本"));
    }

    #[test]
    fn segment_counts() {
        assert_eq!(segments(""), 0);
        assert_eq!(segments(&"a".repeat(160)), 1);
        assert_eq!(segments(&"a".repeat(161)), 2);
        assert_eq!(segments(&"a".repeat(306)), 2);
        assert_eq!(segments(&"a".repeat(307)), 3);
        assert_eq!(
            segments(&"€".repeat(80)),
            1,
            "extension characters count twice"
        );
        assert_eq!(segments(&"€".repeat(81)), 2);
        assert_eq!(segments(&"é".repeat(160)), 1, "é is GSM-7");
        assert_eq!(segments(&"ï".repeat(70)), 1);
        assert_eq!(segments(&"ï".repeat(71)), 2);
        assert_eq!(segments(&"ï".repeat(134)), 2);
        assert_eq!(segments(&"ï".repeat(135)), 3);
        assert_eq!(segments("😀"), 1);
    }
}
