//! Addresses and networks, parsed once into canonical forms.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::str::FromStr;

use ipnet::IpNet;

use crate::diag::Problem;

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
            let hint = if IpAddr::from_str(raw).is_ok() {
                let bits = if raw.contains(':') { 128 } else { 32 };
                format!(" It is a single address; did you mean {raw}/{bits}?")
            } else {
                String::new()
            };
            Problem::error(
                "Invalid CIDR",
                format!("{raw:?} is not a network in CIDR notation such as 10.1.0.0/16.{hint}"),
            )
        })?;
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
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

fn parse_ip(raw: &str, expected: &str) -> Result<IpAddr, Problem> {
    if let Ok(address) = IpAddr::from_str(raw) {
        if let IpAddr::V6(v6) = address {
            // The address checks of std do not look inside IPv4-mapped addresses, and a
            // tunnel endpoint or NAT address written that way is IPv4 in disguise.
            if let Some(v4) = v6.to_ipv4_mapped() {
                return Err(Problem::error(
                    "IPv4-mapped IPv6 address",
                    format!("{raw} is an IPv4 address written as IPv6; did you mean {v4}?"),
                ));
            }
        }
        if address.to_string() == raw {
            return Ok(address);
        }
        return Err(Problem::error(
            "Non-canonical IP address",
            format!("{raw} is not written canonically; write it as {address}."),
        ));
    }
    let why = if raw.is_empty() {
        "it is empty".to_owned()
    } else if raw.contains('/') {
        let host = raw.split('/').next().unwrap_or(raw);
        format!("it is a network in CIDR notation, not a single address; did you mean {host}?")
    } else if raw.chars().any(|c| c.is_ascii_alphabetic()) && !raw.contains(':') {
        "host names are not supported, give the literal address".to_owned()
    } else if raw.trim() != raw {
        format!(
            "it has surrounding white space; did you mean {}?",
            raw.trim()
        )
    } else {
        "it is not a literal IP address".to_owned()
    };
    Err(Problem::error(
        "Invalid IP address",
        format!("{raw:?} is not {expected}: {why}."),
    ))
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
            mapped.detail.contains("did you mean 127.0.0.1?"),
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
    fn overlap_is_symmetric_and_containment_counts() {
        let a = Cidr::parse("10.0.0.0/8").unwrap();
        let b = Cidr::parse("10.1.0.0/16").unwrap();
        let c = Cidr::parse("192.168.0.0/16").unwrap();
        assert!(a.overlaps(&b) && b.overlaps(&a));
        assert!(!a.overlaps(&c));
    }
}
