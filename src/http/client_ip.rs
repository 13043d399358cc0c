//! Which client a request comes from, for per-client limits: the peer address, unless the
//! peer is a reverse proxy the operator trusts (`trusted_proxies`). Then it is the nearest
//! address in `X-Forwarded-For` that is not itself a trusted proxy: each proxy appends the
//! address it received from, so only the entries our own proxies wrote are reliable, read
//! from the right; whatever the client wrote on the left proves nothing (the
//! rightmost-untrusted rule of RFC 7239 §7.4's considerations, applied to the de facto header).
//!
//! Addresses are charged per IPv4 address or per IPv6 /64, which one subscriber usually holds.

use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

pub fn client(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = canonical(peer);
    if !is_trusted(&client) {
        return bucket(client);
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    for entry in entries.iter().rev() {
        // Something a trusted proxy wrote but we cannot read: charge that proxy.
        let Some(ip) = parse(entry) else { break };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    bucket(client)
}

/// `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:5678`.
fn parse(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .or_else(|_| entry.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(canonical)
}

/// An IPv4 address written as IPv6 (`::ffff:1.2.3.4`) is that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn bucket(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !((1u128 << 64) - 1))),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn only_trusted_proxies_may_name_the_client() {
        let proxies: Vec<IpNet> = vec![
            "10.0.0.0/8".parse().unwrap(),
            "127.0.0.1/32".parse().unwrap(),
        ];
        let forged = headers(&["6.6.6.6"]);
        // An untrusted peer is the client, whatever it claims.
        assert_eq!(
            client(ip("203.0.113.9"), &forged, &proxies),
            ip("203.0.113.9")
        );
        // Behind our proxy: the address the proxy saw.
        let h = headers(&["198.51.100.7"]);
        assert_eq!(client(ip("127.0.0.1"), &h, &proxies), ip("198.51.100.7"));
        // A client-written entry on the left is skipped; chains of our proxies are walked.
        let h = headers(&["6.6.6.6, 198.51.100.7", "10.1.2.3"]);
        assert_eq!(client(ip("10.9.9.9"), &h, &proxies), ip("198.51.100.7"));
        // No header, or one we cannot read: the proxy itself is charged.
        assert_eq!(
            client(ip("127.0.0.1"), &HeaderMap::new(), &proxies),
            ip("127.0.0.1")
        );
        let h = headers(&["6.6.6.6, garbage"]);
        assert_eq!(client(ip("127.0.0.1"), &h, &proxies), ip("127.0.0.1"));
        // Ports and brackets are read; IPv6 clients share a bucket per /64.
        let h = headers(&["[2001:db8:1:2:3::4]:5678"]);
        assert_eq!(client(ip("10.0.0.1"), &h, &proxies), ip("2001:db8:1:2::"));
        let h = headers(&["198.51.100.7:443"]);
        assert_eq!(
            client(ip("::ffff:127.0.0.1"), &h, &proxies),
            ip("198.51.100.7")
        );
        // Nobody trusted (the default): the peer, always.
        assert_eq!(client(ip("127.0.0.1"), &h, &[]), ip("127.0.0.1"));
    }
}
