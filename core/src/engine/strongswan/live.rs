//! The live view of a context: the files' context, corrected by what charon and
//! nftables hold now.
//!
//! Every field `list-conns` reports that the files set is read back onto the attribute
//! it comes from (addresses, version, identities, rekey times, DPD, the start action
//! through the close action that follows it, traffic selectors), so a connection
//! reloaded by hand with other settings is drift that apply reloads. Proposals are not
//! reported by charon; they come from the files. A value no attribute can hold is
//! [`EngineError::ForeignLiveValue`].

use std::collections::BTreeSet;

use super::nat_addresses::NatAddresses;
use super::nft::Nft;
use super::vici::{LiveChild, LiveConn, Vici};
use crate::gateway::{EngineError, GatewayError};
use crate::model::{
    Cidr, Connection, ConnectionName, Context, DpdAction, DpdDelay, DpdTimeout, EndpointAddress,
    Identity, IkeVersion, Keylife, StartAction,
};
use crate::render::{self, is_child_of};

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
        // A connection without a remote network loads no child (see
        // `render::children`); one that should have children and has none was
        // unloaded behind the provider's back.
        if !render::children(&context).is_empty() {
            return Ok(None);
        }
    }
    correct_connection(name, &conn, &children, &mut context.connection)?;
    if !children.is_empty() {
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
    }
    context.nat = match context.nat.take() {
        Some(nat) => match nft.read(name, nat.static_nat_subnet).await? {
            // A NAT address the gateway no longer answers for is drift on its translation.
            Some(live) => Some(NatAddresses::new(nft.netns()).answered(live).await?),
            None => None,
        },
        // Chains without a NAT context in the files are not this provider's to judge.
        None => None,
    };
    Ok(Some(context))
}

/// Corrects the files' `connection` by what charon reports of it and its `children`.
fn correct_connection(
    name: &ConnectionName,
    conn: &LiveConn,
    children: &[&LiveChild],
    c: &mut Connection,
) -> Result<(), GatewayError> {
    if let Some(peer) = conn.remote_addrs.first() {
        c.peer_address =
            EndpointAddress::parse(peer).map_err(|_| unexpected(name, "remote_addrs", peer))?;
    }
    c.local_address = match conn.local_addrs.first().map(String::as_str) {
        // charon's word for "not configured" (also `%any4`, `%any6`).
        None => None,
        Some(any) if any.starts_with("%any") => None,
        Some(local) => Some(
            EndpointAddress::parse(local).map_err(|_| unexpected(name, "local_addrs", local))?,
        ),
    };
    if let Some(version) = &conn.version {
        c.ike_version = match version.as_str() {
            "IKEv1" => IkeVersion::V1,
            "IKEv2" => IkeVersion::V2,
            other => return Err(unexpected(name, "version", other)),
        };
    }
    if let Some(raw) = &conn.rekey_time {
        c.phase1.keylife = keylife(name, "rekey_time", raw)?;
    }
    // charon leaves both out when they are 0.
    let delay = seconds(name, "dpd_delay", conn.dpd_delay.as_deref())?;
    c.dpd.delay = DpdDelay::from_seconds(delay)
        .map_err(|_| unexpected(name, "dpd_delay", &delay.to_string()))?;
    let timeout = seconds(name, "dpd_timeout", conn.dpd_timeout.as_deref())?;
    c.dpd.timeout = DpdTimeout::from_seconds(timeout)
        .map_err(|_| unexpected(name, "dpd_timeout", &timeout.to_string()))?;
    c.local_id = match &conn.local.id {
        None => None,
        Some(raw) => Some(identity(name, "local id", raw, c.local_id.as_ref())?),
    };
    // Without a remote id charon accepts any peer identity, which no `peer_id` says.
    let peer = conn.remote.id.as_deref().unwrap_or("%any");
    c.peer_id = identity(name, "remote id", peer, Some(&c.peer_id))?;
    correct_children(name, children, c)
}

/// The child settings: all children of one connection are written alike, so the first
/// child that differs from the files is the one shown.
fn correct_children(
    name: &ConnectionName,
    children: &[&LiveChild],
    c: &mut Connection,
) -> Result<(), GatewayError> {
    let files = (c.phase2.keylife, c.dpd.action, c.start_action);
    for child in children {
        if let Some(raw) = &child.rekey_time {
            let keylife = keylife(name, "child rekey_time", raw)?;
            if keylife != files.0 {
                c.phase2.keylife = keylife;
            }
        }
        if let Some(raw) = &child.dpd_action {
            let action = match raw.as_str() {
                "none" | "clear" => DpdAction::Clear,
                "trap" | "hold" => DpdAction::Trap,
                "start" | "restart" => DpdAction::Restart,
                other => return Err(unexpected(name, "dpd_action", other)),
            };
            if action != files.1 {
                c.dpd.action = action;
            }
        }
        if let Some(raw) = &child.close_action {
            // The files write the close action after the start action (`close_action`
            // in render): a connection closed otherwise was not loaded from them.
            let start = match raw.as_str() {
                "none" | "clear" => StartAction::None,
                "trap" | "hold" => StartAction::Trap,
                "start" | "restart" => StartAction::Start,
                other => return Err(unexpected(name, "close_action", other)),
            };
            if start != files.2 {
                c.start_action = start;
            }
        }
    }
    Ok(())
}

/// An identity charon reports, in the files' spelling when it is the same one (charon
/// compares names without regard to case).
fn identity(
    name: &ConnectionName,
    what: &'static str,
    raw: &str,
    files: Option<&Identity>,
) -> Result<Identity, GatewayError> {
    let live = Identity::parse(raw).map_err(|_| unexpected(name, what, raw))?;
    Ok(match files {
        Some(files) if files.same_as(&live) => files.clone(),
        _ => live,
    })
}

fn keylife(name: &ConnectionName, what: &'static str, raw: &str) -> Result<Keylife, GatewayError> {
    let seconds = seconds(name, what, Some(raw))?;
    Keylife::from_seconds(seconds).map_err(|_| unexpected(name, what, raw))
}

/// A number of seconds charon reports; absent is 0.
fn seconds(
    name: &ConnectionName,
    what: &'static str,
    raw: Option<&str>,
) -> Result<i64, GatewayError> {
    raw.map_or(Ok(0), |raw| {
        raw.parse().map_err(|_| unexpected(name, what, raw))
    })
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
