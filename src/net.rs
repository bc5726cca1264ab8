//! Networks as the config names them ("10.0.0.0/8", "2001:db8::/48", or one address): trusted
//! proxies and shared networks. Only operators' settings live here, never a pupil's address.

use std::fmt;
use std::net::IpAddr;

/// An address and a prefix length. An IPv4-mapped IPv6 address counts as the IPv4 address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    /// Parses `"10.0.0.1"` or `"10.0.0.0/8"` (IPv4 or IPv6); a bare address is a network of one.
    pub fn parse(s: &str) -> Option<Network> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|&p| p <= max)?,
            None => max,
        };
        Some(Network { addr, prefix })
    }

    /// The prefix length, in bits.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    pub fn is_ipv4(&self) -> bool {
        self.addr.is_ipv4()
    }

    /// True when `ip` lies in this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (ip.to_canonical(), self.addr.to_canonical()) {
            (IpAddr::V4(a), IpAddr::V4(n)) => {
                let bits = u32::from(self.prefix.min(32));
                let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
                u32::from(a) & mask == u32::from(n) & mask
            }
            (IpAddr::V6(a), IpAddr::V6(n)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(a) & mask == u128::from(n) & mask
            }
            _ => false,
        }
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// True when `ip` lies in any of `networks`.
pub fn in_any(networks: &[Network], ip: IpAddr) -> bool {
    networks.iter().any(|n| n.contains(ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> Network {
        Network::parse(s).unwrap()
    }

    #[test]
    fn networks_parse_and_contain() {
        let v4 = net("10.0.0.0/8");
        assert!(v4.contains("10.200.3.4".parse().unwrap()));
        assert!(!v4.contains("11.0.0.1".parse().unwrap()));
        assert!(
            v4.contains("::ffff:10.1.2.3".parse().unwrap()),
            "mapped IPv4 is IPv4"
        );
        let v6 = net("2001:db8::/32");
        assert!(v6.contains("2001:db8:5::1".parse().unwrap()));
        assert!(!v6.contains("2001:db9::1".parse().unwrap()));
        assert!(!v6.contains("10.0.0.1".parse().unwrap()));
        let one = net("127.0.0.1");
        assert_eq!(one.prefix(), 32);
        assert!(one.contains("127.0.0.1".parse().unwrap()));
        assert!(!one.contains("127.0.0.2".parse().unwrap()));
        assert!(net("0.0.0.0/0").contains("192.0.2.1".parse().unwrap()));
        assert!(net("::/0").contains("2001:db8::1".parse().unwrap()));
        assert_eq!(net(" 192.0.2.0/24 ").to_string(), "192.0.2.0/24");
        for bad in [
            "10.0.0.0/33",
            "::/129",
            "10.0.0/8",
            "nowhere",
            "10.0.0.0/x",
            "",
        ] {
            assert!(Network::parse(bad).is_none(), "{bad}");
        }
    }
}
