//! Hand changes and failures on a live lab gateway while Terraform manages both ends of a
//! tunnel (see `lab_tunnels.rs` for the setup): a connection unloaded or a NAT rule
//! deleted by hand is drift that `apply` repairs; a stopped charon is a clear error that
//! writes nothing, and `apply` converges once it runs again.
//!
//! Terraform starts the real provider binary. Needs root, network namespaces,
//! strongSwan, nftables and `terraform`; `IPSEC_SKIP_SYSTEM_TESTS=1` skips these tests.

use acceptance_tests::lab::checks::*;
use acceptance_tests::lab::config::{Ends, CONN_A, NAT_IP};
use acceptance_tests::lab::{both_ends_up, run_lab_suite};
use acceptance_tests::terraform::Run;
use acceptance_tests::test;
use ipsec_test_support::lab::*;

fn main() {
    run_lab_suite(vec![
        test(
            "hand_changes_on_the_gateway_are_drift_that_apply_repairs",
            hand_changes_on_the_gateway_are_drift_that_apply_repairs,
        ),
        test(
            "a_connection_reloaded_by_hand_with_other_settings_is_drift_that_apply_reloads",
            a_connection_reloaded_by_hand_with_other_settings_is_drift_that_apply_reloads,
        ),
        test(
            "a_stopped_charon_fails_clearly_changes_nothing_and_apply_converges_after_restart",
            a_stopped_charon_fails_clearly_changes_nothing_and_apply_converges_after_restart,
        ),
    ]);
}

/// The handle of the only rule of a chain in gwA's NAT table.
fn nat_rule_handle(lab: &Lab, chain: &str) -> String {
    let listing = lab.exec_ok(
        "gwA",
        &["nft", "-a", "list", "chain", "inet", "ipsec_nat", chain],
    );
    let rules: Vec<&str> = listing
        .lines()
        .filter(|line| line.contains(" comment ") && line.contains("# handle "))
        .collect();
    assert_eq!(rules.len(), 1, "one rule expected in {chain}:\n{listing}");
    rules[0]
        .rsplit("# handle ")
        .next()
        .unwrap()
        .trim()
        .to_owned()
}

/// 4. Hand changes on gwA are drift: a connection unloaded by hand, and separately a NAT
///    rule deleted by hand, each make `plan -detailed-exitcode` exit 2; `apply` restores
///    it, the next plan is empty, and traffic flows again.
fn hand_changes_on_the_gateway_are_drift_that_apply_repairs() {
    let Some(rig) = both_ends_up("tf-drift") else {
        return;
    };
    let lab = &rig.lab;

    // The connection, unloaded by hand. swanctl 5.9.8 has no --unload-conn:
    // `--load-conns` of a file without it unloads it.
    let empty = lab.dir().join("no-connections.conf");
    std::fs::write(&empty, "").unwrap();
    let unloaded = lab.swanctl_ok(
        "gwA",
        &["--load-conns", "--file", &empty.display().to_string()],
    );
    assert!(unloaded.contains("1 unloaded"), "{unloaded}");
    // Unloading a connection with start_action "start" closes its SAs too. The delete
    // is an exchange with the peer: charon retransmits a lost one after 4, 11 and 24 s,
    // so a loaded machine can need more than the lab's usual 20 s.
    lab.wait_until_within(
        "gwA to close the unloaded connection's SAs",
        std::time::Duration::from_secs(60),
        || !lab.list_sas("gwA").contains(": #"),
    );
    assert_unreachable(
        lab,
        "hostA",
        HOST_B,
        "through the tunnel without its connection",
    );
    rig.drifted(
        "connection unloaded by hand",
        &[
            "ipsec_vpn_connection.a has been deleted",
            "ipsec_vpn_connection.a will be created",
        ],
    );
    rig.apply();
    rig.converged("apply repaired the unloaded connection");
    wait_for_tunnel(lab, &[]);
    assert_host_b_through_tunnel(lab, "after apply repaired the unloaded connection");
    assert_nat_both_ways(lab, "after apply repaired the unloaded connection");

    // The DNAT rule, deleted by hand.
    let chain = format!("{CONN_A}_prerouting");
    let handle = nat_rule_handle(lab, &chain);
    lab.exec_ok(
        "gwA",
        &[
            "nft",
            "delete",
            "rule",
            "inet",
            "ipsec_nat",
            &chain,
            "handle",
            &handle,
        ],
    );
    assert_unreachable(lab, "hostA", NAT_IP, "without the DNAT rule");
    rig.drifted(
        "DNAT rule deleted by hand",
        &[
            "ipsec_nat_context.a will be updated in-place",
            "+ \"custB\" = {",
        ],
    );
    rig.apply();
    rig.converged("apply repaired the NAT rule");
    assert_nat_both_ways(lab, "after apply repaired the NAT rule");
    assert_host_b_through_tunnel(lab, "after apply repaired the NAT rule");
}

/// Issue 13 item 10: gwA's `site_b` reloaded by hand (`swanctl --load-conns`) with the
///    same name but other proposals, rekey time, DPD and `start_action = none`: charon
///    closes the SA, and the plan shows it (exit 2, the start action and DPD back to
///    Terraform's); `apply` reloads the provider's connection, the tunnel comes back and
///    the next plan is empty.
fn a_connection_reloaded_by_hand_with_other_settings_is_drift_that_apply_reloads() {
    let Some(rig) = both_ends_up("tf-handconn") else {
        return;
    };
    let lab = &rig.lab;
    let hand = lab.dir().join("hand-site_b.conf");
    std::fs::write(
        &hand,
        format!(
            "connections {{
  {CONN_A} {{
    version = 2
    local_addrs = {GW_A}
    remote_addrs = {GW_B}
    proposals = aes128-sha256-modp2048
    rekey_time = 7200s
    dpd_delay = 10s
    local {{
      auth = psk
      id = {GW_A}
    }}
    remote {{
      auth = psk
      id = {GW_B}
    }}
    children {{
      {CONN_A} {{
        local_ts = {SITE_A}
        remote_ts = {LAN_B},{LAN_CUST}
        esp_proposals = aes128-sha256
        start_action = none
      }}
    }}
  }}
}}
"
        ),
    )
    .unwrap();
    let loaded = lab.swanctl_ok(
        "gwA",
        &["--load-conns", "--file", &hand.display().to_string()],
    );
    assert!(
        loaded.contains(&format!("loaded connection '{CONN_A}'")),
        "{loaded}"
    );
    rig.drifted(
        "connection reloaded by hand with other settings",
        &[
            "ipsec_vpn_connection.a will be updated in-place",
            "\"none\" -> \"start\"",
            "\"clear\" -> \"restart\"",
            "7200 -> 28800",
        ],
    );
    rig.apply();
    rig.converged("apply reloaded the hand-changed connection");
    let conns = lab.swanctl_ok("gwA", &["--list-conns", "--raw"]);
    assert!(conns.contains("close_action=start"), "{conns}");
    wait_for_tunnel(lab, &[]);
    assert_host_b_through_tunnel(lab, "after apply reloaded the hand-changed connection");
}

/// 5. gwA's charon stopped: `apply` of a change fails with an error at `vici_uri` saying
///    charon cannot be reached, whether Terraform plans first or applies a saved plan,
///    and gwA's files are byte for byte what they were. Once charon runs again (with
///    nothing loaded, as after a reboot), `apply` loads everything back, with the change,
///    the plan is empty and the tunnel is up.
fn a_stopped_charon_fails_clearly_changes_nothing_and_apply_converges_after_restart() {
    let Some(rig) = both_ends_up("tf-stopped") else {
        return;
    };
    let lab = &rig.lab;
    let before = configuration(&rig.config_dir("gwA"));
    rig.declare(Ends {
        description: "changed while charon is down",
        ..Ends::INITIAL
    });
    rig.ok(&["plan", "-input=false", "-out=change.tfplan"]);
    lab.stop("gwA");

    let failed = |what: &str, run: Run| {
        // Terraform wraps a diagnostic's text at 78 columns.
        let printed = run
            .output()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            run.code != 0,
            "{what} succeeded with gwA's charon stopped:\n{printed}"
        );
        for wanted in ["vici_uri", "cannot reach charon", &lab.vici_uri("gwA")] {
            assert!(
                printed.contains(wanted),
                "{what}: the error does not say {wanted:?}:\n{printed}"
            );
        }
        assert_eq!(
            configuration(&rig.config_dir("gwA")),
            before,
            "{what} changed gwA's files although charon was stopped"
        );
    };
    failed(
        "apply",
        rig.run(&["apply", "-input=false", "-auto-approve"]),
    );
    failed(
        "apply of a saved plan",
        rig.run(&["apply", "-input=false", "change.tfplan"]),
    );

    lab.start("gwA");
    // A restarted charon has nothing loaded: the plan shows gwA's side as gone.
    rig.drifted(
        "charon restarted",
        &["ipsec_vpn_connection.a will be created"],
    );
    rig.apply();
    rig.converged("apply after the restart");
    let conf =
        std::fs::read_to_string(rig.config_dir("gwA").join("swanctl/conf.d/site_b.conf")).unwrap();
    assert!(conf.contains("changed while charon is down"), "{conf}");
    wait_for_tunnel(lab, &[]);
    assert_host_b_through_tunnel(lab, "after the restart");
    assert_nat_both_ways(lab, "after the restart");
}
