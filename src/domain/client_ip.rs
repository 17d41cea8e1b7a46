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

/// The rate-limit bucket an address counts in: an IPv4 address alone, an IPv6 address by its
/// /64 (one subscriber usually holds a whole /64, so counting single addresses would let one
/// client rotate through 2^64 of them). An IPv4-mapped IPv6 address counts as its IPv4 one.
pub fn bucket(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_share_a_bucket_per_64_and_ipv4_ones_stand_alone() {
        let ip = |raw: &str| raw.parse::<IpAddr>().unwrap();
        assert_eq!(bucket(ip("203.0.113.7")), "203.0.113.7");
        assert_eq!(
            bucket(ip("2001:db8:1:2:aaaa::1")),
            bucket(ip("2001:db8:1:2:ffff:ffff:ffff:ffff"))
        );
        assert_eq!(bucket(ip("2001:db8:1:2::9")), "2001:db8:1:2::/64");
        assert_ne!(bucket(ip("2001:db8:1:2::1")), bucket(ip("2001:db8:1:3::1")));
        assert_eq!(bucket(ip("::ffff:198.51.100.4")), "198.51.100.4");
    }

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
