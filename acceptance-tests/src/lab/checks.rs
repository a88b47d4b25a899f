//! What the lab tests look at: tunnels on both gateways, traffic through them and
//! through the NAT, the gateways' files and loaded connections.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use ipsec_test_support::lab::{Lab, CUST_B, GATEWAYS, HOST_A, HOST_B};

use super::config::{CONN_A, CONN_B, NAT_IP};

/// Observers on the hosts: who hostA and custB see pinging them (echo requests counted
/// per source address in the hosts' own namespaces, which no provider touches).
pub fn observe_nat(lab: &Lab) {
    for (node, peer) in [("hostA", NAT_IP), ("hostA", CUST_B), ("custB", HOST_A)] {
        lab.nft(
            node,
            &format!(
                "table inet seen_{peer_} {{\n  chain input {{\n    type filter hook input priority filter;\n    ip saddr {peer} icmp type echo-request counter\n  }}\n}}\n",
                peer_ = peer.replace('.', "_")
            ),
        );
    }
}

/// Echo requests `node` has received from `peer` so far.
fn seen(lab: &Lab, node: &str, peer: &str) -> u64 {
    lab.counted(
        node,
        &format!("inet seen_{}", peer.replace('.', "_")),
        "input",
    )
}

/// Waits until each gateway holds exactly one ESTABLISHED IKE SA and exactly one
/// INSTALLED CHILD SA (one tunnel, no duplicate), and both list every one of `expected`.
/// A half-open IKE SA (CONNECTING) left by an abandoned negotiation does not count:
/// charon drops it after its half-open timeout.
pub fn wait_for_tunnel(lab: &Lab, expected: &[&str]) {
    lab.wait_until(
        &format!(
            "exactly one ESTABLISHED IKE SA and one INSTALLED CHILD SA on both gateways, with {expected:?}"
        ),
        || {
            GATEWAYS.iter().all(|gw| {
                let sas = lab.list_sas(gw);
                sas.matches(", ESTABLISHED, ").count() == 1
                    && sas.matches(", INSTALLED, ").count() == 1
                    && expected.iter().all(|e| sas.contains(e))
            })
        },
    );
}

/// Waits until each gateway holds exactly one ESTABLISHED IKE SA and an INSTALLED CHILD
/// SA for each of `pairs` (local and remote selector as gwA sees them; gwB mirrored), and
/// both list every one of `expected`. For IKEv1, whose CHILD SAs carry one pair each;
/// other INSTALLED CHILD SAs are not judged (see `ikev1_tunnels_every_remote_subnet`).
pub fn wait_for_pairs(lab: &Lab, pairs: &[(&str, &str)], expected: &[&str]) {
    lab.wait_until(
        &format!(
            "exactly one ESTABLISHED IKE SA and INSTALLED CHILD SAs for {pairs:?} on both gateways, with \
             {expected:?}"
        ),
        || {
            GATEWAYS.iter().all(|gw| {
                let sas = lab.list_sas(gw);
                let installed = installed_pairs(&sas);
                sas.matches(", ESTABLISHED, ").count() == 1
                    && expected.iter().all(|e| sas.contains(e))
                    && pairs.iter().all(|(a, b)| {
                        let pair = if *gw == "gwA" { (*a, *b) } else { (*b, *a) };
                        installed.iter().any(|(l, r)| (l.as_str(), r.as_str()) == pair)
                    })
            })
        },
    );
}

/// The (local, remote) selectors of every INSTALLED CHILD SA in `swanctl --list-sas`
/// output.
fn installed_pairs(sas: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let (mut installed, mut local) = (false, None::<String>);
    for line in sas.lines() {
        if !line.starts_with("    ") && line.contains(": #") {
            // An IKE SA (no indent) or a CHILD SA (two spaces) begins.
            installed = line.starts_with("  ") && line.contains(", INSTALLED, ");
            local = None;
        } else if let Some(selectors) = line.strip_prefix("    local ") {
            local = Some(selectors.trim().to_owned());
        } else if let Some(selectors) = line.strip_prefix("    remote ") {
            if let (true, Some(local)) = (installed, local.take()) {
                pairs.push((local, selectors.trim().to_owned()));
            }
        }
    }
    pairs
}

/// hostA reaches hostB, through the tunnel: the child SAs' byte counters rise on both
/// gateways (there is no other path between the sites).
pub fn assert_host_b_through_tunnel(lab: &Lab, when: &str) {
    let before = GATEWAYS.map(|gw| lab.child_bytes(gw));
    assert!(
        lab.ping("hostA", HOST_B),
        "{when}: hostA cannot reach hostB through the tunnel\n{}",
        lab.report()
    );
    for (gw, (bytes_in, bytes_out)) in GATEWAYS.into_iter().zip(before) {
        let (now_in, now_out) = lab.child_bytes(gw);
        assert!(
            now_in > bytes_in && now_out > bytes_out,
            "{when}: {gw}'s CHILD SA byte counters did not rise: in {bytes_in} -> {now_in}, out {bytes_out} -> \
             {now_out}\n{}",
            lab.report()
        );
    }
}

/// The static NAT on gwA works both ways: hostA reaches custB at 10.1.255.92 (custB sees
/// hostA's pings), and custB's pings reach hostA from 10.1.255.92, never from custB's own
/// address.
pub fn assert_nat_both_ways(lab: &Lab, when: &str) {
    let require = |ok: bool, what: String| assert!(ok, "{when}: {what}\n{}", lab.report());
    let at_cust = seen(lab, "custB", HOST_A);
    require(
        lab.ping("hostA", NAT_IP),
        format!("hostA cannot reach custB at {NAT_IP}"),
    );
    require(
        seen(lab, "custB", HOST_A) > at_cust,
        format!("custB did not see hostA's pings to {NAT_IP}"),
    );
    let (from_nat, from_cust) = (seen(lab, "hostA", NAT_IP), seen(lab, "hostA", CUST_B));
    require(
        lab.ping("custB", HOST_A),
        "custB cannot reach hostA through the tunnel".into(),
    );
    require(
        seen(lab, "hostA", NAT_IP) > from_nat,
        format!("hostA did not see custB's pings as coming from {NAT_IP}"),
    );
    require(
        seen(lab, "hostA", CUST_B) == from_cust,
        "custB's own address reached hostA untranslated".into(),
    );
}

/// `from` gets no echo reply from `to` ("`from` still reaches `to` `why`" otherwise).
pub fn assert_unreachable(lab: &Lab, from: &str, to: &str, why: &str) {
    assert!(
        !lab.ping(from, to),
        "{from} still reaches {to} {why}\n{}",
        lab.report()
    );
}

/// Every file under `dir` (relative path → mode and contents).
pub fn files(dir: &Path) -> BTreeMap<String, (u32, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, (u32, Vec<u8>)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                walk(root, &path, out);
            } else {
                let name = path.strip_prefix(root).unwrap().display().to_string();
                let mode = meta.permissions().mode() & 0o7777;
                out.insert(name, (mode, std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The connection and NAT files under a `config_dir` with their modes and contents: the
/// engine's bookkeeping (its lock file, gateway index and create markers, all named with
/// a leading `.`) left out, since reads may update it.
pub fn configuration(dir: &Path) -> BTreeMap<String, (u32, Vec<u8>)> {
    let mut files = files(dir);
    files.retain(|name, _| !name.starts_with('.'));
    files
}

/// The names of [`configuration`].
pub fn config_files(dir: &Path) -> Vec<String> {
    configuration(dir).into_keys().collect()
}

/// The connections a gateway's charon has loaded (`swanctl --list-conns`).
pub fn loaded_conns(lab: &Lab, gw: &str) -> Vec<String> {
    lab.swanctl_ok(gw, &["--list-conns"])
        .lines()
        .filter(|line| !line.starts_with(' ') && line.contains(':'))
        .map(|line| line.split(':').next().unwrap_or("").to_owned())
        .collect()
}

/// Each provider alias wrote to its own gateway only: gwA's charon holds exactly gwA's
/// connection, gwB's exactly gwB's.
pub fn assert_each_gateway_holds_its_own_connection(lab: &Lab) {
    for (gw, conn) in [("gwA", CONN_A), ("gwB", CONN_B)] {
        assert_eq!(
            loaded_conns(lab, gw),
            [conn],
            "{gw} should hold exactly its own connection\n{}",
            lab.report()
        );
    }
}
