//! The buy form's one-time token. Buying a number costs the operator money, so the token a
//! purchase is keyed by is issued by this server for one business and sealed (AES-256-GCM
//! under `DATA_ENCRYPTION_KEY`): a script cannot mint a fresh one per request, a token from
//! another business is refused, and an old page's token expires. Single use follows from the
//! key: a second submit of the same token returns the number the first one bought.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use crate::server::secrets_at_rest::SecretBox;

/// How long a rendered buy form stays usable.
pub const BUY_TOKEN_LIFETIME: Duration = Duration::hours(12);

/// A fresh token for one render of the buy form of `business_id`.
pub fn issue(secrets: &SecretBox, business_id: Uuid, now: DateTime<Utc>) -> String {
    let plain = format!(
        "{business_id}|{}|{}",
        now.timestamp(),
        Uuid::new_v4().simple()
    );
    URL_SAFE_NO_PAD.encode(secrets.seal(&plain))
}

/// The token's one-time id when this server issued it for `business_id` within its lifetime.
pub fn redeem(
    secrets: &SecretBox,
    business_id: Uuid,
    raw: &str,
    now: DateTime<Utc>,
) -> Option<String> {
    let sealed = URL_SAFE_NO_PAD.decode(raw.trim()).ok()?;
    let plain = secrets.open(&sealed).ok()?;
    let mut parts = plain.split('|');
    let (business, issued, id) = (parts.next()?, parts.next()?, parts.next()?);
    let issued = DateTime::from_timestamp(issued.parse().ok()?, 0)?;
    let fresh = issued <= now + Duration::minutes(5) && now - issued <= BUY_TOKEN_LIFETIME;
    (business == business_id.to_string() && fresh).then(|| id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::config::Secret;

    fn secrets(byte: u8) -> SecretBox {
        SecretBox::new(&Secret::new(
            base64::engine::general_purpose::STANDARD.encode([byte; 32]),
        ))
    }

    fn at(hours: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::hours(hours)
    }

    #[test]
    fn a_token_issued_for_the_business_redeems_to_the_same_id_every_time() {
        let (box_, business) = (secrets(1), Uuid::new_v4());
        let token = issue(&box_, business, at(0));
        let first = redeem(&box_, business, &token, at(1)).expect("redeemable");
        assert_eq!(redeem(&box_, business, &token, at(2)), Some(first));
    }

    #[test]
    fn two_renders_get_different_ids() {
        let (box_, business) = (secrets(1), Uuid::new_v4());
        let a = redeem(&box_, business, &issue(&box_, business, at(0)), at(0));
        let b = redeem(&box_, business, &issue(&box_, business, at(0)), at(0));
        assert_ne!(a, b);
    }

    #[test]
    fn another_business_token_is_refused() {
        let box_ = secrets(1);
        let token = issue(&box_, Uuid::new_v4(), at(0));
        assert_eq!(redeem(&box_, Uuid::new_v4(), &token, at(0)), None);
    }

    #[test]
    fn a_made_up_or_foreign_key_token_is_refused() {
        let business = Uuid::new_v4();
        assert_eq!(redeem(&secrets(1), business, "any-nonce-1234", at(0)), None);
        assert_eq!(redeem(&secrets(1), business, "", at(0)), None);
        let other_key = issue(&secrets(2), business, at(0));
        assert_eq!(redeem(&secrets(1), business, &other_key, at(0)), None);
    }

    #[test]
    fn an_old_page_token_expires() {
        let (box_, business) = (secrets(1), Uuid::new_v4());
        let token = issue(&box_, business, at(0));
        assert!(redeem(&box_, business, &token, at(12)).is_some());
        assert_eq!(redeem(&box_, business, &token, at(13)), None);
    }
}
