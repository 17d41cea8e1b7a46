//! The client address rate limits count by (twilio.md §4).

use std::net::IpAddr;

/// The socket peer, unless `trusted_hops = n > 0` proxies sit in front: then the n-th entry from
/// the right of `X-Forwarded-For` (the peer when the header has fewer entries).
pub fn client_ip(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted_hops: u32,
) -> Option<IpAddr> {
    if trusted_hops == 0 {
        return peer;
    }
    let entries: Vec<&str> = forwarded_for
        .map(|header| header.split(',').map(str::trim).collect())
        .unwrap_or_default();
    let index = entries.len().checked_sub(trusted_hops as usize);
    index
        .and_then(|i| entries.get(i))
        .and_then(|entry| entry.parse().ok())
        .or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_vectors() {
        let peer: IpAddr = "10.0.0.9".parse().unwrap();
        let header = Some("203.0.113.1, 198.51.100.2");
        assert_eq!(
            client_ip(Some(peer), header, 1),
            Some("198.51.100.2".parse().unwrap())
        );
        assert_eq!(
            client_ip(Some(peer), header, 2),
            Some("203.0.113.1".parse().unwrap())
        );
        assert_eq!(client_ip(Some(peer), header, 0), Some(peer));
    }

    #[test]
    fn too_few_entries_or_garbage_fall_back_to_the_peer() {
        let peer: IpAddr = "10.0.0.9".parse().unwrap();
        assert_eq!(client_ip(Some(peer), Some("203.0.113.1"), 3), Some(peer));
        assert_eq!(client_ip(Some(peer), None, 1), Some(peer));
        assert_eq!(client_ip(Some(peer), Some("not-an-ip"), 1), Some(peer));
        assert_eq!(client_ip(None, None, 0), None);
    }
}
