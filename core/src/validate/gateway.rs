//! Rules that span the contexts of one gateway (SPEC.md, "Gateway-wide rules"): two
//! connections to one peer need different identities, NAT addresses are unique on the
//! gateway, and two connections may not claim the same traffic in both directions.
//!
//! A change is judged against the gateway's index; each diagnostic goes to the attribute
//! of the object being changed and names the other connection.

use crate::diag::{AttributePath, Diagnostics, Problem};
use crate::gateway::index::{GatewayIndex, Summary};
use crate::model::{Cidr, ConnectionName, Context};

use super::context::Focus;

/// Checks `context`, about to be stored with `focus` changed, against the other
/// contexts of `index`.
pub fn check_gateway(context: &Context, focus: Focus, index: &GatewayIndex) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let name = context.name();
    let mine = Summary::of(context);
    for (other, theirs) in index.others(name) {
        match focus {
            Focus::Connection => {
                same_identity(&mut diags, &mine, other, theirs);
                both_directions_overlap(&mut diags, name, &mine, other, theirs, None);
            }
            Focus::RemoteSubnet(cidr) => {
                both_directions_overlap(&mut diags, name, &mine, other, theirs, Some(cidr));
            }
            Focus::Nat => nat_addresses(&mut diags, context, other, theirs),
        }
    }
    first_of_each(diags)
}

/// One diagnostic per rule and attribute, naming the first other connection and
/// counting the rest: a configuration that copies one site's networks a thousand times
/// must not answer with a million diagnostics.
fn first_of_each(diags: Diagnostics) -> Diagnostics {
    let mut kept: Vec<(crate::diag::Diagnostic, usize)> = Vec::new();
    for diag in diags.iter() {
        match kept
            .iter_mut()
            .find(|(k, _)| k.summary == diag.summary && k.path == diag.path)
        {
            Some((_, more)) => *more += 1,
            None => kept.push((diag.clone(), 0)),
        }
    }
    let mut out = Diagnostics::new();
    for (mut diag, more) in kept {
        if more > 0 {
            let s = if more == 1 { "" } else { "s" };
            diag.detail.push_str(&format!(
                " ({more} other connection{s} conflict in the same way.)"
            ));
        }
        out.push(diag);
    }
    out
}

/// Two connections to one peer address whose identities do not tell them apart: charon
/// picks one of them (and its key) for every IKE_SA, so the other's authentication
/// fails. They are told apart by different `peer_id`s, or by different `local_id`s when
/// both have one (a connection without a local identity matches any, and its key is
/// owned by the peer's identity alone).
fn same_identity(
    diags: &mut Diagnostics,
    mine: &Summary,
    other: &ConnectionName,
    theirs: &Summary,
) {
    if mine.peer_address != theirs.peer_address || !mine.peer_id.same_as(&theirs.peer_id) {
        return;
    }
    let (local, why) = match (&mine.local_id, &theirs.local_id) {
        (Some(a), Some(b)) if !a.same_as(b) => return,
        (Some(_), Some(theirs)) => (format!("local_id {theirs}"), "the same identities"),
        (Some(_), None) | (None, Some(_)) => (
            "a local_id on one side only".to_owned(),
            "identities that one of them cannot tell apart (a connection without local_id matches any)",
        ),
        (None, None) => ("no local_id".to_owned(), "the same identities"),
    };
    diags.add(
        Problem::error(
            "Another connection has this peer",
            format!(
                "Connection \"{other}\" already connects to peer {} with peer_id {} and {local}: {why}. Two \
                 connections to one peer address must differ in their IKE identities, or charon cannot tell \
                 which key to use: set a different peer_id, or a different local_id on both, or manage both \
                 tunnels' networks in one connection.",
                theirs.peer_address, theirs.peer_id
            ),
        ),
        AttributePath::root("peer_address"),
    );
}

/// Two connections whose local and remote networks both overlap install ambiguous
/// policies. `only` restricts the remote side to one subnet (a remote subnet being added).
fn both_directions_overlap(
    diags: &mut Diagnostics,
    name: &ConnectionName,
    mine: &Summary,
    other: &ConnectionName,
    theirs: &Summary,
    only: Option<Cidr>,
) {
    let Some(local) = first_overlap(&mine.local_subnets, &theirs.local_subnets) else {
        return;
    };
    let remote_side: Vec<Cidr> = match only {
        Some(cidr) => vec![cidr],
        None => mine.remote_subnets.iter().copied().collect(),
    };
    let Some(remote) = remote_side.iter().find_map(|r| {
        theirs
            .remote_subnets
            .iter()
            .find(|t| t.overlaps(r))
            .map(|t| (*r, *t))
    }) else {
        return;
    };
    let path = match only {
        Some(_) => AttributePath::root("cidr"),
        None => AttributePath::root("local_subnets"),
    };
    diags.add(
        Problem::error(
            "Connections overlap in both directions",
            format!(
                "Connections \"{name}\" and \"{other}\" both tunnel traffic between {} and {}: local {} overlaps \
                 {}, and remote {} overlaps {}. The gateway could not tell which tunnel a packet belongs to. \
                 Make the local or the remote networks of the two connections disjoint.",
                local.0, remote.0, local.0, local.1, remote.0, remote.1
            ),
        ),
        path,
    );
}

fn first_overlap(
    a: &std::collections::BTreeSet<Cidr>,
    b: &std::collections::BTreeSet<Cidr>,
) -> Option<(Cidr, Cidr)> {
    a.iter()
        .find_map(|x| b.iter().find(|y| y.overlaps(x)).map(|y| (*x, *y)))
}

/// A translation's `local_ip` is unique on the gateway, and static NAT subnets of
/// different connections do not overlap: two `dnat` rules for one address conflict.
fn nat_addresses(
    diags: &mut Diagnostics,
    context: &Context,
    other: &ConnectionName,
    theirs: &Summary,
) {
    let Some(nat) = &context.nat else {
        return;
    };
    if let Some(subnet) = theirs
        .static_nat_subnet
        .filter(|s| s.overlaps(&nat.static_nat_subnet))
    {
        diags.add(
            Problem::error(
                "static_nat_subnet overlaps another connection's",
                format!(
                    "static_nat_subnet {} overlaps {subnet}, the static NAT subnet of connection \"{other}\". Each \
                     connection's NAT addresses must be its own: choose a disjoint subnet.",
                    nat.static_nat_subnet
                ),
            ),
            AttributePath::root("static_nat_subnet"),
        );
    }
    for (translation, t) in &nat.translations {
        if let Some(their_name) = theirs.local_ips.get(&t.local_ip) {
            diags.add(
                Problem::error(
                    "local_ip already used by another connection",
                    format!(
                        "local_ip {} is already translation \"{their_name}\" of connection \"{other}\"; a local \
                         address can stand for one customer host only.",
                        t.local_ip
                    ),
                ),
                AttributePath::root("translations")
                    .key(translation.as_str())
                    .attr("local_ip"),
            );
        }
    }
}
