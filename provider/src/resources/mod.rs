//! The three resources of SPEC.md, one per file, each mapped onto `ipsec_core::gateway::ops`.

mod connection_schema;
pub(crate) mod convert;
mod establish;
pub mod nat_context;
mod preshared_key;
pub mod remote_subnet;
pub mod vpn_connection;

use std::sync::Arc;

use crate::framework::Resource;

pub use nat_context::NatContextResource;
pub use remote_subnet::RemoteSubnet;
pub use vpn_connection::VpnConnection;

/// Every resource type the provider serves.
pub fn all() -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(VpnConnection),
        Arc::new(RemoteSubnet),
        Arc::new(NatContextResource),
    ]
}
