//! Tunnels that Terraform applies on the live lab (`hostA ── gwA ══ wan ══ gwB ──
//! hostB/custB`, one charon per gateway), one configuration declaring both ends with one
//! provider alias per gateway (see `acceptance_tests::lab::config`): the tunnel comes up
//! and carries traffic, the NAT translates both ways, and changes (proposals, remote
//! subnets, the answering side, IKEv1) take effect live.
//!
//! Terraform starts the real provider binary (the go-plugin handshake with mutual TLS),
//! but for `both_ends_through_reattach_mode`, which attaches to a provider in debug mode.
//! Each test builds its own lab and working directory and removes both, also on failure
//! (after printing both gateways' SAs and charon log tails). Needs root, network
//! namespaces, strongSwan, nftables and `terraform`; `IPSEC_SKIP_SYSTEM_TESTS=1` skips
//! these tests.

use acceptance_tests::lab::checks::*;
use acceptance_tests::lab::config::{provider_block, Ends, PSK};
use acceptance_tests::lab::{both_ends_up, run_lab_suite, LabWorkspace};
use acceptance_tests::{test, ProviderMode};
use ipsec_test_support::lab::*;

fn main() {
    run_lab_suite(vec![
        test(
            "apply_of_both_ends_brings_up_a_tunnel_that_carries_traffic_and_nat",
            apply_of_both_ends_brings_up_a_tunnel_that_carries_traffic_and_nat,
        ),
        test(
            "both_ends_through_reattach_mode",
            both_ends_through_reattach_mode,
        ),
        test(
            "new_proposals_are_an_update_in_place_that_the_tunnel_renegotiates",
            new_proposals_are_an_update_in_place_that_the_tunnel_renegotiates,
        ),
        test(
            "removing_a_remote_subnet_stops_tunnelling_to_it",
            removing_a_remote_subnet_stops_tunnelling_to_it,
        ),
        test(
            "a_change_on_the_answering_side_keeps_a_conforming_tunnel_up",
            a_change_on_the_answering_side_keeps_a_conforming_tunnel_up,
        ),
        test(
            "ikev1_tunnels_every_remote_subnet",
            ikev1_tunnels_every_remote_subnet,
        ),
        test(
            "dead_peer_detection_restarts_the_tunnel_when_the_peer_returns",
            dead_peer_detection_restarts_the_tunnel_when_the_peer_returns,
        ),
        test(
            "nat_addresses_inside_the_local_network_are_answered_without_routes",
            nat_addresses_inside_the_local_network_are_answered_without_routes,
        ),
        test(
            "two_connections_to_one_peer_address_told_apart_by_identity_both_establish",
            two_connections_to_one_peer_address_told_apart_by_identity_both_establish,
        ),
        test(
            "a_peer_behind_nat_with_fqdn_identities_establishes",
            a_peer_behind_nat_with_fqdn_identities_establishes,
        ),
    ]);
}

/// 1. One `apply` of both ends: the tunnel comes up on both gateways with the declared
///    selectors, carries hostA ↔ hostB traffic, the static NAT translates both ways,
///    each provider alias wrote only to its own gateway, and the next plan is empty.
fn apply_of_both_ends_brings_up_a_tunnel_that_carries_traffic_and_nat() {
    let Some(rig) = both_ends_up("tf-up") else {
        return;
    };
    let lab = &rig.lab;
    for (gw, expected) in [
        (
            "gwA",
            [
                "site_b: #",
                "ESTABLISHED, IKEv2",
                "AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048",
                "INSTALLED, TUNNEL-in-UDP, ESP:AES_CBC-256/HMAC_SHA2_256_128",
                "local  10.1.0.0/16\n",
                "remote 192.168.10.0/24 192.168.20.0/24\n",
            ],
        ),
        (
            "gwB",
            [
                "site_a: #",
                "ESTABLISHED, IKEv2",
                "AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048",
                "INSTALLED, TUNNEL-in-UDP, ESP:AES_CBC-256/HMAC_SHA2_256_128",
                "local  192.168.10.0/24 192.168.20.0/24\n",
                "remote 10.1.0.0/16\n",
            ],
        ),
    ] {
        let sas = lab.list_sas(gw);
        for wanted in expected {
            assert!(
                sas.contains(wanted),
                "{gw}: no {wanted:?} in\n{sas}\n{}",
                lab.report()
            );
        }
    }
    assert_host_b_through_tunnel(lab, "after apply");
    assert_nat_both_ways(lab, "after apply");

    // Each alias wrote to its own gateway only.
    assert_each_gateway_holds_its_own_connection(lab);
    assert_eq!(
        config_files(&rig.config_dir("gwA")),
        ["nftables/site_b.nft", "swanctl/conf.d/site_b.conf"]
    );
    assert_eq!(
        config_files(&rig.config_dir("gwB")),
        ["swanctl/conf.d/site_a.conf"]
    );
    let conf = files(&rig.config_dir("gwA"))["swanctl/conf.d/site_b.conf"].clone();
    assert_eq!(conf.0, 0o600, "site_b.conf has mode {:o}", conf.0);
    assert_eq!(lab.shared_keys("gwA"), ["ike-site_b"]);
    assert_eq!(lab.shared_keys("gwB"), ["ike-site_a"]);

    rig.converged("apply");
}

/// 1b. The same two-alias configuration through a provider in debug mode (reattach):
///     Terraform attaches every provider instance of one provider address to the single
///     debug process, so both aliases' `ConfigureProvider` calls reach one server; each
///     alias must still get its own gateway. (At first the gateway, and the plan-time
///     memory of planned subnets, were one per process: the last configuration won, gwA's
///     NAT context was checked against gwB's planned remote subnet, "static_nat_subnet
///     10.1.255.88/29 overlaps remote subnet 10.1.0.0/16", and gwA's resources were
///     written to gwB.)
fn both_ends_through_reattach_mode() {
    if skip_system_tests() {
        return;
    }
    let rig = LabWorkspace::new("tf-reattach2", ProviderMode::InProcess, PSK);
    rig.declare(Ends::INITIAL);
    rig.apply();
    let lab = &rig.lab;
    assert_each_gateway_holds_its_own_connection(lab);
    wait_for_tunnel(lab, &[]);
    rig.converged("apply");
}

/// 2. New proposals on both ends are an update in place; after apply both gateways run
///    an SA with the new algorithm and no SA with the old one. Nothing needs doing by
///    hand: a `load-conn` whose IKE proposals changed makes charon replace the
///    connection, close the old IKE SA and, for start_action "start", initiate a new one;
///    the engine terminates the old IKE SA and initiates too. gwB (start_action "none") is
///    updated first (gwA's connection depends on gwB's side), so gwA's new proposal meets
///    a gwB that accepts it.
fn new_proposals_are_an_update_in_place_that_the_tunnel_renegotiates() {
    let Some(rig) = both_ends_up("tf-proposals") else {
        return;
    };
    let lab = &rig.lab;
    rig.declare(Ends {
        encryption: "AES128",
        ..Ends::INITIAL
    });
    let plan = rig.drifted(
        "AES256 -> AES128",
        &[
            "ipsec_vpn_connection.a will be updated in-place",
            "ipsec_vpn_connection.b will be updated in-place",
            "~ encryption     = \"AES256\" -> \"AES128\"",
            "Plan: 0 to add, 2 to change, 0 to destroy.",
        ],
    );
    assert!(
        !plan.contains("must be replaced"),
        "a proposal change replaces a resource:\n{plan}"
    );
    rig.apply();
    wait_for_tunnel(
        lab,
        &[
            "AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048",
            "ESP:AES_CBC-128/HMAC_SHA2_256_128",
        ],
    );
    lab.wait_until("the AES_CBC-256 SAs to be gone on both gateways", || {
        GATEWAYS
            .iter()
            .all(|gw| !settled_sas(&lab.list_sas(gw)).contains("AES_CBC-256"))
    });
    assert_host_b_through_tunnel(lab, "after the proposal change");
    rig.converged("the proposal change");
}

/// The SAs of a `swanctl --list-sas` listing without the half-open ones. Both ends
/// change at once, so one may still start an exchange with the old proposals that the
/// other abandons when its own change terminates the SA; the responder keeps that
/// half-open SA (`CONNECTING`, passive) until charon's half-open timeout (30 s). It
/// carries no traffic and is not a tunnel using the old algorithms.
fn settled_sas(listing: &str) -> String {
    let mut kept = String::new();
    let mut keep = true;
    for line in listing.lines() {
        if !line.starts_with(char::is_whitespace) {
            keep = !line.contains(", CONNECTING,");
        }
        if keep {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    kept
}

/// Takes hostB's LAN out of gwA's tunnel (its remote subnet goes) and waits until both
/// gateways run a CHILD SA for custB's LAN only.
fn remove_lan_b_on_gw_a(rig: &LabWorkspace) {
    let lab = &rig.lab;
    rig.declare(Ends {
        a_lan_b: false,
        ..Ends::INITIAL
    });
    rig.drifted(
        "hostB's LAN removed on gwA",
        &[
            "ipsec_remote_subnet.a_lan_b will be destroyed",
            "Plan: 0 to add, 0 to change, 1 to destroy.",
        ],
    );
    rig.apply();
    wait_for_tunnel(lab, &["192.168.20.0/24\n", "10.1.0.0/16\n"]);
    for gw in GATEWAYS {
        let sas = lab.list_sas(gw);
        assert!(
            !sas.contains(LAN_B),
            "{gw} still tunnels hostB's LAN:\n{sas}\n{}",
            lab.report()
        );
    }
}

/// 3. Removing a remote subnet (hostB's LAN, on gwA) stops tunnelling to it while custB,
///    through the NAT, still works. The SA must be renegotiated for that: reloading a
///    configuration never narrows an established SA, whose selectors still cover
///    192.168.10.0/24, so without it hostB's traffic would go on flowing. Nothing needs
///    doing by hand: for a changed child with start_action "start", charon closes the old
///    SA and initiates again on `load-conn`, and the engine terminates and initiates the
///    child as well.
///
///    Only gwA's side changes here; `a_change_on_the_answering_side_keeps_a_conforming_tunnel_up`
///    then changes gwB's.
fn removing_a_remote_subnet_stops_tunnelling_to_it() {
    let Some(rig) = both_ends_up("tf-subnet") else {
        return;
    };
    let lab = &rig.lab;
    assert_host_b_through_tunnel(lab, "before the removal");
    remove_lan_b_on_gw_a(&rig);
    assert_unreachable(lab, "hostA", HOST_B, "after its LAN left the tunnel");
    assert_nat_both_ways(lab, "after the removal");
    rig.converged("the removal");
}

/// 3b. The matching change on the answering side: once gwA tunnels custB's LAN only,
///     gwB stops offering hostB's LAN. The tunnel stays up (or comes straight back):
///     gwB's engine terminates its CHILD SA because its local subnets changed, and gwA,
///     whose child closes with `close_action = start`, negotiates it again. (Before
///     close_action was rendered, gwB's terminate left an ESTABLISHED IKE SA without a
///     CHILD SA: gwB only answers, and gwA's start action is one attempt at load time.)
fn a_change_on_the_answering_side_keeps_a_conforming_tunnel_up() {
    let Some(rig) = both_ends_up("tf-answerer") else {
        return;
    };
    let lab = &rig.lab;
    remove_lan_b_on_gw_a(&rig);
    assert_nat_both_ways(lab, "after gwA's change");
    rig.declare(Ends {
        a_lan_b: false,
        b_lan_b: false,
        ..Ends::INITIAL
    });
    rig.drifted(
        "hostB's LAN removed on gwB",
        &[
            "ipsec_vpn_connection.b will be updated in-place",
            "Plan: 0 to add, 1 to change, 0 to destroy.",
        ],
    );
    rig.apply();
    wait_for_tunnel(lab, &["192.168.20.0/24\n", "10.1.0.0/16\n"]);
    assert_nat_both_ways(lab, "after gwB's change");
    rig.converged("gwB's change");
}

/// 3c. With `ike_version = 1` the same tunnel carries both remote subnets: hostB's LAN
///     and custB's (through the NAT). IKEv1 quick mode negotiates one pair of traffic
///     selectors per CHILD SA (charon proposes only the first of each list), so each
///     gateway needs, and runs, one CHILD SA per (local subnet, remote subnet) pair: two
///     here (10.1.0.0/16 with each of gwB's LANs).
///
///     Not judged: a leftover CHILD SA. When the connection goes from one pair (while
///     Terraform adds its subnets one by one) to two, its child `site_b` becomes
///     `site_b-1` and `site_b-2`; now and then the SA of the old `site_b` stays INSTALLED
///     on gwA next to `site_b-1` with the same selectors (gwB lists it REKEYED).
fn ikev1_tunnels_every_remote_subnet() {
    if skip_system_tests() {
        return;
    }
    let rig = LabWorkspace::new("tf-ikev1", ProviderMode::Binary, PSK);
    let lab = &rig.lab;
    observe_nat(lab);
    rig.declare(Ends {
        ike_version: 1,
        ..Ends::INITIAL
    });
    rig.apply();
    wait_for_pairs(
        lab,
        &[(SITE_A, LAN_B), (SITE_A, LAN_CUST)],
        &["ESTABLISHED, IKEv1"],
    );
    assert_host_b_through_tunnel(lab, "IKEv1");
    assert_nat_both_ways(lab, "IKEv1");
    rig.converged("apply");
}

/// 4. Dead-peer detection with its defaults (30 s; gwA starts, so its action is
///    `restart`): gwB goes silent (its namespace drops every IKE and ESP-in-UDP packet,
///    as a peer that died without saying so; a stopped charon would delete its SAs),
///    gwA finds it dead within the delay plus the lab's retransmissions (timeout 2 s, 3
///    tries: about 25 s) and starts renegotiating; once gwB answers again the tunnel is
///    back without anything done on either gateway. The times are printed.
fn dead_peer_detection_restarts_the_tunnel_when_the_peer_returns() {
    use std::time::{Duration, Instant};
    let Some(rig) = both_ends_up("tf-dpd") else {
        return;
    };
    let lab = &rig.lab;
    let conf =
        std::fs::read_to_string(rig.config_dir("gwA").join("swanctl/conf.d/site_b.conf")).unwrap();
    for line in ["dpd_delay = 30s", "dpd_action = restart"] {
        assert!(conf.contains(line), "no `{line}` in gwA's file:\n{conf}");
    }
    // Right after it is established, charon sends MOBIKE address updates; one still in
    // flight when gwB goes silent ends the SA by retransmission timeout, before DPD
    // ever runs. Let them be answered first.
    std::thread::sleep(Duration::from_secs(5));
    let silenced = Instant::now();
    lab.nft(
        "gwB",
        "table inet dpd_silence {\n\
         chain input { type filter hook input priority -10; udp dport { 500, 4500 } drop; }\n\
         chain output { type filter hook output priority -10; udp sport { 500, 4500 } drop; }\n\
         }\n",
    );
    lab.wait_until_within(
        "gwA to find gwB dead and restart",
        Duration::from_secs(120),
        || !lab.list_sas("gwA").contains(", ESTABLISHED, "),
    );
    let detected = silenced.elapsed();
    // The whole log: a load of configuration dumped at apply can push the DPD request
    // out of any fixed tail.
    let log = std::fs::read_to_string(lab.charon_log("gwA")).unwrap_or_default();
    assert!(
        log.contains("sending DPD request"),
        "no DPD in gwA's log:\n{}",
        lab.log_tail("gwA", 400)
    );
    lab.nft("gwB", "delete table inet dpd_silence\n");
    let answering = Instant::now();
    wait_for_tunnel(lab, &[]);
    let recovered = answering.elapsed();
    assert_host_b_through_tunnel(lab, "after the peer returned");
    eprintln!(
        "DPD (delay 30 s, restart): gwB silent, gwA found it dead after {:.1} s; tunnel up \
         again {:.1} s after gwB answered",
        detected.as_secs_f64(),
        recovered.as_secs_f64()
    );
    assert!(
        detected <= Duration::from_secs(30 + 45),
        "detection took {detected:?}, more than the delay and the retransmissions"
    );
}

/// One side of [`two_connections_to_one_peer_address_told_apart_by_identity_both_establish`]:
/// a connection through provider `gw` to `peer` with its remote subnet `remote`.
#[allow(clippy::too_many_arguments)]
fn identified(
    label: &str,
    gw: &str,
    peer: &str,
    identity: (&str, &str),
    key: &str,
    local: &str,
    remote: &str,
    start: &str,
) -> String {
    let (attr, id) = identity;
    let after = if start == "start" {
        "  depends_on    = [ipsec_remote_subnet.b_lan_remote, ipsec_remote_subnet.b_cust_remote]\n"
    } else {
        ""
    };
    format!(
        "resource \"ipsec_vpn_connection\" \"{label}\" {{\n  provider      = ipsec.{gw}\n  name          = \"{label}\"\n  \
         peer_address  = \"{peer}\"\n  {attr} = \"{id}\"\n  preshared_key = \"{key}\"\n  \
         local_subnets = [\"{local}\"]\n  start_action  = \"{start}\"\n{after}}}\n\n{}",
        acceptance_tests::lab::config::remote_subnet(
            &format!("{label}_remote"),
            Some(gw),
            label,
            remote
        )
    )
}

/// 5. Two sites behind one address: gwB answers as two identities
///    (`lan.site-b.example.net` for hostB's LAN, `cust.site-b.example.net` for custB's),
///    each with its own key, and gwA runs a connection to each, told apart by `peer_id`
///    alone (same `peer_address`, same local identity). Both IKE SAs establish with the
///    FQDN identities, and each LAN is reached through its own tunnel.
fn two_connections_to_one_peer_address_told_apart_by_identity_both_establish() {
    if skip_system_tests() {
        return;
    }
    const CUST_KEY: &str = "tf-lab-psk-cust-73b1";
    let rig = LabWorkspace::new("tf-ids", ProviderMode::InProcess, PSK);
    let lab = &rig.lab;
    let dir = rig.workspace().path();
    let (lan_id, cust_id) = ("lan.site-b.example.net", "cust.site-b.example.net");
    let hcl = [
        provider_block(lab, Some("gwA"), "gwA", &dir.join("gwA")),
        provider_block(lab, Some("gwB"), "gwB", &dir.join("gwB")),
        identified(
            "b_lan",
            "gwB",
            GW_A,
            ("local_id", lan_id),
            PSK,
            LAN_B,
            SITE_A,
            "none",
        ),
        identified(
            "b_cust",
            "gwB",
            GW_A,
            ("local_id", cust_id),
            CUST_KEY,
            LAN_CUST,
            SITE_A,
            "none",
        ),
        identified(
            "a_lan",
            "gwA",
            GW_B,
            ("peer_id", lan_id),
            PSK,
            SITE_A,
            LAN_B,
            "start",
        ),
        identified(
            "a_cust",
            "gwA",
            GW_B,
            ("peer_id", cust_id),
            CUST_KEY,
            SITE_A,
            LAN_CUST,
            "start",
        ),
    ]
    .concat();
    rig.write_config(&hcl);
    rig.apply();
    for gw in GATEWAYS {
        lab.wait_until(&format!("two ESTABLISHED IKE SAs on {gw}"), || {
            let sas = lab.list_sas(gw);
            sas.matches(", ESTABLISHED, ").count() == 2 && sas.matches(", INSTALLED, ").count() == 2
        });
    }
    let sas = lab.list_sas("gwA");
    for expected in [lan_id, cust_id] {
        assert!(
            sas.contains(expected),
            "gwA's SAs do not name {expected}:\n{sas}"
        );
    }
    for (host, what) in [(HOST_B, "hostB"), (CUST_B, "custB")] {
        assert!(
            lab.ping("hostA", host),
            "hostA cannot reach {what} through its tunnel\n{}",
            lab.report()
        );
    }
    rig.converged("both identities");
}

/// A static NAT subnet inside gwA's LAN (10.1.0.88/29 in 10.1.0.0/24): hostA asks for
/// the NAT address by ARP, gwA answers (it holds 10.1.0.92/32 on its LAN interface), so
/// hostA's neighbour entry becomes REACHABLE and hostA reaches custB with no route for
/// the NAT subnet. The address removed by hand is drift on the translation, which apply
/// puts back; destroy removes it.
fn nat_addresses_inside_the_local_network_are_answered_without_routes() {
    if skip_system_tests() {
        return;
    }
    const INSIDE: &str = "10.1.0.92";
    let rig = LabWorkspace::new("tf-natarp", ProviderMode::Binary, PSK);
    let lab = &rig.lab;
    let hcl = acceptance_tests::lab::config::both_ends(lab, rig.workspace().path(), Ends::INITIAL)
        .replace("10.1.255.88/29", "10.1.0.88/29")
        .replace(acceptance_tests::lab::config::NAT_IP, INSIDE);
    rig.write_config(&hcl);
    rig.apply();
    wait_for_tunnel(lab, &[]);
    let held = |lab: &Lab| {
        lab.exec_ok("gwA", &["ip", "-o", "addr", "show"])
            .contains(&format!("inet {INSIDE}/32"))
    };
    assert!(held(lab), "gwA does not hold {INSIDE}/32\n{}", lab.report());
    lab.wait_until("hostA to reach custB at its NAT address on the LAN", || {
        lab.ping("hostA", INSIDE)
    });
    let neighbour = lab.exec_ok("hostA", &["ip", "neigh", "show", INSIDE]);
    assert!(
        neighbour.contains("REACHABLE")
            || neighbour.contains("STALE")
            || neighbour.contains("DELAY"),
        "hostA's neighbour entry for {INSIDE}: {neighbour:?}"
    );
    assert!(
        !neighbour.contains("INCOMPLETE") && !neighbour.contains("FAILED"),
        "{neighbour:?}"
    );
    let routes = lab.exec_ok("hostA", &["ip", "route", "show"]);
    assert!(
        !routes.contains("10.1.0.88"),
        "a route for the NAT subnet on hostA:\n{routes}"
    );
    rig.converged("apply");

    let dev = lab
        .exec_ok("gwA", &["ip", "-o", "addr", "show"])
        .lines()
        .find(|l| l.contains(&format!("inet {INSIDE}/32")))
        .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
        .unwrap();
    lab.exec_ok(
        "gwA",
        &["ip", "addr", "del", &format!("{INSIDE}/32"), "dev", &dev],
    );
    rig.drifted(
        "the NAT address removed by hand",
        &["ipsec_nat_context.a will be updated in-place", "custB"],
    );
    rig.apply();
    assert!(
        held(lab),
        "apply did not put {INSIDE}/32 back\n{}",
        lab.report()
    );
    rig.converged("the repair");

    rig.ok(&["destroy", "-input=false", "-auto-approve"]);
    assert!(!held(lab), "{INSIDE}/32 is left after destroy");
}

/// 6. A branch behind a provider's NAT: gwB has a private address behind natB, which
///    masquerades it, so gwA sees gwB's IKE and ESP come from natB's public address.
///    Both ends identify by FQDN (gwB's address is not its identity); gwB initiates
///    (gwA cannot reach it) and waits for the tunnel; hostA then reaches hostB, and gwA's
///    IKE SA runs to the NAT's address with gwB's FQDN as the remote identity.
fn a_peer_behind_nat_with_fqdn_identities_establishes() {
    if skip_system_tests() {
        return;
    }
    let rig = LabWorkspace::behind_nat("tf-nat", ProviderMode::Binary, PSK);
    let lab = &rig.lab;
    let dir = rig.workspace().path();
    let (a_id, b_id) = ("gwa.site-a.example.com", "branch@site-b.example.net");
    let hcl = format!(
        r#"{}
{}
resource "ipsec_vpn_connection" "a" {{
  provider      = ipsec.gwA
  name          = "site_b"
  local_address = "{GW_A}"
  peer_address  = "{NAT_B}"
  local_id      = "{a_id}"
  peer_id       = "{b_id}"
  preshared_key = "{PSK}"
  local_subnets = ["{SITE_A}"]
  start_action  = "none"
}}

resource "ipsec_remote_subnet" "a_lan_b" {{
  provider        = ipsec.gwA
  connection_name = ipsec_vpn_connection.a.name
  cidr            = "{LAN_B}"
}}

resource "ipsec_vpn_connection" "b" {{
  provider      = ipsec.gwB
  name          = "site_a"
  local_address = "{GW_B_PRIVATE}"
  peer_address  = "{GW_A}"
  local_id      = "{b_id}"
  peer_id       = "{a_id}"
  preshared_key = "{PSK}"
  local_subnets = ["{LAN_B}"]
  start_action  = "start"

  wait_until_established = true
  timeouts               = {{ create = "60s", update = "60s" }}
}}

resource "ipsec_remote_subnet" "b_site_a" {{
  provider        = ipsec.gwB
  connection_name = ipsec_vpn_connection.b.name
  cidr            = "{SITE_A}"
}}
"#,
        provider_block(lab, Some("gwA"), "gwA", &dir.join("gwA")),
        provider_block(lab, Some("gwB"), "gwB", &dir.join("gwB")),
    );
    rig.write_config(&hcl);
    rig.apply();
    assert_host_b_through_tunnel(lab, "behind the NAT");
    let sas = lab.list_sas("gwA");
    assert!(
        sas.contains(NAT_B) && sas.contains(b_id) && sas.contains("ESTABLISHED"),
        "gwA's IKE SA does not run to the NAT's address with gwB's identity:\n{sas}\n{}",
        lab.report()
    );
    rig.converged("the tunnel behind the NAT");
}
