//! A context: everything the gateway holds for one remote site.

use std::collections::BTreeSet;

use super::{Cidr, Connection, ConnectionName, NatContext};

/// One connection with its remote subnets and its optional static NAT. This is the unit
/// the gateway stores, reads back and replaces atomically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The tunnel and its negotiation parameters.
    pub connection: Connection,
    /// Protected networks on the remote side (each an `ipsec_remote_subnet`).
    pub remote_subnets: BTreeSet<Cidr>,
    /// Remote networks the gateway tunnels that were added behind this library's back
    /// (a hand edit of `remote_ts`): found on reading, kept by edits that do not concern
    /// them, and dropped by an update of the connection, so that drift can be shown and
    /// repaired although no `ipsec_remote_subnet` describes them.
    pub unmanaged_remote_subnets: BTreeSet<Cidr>,
    /// The static NAT (`ipsec_nat_context`), if any.
    pub nat: Option<NatContext>,
}

impl Context {
    /// A context holding only `connection`.
    pub fn new(connection: Connection) -> Self {
        Self {
            connection,
            remote_subnets: BTreeSet::new(),
            unmanaged_remote_subnets: BTreeSet::new(),
            nat: None,
        }
    }

    /// Every remote network the gateway tunnels: the remote subnets and the unmanaged
    /// ones (`remote_ts`).
    pub fn remote_traffic_selectors(&self) -> BTreeSet<Cidr> {
        self.remote_subnets
            .union(&self.unmanaged_remote_subnets)
            .copied()
            .collect()
    }

    /// The connection's name, which names the context.
    pub fn name(&self) -> &ConnectionName {
        &self.connection.name
    }
}
