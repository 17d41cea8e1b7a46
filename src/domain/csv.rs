//! CSV cells for the lead export (integrations.md §4): RFC 4180 quoting, and the spreadsheet
//! formula guard for free text.

/// A cell, quoted when it holds `,`, `"`, CR or LF (quotes doubled).
pub fn cell(value: &str) -> String {
    if value.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

/// A free-text cell: text a spreadsheet would run as a formula gets a leading `'`.
pub fn text_cell(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        cell(&format!("'{value}"))
    } else {
        cell(value)
    }
}

/// One CRLF-terminated row.
pub fn row(cells: &[String]) -> String {
    let mut line = cells.join(",");
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell(""), "");
    }

    #[test]
    fn i10_formulas_are_defused() {
        assert_eq!(text_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        for risky in ["+1", "-2", "@sum", "\tx", "\rx"] {
            assert!(
                text_cell(risky).trim_start_matches('"').starts_with('\''),
                "{risky:?}"
            );
        }
        assert_eq!(text_cell("Pat Morgan"), "Pat Morgan");
        assert_eq!(row(&["a".into(), "b".into()]), "a,b\r\n");
    }
}
