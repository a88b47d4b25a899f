//! What a gateway knows of a connection's tunnel right now: the answer of
//! [`super::Gateway::status`], read by the data source `ipsec_connection_status`.
//!
//! Algorithms are named as the provider's own attributes name them (`AES256`, `SHA256`,
//! DH group `14`) where the negotiated one is among them, so that a user can compare a
//! status with the connection's `phase1` and `phase2`; otherwise as charon names it.

use std::fmt;

use crate::model::Context;
use crate::render::children;

/// Whether a connection's tunnel is up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TunnelState {
    /// The IKE SA is up and every CHILD SA the connection has is installed.
    Established,
    /// An IKE SA is being negotiated, or is up while some CHILD SA is not installed.
    Connecting,
    /// The connection is loaded but has no IKE SA (or only one being deleted).
    Down,
    /// The connection has no remote subnet yet, so it has no child: it carries no
    /// traffic, traps nothing and initiates nothing.
    NoRemoteSubnets,
    /// The gateway does not have the connection.
    NotLoaded,
    /// The engine runs no daemon to ask (the `local` engine).
    Unknown,
}

impl TunnelState {
    /// The name the data source answers.
    pub fn name(self) -> &'static str {
        match self {
            TunnelState::Established => "established",
            TunnelState::Connecting => "connecting",
            TunnelState::Down => "down",
            TunnelState::NoRemoteSubnets => "no_remote_subnets",
            TunnelState::NotLoaded => "not_loaded",
            TunnelState::Unknown => "unknown",
        }
    }
}

impl fmt::Display for TunnelState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The status of one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionStatus {
    /// Whether the gateway has the connection (its files on the `local` engine,
    /// charon's loaded connections on the `strongswan` engine).
    pub loaded: bool,
    /// The tunnel's state.
    pub state: TunnelState,
    /// The connection's IKE SA, if it has one.
    pub ike_sa: Option<IkeSaStatus>,
    /// The CHILD SAs of that IKE SA.
    pub child_sas: Vec<ChildSaStatus>,
}

impl ConnectionStatus {
    /// The status an engine without a daemon answers for the context it holds (`None`:
    /// none): loaded or not, state unknown unless the connection has no child.
    pub fn without_daemon(context: Option<&Context>) -> Self {
        Self {
            loaded: context.is_some(),
            state: match context {
                None => TunnelState::NotLoaded,
                Some(context) if children(context).is_empty() => TunnelState::NoRemoteSubnets,
                Some(_) => TunnelState::Unknown,
            },
            ike_sa: None,
            child_sas: Vec::new(),
        }
    }
}

/// One IKE SA as charon reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IkeSaStatus {
    /// charon's state name: `ESTABLISHED`, `CONNECTING`, `REKEYING`, `DELETING`, ….
    pub state: String,
    /// The IKE version, 1 or 2.
    pub version: Option<u8>,
    /// The local endpoint address.
    pub local_host: String,
    /// The remote endpoint address.
    pub remote_host: String,
    /// The negotiated encryption (`AES256`, `3DES`, … or charon's name).
    pub encryption: Option<String>,
    /// The negotiated integrity algorithm (`SHA256`, …); none with an AEAD cipher.
    pub integrity: Option<String>,
    /// The negotiated pseudo-random function (`SHA256`, …).
    pub prf: Option<String>,
    /// The negotiated Diffie-Hellman group number.
    pub dh_group: Option<u16>,
    /// Seconds since the IKE SA was established.
    pub established_seconds: Option<u64>,
    /// Seconds until it is rekeyed.
    pub rekey_seconds: Option<u64>,
}

/// One CHILD SA as charon reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChildSaStatus {
    /// The child's name in the connection (`<connection>` or, for IKEv1, one per pair).
    pub name: String,
    /// charon's state name: `INSTALLED`, `REKEYING`, ….
    pub state: String,
    /// Local traffic selectors.
    pub local_ts: Vec<String>,
    /// Remote traffic selectors.
    pub remote_ts: Vec<String>,
    /// The negotiated encryption.
    pub encryption: Option<String>,
    /// The negotiated integrity algorithm; none with an AEAD cipher.
    pub integrity: Option<String>,
    /// The PFS Diffie-Hellman group number; none without PFS (and for IKEv2's first
    /// CHILD SA, which is made without a DH exchange).
    pub dh_group: Option<u16>,
    /// Bytes received through the SA.
    pub bytes_in: u64,
    /// Bytes sent through the SA.
    pub bytes_out: u64,
    /// Packets received.
    pub packets_in: u64,
    /// Packets sent.
    pub packets_out: u64,
    /// Seconds since the SA was installed.
    pub installed_seconds: Option<u64>,
}
