//! The data sources of SPEC.md, one per file, each reading from `ipsec_core`'s
//! [`ipsec_core::Gateway`].

pub mod connection_status;
pub mod peer_config;

use std::sync::Arc;

use crate::framework::DataSource;

pub use connection_status::ConnectionStatusDataSource;
pub use peer_config::PeerConfigDataSource;

/// Every data source type the provider serves.
pub fn all() -> Vec<Arc<dyn DataSource>> {
    vec![
        Arc::new(ConnectionStatusDataSource),
        Arc::new(PeerConfigDataSource),
    ]
}
