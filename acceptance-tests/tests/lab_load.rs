//! The live engine under ordinary load and faults: 100 connections on gwA at
//! Terraform's default parallelism (once failing with "Resource temporarily
//! unavailable" from charon's VICI backlog), and charon killed in the middle of an
//! apply (once a hang with the provider at 99 % CPU).
//!
//! Terraform starts the real provider binary. Needs root, network namespaces,
//! strongSwan, nftables and `terraform`; `IPSEC_SKIP_SYSTEM_TESTS=1` skips these tests.

use std::sync::mpsc;
use std::time::Duration;

use acceptance_tests::lab::config::{provider_block, PSK};
use acceptance_tests::lab::{run_lab_suite, LabWorkspace};
use acceptance_tests::{test, ProviderMode};
use ipsec_test_support::lab::{skip_system_tests, GW_A, SITE_A};

/// How many connections, each with one remote subnet.
const CONNECTIONS: usize = 100;

fn main() {
    run_lab_suite(vec![
        test(
            "a_hundred_connections_apply_refresh_and_destroy_at_default_parallelism",
            a_hundred_connections_apply_refresh_and_destroy_at_default_parallelism,
        ),
        test(
            "charon_killed_during_an_apply_fails_it_promptly_and_a_rerun_converges",
            charon_killed_during_an_apply_fails_it_promptly_and_a_rerun_converges,
        ),
    ]);
}

/// [`CONNECTIONS`] answering connections on gwA (`start_action = "none"`: no peer
/// needed), each to its own peer, with one remote subnet each.
fn many_connections(rig: &LabWorkspace) -> String {
    format!(
        r#"{provider}
resource "ipsec_vpn_connection" "load" {{
  count         = {CONNECTIONS}
  name          = "load-${{count.index}}"
  local_address = "{GW_A}"
  peer_address  = "198.18.${{floor(count.index / 250)}}.${{count.index % 250 + 1}}"
  preshared_key = "{PSK}"
  local_subnets = ["{SITE_A}"]
  start_action  = "none"
}}

resource "ipsec_remote_subnet" "load" {{
  count           = {CONNECTIONS}
  connection_name = ipsec_vpn_connection.load[count.index].name
  cidr            = "172.16.${{count.index}}.0/24"
}}
"#,
        provider = provider_block(&rig.lab, None, "gwA", &rig.config_dir("gwA")),
    )
}

/// How many connections gwA's charon has loaded.
fn loaded(rig: &LabWorkspace) -> usize {
    rig.lab
        .swanctl_ok("gwA", &["--list-conns"])
        .lines()
        .filter(|line| line.starts_with("load-"))
        .count()
}

/// Issue 13, item 9: apply, a refreshed plan and destroy of 100 connections and 100
/// subnets at `-parallelism=10` (Terraform's default) pass, with an empty plan.
fn a_hundred_connections_apply_refresh_and_destroy_at_default_parallelism() {
    if skip_system_tests() {
        return;
    }
    let rig = LabWorkspace::new("tf-load", ProviderMode::Binary, PSK);
    rig.write_config(&many_connections(&rig));
    rig.apply();
    assert_eq!(loaded(&rig), CONNECTIONS);
    rig.converged("applying 100 connections");
    let destroyed = rig.ok(&["destroy", "-input=false", "-auto-approve"]);
    assert!(
        destroyed.contains(&format!("Resources: {} destroyed.", 2 * CONNECTIONS)),
        "{destroyed}"
    );
    assert_eq!(loaded(&rig), 0);
}

/// Issue 13, item 7: charon killed while an apply loads connections ends the apply
/// with an error that names charon, instead of a hang; once charon is back, an apply
/// loads everything again and the plan is empty.
fn charon_killed_during_an_apply_fails_it_promptly_and_a_rerun_converges() {
    if skip_system_tests() {
        return;
    }
    let rig = LabWorkspace::new("tf-kill", ProviderMode::Binary, PSK);
    rig.write_config(&many_connections(&rig));
    let (done, applied) = mpsc::channel();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let run = rig.run(&["apply", "-input=false", "-auto-approve"]);
            let _ = done.send(run);
        });
        // `terraform init` comes first, and the machine may be busy: be patient.
        rig.lab.wait_until_within(
            "the apply to load its first connections",
            Duration::from_secs(300),
            || loaded(&rig) > 0,
        );
        rig.lab.stop("gwA");
        // Generous, and far below "for ever": the engine's own VICI deadline is 30 s.
        let run = applied
            .recv_timeout(Duration::from_secs(180))
            .expect("the apply hangs after charon was killed");
        assert_ne!(run.code, 0, "{}", run.output());
        assert!(run.output().contains("charon"), "{}", run.output());
    });
    rig.lab.start("gwA");
    rig.apply();
    assert_eq!(loaded(&rig), CONNECTIONS);
    rig.converged("charon's restart and a second apply");
}
