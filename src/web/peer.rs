//! Who is asking, as the rate limiter sees it: a pseudonymous source, never an address.
//!
//! The address is the socket's, unless the request comes from a configured trusted proxy; then
//! the rightmost `X-Forwarded-For` entry that is not itself a trusted proxy. The address is
//! turned into a keyed hash at once and goes nowhere else: not into a log, not onto disk.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::net::{self, Network};
use crate::ratelimit::Source;

use super::AppState;

/// The pseudonymous source of a request.
pub struct Peer(pub Source);

impl FromRequestParts<AppState> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let socket = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            // In-process tests without connect info all count as one source.
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        let ip = client_ip(socket, &parts.headers, &state.config().trusted_proxies);
        Ok(Peer(state.limiters.source(ip)))
    }
}

/// One `X-Forwarded-For` entry: an address, or an address with a port as some proxies write
/// it (`203.0.113.7:51234`, `[2001:db8::7]:443`, `[2001:db8::7]`).
fn forwarded_ip(entry: &str) -> Option<IpAddr> {
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(addr) = entry.parse::<SocketAddr>() {
        return Some(addr.ip());
    }
    entry
        .strip_prefix('[')
        .and_then(|e| e.strip_suffix(']'))
        .and_then(|e| e.parse::<std::net::Ipv6Addr>().ok())
        .map(IpAddr::V6)
}

/// The client's address: the socket's, or what a trusted proxy forwarded.
pub fn client_ip(socket: IpAddr, headers: &axum::http::HeaderMap, trusted: &[Network]) -> IpAddr {
    let is_trusted = |ip: IpAddr| net::in_any(trusted, ip);
    if !is_trusted(socket) {
        return socket;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    // Walk from the right: each trusted proxy appended the address it saw.
    for entry in forwarded.iter().rev() {
        match forwarded_ip(entry) {
            Some(ip) if is_trusted(ip) => continue,
            Some(ip) => return ip,
            None => break,
        }
    }
    socket
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().unwrap());
        h
    }

    fn nets(list: &[&str]) -> Vec<Network> {
        list.iter().map(|n| Network::parse(n).unwrap()).collect()
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let trusted = nets(&["10.0.0.0/8"]);
        let pupil: IpAddr = "203.0.113.7".parse().unwrap();
        assert_eq!(client_ip(proxy, &headers("203.0.113.7"), &trusted), pupil);
        assert_eq!(
            client_ip(
                proxy,
                &headers("198.51.100.1, 203.0.113.7, 10.0.0.9"),
                &trusted
            ),
            pupil,
            "the rightmost untrusted entry; what the client claimed to the left is ignored"
        );
        let stranger: IpAddr = "198.51.100.9".parse().unwrap();
        assert_eq!(
            client_ip(stranger, &headers("203.0.113.7"), &trusted),
            stranger
        );
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &trusted), proxy);
        assert_eq!(client_ip(proxy, &headers("garbage"), &trusted), proxy);
    }

    #[test]
    fn forwarded_entries_with_a_port_name_the_client() {
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let trusted = nets(&["10.0.0.0/8", "2001:db8:ffff::/48"]);
        let v4: IpAddr = "203.0.113.7".parse().unwrap();
        let v6: IpAddr = "2001:db8:1::7".parse().unwrap();
        for (xff, want) in [
            ("203.0.113.7:51234", v4),
            ("[2001:db8:1::7]:443", v6),
            ("[2001:db8:1::7]", v6),
            ("198.51.100.1:1, 203.0.113.7:80, 10.0.0.9:8080", v4),
            ("203.0.113.7, [2001:db8:ffff::1]:3128", v4),
        ] {
            assert_eq!(client_ip(proxy, &headers(xff), &trusted), want, "{xff}");
        }
        for garbage in [
            "203.0.113.7:",
            "[2001:db8:1::7",
            "203.0.113.7:99999",
            "host:80",
        ] {
            assert_eq!(
                client_ip(proxy, &headers(garbage), &trusted),
                proxy,
                "{garbage}"
            );
        }
    }
}
