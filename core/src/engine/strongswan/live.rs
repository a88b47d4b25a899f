//! The live view of a context: the files' context, corrected by what charon and
//! nftables hold now.

use std::collections::BTreeSet;

use super::nft::Nft;
use super::vici::Vici;
use crate::gateway::{EngineError, GatewayError};
use crate::model::{Cidr, ConnectionName, Context, EndpointAddress};
use crate::render::is_child_of;

/// The context `name` as the gateway runs it: `None` when charon does not have the
/// connection (or its child) loaded, whatever the files say.
pub(super) async fn view(
    vici: &Vici,
    nft: &Nft,
    name: &ConnectionName,
    stored: Option<Context>,
) -> Result<Option<Context>, GatewayError> {
    let Some(mut context) = stored else {
        return Ok(None);
    };
    let Some(conn) = vici.list_conn(name.as_str()).await? else {
        return Ok(None);
    };
    // One child, or for IKEv1 one per pair of subnets: their selectors together are
    // the connection's subnets.
    let children: Vec<_> = conn
        .children
        .iter()
        .filter(|(child, _)| is_child_of(name, child))
        .map(|(_, child)| child)
        .collect();
    if children.is_empty() {
        return Ok(None);
    }
    if let Some(peer) = conn.remote_addrs.first() {
        context.connection.peer_address =
            EndpointAddress::parse(peer).map_err(|_| unexpected(name, "remote_addrs", peer))?;
    }
    let mut local = BTreeSet::new();
    let mut remote = BTreeSet::new();
    for child in children {
        local.extend(selectors(name, "local_ts", &child.local_ts)?);
        remote.extend(selectors(name, "remote_ts", &child.remote_ts)?);
    }
    if !local.is_empty() {
        context.connection.local_subnets = local;
    }
    // Selectors charon runs that the files do not record as written here were added
    // behind the provider's back.
    let (managed, unmanaged) = remote
        .into_iter()
        .partition(|cidr| context.remote_subnets.contains(cidr));
    context.remote_subnets = managed;
    context.unmanaged_remote_subnets = unmanaged;
    context.nat = match context.nat.take() {
        Some(nat) => nft.read(name, nat.static_nat_subnet).await?,
        // Chains without a NAT context in the files are not this provider's to judge.
        None => None,
    };
    Ok(Some(context))
}

fn selectors(
    name: &ConnectionName,
    what: &'static str,
    raw: &[String],
) -> Result<BTreeSet<Cidr>, GatewayError> {
    raw.iter()
        // `dynamic` is strongSwan's default for an omitted selector (the peer itself).
        .filter(|ts| ts.as_str() != "dynamic")
        .map(|ts| Cidr::parse(ts).map_err(|_| unexpected(name, what, ts)))
        .collect()
}

fn unexpected(name: &ConnectionName, what: &'static str, value: &str) -> GatewayError {
    EngineError::ForeignLiveValue {
        connection: name.clone(),
        what,
        value: value.to_owned(),
    }
    .into()
}
