//! Percent-encoding for query values, shared by the server and the browser bundle.

/// Encodes everything but RFC 3986 unreserved characters.
pub fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_characters_are_encoded() {
        assert_eq!(
            encode_component("/app/leads?status=new"),
            "%2Fapp%2Fleads%3Fstatus%3Dnew"
        );
        assert_eq!(encode_component("a b&c~"), "a%20b%26c~");
        assert_eq!(encode_component("é"), "%C3%A9");
    }
}
