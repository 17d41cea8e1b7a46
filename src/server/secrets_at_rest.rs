//! Secrets the product keeps for owners (Airtable keys, outbound-webhook secrets), encrypted at
//! rest (data-model.md §3.18): AES-256-GCM under `DATA_ENCRYPTION_KEY`, with a random 96-bit
//! nonce per value stored in front of the ciphertext.

use aes_gcm::{
    Aes256Gcm, Key, KeyInit, Nonce,
    aead::{Aead, AeadCore, OsRng},
};
use base64::Engine as _;

use super::config::Secret;

const NONCE_BYTES: usize = 12;

/// A stored value that cannot be read with the current key (rotated key or damaged bytes).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a stored secret could not be decrypted with DATA_ENCRYPTION_KEY")]
pub struct Unreadable;

#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
}

impl SecretBox {
    /// `key` is the configured `DATA_ENCRYPTION_KEY` (base64 of 32 bytes; the configuration
    /// check refuses anything else, so a bad key here is a programming error).
    pub fn new(key: &Secret) -> Self {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(key.expose())
            .ok()
            .filter(|bytes| bytes.len() == 32)
            .expect("DATA_ENCRYPTION_KEY is base64 of 32 bytes (checked with the configuration)");
        Self {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&bytes)),
        }
    }

    pub fn seal(&self, plaintext: &str) -> Vec<u8> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ciphertext = self
            .cipher
            .encrypt(&nonce, plaintext.as_bytes())
            .expect("AES-GCM encrypts any input this size");
        let mut sealed = nonce.to_vec();
        sealed.extend(ciphertext);
        sealed
    }

    pub fn open(&self, sealed: &[u8]) -> Result<String, Unreadable> {
        if sealed.len() < NONCE_BYTES {
            return Err(Unreadable);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_BYTES);
        let plaintext = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| Unreadable)?;
        String::from_utf8(plaintext).map_err(|_| Unreadable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> Secret {
        Secret::new(base64::engine::general_purpose::STANDARD.encode([byte; 32]))
    }

    #[test]
    fn a_sealed_secret_opens_with_the_same_key_only() {
        let secrets = SecretBox::new(&key(7));
        let sealed = secrets.seal("patABC.123");
        assert!(!sealed.windows(6).any(|w| w == b"patABC"), "not in clear");
        assert_eq!(secrets.open(&sealed), Ok("patABC.123".to_owned()));
        assert_eq!(SecretBox::new(&key(8)).open(&sealed), Err(Unreadable));
    }

    #[test]
    fn each_seal_uses_a_fresh_nonce() {
        let secrets = SecretBox::new(&key(7));
        assert_ne!(secrets.seal("same"), secrets.seal("same"));
    }

    #[test]
    fn damaged_or_short_values_are_unreadable() {
        let secrets = SecretBox::new(&key(7));
        let mut sealed = secrets.seal("value");
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert_eq!(secrets.open(&sealed), Err(Unreadable));
        assert_eq!(secrets.open(&[1, 2, 3]), Err(Unreadable));
    }
}
