//! IKE identities (`local_id`, `peer_id`): an IP address, an FQDN or `user@fqdn`.
//!
//! An identity is written into swanctl.conf as it is, so only characters that cannot end
//! a value, open a section or start a comment are accepted, and no form that strongSwan
//! would read as another kind of identity (`=` makes a DN, `@` in front or `:` a typed
//! prefix, `%` a keyword).

use std::fmt;
use std::net::IpAddr;

use super::address::parse_ip;
use crate::diag::{quote, Problem};

/// An IKE identity, in the spelling the user gave (strongSwan compares names without
/// regard to case; see [`Identity::same_as`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Identity {
    /// An IPv4 or IPv6 address (`ID_IPV4_ADDR`, `ID_IPV6_ADDR`), canonical.
    Address(IpAddr),
    /// A fully qualified domain name such as `vpn.example.com` (`ID_FQDN`).
    Fqdn(String),
    /// An email-style `user@example.com` (`ID_RFC822_ADDR`).
    Email(String),
}

/// The longest domain name (RFC 1035).
const FQDN_MAX_LEN: usize = 253;
/// The longest label of a domain name.
const LABEL_MAX_LEN: usize = 63;
/// The longest user part of an email-style identity (RFC 5321).
const USER_MAX_LEN: usize = 64;

impl Identity {
    /// Reads `raw` as an address (digits, dots and colons only), an email-style identity
    /// (with `@`) or else an FQDN, each checked by the rules of its form.
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let looks_numeric = !raw.is_empty()
            && (raw.contains(':') || raw.chars().all(|c| c.is_ascii_digit() || c == '.'));
        if looks_numeric {
            return parse_ip(raw, "an IP address such as 203.0.113.10")
                .map(Identity::Address)
                .map_err(|p| invalid(&p.detail));
        }
        if let Some(fqdn) = raw.strip_prefix('@') {
            let hint = match fqdn_problem(fqdn) {
                None => format!(" Did you mean {}?", quote(fqdn)),
                Some(_) => String::new(),
            };
            return Err(invalid(
                &format!(
                    "{} starts with '@'; give a domain name without strongSwan's '@' prefix, which this \
                     provider writes itself where needed.{hint}",
                    quote(raw)
                ),
            ));
        }
        match raw.split_once('@') {
            Some((user, domain)) => {
                let why = user_problem(user)
                    .or_else(|| fqdn_problem(domain).map(|why| format!("its domain part {why}")));
                match why {
                    Some(why) => Err(invalid(&format!(
                        "{} is not an email-style identity such as user@example.com: {why}.",
                        quote(raw)
                    ))),
                    None => Ok(Identity::Email(raw.to_owned())),
                }
            }
            None => match fqdn_problem(raw) {
                Some(why) => Err(invalid(&format!(
                    "{} is not a domain name such as vpn.example.com: it {why}.",
                    quote(raw)
                ))),
                None => Ok(Identity::Fqdn(raw.to_owned())),
            },
        }
    }

    /// The identity of an endpoint address: the default of `local_id` and `peer_id`.
    pub fn of_address(address: IpAddr) -> Self {
        Identity::Address(address)
    }

    /// Whether charon treats both as one identity: addresses by value, names without
    /// regard to case.
    pub fn same_as(&self, other: &Identity) -> bool {
        match (self, other) {
            (Identity::Address(a), Identity::Address(b)) => a == b,
            (Identity::Fqdn(a), Identity::Fqdn(b)) | (Identity::Email(a), Identity::Email(b)) => {
                a.eq_ignore_ascii_case(b)
            }
            _ => false,
        }
    }
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Identity::Address(address) => address.fmt(f),
            Identity::Fqdn(name) | Identity::Email(name) => f.write_str(name),
        }
    }
}

fn invalid(detail: &str) -> Problem {
    Problem::error(
        "Invalid IKE identity",
        format!(
            "{detail} An identity is an IP address (203.0.113.10), a domain name (vpn.example.com) or \
             an email-style user@example.com."
        ),
    )
}

/// What is wrong with `name` as a domain name, if anything (completes "it …").
fn fqdn_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("is empty".to_owned());
    }
    if name.len() > FQDN_MAX_LEN {
        return Some(format!("is longer than {FQDN_MAX_LEN} characters"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '.'))
    {
        return Some(format!(
            "contains {}; a domain name has only letters, digits, '-' and '.'",
            quote(&c.to_string())
        ));
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.iter().any(|l| l.is_empty()) {
        return Some("has an empty label (a leading, trailing or doubled '.')".to_owned());
    }
    if let Some(label) = labels.iter().find(|l| l.len() > LABEL_MAX_LEN) {
        return Some(format!(
            "has a label longer than {LABEL_MAX_LEN} characters ({})",
            quote(label)
        ));
    }
    if let Some(label) = labels
        .iter()
        .find(|l| l.starts_with('-') || l.ends_with('-'))
    {
        return Some(format!(
            "has a label that starts or ends with '-' ({})",
            quote(label)
        ));
    }
    // A numeric last label is an address written wrong, not a name.
    if labels
        .last()
        .is_some_and(|l| l.chars().all(|c| c.is_ascii_digit()))
    {
        return Some("ends in a numeric label, so it is neither a name nor an address".to_owned());
    }
    None
}

/// What is wrong with the user part of an email-style identity, if anything.
fn user_problem(user: &str) -> Option<String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "._+-".contains(c);
    if user.is_empty() {
        Some("the part before '@' is empty".to_owned())
    } else if user.len() > USER_MAX_LEN {
        Some(format!(
            "the part before '@' is longer than {USER_MAX_LEN} characters"
        ))
    } else if let Some(c) = user.chars().find(|c| !allowed(*c)) {
        Some(format!(
            "the part before '@' contains {}; it may hold letters, digits, '.', '_', '+' and '-'",
            quote(&c.to_string())
        ))
    } else if user.starts_with('.') || user.ends_with('.') || user.contains("..") {
        Some("the part before '@' has a leading, trailing or doubled '.'".to_owned())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_form_is_recognised() {
        assert_eq!(
            Identity::parse("203.0.113.5").unwrap(),
            Identity::Address("203.0.113.5".parse().unwrap())
        );
        assert_eq!(
            Identity::parse("2001:db8::5").unwrap(),
            Identity::Address("2001:db8::5".parse().unwrap())
        );
        assert_eq!(
            Identity::parse("vpn.example.com").unwrap(),
            Identity::Fqdn("vpn.example.com".into())
        );
        assert_eq!(
            Identity::parse("site-7").unwrap(),
            Identity::Fqdn("site-7".into())
        );
        assert_eq!(
            Identity::parse("ops+vpn@example.com").unwrap(),
            Identity::Email("ops+vpn@example.com".into())
        );
    }

    #[test]
    fn hostile_or_ambiguous_text_is_refused() {
        for raw in [
            "",
            "vpn.example.com\n}",
            "vpn example.com",
            "a{b}.example.com",
            "#x.example.com",
            "C=CH, O=strongSwan",
            "user=x@example.com",
            "fqdn:vpn.example.com",
            "%any",
            "@vpn.example.com",
            "@@user@example.com",
            "a@b@example.com",
            "10.1.2",
            "10.1.2.300",
            "010.1.2.3",
            "::ffff:10.1.2.3",
            "vpn..example.com",
            "-vpn.example.com",
            "\"vpn.example.com\"",
            "vpn.example.com,other.example.com",
            "user@",
            "@",
            ".user@example.com",
        ] {
            let problem = Identity::parse(raw).expect_err(raw);
            assert_eq!(problem.summary, "Invalid IKE identity", "{raw}");
        }
        assert!(Identity::parse("@vpn.example.com")
            .unwrap_err()
            .detail
            .contains("Did you mean \"vpn.example.com\"?"));
        assert!(Identity::parse(&"a".repeat(300)).is_err());
    }

    #[test]
    fn names_compare_without_case_and_addresses_by_value() {
        let a = Identity::parse("VPN.example.com").unwrap();
        let b = Identity::parse("vpn.EXAMPLE.com").unwrap();
        assert!(a.same_as(&b));
        assert_ne!(a, b);
        let ip = Identity::parse("203.0.113.5").unwrap();
        assert!(!ip.same_as(&a));
    }
}
