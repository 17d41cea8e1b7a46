//! The form body of a Twilio webhook (twilio.md §2 step 3), parsed strictly: a bad `%`
//! escape or bytes that are not UTF-8 make the whole body malformed, where lenient parsers
//! would silently change what was signed. Repeated keys and their order are kept.

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TwilioForm {
    pairs: Vec<(String, String)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Malformed;

impl TwilioForm {
    pub fn parse(body: &[u8]) -> Result<Self, Malformed> {
        let mut pairs = Vec::new();
        for segment in body.split(|b| *b == b'&') {
            if segment.is_empty() {
                continue;
            }
            let (name, value) = match segment.iter().position(|b| *b == b'=') {
                Some(i) => (&segment[..i], &segment[i + 1..]),
                None => (segment, &[][..]),
            };
            pairs.push((decode(name)?, decode(value)?));
        }
        Ok(Self { pairs })
    }

    /// The form as it can be stored: NUL, the one character PostgreSQL refuses in `text` and
    /// `jsonb`, removed from every name and value. Applied after the signature check, which
    /// must see what Twilio sent; a caller's stray NUL must not read as a database outage.
    pub fn storable(mut self) -> Self {
        for (name, value) in &mut self.pairs {
            for field in [name, value] {
                if field.contains('\0') {
                    field.retain(|c| c != '\0');
                }
            }
        }
        self
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The first value of `name` that is not blank, trimmed.
    pub fn non_blank(&self, name: &str) -> Option<&str> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty())
    }

    /// The first required parameter (in the order given) that is missing or blank.
    pub fn first_missing<'a>(&self, required: &[&'a str]) -> Option<&'a str> {
        required
            .iter()
            .copied()
            .find(|name| self.non_blank(name).is_none())
    }

    /// The parameters as a JSON object for `payload_log` (repeated keys become arrays).
    pub fn to_json(&self) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        for (key, value) in &self.pairs {
            match map.get_mut(key) {
                None => {
                    map.insert(key.clone(), serde_json::Value::String(value.clone()));
                }
                Some(serde_json::Value::Array(values)) => {
                    values.push(serde_json::Value::String(value.clone()));
                }
                Some(existing) => {
                    let first = existing.take();
                    *existing = serde_json::Value::Array(vec![
                        first,
                        serde_json::Value::String(value.clone()),
                    ]);
                }
            }
        }
        serde_json::Value::Object(map)
    }
}

/// `application/x-www-form-urlencoded` decoding: `+` is a space, `%XX` a byte.
fn decode(raw: &[u8]) -> Result<String, Malformed> {
    let mut bytes = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hex = raw.get(i + 1..i + 3).ok_or(Malformed)?;
                let high = hex_value(hex[0]).ok_or(Malformed)?;
                let low = hex_value(hex[1]).ok_or(Malformed)?;
                bytes.push(high << 4 | low);
                i += 2;
            }
            byte => bytes.push(byte),
        }
        i += 1;
    }
    String::from_utf8(bytes).map_err(|_| Malformed)
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(body: &str) -> Vec<(String, String)> {
        TwilioForm::parse(body.as_bytes()).unwrap().pairs
    }

    #[test]
    fn storable_removes_nul_from_names_and_values_only() {
        let form = TwilioForm::parse(b"Bo%00dy=Leak%00+here&To=%2B1").unwrap();
        assert_eq!(
            form.storable().pairs,
            [
                ("Body".to_owned(), "Leak here".to_owned()),
                ("To".to_owned(), "+1".to_owned())
            ]
        );
    }

    #[test]
    fn decodes_and_keeps_order_and_repeats() {
        assert_eq!(
            pairs("To=%2B15125550199&Body=Hello+world%21&Digits=5678&Digits=1234"),
            [
                ("To".to_owned(), "+15125550199".to_owned()),
                ("Body".to_owned(), "Hello world!".to_owned()),
                ("Digits".to_owned(), "5678".to_owned()),
                ("Digits".to_owned(), "1234".to_owned()),
            ]
        );
    }

    #[test]
    fn edge_shapes() {
        assert!(pairs("").is_empty());
        assert_eq!(
            pairs("a&&b="),
            [("a".into(), "".into()), ("b".into(), "".into())]
        );
        assert_eq!(pairs("a=b=c"), [("a".into(), "b=c".into())]);
        assert_eq!(pairs("caf%C3%A9=%E2%9C%93"), [("café".into(), "✓".into())]);
    }

    #[test]
    fn malformed_bodies_are_refused() {
        for body in [
            &b"Body=%ZZ"[..],
            b"Body=%4",
            b"Body=%",
            b"%G0=1",
            b"Body=%FF",
            b"Body=\xff\xfe",
            b"Body=%C3",
        ] {
            assert_eq!(TwilioForm::parse(body), Err(Malformed), "{body:?}");
        }
    }

    #[test]
    fn lookups() {
        let form = TwilioForm::parse(b"CallSid=CA1&To=+&From=%2B1512").unwrap();
        assert_eq!(form.get("CallSid"), Some("CA1"));
        assert_eq!(form.get("To"), Some(" "));
        assert_eq!(form.non_blank("To"), None);
        assert_eq!(form.first_missing(&["CallSid", "To"]), Some("To"));
        assert_eq!(form.first_missing(&["CallSid", "From"]), None);
    }

    #[test]
    fn json_keeps_repeated_keys() {
        let form = TwilioForm::parse(b"a=1&b=2&a=3").unwrap();
        assert_eq!(
            form.to_json(),
            serde_json::json!({"a": ["1", "3"], "b": "2"})
        );
    }
}
