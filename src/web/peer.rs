//! Who is asking, as the rate limiter sees it: a pseudonymous source, never an address.
//!
//! The address is the socket's, unless the request comes from a configured trusted proxy; then
//! the rightmost `X-Forwarded-For` entry that is not itself a trusted proxy. The address is
//! turned into a keyed hash at once and goes nowhere else: not into a log, not onto disk.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

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
        let ip = client_ip(socket, &parts.headers, &state.config.trusted_proxies);
        Ok(Peer(state.limiters.source(ip)))
    }
}

fn in_network(ip: IpAddr, (net, prefix): (IpAddr, u8)) -> bool {
    match (ip.to_canonical(), net.to_canonical()) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// The client's address: the socket's, or what a trusted proxy forwarded.
pub fn client_ip(
    socket: IpAddr,
    headers: &axum::http::HeaderMap,
    trusted: &[(IpAddr, u8)],
) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|&n| in_network(ip, n));
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
        match entry.parse::<IpAddr>() {
            Ok(ip) if is_trusted(ip) => continue,
            Ok(ip) => return ip,
            Err(_) => break,
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

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let trusted = [("10.0.0.0".parse().unwrap(), 8)];
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
        let v6 = [("2001:db8::".parse().unwrap(), 32)];
        assert!(in_network("2001:db8:5::1".parse().unwrap(), v6[0]));
        assert!(!in_network("2001:db9::1".parse().unwrap(), v6[0]));
        assert!(in_network("::ffff:10.1.2.3".parse().unwrap(), trusted[0]));
    }
}
