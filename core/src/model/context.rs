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
    /// The static NAT (`ipsec_nat_context`), if any.
    pub nat: Option<NatContext>,
}

impl Context {
    /// A context holding only `connection`.
    pub fn new(connection: Connection) -> Self {
        Self {
            connection,
            remote_subnets: BTreeSet::new(),
            nat: None,
        }
    }

    /// The connection's name, which names the context.
    pub fn name(&self) -> &ConnectionName {
        &self.connection.name
    }
}
