//! Addresses and networks, parsed once into canonical forms.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::str::FromStr;

use ipnet::{IpNet, Ipv4Net};

use crate::diag::{quote, Problem};

/// A tunnel endpoint: a static unicast IPv4 or IPv6 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EndpointAddress(IpAddr);

impl EndpointAddress {
    /// Checks that `raw` is a literal unicast address usable as an IKE endpoint.
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let address = parse_ip(raw, "an IPv4 or IPv6 address such as 203.0.113.10")?;
        let reason = if address.is_unspecified() {
            Some("the unspecified address cannot be a tunnel endpoint")
        } else if address.is_loopback() {
            Some("a loopback address cannot be a tunnel endpoint")
        } else if address.is_multicast() {
            Some("a multicast address cannot be a tunnel endpoint")
        } else if address == IpAddr::V4(Ipv4Addr::BROADCAST) {
            Some("the broadcast address cannot be a tunnel endpoint")
        } else {
            None
        };
        match reason {
            Some(reason) => Err(Problem::error(
                "Invalid endpoint address",
                format!("{raw} is not usable: {reason}. Give the static unicast address of the endpoint."),
            )),
            None => Ok(Self(address)),
        }
    }

    /// The address.
    pub fn ip(&self) -> IpAddr {
        self.0
    }

    /// Whether the address is link-local (169.254.0.0/16, fe80::/10): valid on one
    /// network segment only, so never a remote peer.
    pub fn is_link_local(&self) -> bool {
        match self.0 {
            IpAddr::V4(v4) => v4.is_link_local(),
            IpAddr::V6(v6) => v6.segments()[0] & 0xffc0 == 0xfe80,
        }
    }
}

impl fmt::Display for EndpointAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A host address used in a NAT translation: any address that is not unspecified,
/// loopback, multicast or broadcast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostAddress(IpAddr);

impl HostAddress {
    /// Checks that `raw` is a literal host address.
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let address = parse_ip(raw, "a host address such as 10.1.255.92")?;
        if address.is_unspecified()
            || address.is_loopback()
            || address.is_multicast()
            || address == IpAddr::V4(Ipv4Addr::BROADCAST)
        {
            return Err(Problem::error(
                "Invalid host address",
                format!(
                    "{raw} is not a host address (unspecified, loopback, multicast or broadcast)."
                ),
            ));
        }
        Ok(Self(address))
    }

    /// The address.
    pub fn ip(&self) -> IpAddr {
        self.0
    }
}

impl fmt::Display for HostAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A network in canonical CIDR notation: no host bits set, written as the network address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cidr(IpNet);

impl Cidr {
    /// Checks that `raw` is a canonical CIDR such as `10.1.0.0/16`.
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let net = IpNet::from_str(raw).map_err(|_| {
            let hint = match IpAddr::from_str(raw) {
                Ok(address) => {
                    let bits = if address.is_ipv4() { 32 } else { 128 };
                    format!(" It is a single address; did you mean {address}/{bits}?")
                }
                Err(_) => String::new(),
            };
            Problem::error(
                "Invalid CIDR",
                format!(
                    "{} is not a network in CIDR notation such as 10.1.0.0/16.{hint}",
                    quote(raw)
                ),
            )
        })?;
        if let Some(v4) = ipv4_mapped_net(net) {
            return Err(Problem::error(
                "IPv4-mapped IPv6 network",
                format!(
                    "{raw} is an IPv4 network written as IPv6 (IPv4-mapped); write it in IPv4 form: {v4}."
                ),
            ));
        }
        let canonical = net.trunc();
        if canonical != net || canonical.to_string() != raw {
            let detail = if canonical != net {
                format!("{raw} has host bits set; did you mean {canonical}?")
            } else {
                format!("{raw} is not written canonically; write it as {canonical}.")
            };
            return Err(Problem::error("Non-canonical CIDR", detail));
        }
        Ok(Self(net))
    }

    /// The network.
    pub fn net(&self) -> IpNet {
        self.0
    }

    /// Whether the two networks share any address.
    pub fn overlaps(&self, other: &Cidr) -> bool {
        self.0.contains(&other.0) || other.0.contains(&self.0)
    }

    /// Whether `address` lies in this network.
    pub fn contains(&self, address: IpAddr) -> bool {
        self.0.contains(&address)
    }

    /// Whether `address` is this IPv4 network's own address or its broadcast address,
    /// which no host can use (a translation's address must be one host). Only IPv4
    /// networks of prefix length 30 or less have them: a /31 (RFC 3021) and a /32 use
    /// every address, and IPv6 has no broadcast.
    pub fn is_network_or_broadcast(&self, address: IpAddr) -> bool {
        match self.0 {
            IpNet::V4(net) if net.prefix_len() < 31 => {
                address == IpAddr::V4(net.network()) || address == IpAddr::V4(net.broadcast())
            }
            _ => false,
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A literal IP address in canonical form (not IPv4-mapped); `expected` completes
/// "… is not" in the error.
pub(super) fn parse_ip(raw: &str, expected: &str) -> Result<IpAddr, Problem> {
    let Ok(address) = IpAddr::from_str(raw) else {
        let (why, suggestion) = why_not_an_address(raw);
        let ending = match suggestion {
            Some(address) => format!("; did you mean {address}?"),
            None => ".".to_owned(),
        };
        return Err(Problem::error(
            "Invalid IP address",
            format!("{} is not {expected}: {why}{ending}", quote(raw)),
        ));
    };
    // The address checks of std do not look inside IPv4-mapped addresses, and a tunnel
    // endpoint or NAT address written that way is IPv4 in disguise.
    if let Some(v4) = ipv4_mapped(address) {
        return Err(Problem::error(
            "IPv4-mapped IPv6 address",
            format!(
                "{raw} is an IPv4 address written as IPv6 (IPv4-mapped); write it in IPv4 form: {v4}."
            ),
        ));
    }
    if address.to_string() == raw {
        return Ok(address);
    }
    Err(Problem::error(
        "Non-canonical IP address",
        format!("{raw} is not written canonically; write it as {address}."),
    ))
}

/// The IPv4 address an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) stands for.
fn ipv4_mapped(address: IpAddr) -> Option<Ipv4Addr> {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped(),
        IpAddr::V4(_) => None,
    }
}

/// The IPv4 network an IPv6 network inside `::ffff:0:0/96` stands for.
fn ipv4_mapped_net(net: IpNet) -> Option<Ipv4Net> {
    let IpNet::V6(v6) = net else { return None };
    let prefix = v6.prefix_len().checked_sub(96)?;
    let v4 = v6.network().to_ipv4_mapped()?;
    Ipv4Net::new(v4, prefix).ok().map(|n| n.trunc())
}

/// Why `raw`, which is not an address, was refused, and the address it probably meant.
/// Only one host is ever suggested: a network's own address would make a peer of a
/// whole network.
fn why_not_an_address(raw: &str) -> (&'static str, Option<IpAddr>) {
    if raw.is_empty() {
        ("it is empty", None)
    } else if let Ok(net) = IpNet::from_str(raw) {
        let host = net.addr();
        let one_host = net.prefix_len() == net.max_prefix_len()
            || (host != net.network() && (host != net.broadcast() || host.is_ipv6()));
        let suggestion = (one_host && ipv4_mapped(host).is_none()).then_some(host);
        (
            "it is a network in CIDR notation, not a single host address",
            suggestion,
        )
    } else if raw.chars().any(|c| c.is_ascii_alphabetic()) && !raw.contains(':') {
        (
            "host names are not supported, give the literal address",
            None,
        )
    } else if raw.trim() != raw {
        let trimmed = IpAddr::from_str(raw.trim())
            .ok()
            .filter(|a| a.to_string() == raw.trim() && ipv4_mapped(*a).is_none());
        ("it has surrounding white space", trimmed)
    } else {
        ("it is not a literal IP address", None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_bits_get_the_network_suggested() {
        let problem = Cidr::parse("10.0.0.5/24").unwrap_err();
        assert_eq!(
            problem.detail,
            "10.0.0.5/24 has host bits set; did you mean 10.0.0.0/24?"
        );
    }

    #[test]
    fn canonical_cidrs_are_accepted() {
        for good in [
            "10.0.0.0/24",
            "0.0.0.0/0",
            "2001:db8::/32",
            "192.168.1.1/32",
        ] {
            assert_eq!(Cidr::parse(good).unwrap().to_string(), good);
        }
        assert!(
            Cidr::parse("2001:DB8::/32").is_err(),
            "non-canonical spelling"
        );
        assert!(Cidr::parse("10.0.0.0")
            .unwrap_err()
            .detail
            .contains("10.0.0.0/32"));
    }

    #[test]
    fn endpoints_reject_what_cannot_terminate_a_tunnel() {
        for bad in [
            "0.0.0.0",
            "::",
            "127.0.0.1",
            "::1",
            "224.0.0.1",
            "ff02::1",
            "255.255.255.255",
            "vpn.example.com",
            "10.0.0.0/8",
            " 1.2.3.4",
        ] {
            assert!(EndpointAddress::parse(bad).is_err(), "{bad}");
        }
        assert!(EndpointAddress::parse("203.0.113.10").is_ok());
        assert!(EndpointAddress::parse("2001:db8::10").is_ok());
        let mapped = EndpointAddress::parse("::ffff:127.0.0.1").unwrap_err();
        assert!(
            mapped.detail.contains("write it in IPv4 form: 127.0.0.1."),
            "{}",
            mapped.detail
        );
        assert!(HostAddress::parse("::ffff:10.0.0.1").is_err());
        assert!(EndpointAddress::parse("2001:DB8::10")
            .unwrap_err()
            .detail
            .contains("2001:db8::10"));
    }

    #[test]
    fn ipv4_mapped_networks_get_their_ipv4_form() {
        for (mapped, v4) in [
            ("::ffff:10.0.0.0/104", "10.0.0.0/8"),
            ("::ffff:10.1.2.3/128", "10.1.2.3/32"),
            ("::ffff:0.0.0.0/96", "0.0.0.0/0"),
            ("::ffff:a01:200/120", "10.1.2.0/24"),
            ("::ffff:10.1.2.3/120", "10.1.2.0/24"),
        ] {
            let problem = Cidr::parse(mapped).unwrap_err();
            assert!(
                problem
                    .detail
                    .contains(&format!("write it in IPv4 form: {v4}.")),
                "{mapped}: {}",
                problem.detail
            );
        }
        // A network that reaches beyond ::ffff:0:0/96 is genuinely IPv6.
        assert!(Cidr::parse("::/0").is_ok());
        assert!(Cidr::parse("::fffe:0:0/95").is_ok());
    }

    #[test]
    fn a_network_is_never_suggested_as_a_single_address() {
        let network = EndpointAddress::parse("203.0.113.0/24").unwrap_err();
        assert!(
            !network.detail.contains("did you mean"),
            "{}",
            network.detail
        );
        assert!(network.detail.contains("not a single host address"));
        let broadcast = EndpointAddress::parse("203.0.113.255/24").unwrap_err();
        assert!(
            !broadcast.detail.contains("did you mean"),
            "{}",
            broadcast.detail
        );
        for (cidr, host) in [
            ("203.0.113.10/32", "203.0.113.10"),
            ("203.0.113.10/24", "203.0.113.10"),
        ] {
            let problem = EndpointAddress::parse(cidr).unwrap_err();
            assert!(
                problem.detail.ends_with(&format!("; did you mean {host}?")),
                "{}",
                problem.detail
            );
        }
    }

    #[test]
    fn only_ipv4_networks_up_to_30_bits_have_network_and_broadcast_addresses() {
        let ip = |s: &str| IpAddr::from_str(s).unwrap();
        let nat = Cidr::parse("10.1.255.88/29").unwrap();
        assert!(nat.is_network_or_broadcast(ip("10.1.255.88")));
        assert!(nat.is_network_or_broadcast(ip("10.1.255.95")));
        assert!(!nat.is_network_or_broadcast(ip("10.1.255.89")));
        assert!(!nat.is_network_or_broadcast(ip("10.1.255.100")));
        let p2p = Cidr::parse("10.1.255.88/31").unwrap();
        assert!(!p2p.is_network_or_broadcast(ip("10.1.255.88")));
        let v6 = Cidr::parse("2001:db8::/64").unwrap();
        assert!(!v6.is_network_or_broadcast(ip("2001:db8::")));
    }

    #[test]
    fn overlap_is_symmetric_and_containment_counts() {
        let a = Cidr::parse("10.0.0.0/8").unwrap();
        let b = Cidr::parse("10.1.0.0/16").unwrap();
        let c = Cidr::parse("192.168.0.0/16").unwrap();
        assert!(a.overlaps(&b) && b.overlaps(&a));
        assert!(!a.overlaps(&c));
    }
}
