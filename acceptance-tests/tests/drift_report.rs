//! `examples/ci-drift/drift-report`, the CI drift check: 0 and "No drift" on a clean
//! gateway; 2 after hand edits, with a Markdown section per drifted resource naming the
//! attributes that changed (a key edit shows as `(sensitive value)`, never as a key);
//! 1 with Terraform's error for a broken configuration.

mod common;

use std::process::Command;

use acceptance_tests::{terraform, Gateway, ProviderMode, Secret, Workspace};
use common::*;

acceptance_tests::suite![
    a_clean_gateway_reports_no_drift_and_exits_0,
    hand_edits_are_reported_per_resource_and_attribute_and_exit_2,
    a_broken_configuration_is_an_error_and_exits_1,
];

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/ci-drift/drift-report"
);
const HAND_KEY: &str = "typed-by-hand-Key-77";

/// A connection with a remote subnet and a NAT context, applied.
fn applied_site() -> Workspace {
    let workspace = Workspace::new(ProviderMode::InProcess);
    workspace.write_config(&format!(
        "{}{}{}",
        connection("dc1").hcl(),
        remote_subnet("apps", "ipsec_vpn_connection.dc1.name", "192.168.10.0/24"),
        nat_context(
            "dc1",
            "ipsec_vpn_connection.dc1.name",
            "10.1.255.0/24",
            &[("db", "10.1.255.10", "192.168.10.15")],
            &["ipsec_remote_subnet.apps"],
        ),
    ));
    workspace.ok(&["apply", "-input=false", "-auto-approve"]);
    workspace
}

/// Runs the script in the workspace: its exit code and its report.
fn drift_report(workspace: &Workspace) -> (i32, String) {
    let output = Command::new(SCRIPT)
        .current_dir(workspace.path())
        .envs(workspace.terraform_env())
        .env("TERRAFORM", terraform::binary())
        .env("CHECKPOINT_DISABLE", "1")
        .env_remove("TF_LOG")
        .output()
        .expect("drift-report runs");
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.is_empty(),
        "drift-report wrote to stderr: {stderr}\n{report}"
    );
    (output.status.code().unwrap_or(-1), report)
}

fn a_clean_gateway_reports_no_drift_and_exits_0() {
    let workspace = applied_site();
    let (code, report) = drift_report(&workspace);
    assert_eq!(code, 0, "{report}");
    assert!(report.starts_with("## No drift"), "{report}");
}

fn hand_edits_are_reported_per_resource_and_attribute_and_exit_2() {
    let workspace = applied_site();
    let gateway = workspace.gateway();
    let conf = Gateway::swanctl_path("dc1");
    gateway.replace(&conf, "rekey_time = 28800s", "rekey_time = 7200s");
    gateway.replace(
        &conf,
        &format!("secret = 0x{}", hex(KEY)),
        &format!("secret = 0x{}", hex(HAND_KEY)),
    );
    gateway.remove(&Gateway::nft_path("dc1"));

    let (code, report) = drift_report(&workspace);
    assert_eq!(code, 2, "{report}");
    assert!(report.contains("## Drift: 2 resource(s)"), "{report}");
    assert!(
        report.contains("### `ipsec_vpn_connection.dc1`: changed outside Terraform"),
        "{report}"
    );
    assert!(
        report.contains("| `phase1.keylife` | `` 28800 `` | `` 7200 `` |"),
        "{report}"
    );
    assert!(
        report.contains("| `preshared_key` | (sensitive value) | (sensitive value) |"),
        "{report}"
    );
    assert!(
        report.contains("### `ipsec_nat_context.dc1`: deleted outside Terraform"),
        "{report}"
    );
    assert!(!report.contains("ipsec_remote_subnet.apps"), "{report}");
    for key in [KEY, HAND_KEY] {
        Secret::never_stored(key).assert_not_in(&report, "the drift report");
    }

    // Once apply has put the gateway back, the report is clean again.
    workspace.ok(&["apply", "-input=false", "-auto-approve"]);
    assert_eq!(drift_report(&workspace).0, 0);
}

fn a_broken_configuration_is_an_error_and_exits_1() {
    let workspace = applied_site();
    workspace.write_config(&format!(
        "{}{}",
        connection("dc1").hcl(),
        remote_subnet("apps", "ipsec_vpn_connection.dc2.name", "192.168.10.0/24"),
    ));
    let (code, report) = drift_report(&workspace);
    assert_eq!(code, 1, "{report}");
    assert!(report.starts_with("## Drift check failed"), "{report}");
    assert!(
        report.contains("Reference to undeclared resource"),
        "{report}"
    );

    // A gateway file broken by hand is an error too, naming the file.
    workspace.write_config(&connection("dc1").hcl());
    workspace
        .gateway()
        .edit(&Gateway::swanctl_path("dc1"), |text| {
            format!("{text}\n}}}} garbage {{\n")
        });
    let (code, report) = drift_report(&workspace);
    assert_eq!(code, 1, "{report}");
    assert!(report.contains("dc1.conf"), "{report}");
}
