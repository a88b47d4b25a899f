//! What the fuzz targets share: structured input for the validate → render → parse
//! round trip (`arbitrary`), and the shape of a settings tree, which a hostile value must
//! never change.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use arbitrary::Arbitrary;
use ipsec_core::model::{Authentication, Encryption};
use ipsec_core::parse::settings::Section;
use ipsec_core::validate::{
    ConnectionInput, DpdInput, NatContextInput, PhaseInput, ProposalInput, TranslationInput,
};

/// A string that is either one of a few plausible values or anything at all, so that
/// the fuzzer reaches both the rules past validation and validation's edges.
#[derive(Debug, Arbitrary)]
pub enum Text {
    /// An index into the plausible values.
    Pick(u8),
    /// Any text, hostile characters included.
    Any(String),
}

impl Text {
    fn or(self, choices: &[&str]) -> String {
        match self {
            Text::Pick(i) => choices[usize::from(i) % choices.len()].to_owned(),
            Text::Any(text) => text,
        }
    }
}

/// An address: IPv4 or IPv6 from its bits, or any text.
#[derive(Debug, Arbitrary)]
pub enum Address {
    /// An IPv4 address.
    V4(u32),
    /// An IPv6 address.
    V6(u128),
    /// Any text.
    Any(String),
}

impl Address {
    fn text(self) -> String {
        match self {
            Address::V4(bits) => Ipv4Addr::from(bits).to_string(),
            Address::V6(bits) => Ipv6Addr::from(bits).to_string(),
            Address::Any(text) => text,
        }
    }
}

/// A network: canonical IPv4 or IPv6 CIDR from bits and a prefix, or any text.
#[derive(Debug, Arbitrary)]
pub enum Network {
    /// An IPv4 network.
    V4(u32, u8),
    /// An IPv6 network.
    V6(u128, u8),
    /// Any text.
    Any(String),
}

impl Network {
    fn text(self) -> String {
        match self {
            Network::V4(bits, prefix) => {
                let prefix = u32::from(prefix % 33);
                let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
                format!("{}/{prefix}", Ipv4Addr::from(bits & mask))
            }
            Network::V6(bits, prefix) => {
                let prefix = u32::from(prefix % 129);
                let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
                format!("{}/{prefix}", Ipv6Addr::from(bits & mask))
            }
            Network::Any(text) => text,
        }
    }
}

/// A number that is either one of a few plausible values or any `i64`: a random `i64`
/// is almost never a Diffie-Hellman group or a keylife validation accepts.
#[derive(Debug, Arbitrary)]
pub enum Integer {
    /// An index into the plausible values.
    Pick(u8),
    /// Any number.
    Any(i64),
}

impl Integer {
    fn or(self, choices: &[i64]) -> i64 {
        match self {
            Integer::Pick(i) => choices[usize::from(i) % choices.len()],
            Integer::Any(n) => n,
        }
    }
}

/// Every Diffie-Hellman group number the provider knows, and one it does not.
const DH_GROUPS: &[i64] = &[0, 1, 2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 31, 3];

/// One entry of a phase's `additional_proposals`.
#[derive(Debug, Arbitrary)]
pub struct Proposal {
    encryption: Option<Text>,
    authentication: Option<Text>,
    dh_group: Option<Integer>,
}

/// One phase's settings.
#[derive(Debug, Arbitrary)]
pub struct Phase {
    encryption: Option<Text>,
    authentication: Option<Text>,
    dh_group: Option<Integer>,
    keylife: Option<Integer>,
    additional_proposals: Vec<Proposal>,
}

fn encryption_names() -> Vec<&'static str> {
    Encryption::ALL.iter().map(|e| e.name()).collect()
}

fn authentication_names() -> Vec<&'static str> {
    Authentication::ALL.iter().map(|a| a.name()).collect()
}

impl Phase {
    fn input(self) -> PhaseInput {
        let (encryption, authentication) = (encryption_names(), authentication_names());
        PhaseInput {
            encryption: self.encryption.map(|t| t.or(&encryption)),
            authentication: self.authentication.map(|t| t.or(&authentication)),
            dh_group: self.dh_group.map(|n| n.or(DH_GROUPS)),
            keylife: self.keylife.map(|n| n.or(&[3600, 28800, 86400, 60, 0])),
            additional_proposals: self
                .additional_proposals
                .into_iter()
                .map(|p| ProposalInput {
                    encryption: p.encryption.map(|t| t.or(&encryption)),
                    authentication: p.authentication.map(|t| t.or(&authentication)),
                    dh_group: p.dh_group.map(|n| n.or(DH_GROUPS)),
                })
                .collect(),
        }
    }
}

/// An `ipsec_vpn_connection`, its remote subnets and its NAT context, as a user could
/// configure them.
#[derive(Debug, Arbitrary)]
pub struct Site {
    name: Text,
    peer_address: Address,
    local_address: Option<Address>,
    preshared_key: String,
    ike_version: Option<Integer>,
    phase1: Phase,
    phase2: Phase,
    perfect_forward_secrecy: Option<bool>,
    local_subnets: Vec<Network>,
    start_action: Option<Text>,
    description: Option<String>,
    local_id: Option<Text>,
    peer_id: Option<Text>,
    dpd_delay: Option<Integer>,
    dpd_timeout: Option<Integer>,
    dpd_action: Option<Text>,
    /// The remote subnets.
    pub remote_subnets: Vec<Network>,
    nat: Option<Nat>,
}

/// An `ipsec_nat_context`: its static NAT subnet and translations. (Fields in the order
/// of the tuple this once was, so that the corpus still decodes to the same sites.)
#[derive(Debug, Arbitrary)]
pub struct Nat {
    static_nat_subnet: Network,
    translations: Vec<Translation>,
}

/// One translation: its name, `local_ip` and `customer_ip`.
#[derive(Debug, Arbitrary)]
pub struct Translation {
    name: Text,
    local_ip: Address,
    customer_ip: Address,
}

impl Site {
    /// The inputs: the connection, the remote subnets' CIDRs and the NAT context.
    pub fn inputs(self) -> (ConnectionInput, Vec<String>, Option<NatContextInput>) {
        let name = self.name.or(&["dc1", "branch-7_b", "a"]);
        let mut connection = ConnectionInput {
            name: name.clone(),
            peer_address: self.peer_address.text(),
            ..ConnectionInput::default()
        };
        connection.local_address = self.local_address.map(Address::text);
        connection.preshared_key = Some(self.preshared_key);
        connection.ike_version = self.ike_version.map(|n| n.or(&[1, 2]));
        connection.phase1 = self.phase1.input();
        connection.phase2 = self.phase2.input();
        connection.perfect_forward_secrecy = self.perfect_forward_secrecy;
        connection.local_subnets = self.local_subnets.into_iter().map(Network::text).collect();
        connection.start_action = self.start_action.map(|t| t.or(&["none", "trap", "start"]));
        connection.description = self.description;
        let ids = [
            "vpn.example.com",
            "ops@example.net",
            "192.0.2.1",
            "2001:db8::1",
        ];
        connection.local_id = self.local_id.map(|t| t.or(&ids));
        connection.peer_id = self.peer_id.map(|t| t.or(&ids));
        connection.dpd = DpdInput {
            delay: self.dpd_delay.map(|n| n.or(&[30, 0, 10])),
            timeout: self.dpd_timeout.map(|n| n.or(&[150, 0, 60])),
            action: self.dpd_action.map(|t| t.or(&["clear", "trap", "restart"])),
        };
        let remote = self.remote_subnets.into_iter().map(Network::text).collect();
        let nat = self.nat.map(|nat| NatContextInput {
            connection: name,
            static_nat_subnet: nat.static_nat_subnet.text(),
            translations: nat
                .translations
                .into_iter()
                .map(|t| {
                    let input = TranslationInput {
                        local_ip: t.local_ip.text(),
                        customer_ip: t.customer_ip.text(),
                    };
                    (t.name.or(&["db", "web.front_01", "x"]), input)
                })
                .collect::<BTreeMap<_, _>>(),
        });
        (connection, remote, nat)
    }
}

/// The shape of a settings tree: section names and setting keys, without values.
pub fn shape(section: &Section) -> String {
    let keys: Vec<&str> = section.settings.iter().map(|s| s.key.as_str()).collect();
    let subs: Vec<String> = section.sections.iter().map(shape).collect();
    format!("{}[{}]{{{}}}", section.name, keys.join(","), subs.join(","))
}
