//! The other end's configuration (`data "ipsec_peer_config"`): the mirror image of a
//! context, as a swanctl.conf for a strongSwan peer and as vendor-neutral parameters.
//!
//! Mirrored: the peer's local side is this gateway's remote side (its address, its
//! identity, the remote subnets) and the other way round; proposals, lifetimes and DPD
//! are the same. Who initiates is chosen so that the tunnel comes up: a gateway that
//! only responds (`none`) needs a peer that starts; otherwise the peer waits for traffic
//! (`trap`), so that the two ends do not both initiate at once.

use std::fmt::Write;

use zeroize::Zeroizing;

use super::swanctl::{child_name, esp_proposals, ike_proposals, ikev1_pairs};
use crate::model::{
    Cidr, Context, DhGroup, DpdAction, EndpointAddress, EspProposal, Identity, IkeProposal,
    IkeVersion, Keylife, StartAction,
};

/// What the other end must match, in no vendor's terms. "Gateway" is this provider's
/// gateway, "peer" the other end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerParameters {
    /// The peer's own endpoint address.
    pub peer_address: EndpointAddress,
    /// This gateway's endpoint address; `None` when the connection sets none (the peer
    /// must be told the address it reaches the gateway at).
    pub gateway_address: Option<EndpointAddress>,
    /// The identity the peer must present.
    pub peer_id: Identity,
    /// The identity this gateway presents; `None`: its IP address.
    pub gateway_id: Option<Identity>,
    /// IKEv1 or IKEv2.
    pub ike_version: IkeVersion,
    /// Phase 1 proposals, in order of preference.
    pub phase1_proposals: Vec<IkeProposal>,
    /// Phase 1 lifetime.
    pub phase1_keylife: Keylife,
    /// Phase 2 proposals, in order of preference (their groups apply only with PFS).
    pub phase2_proposals: Vec<EspProposal>,
    /// Phase 2 lifetime.
    pub phase2_keylife: Keylife,
    /// The PFS group of phase 2's own proposal; `None` without PFS.
    pub pfs_group: Option<DhGroup>,
    /// The networks behind the peer (this gateway's remote subnets).
    pub peer_networks: Vec<Cidr>,
    /// The networks behind this gateway (its local subnets).
    pub gateway_networks: Vec<Cidr>,
    /// Seconds between dead-peer detection checks; 0: off.
    pub dpd_delay: u32,
}

/// The vendor-neutral parameters of the other end of `context`.
pub fn peer_parameters(context: &Context) -> PeerParameters {
    let c = &context.connection;
    PeerParameters {
        peer_address: c.peer_address,
        gateway_address: c.local_address,
        peer_id: c.peer_id.clone(),
        gateway_id: gateway_id(context),
        ike_version: c.ike_version,
        phase1_proposals: c.ike_proposals(),
        phase1_keylife: c.phase1.keylife,
        phase2_proposals: c.esp_proposals(),
        phase2_keylife: c.phase2.keylife,
        pfs_group: (c.perfect_forward_secrecy && c.phase2.dh_group != DhGroup::None)
            .then_some(c.phase2.dh_group),
        peer_networks: context.remote_subnets.iter().copied().collect(),
        gateway_networks: c.local_subnets.iter().copied().collect(),
        dpd_delay: c.dpd.delay.seconds(),
    }
}

/// The mirror-image swanctl.conf for a strongSwan peer of `context`. It holds the key
/// (as hex), so it is wiped from memory when dropped.
pub fn render_peer_swanctl(context: &Context) -> Zeroizing<String> {
    let c = &context.connection;
    let p = peer_parameters(context);
    let start = peer_start_action(context);
    let mut out = Zeroizing::new(String::with_capacity(1024));
    let o = &mut *out;
    // `writeln!` into a String cannot fail; the results are ignored on purpose.
    let _ = writeln!(
        o,
        "# The peer's side of connection {} of terraform-provider-ipsec, for strongSwan's swanctl.conf.",
        c.name
    );
    write_notes(o, context, &p);
    let _ = writeln!(o, "connections {{");
    let _ = writeln!(o, "    {} {{", c.name);
    let _ = writeln!(o, "        version = {}", c.ike_version.number());
    let _ = writeln!(o, "        local_addrs = {}", p.peer_address);
    match p.gateway_address {
        Some(gateway) => {
            let _ = writeln!(o, "        remote_addrs = {gateway}");
        }
        None => {
            let _ = writeln!(o, "        remote_addrs = %any");
        }
    }
    let _ = writeln!(o, "        proposals = {}", ike_proposals(c));
    let _ = writeln!(o, "        rekey_time = {}s", c.phase1.keylife.seconds());
    let _ = writeln!(o, "        dpd_delay = {}s", c.dpd.delay.seconds());
    let _ = writeln!(o, "        dpd_timeout = {}s", c.dpd.timeout.seconds());
    if start == StartAction::Start {
        let _ = writeln!(o, "        keyingtries = 0");
    }
    let _ = writeln!(o, "        local {{");
    let _ = writeln!(o, "            auth = psk");
    let _ = writeln!(o, "            id = {}", p.peer_id);
    let _ = writeln!(o, "        }}");
    let _ = writeln!(o, "        remote {{");
    let _ = writeln!(o, "            auth = psk");
    if let Some(gateway) = &p.gateway_id {
        let _ = writeln!(o, "            id = {gateway}");
    }
    let _ = writeln!(o, "        }}");
    let children = peer_children(context);
    if !children.is_empty() {
        let _ = writeln!(o, "        children {{");
        for (name, local, remote) in children {
            let _ = writeln!(o, "            {name} {{");
            let _ = writeln!(o, "                local_ts = {}", join(&local));
            let _ = writeln!(o, "                remote_ts = {}", join(&remote));
            let _ = writeln!(o, "                esp_proposals = {}", esp_proposals(c));
            let _ = writeln!(
                o,
                "                rekey_time = {}s",
                c.phase2.keylife.seconds()
            );
            let _ = writeln!(o, "                start_action = {start}");
            if let Some(close) = super::close_action(start) {
                let _ = writeln!(o, "                close_action = {close}");
            }
            let _ = writeln!(
                o,
                "                dpd_action = {}",
                DpdAction::default_for(start)
            );
            let _ = writeln!(o, "            }}");
        }
        let _ = writeln!(o, "        }}");
    }
    let _ = writeln!(o, "    }}");
    let _ = writeln!(o, "}}");
    let _ = writeln!(o);
    let _ = writeln!(o, "secrets {{");
    let _ = writeln!(o, "    ike-{} {{", c.name);
    let _ = writeln!(o, "        id-local = {}", p.peer_id);
    if let Some(gateway) = &p.gateway_id {
        let _ = writeln!(o, "        id-remote = {gateway}");
    }
    let _ = writeln!(
        o,
        "        secret = 0x{}",
        c.preshared_key.to_hex().as_str()
    );
    let _ = writeln!(o, "    }}");
    let _ = writeln!(o, "}}");
    out
}

/// The identity the gateway presents: its `local_id`, which validation defaults to
/// `local_address`.
fn gateway_id(context: &Context) -> Option<Identity> {
    let c = &context.connection;
    c.local_id
        .clone()
        .or_else(|| c.local_address.map(|a| Identity::of_address(a.ip())))
}

/// The peer starts the tunnel when this gateway only responds, and only if it knows the
/// gateway's address; otherwise it negotiates on traffic.
fn peer_start_action(context: &Context) -> StartAction {
    let c = &context.connection;
    match (c.start_action, c.local_address) {
        (_, None) => StartAction::None,
        (StartAction::None, Some(_)) => StartAction::Start,
        _ => StartAction::Trap,
    }
}

/// The peer's children: (name, local_ts, remote_ts). One for IKEv2; for IKEv1 one per
/// pair of subnets of one IP version, named as this gateway names the same pair.
fn peer_children(context: &Context) -> Vec<(String, Vec<Cidr>, Vec<Cidr>)> {
    let c = &context.connection;
    let ours: Vec<Cidr> = c.local_subnets.iter().copied().collect();
    let theirs: Vec<Cidr> = context.remote_subnets.iter().copied().collect();
    if theirs.is_empty() {
        return Vec::new();
    }
    if c.ike_version == IkeVersion::V2 {
        return vec![(c.name.to_string(), theirs, ours)];
    }
    ikev1_pairs(&ours, &theirs)
        .into_iter()
        .filter_map(|(l, r)| r.map(|r| (child_name(&c.name, l, Some(r)), vec![r], vec![l])))
        .collect()
}

/// Comments for the person who sets the peer up: what cannot be written as settings.
fn write_notes(o: &mut String, context: &Context, p: &PeerParameters) {
    let c = &context.connection;
    if p.gateway_address.is_none() {
        let _ = writeln!(
            o,
            "# The gateway's address is not configured (local_address): set remote_addrs to the address \
             the peer reaches it at, and remote.id to its identity; until then the peer only responds."
        );
    }
    if context.remote_subnets.is_empty() {
        let _ = writeln!(
            o,
            "# The connection has no remote subnet yet, so it carries no traffic and has no child here."
        );
    }
    if let Some(nat) = &context.nat {
        let _ = writeln!(
            o,
            "# The gateway translates statically: its local hosts reach the peer's hosts at addresses of {}, \
             and see them coming from there. Nothing to configure on the peer for it:",
            nat.static_nat_subnet
        );
        for (name, t) in &nat.translations {
            // Translation names are [A-Za-z0-9._-]: safe in a comment.
            let _ = writeln!(
                o,
                "#   {name}: {} is reached as {}",
                t.customer_ip, t.local_ip
            );
        }
    }
    if c.ike_version == IkeVersion::V1 {
        let _ = writeln!(
            o,
            "# IKEv1 negotiates one pair of subnets per CHILD_SA: one child per pair, named as on the gateway."
        );
    }
}

fn join(cidrs: &[Cidr]) -> String {
    cidrs
        .iter()
        .map(Cidr::to_string)
        .collect::<Vec<_>>()
        .join(",")
}
