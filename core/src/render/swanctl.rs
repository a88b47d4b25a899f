//! `swanctl/conf.d/<name>.conf`: the connection, its children and its secret.

use std::fmt::Write;

use zeroize::Zeroizing;

use super::metadata::{escape_text, METADATA_PREFIX};
use super::HEADER;
use crate::model::{Cidr, Context, DhGroup, IkeVersion, Phase1, Phase2, StartAction};

/// Renders the swanctl.conf file of `context`. The text holds the pre-shared key (as
/// hex), so it is wiped from memory when dropped.
pub fn render_swanctl(context: &Context) -> Zeroizing<String> {
    let c = &context.connection;
    let name = c.name.as_str();
    let mut out = Zeroizing::new(String::with_capacity(1024));
    let o = &mut *out;
    // `writeln!` into a String cannot fail; the results are ignored on purpose.
    let _ = writeln!(o, "{HEADER}");
    if let Some(description) = &c.description {
        let _ = writeln!(
            o,
            "{METADATA_PREFIX}description {}",
            escape_text(description)
        );
    }
    if !c.perfect_forward_secrecy {
        // Without PFS, esp_proposals carries no group; keep the configured one here.
        let _ = writeln!(
            o,
            "{METADATA_PREFIX}phase2_dh_group {}",
            c.phase2.dh_group.number()
        );
    }
    // What this library put into `remote_ts`, so that an entry added by hand can be told
    // apart on reading (see `Context::unmanaged_remote_subnets`).
    let managed = join(context.remote_subnets.iter());
    let _ = writeln!(
        o,
        "{}",
        format!("{METADATA_PREFIX}remote_subnets {managed}").trim_end()
    );
    let _ = writeln!(o, "connections {{");
    let _ = writeln!(o, "    {name} {{");
    let _ = writeln!(o, "        version = {}", c.ike_version.number());
    if let Some(local) = c.local_address {
        let _ = writeln!(o, "        local_addrs = {local}");
    }
    let _ = writeln!(o, "        remote_addrs = {}", c.peer_address);
    let _ = writeln!(o, "        proposals = {}", ike_proposal(&c.phase1));
    let _ = writeln!(o, "        rekey_time = {}s", c.phase1.keylife.seconds());
    if c.start_action == StartAction::Start {
        // A connection that keeps itself up keeps trying when the peer is not ready
        // yet (charon's default is a single attempt).
        let _ = writeln!(o, "        keyingtries = 0");
    }
    let _ = writeln!(o, "        local {{");
    let _ = writeln!(o, "            auth = psk");
    if let Some(local) = c.local_address {
        let _ = writeln!(o, "            id = {local}");
    }
    let _ = writeln!(o, "        }}");
    let _ = writeln!(o, "        remote {{");
    let _ = writeln!(o, "            auth = psk");
    let _ = writeln!(o, "            id = {}", c.peer_address);
    let _ = writeln!(o, "        }}");
    let _ = writeln!(o, "        children {{");
    for child in children(context) {
        let _ = writeln!(o, "            {} {{", child.name);
        let _ = writeln!(o, "                local_ts = {}", join(child.local.iter()));
        if !child.remote.is_empty() {
            let _ = writeln!(
                o,
                "                remote_ts = {}",
                join(child.remote.iter())
            );
        }
        let _ = writeln!(
            o,
            "                esp_proposals = {}",
            esp_proposal(&c.phase2, c.perfect_forward_secrecy)
        );
        let _ = writeln!(
            o,
            "                rekey_time = {}s",
            c.phase2.keylife.seconds()
        );
        let _ = writeln!(o, "                start_action = {}", c.start_action);
        if let Some(close_action) = close_action(c.start_action) {
            let _ = writeln!(o, "                close_action = {close_action}");
        }
        let _ = writeln!(o, "            }}");
    }
    let _ = writeln!(o, "        }}");
    let _ = writeln!(o, "    }}");
    let _ = writeln!(o, "}}");
    let _ = writeln!(o);
    let _ = writeln!(o, "secrets {{");
    let _ = writeln!(o, "    ike-{name} {{");
    let _ = writeln!(o, "        id = {}", c.peer_address);
    let _ = writeln!(
        o,
        "        secret = 0x{}",
        c.preshared_key.to_hex().as_str()
    );
    let _ = writeln!(o, "    }}");
    let _ = writeln!(o, "}}");
    out
}

/// The IKE proposal in strongSwan keywords: `aes256-sha256-modp2048`, or with an AEAD
/// cipher `aes256gcm16-prfsha256-modp2048`.
pub fn ike_proposal(phase1: &Phase1) -> String {
    let integrity = if phase1.encryption.is_aead() {
        phase1.authentication.prf_keyword()
    } else {
        phase1.authentication.keyword()
    };
    format!(
        "{}-{}-{}",
        phase1.encryption.keyword(),
        integrity,
        phase1.dh_group.keyword()
    )
}

/// The ESP proposal in strongSwan keywords; the DH group is included only with PFS.
pub fn esp_proposal(phase2: &Phase2, pfs: bool) -> String {
    let mut parts = vec![phase2.encryption.keyword()];
    if let Some(authentication) = phase2.authentication {
        parts.push(authentication.keyword());
    }
    if pfs && phase2.dh_group != DhGroup::None {
        parts.push(phase2.dh_group.keyword());
    }
    parts.join("-")
}

/// One CHILD_SA configuration: its name and traffic selectors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildSpec {
    /// The child's name in swanctl.conf and charon.
    pub name: String,
    /// `local_ts`.
    pub local: Vec<Cidr>,
    /// `remote_ts`; empty means strongSwan's `dynamic` (the peer itself).
    pub remote: Vec<Cidr>,
}

/// The children of a connection. IKEv2 negotiates every subnet in one CHILD_SA, so
/// there is one child named like the connection. IKEv1 quick mode negotiates only one
/// pair of selectors per CHILD_SA (charon proposes just the first of each list), so an
/// IKEv1 connection with several subnets gets one child per (local, remote) pair,
/// named `<name>-1`, `<name>-2`, … in the order of the sorted pairs.
pub fn children(context: &Context) -> Vec<ChildSpec> {
    let c = &context.connection;
    let name = c.name.as_str();
    let local: Vec<Cidr> = c.local_subnets.iter().copied().collect();
    let remote: Vec<Cidr> = context.remote_traffic_selectors().into_iter().collect();
    let pairs = local.len() * remote.len().max(1);
    if c.ike_version == IkeVersion::V2 || pairs <= 1 {
        return vec![ChildSpec {
            name: name.to_owned(),
            local,
            remote,
        }];
    }
    let remotes: Vec<Option<Cidr>> = if remote.is_empty() {
        vec![None]
    } else {
        remote.into_iter().map(Some).collect()
    };
    let mut children = Vec::with_capacity(pairs);
    for l in &local {
        for r in &remotes {
            children.push(ChildSpec {
                name: format!("{name}-{}", children.len() + 1),
                local: vec![*l],
                remote: r.iter().copied().collect(),
            });
        }
    }
    children
}

/// What charon does when the peer closes a CHILD_SA: a connection that keeps itself up
/// (`start`) or waits for traffic (`trap`) does so again; a responder (`none`) waits.
pub fn close_action(start_action: StartAction) -> Option<&'static str> {
    match start_action {
        StartAction::Start => Some("start"),
        StartAction::Trap => Some("trap"),
        StartAction::None => None,
    }
}

fn join<'a>(cidrs: impl Iterator<Item = &'a Cidr>) -> String {
    cidrs.map(Cidr::to_string).collect::<Vec<_>>().join(",")
}
