//! The signature of outbound webhooks (integrations.md §3.3): `t=<t>,v1=<hex HMAC-SHA256>` over
//! `"<t>.<body>"` with the endpoint's secret. `t` is the time of the attempt, so a resend of the
//! same bytes carries a fresh signature.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The `X-Webhook-Signature` value for `body` sent at Unix time `t`.
pub fn header(secret: &str, t: i64, body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn i9_the_specs_vector() {
        let body = r#"{"id":"evt_0001","type":"lead.created","created":1700000000,"business_id":"biz_1","data":{"lead":{"id":"lead_1"}}}"#;
        assert_eq!(
            header("whk_test_secret", 1_700_000_000, body.as_bytes()),
            "t=1700000000,v1=92957eff57bca0ce32c86828a53493ec4259c9f0280e16f3ff3ffadbebe52004"
        );
    }

    #[test]
    fn the_time_and_every_byte_are_signed() {
        let signed = header("whk_s", 1, b"{}");
        assert_ne!(signed, header("whk_s", 2, b"{}"));
        assert_ne!(signed, header("whk_s", 1, b"{ }"));
        assert_ne!(signed, header("whk_t", 1, b"{}"));
    }
}
