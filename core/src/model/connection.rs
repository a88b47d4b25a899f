//! One connection: the tunnel and its negotiation parameters.

use std::collections::BTreeSet;
use std::fmt;

use super::{
    Authentication, Cidr, ConnectionName, DhGroup, Dpd, Encryption, EndpointAddress, Identity,
    PresharedKey,
};
use crate::diag::{quote, Problem};
use crate::suggest::did_you_mean;

/// A validated connection. Every field holds an accepted value; see
/// [`crate::validate::connection`] for how one is built from user input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// Unique name on the gateway.
    pub name: ConnectionName,
    /// The remote endpoint.
    pub peer_address: EndpointAddress,
    /// The gateway's own endpoint; `None` means any.
    pub local_address: Option<EndpointAddress>,
    /// The pre-shared key.
    pub preshared_key: PresharedKey,
    /// IKEv1 or IKEv2.
    pub ike_version: IkeVersion,
    /// IKE SA proposal and lifetime.
    pub phase1: Phase1,
    /// CHILD SA (ESP) proposal and lifetime.
    pub phase2: Phase2,
    /// Whether phase 2 performs its own DH exchange.
    pub perfect_forward_secrecy: bool,
    /// The protected networks on this side; never empty.
    pub local_subnets: BTreeSet<Cidr>,
    /// What the gateway does once the connection is loaded.
    pub start_action: StartAction,
    /// Free text for people; kept in the file as an escaped comment.
    pub description: Option<String>,
    /// This gateway's IKE identity; `None`: none configured, so charon uses the address
    /// the IKE SA runs on. Validation defaults it to `local_address`.
    pub local_id: Option<Identity>,
    /// The peer's IKE identity. Validation defaults it to `peer_address`.
    pub peer_id: Identity,
    /// Dead-peer detection.
    pub dpd: Dpd,
    /// Phase 1 proposals offered and accepted after `phase1`'s, in order.
    pub additional_ike_proposals: Vec<IkeProposal>,
    /// Phase 2 proposals offered and accepted after `phase2`'s, in order.
    pub additional_esp_proposals: Vec<EspProposal>,
}

/// One phase 1 (IKE SA) proposal: the algorithms of [`Phase1`] without its lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IkeProposal {
    /// Encryption algorithm.
    pub encryption: Encryption,
    /// Integrity algorithm; with an AEAD cipher, the PRF.
    pub authentication: Authentication,
    /// DH group; never [`DhGroup::None`].
    pub dh_group: DhGroup,
}

/// One phase 2 (ESP) proposal: the algorithms of [`Phase2`] without its lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EspProposal {
    /// Encryption algorithm.
    pub encryption: Encryption,
    /// Integrity algorithm; `None` exactly when the cipher is AEAD.
    pub authentication: Option<Authentication>,
    /// PFS group; [`DhGroup::None`] only without PFS.
    pub dh_group: DhGroup,
}

impl Connection {
    /// Every phase 1 proposal, `phase1`'s first.
    pub fn ike_proposals(&self) -> Vec<IkeProposal> {
        std::iter::once(self.phase1.proposal())
            .chain(self.additional_ike_proposals.iter().copied())
            .collect()
    }

    /// Every phase 2 proposal, `phase2`'s first.
    pub fn esp_proposals(&self) -> Vec<EspProposal> {
        std::iter::once(self.phase2.proposal())
            .chain(self.additional_esp_proposals.iter().copied())
            .collect()
    }
}

impl Phase1 {
    /// Its algorithms.
    pub fn proposal(&self) -> IkeProposal {
        IkeProposal {
            encryption: self.encryption,
            authentication: self.authentication,
            dh_group: self.dh_group,
        }
    }
}

impl Phase2 {
    /// Its algorithms.
    pub fn proposal(&self) -> EspProposal {
        EspProposal {
            encryption: self.encryption,
            authentication: self.authentication,
            dh_group: self.dh_group,
        }
    }
}

/// Phase 1 (IKE SA) parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Phase1 {
    /// Encryption algorithm.
    pub encryption: Encryption,
    /// Integrity algorithm; with an AEAD cipher, the PRF.
    pub authentication: Authentication,
    /// DH group; never [`DhGroup::None`].
    pub dh_group: DhGroup,
    /// Rekey interval.
    pub keylife: Keylife,
}

/// Phase 2 (CHILD SA, ESP) parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Phase2 {
    /// Encryption algorithm.
    pub encryption: Encryption,
    /// Integrity algorithm; `None` exactly when the cipher is AEAD.
    pub authentication: Option<Authentication>,
    /// PFS group; [`DhGroup::None`] only without PFS.
    pub dh_group: DhGroup,
    /// Rekey interval.
    pub keylife: Keylife,
}

impl Phase1 {
    /// The defaults of SPEC.md: AES256, SHA256, group 14, 28800 s.
    pub const DEFAULT: Phase1 = Phase1 {
        encryption: Encryption::Aes256,
        authentication: Authentication::Sha256,
        dh_group: DhGroup::Modp2048,
        keylife: Keylife(28_800),
    };
}

impl Phase2 {
    /// The defaults of SPEC.md: AES256, SHA256, group 14, 3600 s.
    pub const DEFAULT: Phase2 = Phase2 {
        encryption: Encryption::Aes256,
        authentication: Some(Authentication::Sha256),
        dh_group: DhGroup::Modp2048,
        keylife: Keylife(3_600),
    };
}

/// A key lifetime in seconds, 120 to 172800.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Keylife(u32);

impl Keylife {
    /// The shortest accepted lifetime.
    pub const MIN: i64 = 120;
    /// The longest accepted lifetime (48 hours).
    pub const MAX: i64 = 172_800;

    /// Checks the range.
    pub fn from_seconds(seconds: i64) -> Result<Self, Problem> {
        Self::from_seconds_const(seconds).ok_or_else(|| {
            Problem::error(
                "Keylife out of range",
                format!(
                    "{seconds} seconds is outside the accepted range of {} to {} seconds (2 minutes to 48 hours).",
                    Self::MIN,
                    Self::MAX
                ),
            )
        })
    }

    /// The range check of [`Keylife::from_seconds`], usable in constants: `None` outside it.
    pub const fn from_seconds_const(seconds: i64) -> Option<Self> {
        if seconds >= Self::MIN && seconds <= Self::MAX {
            // The range check makes the conversion lossless.
            Some(Self(seconds as u32))
        } else {
            None
        }
    }

    /// The lifetime in seconds.
    pub fn seconds(self) -> u32 {
        self.0
    }
}

/// The IKE protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IkeVersion {
    /// IKEv1 (main mode, quick mode).
    V1,
    /// IKEv2, the default.
    V2,
}

impl IkeVersion {
    /// Parses 1 or 2.
    pub fn from_number(number: i64) -> Result<Self, Problem> {
        match number {
            1 => Ok(IkeVersion::V1),
            2 => Ok(IkeVersion::V2),
            other => Err(Problem::error(
                "Unsupported IKE version",
                format!("{other} is not an IKE version; use 1 or 2."),
            )),
        }
    }

    /// 1 or 2.
    pub fn number(self) -> i64 {
        match self {
            IkeVersion::V1 => 1,
            IkeVersion::V2 => 2,
        }
    }
}

/// What the gateway does with a loaded connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StartAction {
    /// Respond only.
    None,
    /// Install a trap policy and negotiate on matching traffic (the default).
    Trap,
    /// Initiate at once.
    Start,
}

impl StartAction {
    /// Every accepted value.
    pub const NAMES: &'static [&'static str] = &["none", "trap", "start"];

    /// Parses `none`, `trap` or `start`.
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        match raw {
            "none" => Ok(StartAction::None),
            "trap" => Ok(StartAction::Trap),
            "start" => Ok(StartAction::Start),
            _ => Err(Problem::error(
                "Unsupported start action",
                format!(
                    "{} is not a start action. Accepted values: none (respond only), trap \
                     (negotiate on traffic), start (initiate at once).{}",
                    quote(raw),
                    did_you_mean(raw, Self::NAMES)
                ),
            )),
        }
    }

    /// The value as written in Terraform and in swanctl.conf.
    pub fn name(self) -> &'static str {
        match self {
            StartAction::None => "none",
            StartAction::Trap => "trap",
            StartAction::Start => "start",
        }
    }
}

impl fmt::Display for StartAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
