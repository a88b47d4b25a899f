//! The gateway-wide index: what the rules spanning connections need to know of each
//! context (endpoints, networks, NAT addresses), without reading every context.
//!
//! Engines keep it under the same lock as the contexts and rebuild an entry from the
//! files whenever it is missing or stale. It is never the source of truth for drift: a
//! context's own read-back is.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::model::{Cidr, ConnectionName, Context, EndpointAddress, HostAddress, Identity};

/// The summary of one context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The peer's address.
    pub peer_address: EndpointAddress,
    /// The gateway's own address, if pinned.
    pub local_address: Option<EndpointAddress>,
    /// The gateway's IKE identity, if any.
    pub local_id: Option<Identity>,
    /// The peer's IKE identity.
    pub peer_id: Identity,
    /// Local protected networks.
    pub local_subnets: BTreeSet<Cidr>,
    /// Every remote network the connection tunnels (managed or added by hand).
    pub remote_subnets: BTreeSet<Cidr>,
    /// The static NAT subnet, when the connection has NAT.
    pub static_nat_subnet: Option<Cidr>,
    /// The translations' local addresses, with the translation's name.
    pub local_ips: BTreeMap<HostAddress, String>,
}

impl Summary {
    /// The summary of `context`.
    pub fn of(context: &Context) -> Self {
        let nat = context.nat.as_ref();
        Self {
            peer_address: context.connection.peer_address,
            local_address: context.connection.local_address,
            local_id: context.connection.local_id.clone(),
            peer_id: context.connection.peer_id.clone(),
            local_subnets: context.connection.local_subnets.clone(),
            remote_subnets: context.remote_traffic_selectors(),
            static_nat_subnet: nat.map(|nat| nat.static_nat_subnet),
            local_ips: nat
                .map(|nat| {
                    nat.translations
                        .iter()
                        .map(|(name, t)| (t.local_ip, name.to_string()))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// Every context of a gateway, summarized, by connection name. A copy shares the map
/// until one side changes it: a plan copies the index once per resource to lay its
/// run's changes over it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GatewayIndex {
    entries: Arc<BTreeMap<ConnectionName, Arc<Summary>>>,
}

impl GatewayIndex {
    /// An empty index (a gateway without connections).
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `context`, replacing what was known of its connection.
    pub fn insert(&mut self, context: &Context) {
        Arc::make_mut(&mut self.entries)
            .insert(context.name().clone(), Arc::new(Summary::of(context)));
    }

    /// The shared summary of `name`, if known.
    pub fn get_shared(&self, name: &ConnectionName) -> Option<Arc<Summary>> {
        self.entries.get(name).cloned()
    }

    /// Sets the shared summary of `name`.
    pub fn set_shared(&mut self, name: ConnectionName, summary: Arc<Summary>) {
        Arc::make_mut(&mut self.entries).insert(name, summary);
    }

    /// Sets the summary of `name`.
    pub fn set(&mut self, name: ConnectionName, summary: Summary) {
        Arc::make_mut(&mut self.entries).insert(name, Arc::new(summary));
    }

    /// Forgets the NAT of connection `name` (its NAT context is being replaced).
    pub fn forget_nat(&mut self, name: &ConnectionName) {
        if let Some(summary) = Arc::make_mut(&mut self.entries).get_mut(name) {
            let summary = Arc::make_mut(summary);
            summary.static_nat_subnet = None;
            summary.local_ips.clear();
        }
    }

    /// Forgets remote subnet `cidr` of connection `name` (it is being replaced).
    pub fn forget_remote_subnet(&mut self, name: &ConnectionName, cidr: &Cidr) {
        if let Some(summary) = Arc::make_mut(&mut self.entries).get_mut(name) {
            Arc::make_mut(summary).remote_subnets.remove(cidr);
        }
    }

    /// Forgets the connection `name`.
    pub fn remove(&mut self, name: &ConnectionName) {
        if self.entries.contains_key(name) {
            Arc::make_mut(&mut self.entries).remove(name);
        }
    }

    /// Whether `other` is a copy of this index that neither side has changed since.
    pub(crate) fn is_copy_of(&self, other: &GatewayIndex) -> bool {
        Arc::ptr_eq(&self.entries, &other.entries)
    }

    /// The summary of `name`, if known.
    pub fn get(&self, name: &ConnectionName) -> Option<&Summary> {
        self.entries.get(name).map(Arc::as_ref)
    }

    /// Every context except `name`: the neighbours a change of `name` is judged against.
    pub fn others<'a>(
        &'a self,
        name: &'a ConnectionName,
    ) -> impl Iterator<Item = (&'a ConnectionName, &'a Summary)> + 'a {
        self.entries
            .iter()
            .filter(move |(other, _)| *other != name)
            .map(|(other, summary)| (other, summary.as_ref()))
    }

    /// The number of contexts.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the gateway holds no context.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The summary as stored on disk: plain strings, so that the format does not depend on
/// the model's types. An entry that no longer parses is rebuilt from the files.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredSummary {
    peer_address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    local_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    local_id: Option<String>,
    /// Empty in an entry of an older format, which then does not parse and is rebuilt.
    #[serde(default)]
    peer_id: String,
    local_subnets: Vec<String>,
    remote_subnets: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    static_nat_subnet: Option<String>,
    #[serde(default)]
    local_ips: BTreeMap<String, String>,
}

impl From<&Summary> for StoredSummary {
    fn from(summary: &Summary) -> Self {
        let strings = |set: &BTreeSet<Cidr>| set.iter().map(Cidr::to_string).collect();
        Self {
            peer_address: summary.peer_address.to_string(),
            local_address: summary.local_address.map(|a| a.to_string()),
            local_id: summary.local_id.as_ref().map(Identity::to_string),
            peer_id: summary.peer_id.to_string(),
            local_subnets: strings(&summary.local_subnets),
            remote_subnets: strings(&summary.remote_subnets),
            static_nat_subnet: summary.static_nat_subnet.map(|c| c.to_string()),
            local_ips: summary
                .local_ips
                .iter()
                .map(|(ip, name)| (ip.to_string(), name.clone()))
                .collect(),
        }
    }
}

impl StoredSummary {
    /// The summary, or `None` if any value no longer parses.
    pub fn parse(&self) -> Option<Summary> {
        let cidrs = |list: &[String]| -> Option<BTreeSet<Cidr>> {
            list.iter().map(|c| Cidr::parse(c).ok()).collect()
        };
        Some(Summary {
            peer_address: EndpointAddress::parse(&self.peer_address).ok()?,
            local_address: match &self.local_address {
                Some(a) => Some(EndpointAddress::parse(a).ok()?),
                None => None,
            },
            local_id: match &self.local_id {
                Some(id) => Some(Identity::parse(id).ok()?),
                None => None,
            },
            peer_id: Identity::parse(&self.peer_id).ok()?,
            local_subnets: cidrs(&self.local_subnets)?,
            remote_subnets: cidrs(&self.remote_subnets)?,
            static_nat_subnet: match &self.static_nat_subnet {
                Some(c) => Some(Cidr::parse(c).ok()?),
                None => None,
            },
            local_ips: self
                .local_ips
                .iter()
                .map(|(ip, name)| Some((HostAddress::parse(ip).ok()?, name.clone())))
                .collect::<Option<_>>()?,
        })
    }
}

impl FromIterator<(ConnectionName, Summary)> for GatewayIndex {
    fn from_iter<I: IntoIterator<Item = (ConnectionName, Summary)>>(iter: I) -> Self {
        Self {
            entries: Arc::new(
                iter.into_iter()
                    .map(|(name, summary)| (name, Arc::new(summary)))
                    .collect(),
            ),
        }
    }
}
