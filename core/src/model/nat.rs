//! Static 1:1 NAT of local addresses to customer hosts.

use std::collections::BTreeMap;

use super::{Cidr, HostAddress, TranslationName};

/// The static NAT of one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NatContext {
    /// Local addresses reserved for translations; every `local_ip` lies inside it.
    pub static_nat_subnet: Cidr,
    /// Translations by name.
    pub translations: BTreeMap<TranslationName, Translation>,
}

/// One bidirectional 1:1 translation.
///
/// Traffic from the local side to `local_ip` is forwarded through the tunnel to
/// `customer_ip`; traffic from `customer_ip` appears locally as coming from `local_ip`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Translation {
    /// The address local hosts use for the customer host.
    pub local_ip: HostAddress,
    /// The customer host's real address, inside a remote subnet.
    pub customer_ip: HostAddress,
}
