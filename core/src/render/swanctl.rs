//! `swanctl/conf.d/<name>.conf`: the connection, its children and its secret.

use std::collections::BTreeSet;
use std::fmt::Write;

use zeroize::Zeroizing;

use super::metadata::{escape_text, METADATA_PREFIX};
use super::HEADER;
use crate::model::{
    Cidr, Connection, ConnectionName, Context, DhGroup, EspProposal, IkeProposal, IkeVersion,
    StartAction,
};

/// Renders the swanctl.conf file of `context`. The text holds the pre-shared key (as
/// hex), so it is wiped from memory when dropped.
pub fn render_swanctl(context: &Context) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(1024));
    let o = &mut *out;
    // `writeln!` into a String cannot fail; the results are ignored on purpose.
    let _ = writeln!(o, "{HEADER}");
    write_metadata(o, context);
    let _ = writeln!(o, "connections {{");
    write_connection(o, context);
    let _ = writeln!(o, "}}");
    let _ = writeln!(o);
    write_secrets(o, &context.connection);
    out
}

/// The `# @key value` comments: what the file cannot say in strongSwan's terms.
fn write_metadata(o: &mut String, context: &Context) {
    let c = &context.connection;
    if let Some(description) = &c.description {
        let _ = writeln!(
            o,
            "{METADATA_PREFIX}description {}",
            escape_text(description)
        );
    }
    if !c.perfect_forward_secrecy {
        // Without PFS, esp_proposals carries no group; keep the configured ones here
        // (the primary proposal's, then each additional one's).
        let groups: Vec<String> = c
            .esp_proposals()
            .iter()
            .map(|p| p.dh_group.number().to_string())
            .collect();
        let _ = writeln!(o, "{METADATA_PREFIX}phase2_dh_group {}", groups.join(","));
    }
    // What this library put into `remote_ts`, so that an entry added by hand can be told
    // apart on reading (see `Context::unmanaged_remote_subnets`).
    let managed = join(context.remote_subnets.iter());
    let _ = writeln!(
        o,
        "{}",
        format!("{METADATA_PREFIX}remote_subnets {managed}").trim_end()
    );
    if children(context).is_empty() {
        // No remote subnet yet, so no child is loaded; its settings wait here, one
        // `key=value` per word (none of the values holds a space), for the first one.
        let pending: Vec<String> =
            child_settings(c, &c.local_subnets.iter().copied().collect::<Vec<_>>(), &[])
                .into_iter()
                .map(|(key, value)| format!("{key}={}", value.replace(' ', "")))
                .collect();
        let _ = writeln!(o, "{METADATA_PREFIX}{PENDING_CHILD} {}", pending.join(" "));
    }
}

/// The metadata key that keeps the child settings of a connection that has no child
/// yet (no remote subnet).
pub const PENDING_CHILD: &str = "pending_child";

/// The connection's section inside `connections`.
fn write_connection(o: &mut String, context: &Context) {
    let c = &context.connection;
    let _ = writeln!(o, "    {} {{", c.name);
    let _ = writeln!(o, "        version = {}", c.ike_version.number());
    if let Some(local) = c.local_address {
        let _ = writeln!(o, "        local_addrs = {local}");
    }
    let _ = writeln!(o, "        remote_addrs = {}", c.peer_address);
    let _ = writeln!(o, "        proposals = {}", ike_proposals(c));
    let _ = writeln!(o, "        rekey_time = {}s", c.phase1.keylife.seconds());
    // Both always: charon ignores dpd_timeout with IKEv2, and writing it anyway keeps the
    // file the one record of the configured value.
    let _ = writeln!(o, "        dpd_delay = {}s", c.dpd.delay.seconds());
    let _ = writeln!(o, "        dpd_timeout = {}s", c.dpd.timeout.seconds());
    if c.start_action == StartAction::Start {
        // A connection that keeps itself up keeps trying when the peer is not ready
        // yet (charon's default is a single attempt).
        let _ = writeln!(o, "        keyingtries = 0");
    }
    let _ = writeln!(o, "        local {{");
    let _ = writeln!(o, "            auth = psk");
    // Identities are checked by validation to be one token that strongSwan reads as the
    // same kind of identity (see `Identity`).
    if let Some(local) = &c.local_id {
        let _ = writeln!(o, "            id = {local}");
    }
    let _ = writeln!(o, "        }}");
    let _ = writeln!(o, "        remote {{");
    let _ = writeln!(o, "            auth = psk");
    let _ = writeln!(o, "            id = {}", c.peer_id);
    let _ = writeln!(o, "        }}");
    let children = children(context);
    if !children.is_empty() {
        let _ = writeln!(o, "        children {{");
        write_children(o, c, &children);
        let _ = writeln!(o, "        }}");
    }
    let _ = writeln!(o, "    }}");
}

/// The connection's children, inside its `children` section.
fn write_children(o: &mut String, c: &Connection, children: &[ChildSpec]) {
    for child in children {
        let _ = writeln!(o, "            {} {{", child.name);
        for (key, value) in child_settings(c, &child.local, &child.remote) {
            let _ = writeln!(o, "                {key} = {value}");
        }
        let _ = writeln!(o, "            }}");
    }
}

/// The settings of one child of `c` tunnelling `local` to `remote` (none: `dynamic`),
/// in the order they are written.
pub(crate) fn child_settings(
    c: &Connection,
    local: &[Cidr],
    remote: &[Cidr],
) -> Vec<(&'static str, String)> {
    let mut settings = vec![("local_ts", join(local.iter()))];
    if !remote.is_empty() {
        settings.push(("remote_ts", join(remote.iter())));
    }
    settings.push(("esp_proposals", esp_proposals(c)));
    settings.push(("rekey_time", format!("{}s", c.phase2.keylife.seconds())));
    settings.push(("start_action", c.start_action.to_string()));
    if let Some(close_action) = close_action(c.start_action) {
        settings.push(("close_action", close_action.to_owned()));
    }
    settings.push(("dpd_action", c.dpd.action.to_string()));
    settings
}

/// The `secrets` section: the key, as hex, owned by both identities, so that charon
/// picks it for this pair of identities even when another connection has the same peer
/// (it prefers the key whose owners match both ends).
fn write_secrets(o: &mut String, c: &Connection) {
    let _ = writeln!(o, "secrets {{");
    let _ = writeln!(o, "    ike-{} {{", c.name);
    if let Some(local) = &c.local_id {
        let _ = writeln!(o, "        id-local = {local}");
    }
    let _ = writeln!(o, "        id-remote = {}", c.peer_id);
    let _ = writeln!(
        o,
        "        secret = 0x{}",
        c.preshared_key.to_hex().as_str()
    );
    let _ = writeln!(o, "    }}");
    let _ = writeln!(o, "}}");
}

/// The IKE proposal in strongSwan keywords: `aes256-sha256-modp2048`, or with an AEAD
/// cipher `aes256gcm16-prfsha256-modp2048`.
pub fn ike_proposal(proposal: &IkeProposal) -> String {
    let integrity = if proposal.encryption.is_aead() {
        proposal.authentication.prf_keyword()
    } else {
        proposal.authentication.keyword()
    };
    format!(
        "{}-{}-{}",
        proposal.encryption.keyword(),
        integrity,
        proposal.dh_group.keyword()
    )
}

/// The ESP proposal in strongSwan keywords; the DH group is included only with PFS.
pub fn esp_proposal(proposal: &EspProposal, pfs: bool) -> String {
    let mut parts = vec![proposal.encryption.keyword()];
    if let Some(authentication) = proposal.authentication {
        parts.push(authentication.keyword());
    }
    if pfs && proposal.dh_group != DhGroup::None {
        parts.push(proposal.dh_group.keyword());
    }
    parts.join("-")
}

/// The connection's `proposals`: phase 1's, then the additional ones, in order.
pub fn ike_proposals(c: &Connection) -> String {
    let all: Vec<String> = c.ike_proposals().iter().map(ike_proposal).collect();
    all.join(", ")
}

/// The children's `esp_proposals`: phase 2's, then the additional ones, in order.
pub fn esp_proposals(c: &Connection) -> String {
    let pfs = c.perfect_forward_secrecy;
    let all: Vec<String> = c
        .esp_proposals()
        .iter()
        .map(|p| esp_proposal(p, pfs))
        .collect();
    all.join(", ")
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

/// The children of a connection: none before it has a remote network. IKEv2 negotiates every subnet in one CHILD_SA, so
/// there is one child named like the connection. IKEv1 quick mode negotiates only one
/// pair of selectors per CHILD_SA (charon proposes just the first of each list), so an
/// IKEv1 connection gets one child per pair of [`ikev1_pairs`], named by its pair
/// ([`child_name`]) so that adding or removing a subnet never renames another child.
pub fn children(context: &Context) -> Vec<ChildSpec> {
    let c = &context.connection;
    let local: Vec<Cidr> = c.local_subnets.iter().copied().collect();
    let remote: Vec<Cidr> = context.remote_traffic_selectors().into_iter().collect();
    if remote.is_empty() {
        // Protected networks first: without a remote network there is nothing to
        // tunnel, and a child would trap or initiate traffic to the peer itself.
        return Vec::new();
    }
    if c.ike_version == IkeVersion::V2 {
        return vec![ChildSpec {
            name: c.name.to_string(),
            local,
            remote,
        }];
    }
    ikev1_pairs(&local, &remote)
        .into_iter()
        .map(|(l, r)| ChildSpec {
            name: child_name(&c.name, l, r),
            local: vec![l],
            remote: r.into_iter().collect(),
        })
        .collect()
}

/// The (local, remote) pairs of an IKEv1 connection's children, sorted: every pair of
/// subnets of one IP version, since a pair of two versions cannot carry traffic. A local
/// subnet with no remote subnet of its version is paired with `None` (strongSwan's
/// `dynamic`: the peer), as every local subnet is before the connection has remote
/// subnets. A remote subnet with no local subnet of its version, which validation
/// refuses and only a hand edit brings, is paired with every local subnet, so that the
/// file still records it.
pub fn ikev1_pairs(local: &[Cidr], remote: &[Cidr]) -> BTreeSet<(Cidr, Option<Cidr>)> {
    let same_version = |a: &Cidr, b: &Cidr| a.net().addr().is_ipv4() == b.net().addr().is_ipv4();
    let mut pairs = BTreeSet::new();
    for l in local {
        let mut partners = remote.iter().filter(|r| same_version(l, r)).peekable();
        if partners.peek().is_none() {
            pairs.insert((*l, None));
        }
        pairs.extend(partners.map(|r| (*l, Some(*r))));
    }
    for r in remote
        .iter()
        .filter(|r| !local.iter().any(|l| same_version(l, r)))
    {
        pairs.extend(local.iter().map(|l| (*l, Some(*r))));
    }
    pairs
}

/// The name of the IKEv1 child that tunnels `local` to `remote` (`None`: `dynamic`):
/// `<connection>_<local>_<remote>`, each network written with `-` for `.`, `:` and `/`
/// (`dc1_10-1-0-0-16_192-168-10-0-24`), since strongSwan reads a `.` in a section name
/// as a path separator. It depends on the pair alone, so it is stable.
pub fn child_name(connection: &ConnectionName, local: Cidr, remote: Option<Cidr>) -> String {
    let remote = remote.map_or_else(|| DYNAMIC.to_owned(), network_label);
    format!("{connection}_{}_{remote}", network_label(local))
}

/// Whether `child` names a child of `connection` as this provider writes them: the
/// connection's own name (IKEv2), a pair ([`child_name`]), or `<connection>-<n>`, the
/// positional names of earlier versions, which files and a running charon may still hold.
pub fn is_child_of(connection: &ConnectionName, child: &str) -> bool {
    let Some(rest) = child.strip_prefix(connection.as_str()) else {
        return false;
    };
    let label = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c) || c == '-')
    };
    if rest.is_empty() {
        return true;
    }
    if let Some(n) = rest.strip_prefix('-') {
        return !n.is_empty() && n.chars().all(|c| c.is_ascii_digit());
    }
    match rest.strip_prefix('_').and_then(|pair| pair.split_once('_')) {
        Some((local, remote)) => label(local) && (label(remote) || remote == DYNAMIC),
        None => false,
    }
}

/// How a child name writes an absent remote subnet.
const DYNAMIC: &str = "dynamic";

fn network_label(cidr: Cidr) -> String {
    cidr.to_string().replace(['.', ':', '/'], "-")
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

#[cfg(test)]
mod tests {
    use super::*;

    fn cidrs(list: &[&str]) -> Vec<Cidr> {
        list.iter().map(|c| Cidr::parse(c).unwrap()).collect()
    }

    fn name(s: &str) -> ConnectionName {
        ConnectionName::parse(s).unwrap()
    }

    #[test]
    fn ikev1_pairs_are_of_one_ip_version() {
        let local = cidrs(&["10.1.0.0/16", "2001:db8:1::/48"]);
        let remote = cidrs(&["192.168.10.0/24", "2001:db8:2::/48"]);
        let pairs: Vec<_> = ikev1_pairs(&local, &remote).into_iter().collect();
        assert_eq!(
            pairs,
            [(local[0], Some(remote[0])), (local[1], Some(remote[1]))]
        );
    }

    #[test]
    fn ikev1_subnets_without_a_partner_stay_on_record() {
        let local = cidrs(&["10.1.0.0/16", "2001:db8:1::/48"]);
        let v4 = cidrs(&["192.168.10.0/24"]);
        let pairs: Vec<_> = ikev1_pairs(&local, &v4).into_iter().collect();
        assert_eq!(pairs, [(local[0], Some(v4[0])), (local[1], None)]);
        let v6 = cidrs(&["2001:db8:2::/48"]);
        let pairs: Vec<_> = ikev1_pairs(&local[..1], &v6).into_iter().collect();
        assert_eq!(pairs, [(local[0], None), (local[0], Some(v6[0]))]);
        let pairs: Vec<_> = ikev1_pairs(&local, &[]).into_iter().collect();
        assert_eq!(pairs, [(local[0], None), (local[1], None)]);
    }

    #[test]
    fn child_names_are_stable_section_names_recognised_as_the_connections() {
        let [l, r6] = [cidrs(&["10.1.0.0/16"])[0], cidrs(&["2001:db8::/32"])[0]];
        let dc1 = name("dc1");
        assert_eq!(child_name(&dc1, l, None), "dc1_10-1-0-0-16_dynamic");
        let mixed = child_name(&dc1, l, Some(r6));
        assert_eq!(mixed, "dc1_10-1-0-0-16_2001-db8---32");
        for child in [
            "dc1",
            "dc1-1",
            "dc1-12",
            mixed.as_str(),
            "dc1_10-1-0-0-16_dynamic",
        ] {
            assert!(is_child_of(&dc1, child), "{child}");
            assert!(
                child
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-".contains(c)),
                "{child}"
            );
        }
        for other in [
            "dc2",
            "dc1-",
            "dc1-x",
            "dc10",
            "dc1_x_y",
            "dc1_10-1-0-0-16",
            "dc1__dynamic",
        ] {
            assert!(!is_child_of(&dc1, other), "{other}");
        }
        // The longest possible name still fits VICI's 255-byte keys.
        let longest = child_name(
            &name(&"a".repeat(63)),
            cidrs(&["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"])[0],
            Some(cidrs(&["ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/128"])[0]),
        );
        assert!(longest.len() <= 255, "{}", longest.len());
    }
}
