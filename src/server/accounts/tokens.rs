//! One-time tokens for invitation and password-reset links: 32 random bytes shown once, only
//! their SHA-256 stored (data-model.md §3.4, §3.5).

use base64::Engine as _;
use rand::RngCore as _;
use sha2::{Digest, Sha256};

/// A new token and the hash to store.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash(&token);
    (token, hash)
}

/// Lower-case hex SHA-256 of the token as it appears in the link.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let (a, hash_a) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash(&a), hash_a);
        assert_eq!(hash_a.len(), 64);
        assert!(
            hash_a
                .bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }
}
