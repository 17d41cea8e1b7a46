//! Phone numbers as people read them (data-model.md §2). Parsing lives on the server
//! (`server::phone`); this is the display side, shared with the browser.

/// `+15125550100` → `(512) 555-0100`; other numbers stay in E.164.
pub fn display(e164: &str) -> String {
    match e164.strip_prefix("+1") {
        Some(national) if national.len() == 10 && national.bytes().all(|b| b.is_ascii_digit()) => {
            format!(
                "({}) {}-{}",
                &national[..3],
                &national[3..6],
                &national[6..]
            )
        }
        _ => e164.to_owned(),
    }
}

/// The `tel:` link of a stored number.
pub fn tel_href(e164: &str) -> String {
    format!("tel:{e164}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn north_american_numbers_are_shown_nationally() {
        assert_eq!(display("+15125550100"), "(512) 555-0100");
        assert_eq!(display("+442079460958"), "+442079460958");
        assert_eq!(display("+1512555"), "+1512555");
        assert_eq!(tel_href("+15125550100"), "tel:+15125550100");
    }
}
