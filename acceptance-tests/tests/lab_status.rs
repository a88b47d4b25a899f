//! `data "ipsec_connection_status"` on the live lab (`hostA ── gwA ══ wan ══ gwB ──
//! hostB/custB`, gwA `start_action = "start"`, gwB answering), in the configuration that
//! declares both ends: after pings the status shows `established`, the algorithms
//! configured as negotiated (the defaults AES256/SHA256/DH 14, and the classic IKEv1
//! 3DES/MD5/DH 2 set) and byte counters that rise between two reads; after the peer's
//! charon stops, `down` or `connecting`.
//!
//! kernel-libipsec sends no acquire, so the tunnel is brought up by `start`, never by
//! `trap` (see `FIELD-NOTES`). Needs root, network namespaces, strongSwan, nftables and
//! `terraform`; `IPSEC_SKIP_SYSTEM_TESTS=1` skips these tests.

use std::time::Duration;

use acceptance_tests::lab::checks::{wait_for_pairs, wait_for_tunnel};
use acceptance_tests::lab::config::{both_ends, provider_block, Ends, CONN_A, PSK};
use acceptance_tests::lab::{run_lab_suite, LabWorkspace};
use acceptance_tests::{test, ProviderMode, Workspace};
use ipsec_test_support::lab::*;
use serde_json::Value;

fn main() {
    run_lab_suite(vec![
        test(
            "an_established_tunnel_shows_its_algorithms_and_rising_counters_then_down",
            an_established_tunnel_shows_its_algorithms_and_rising_counters_then_down,
        ),
        test(
            "the_classic_ikev1_set_shows_as_negotiated",
            the_classic_ikev1_set_shows_as_negotiated,
        ),
    ]);
}

/// gwA's status in the configuration of both ends.
const STATUS: &str = "data.ipsec_connection_status.a";

/// The data source on gwA, read after gwA's connection is applied.
const STATUS_A: &str = "
data \"ipsec_connection_status\" \"a\" {
  provider = ipsec.gwA
  name     = ipsec_vpn_connection.a.name
}
";

/// A lab whose configuration declares both ends (`ends`, with every `(from, to)` of
/// `edits` applied to its HCL) and gwA's status, applied once.
fn applied_with_status(name: &str, ends: Ends, edits: &[(&str, &str)]) -> Option<LabWorkspace> {
    if skip_system_tests() {
        return None;
    }
    let rig = LabWorkspace::new(name, ProviderMode::Binary, PSK);
    let hcl = both_ends(&rig.lab, rig.workspace().path(), ends);
    let hcl = edits
        .iter()
        .fold(hcl, |hcl, (from, to)| hcl.replace(from, to));
    rig.write_config(&format!("{hcl}{STATUS_A}"));
    rig.apply();
    Some(rig)
}

/// gwA's status as a new `terraform apply` reads it.
fn read(rig: &LabWorkspace) -> Value {
    rig.apply();
    rig.workspace().resource(STATUS)
}

fn field<'a>(status: &'a Value, path: &str) -> &'a Value {
    status
        .pointer(path)
        .unwrap_or_else(|| panic!("no {path} in {status:#}"))
}

/// The bytes (in, out) over every CHILD SA of a status.
fn bytes(status: &Value) -> (u64, u64) {
    let children = field(status, "/child_sas").as_array().unwrap();
    let sum = |key: &str| {
        children
            .iter()
            .map(|c| c[key].as_u64().unwrap_or_default())
            .sum()
    };
    (sum("bytes_in"), sum("bytes_out"))
}

/// The status is `established` with these IKE algorithms and `children` CHILD SAs,
/// each with these ESP algorithms.
fn assert_negotiated(status: &Value, ike: (&str, &str, u64), esp: (&str, &str), children: usize) {
    let show = format!("{status:#}");
    assert_eq!(field(status, "/loaded"), true, "{show}");
    assert_eq!(field(status, "/state"), "established", "{show}");
    assert_eq!(field(status, "/ike_sa/state"), "ESTABLISHED", "{show}");
    assert_eq!(field(status, "/ike_sa/local_host"), GW_A, "{show}");
    assert_eq!(field(status, "/ike_sa/remote_host"), GW_B, "{show}");
    let (encryption, integrity, dh_group) = ike;
    assert_eq!(field(status, "/ike_sa/encryption"), encryption, "{show}");
    assert_eq!(field(status, "/ike_sa/integrity"), integrity, "{show}");
    assert_eq!(field(status, "/ike_sa/prf"), integrity, "{show}");
    assert_eq!(field(status, "/ike_sa/dh_group"), dh_group, "{show}");
    assert!(
        field(status, "/ike_sa/established_seconds").is_u64(),
        "{show}"
    );
    assert!(field(status, "/ike_sa/rekey_seconds").is_u64(), "{show}");
    let child_sas = field(status, "/child_sas").as_array().unwrap();
    assert_eq!(child_sas.len(), children, "{show}");
    for child in child_sas {
        assert_eq!(child["state"], "INSTALLED", "{show}");
        assert_eq!(child["encryption"], esp.0, "{show}");
        assert_eq!(child["integrity"], esp.1, "{show}");
        assert_eq!(child["local_ts"], serde_json::json!([SITE_A]), "{show}");
        assert!(child["installed_seconds"].is_u64(), "{show}");
    }
}

/// A working directory with only gwA's provider and its status, by the connection's
/// name: it reads gwA while gwB's charon is down (the tunnel's configuration needs
/// both gateways).
fn observer(rig: &LabWorkspace) -> Workspace {
    let observer = rig.workspace().sibling();
    observer.write_config(&format!(
        "{}\ndata \"ipsec_connection_status\" \"a\" {{\n  name = \"{CONN_A}\"\n}}\n",
        provider_block(&rig.lab, None, "gwA", &rig.config_dir("gwA")),
    ));
    observer
}

fn observed_state(observer: &Workspace) -> String {
    observer.ok(&["apply", "-input=false", "-auto-approve"]);
    let status = observer.resource(STATUS);
    field(&status, "/state").as_str().unwrap().to_owned()
}

/// The defaults (IKEv2, AES256, SHA256, DH 14): `established` with those algorithms,
/// one CHILD SA with both of gwB's networks, its counters rising between two reads with
/// pings between them; after gwB's charon stops, `down` or `connecting`.
fn an_established_tunnel_shows_its_algorithms_and_rising_counters_then_down() {
    let Some(rig) = applied_with_status("tf-status", Ends::INITIAL, &[]) else {
        return;
    };
    let lab = &rig.lab;
    wait_for_tunnel(lab, &[]);
    assert!(lab.ping("hostA", HOST_B), "{}", lab.report());
    let first = read(&rig);
    assert_negotiated(&first, ("AES256", "SHA256", 14), ("AES256", "SHA256"), 1);
    let child = &field(&first, "/child_sas")[0];
    assert_eq!(child["name"], CONN_A);
    assert_eq!(child["remote_ts"], serde_json::json!([LAN_B, LAN_CUST]));
    // IKEv2's first CHILD SA is made without a DH exchange.
    assert_eq!(child["dh_group"], Value::Null);

    let (in_before, out_before) = bytes(&first);
    assert!(lab.ping("hostA", HOST_B), "{}", lab.report());
    let second = read(&rig);
    let (in_after, out_after) = bytes(&second);
    assert!(
        in_after > in_before && out_after > out_before,
        "the counters did not rise: in {in_before} -> {in_after}, out {out_before} -> {out_after}"
    );
    rig.converged("reading the status");

    let observer = observer(&rig);
    assert_eq!(observed_state(&observer), "established");
    lab.stop("gwB");
    lab.wait_until_within(
        "gwA's status to show the tunnel down or connecting",
        Duration::from_secs(120),
        || matches!(observed_state(&observer).as_str(), "down" | "connecting"),
    );
}

/// The classic set on IKEv1 (3DES, MD5, DH 2 in both phases): shown as negotiated, one
/// CHILD SA per remote subnet, quick mode's PFS group on each.
fn the_classic_ikev1_set_shows_as_negotiated() {
    let classic = "{ encryption = \"3DES\", authentication = \"MD5\", dh_group = 2 }";
    let ends = Ends {
        ike_version: 1,
        encryption: "3DES",
        ..Ends::INITIAL
    };
    let Some(rig) = applied_with_status(
        "tf-status1",
        ends,
        &[("{ encryption = \"3DES\" }", classic)],
    ) else {
        return;
    };
    let lab = &rig.lab;
    wait_for_pairs(
        lab,
        &[(SITE_A, LAN_B), (SITE_A, LAN_CUST)],
        &["ESTABLISHED, IKEv1"],
    );
    assert!(lab.ping("hostA", HOST_B), "{}", lab.report());
    let status = read(&rig);
    assert_negotiated(&status, ("3DES", "MD5", 2), ("3DES", "MD5"), 2);
    assert_eq!(field(&status, "/ike_sa/ike_version"), 1);
    for child in field(&status, "/child_sas").as_array().unwrap() {
        // IKEv1 quick mode does its PFS exchange at once.
        assert_eq!(child["dh_group"], 2, "{status:#}");
    }
    let (bytes_in, bytes_out) = bytes(&status);
    assert!(bytes_in > 0 && bytes_out > 0, "{status:#}");
}
