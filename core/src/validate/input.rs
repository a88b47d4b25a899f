//! What a user wrote, before validation: plain strings and numbers, `None` for null.
//!
//! The provider fills these from Terraform values; tests fill them by hand. Nothing here
//! is trusted: [`super::connection`], [`super::remote_subnet`] and [`super::nat`] turn
//! them into the typed model or explain, at the attribute's path, why they cannot.

use std::collections::BTreeMap;

/// An `ipsec_vpn_connection` as configured.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ConnectionInput {
    /// `name`.
    pub name: String,
    /// `peer_address`.
    pub peer_address: String,
    /// `local_address`.
    pub local_address: Option<String>,
    /// `preshared_key` (sensitive).
    pub preshared_key: Option<String>,
    /// `preshared_key_wo` (write-only).
    pub preshared_key_wo: Option<String>,
    /// `ike_version`.
    pub ike_version: Option<i64>,
    /// `phase1`; omitted fields take their defaults.
    pub phase1: PhaseInput,
    /// `phase2`; omitted fields take their defaults.
    pub phase2: PhaseInput,
    /// `perfect_forward_secrecy`.
    pub perfect_forward_secrecy: Option<bool>,
    /// `local_subnets`.
    pub local_subnets: Vec<String>,
    /// `start_action`.
    pub start_action: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `local_id`.
    pub local_id: Option<String>,
    /// `peer_id`.
    pub peer_id: Option<String>,
    /// `dpd`; omitted fields take their defaults.
    pub dpd: DpdInput,
}

// Hand-written so that a debug print of an input can never show a key.
impl std::fmt::Debug for ConnectionInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redact = |key: &Option<String>| key.as_ref().map(|_| "<redacted>");
        f.debug_struct("ConnectionInput")
            .field("name", &self.name)
            .field("peer_address", &self.peer_address)
            .field("local_address", &self.local_address)
            .field("preshared_key", &redact(&self.preshared_key))
            .field("preshared_key_wo", &redact(&self.preshared_key_wo))
            .field("ike_version", &self.ike_version)
            .field("phase1", &self.phase1)
            .field("phase2", &self.phase2)
            .field("perfect_forward_secrecy", &self.perfect_forward_secrecy)
            .field("local_subnets", &self.local_subnets)
            .field("start_action", &self.start_action)
            .field("description", &self.description)
            .field("local_id", &self.local_id)
            .field("peer_id", &self.peer_id)
            .field("dpd", &self.dpd)
            .finish()
    }
}

/// `phase1` or `phase2` as configured.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PhaseInput {
    /// `encryption`.
    pub encryption: Option<String>,
    /// `authentication`.
    pub authentication: Option<String>,
    /// `dh_group`.
    pub dh_group: Option<i64>,
    /// `keylife` in seconds.
    pub keylife: Option<i64>,
    /// `additional_proposals`, in order; empty when null.
    pub additional_proposals: Vec<ProposalInput>,
}

/// One entry of a phase's `additional_proposals`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProposalInput {
    /// `encryption`.
    pub encryption: Option<String>,
    /// `authentication`.
    pub authentication: Option<String>,
    /// `dh_group`.
    pub dh_group: Option<i64>,
}

/// `dpd` as configured.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DpdInput {
    /// `delay` in seconds.
    pub delay: Option<i64>,
    /// `timeout` in seconds.
    pub timeout: Option<i64>,
    /// `action`.
    pub action: Option<String>,
}

/// An `ipsec_remote_subnet` as configured.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoteSubnetInput {
    /// `connection_name` (the attribute's name before schema version 1).
    pub connection: String,
    /// `cidr`.
    pub cidr: String,
}

/// An `ipsec_nat_context` as configured.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NatContextInput {
    /// `connection_name` (the attribute's name before schema version 1).
    pub connection: String,
    /// `static_nat_subnet`.
    pub static_nat_subnet: String,
    /// `translations`, by name.
    pub translations: BTreeMap<String, TranslationInput>,
}

/// One entry of `translations`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TranslationInput {
    /// `local_ip`.
    pub local_ip: String,
    /// `customer_ip`.
    pub customer_ip: String,
}
