//! The drift check a CI job runs, with the commands README.md recommends:
//!
//! - `terraform plan -refresh-only -detailed-exitcode` exits 0 on a clean gateway, also
//!   after an in-place update (whose state holds private data) and after an
//!   `apply -refresh-only`, and 2 after a hand edit;
//! - `terraform plan -refresh-only -out=p` then `terraform show -json p` has no
//!   `resource_drift` on a clean gateway and lists exactly the edited connection after a
//!   hand edit;
//! - plain `terraform plan -detailed-exitcode` exits 0 clean and 2 after a hand edit.
//!
//! Terraform 1.11 exits 2 in refresh-only mode whenever a refreshed object is not the
//! same Go value as the one it decoded from the state file, even when every attribute
//! is equal (hashicorp/terraform#36403). An integer answered as an msgpack int was
//! enough; the provider answers numbers as decimal strings, which Terraform decodes as
//! it decodes the state file. These tests would notice either side changing.

mod common;

use acceptance_tests::{Gateway, ProviderMode, Workspace};
use common::*;
use serde_json::Value;

acceptance_tests::suite![
    refresh_only_exit_code_is_0_clean_and_2_after_a_hand_edit,
    refresh_only_plan_file_has_resource_drift_only_after_a_hand_edit,
    plain_plan_exit_code_is_0_clean_and_2_after_a_hand_edit,
    refresh_only_exit_code_with_the_real_binary,
];

const DC1: &str = "ipsec_vpn_connection.dc1";

/// Two connections, one with a sensitive key and every integer at its default, one
/// with a write-only key, its version and integers set in the configuration; two remote
/// subnets and a NAT context of two translations on the first.
fn site(description: &str) -> String {
    let dc2 = connection("dc2")
        .unset("preshared_key")
        .string("preshared_key_wo", KEY)
        .set("preshared_key_wo_version", "3")
        .string("peer_address", "203.0.113.20")
        .set("local_subnets", "[\"10.2.0.0/16\"]")
        .set("ike_version", "2")
        .set("phase2", "{ dh_group = 19, keylife = 1800 }");
    let dc1 = connection("dc1").string("description", description);
    format!("{}{}", dc1_site(&dc1), dc2.hcl())
}

/// The IKE SA's lifetime of dc1 edited by hand: `phase1.keylife` drifts to 7200.
fn edit_by_hand(gateway: &Gateway) {
    gateway.replace(
        &Gateway::swanctl_path("dc1"),
        "rekey_time = 28800s",
        "rekey_time = 7200s",
    );
}

/// `terraform plan -refresh-only -detailed-exitcode`: the exit code (0 or 2, anything
/// else fails the test) and the output.
fn refresh_only_exit_code(workspace: &Workspace) -> (i32, String) {
    workspace.plan_exit_code_with(&["-refresh-only"])
}

/// Requires exit code 0 and "No changes" from the refresh-only plan.
fn assert_refresh_only_clean(workspace: &Workspace, context: &str) {
    let (code, output) = refresh_only_exit_code(workspace);
    assert_eq!(
        code, 0,
        "{context}: plan -refresh-only -detailed-exitcode exits {code}:\n{output}"
    );
    assert_shows(&output, r"No changes\.", context);
}

/// `terraform plan -refresh-only -out=p` and `terraform show -json p`: the plan's
/// `resource_drift` (empty when Terraform leaves it out).
fn refresh_only_drift(workspace: &Workspace) -> Vec<Value> {
    workspace.ok(&["plan", "-input=false", "-refresh-only", "-out=p"]);
    let shown = workspace.ok(&["show", "-json", "p"]).stdout;
    let plan: Value = serde_json::from_str(&shown)
        .unwrap_or_else(|e| panic!("terraform show -json is not JSON ({e}):\n{shown}"));
    match plan.get("resource_drift") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(drift)) => drift.clone(),
        Some(other) => panic!("resource_drift is not a list: {other}"),
    }
}

/// The base64 private data of `address`'s current object in the state file.
fn private_of(workspace: &Workspace, address: &str) -> String {
    let state = workspace.state_file_json();
    let resources = state["resources"].as_array().cloned().unwrap_or_default();
    let resource = resources
        .iter()
        .find(|r| {
            format!(
                "{}.{}",
                r["type"].as_str().unwrap_or(""),
                r["name"].as_str().unwrap_or("")
            ) == address
        })
        .unwrap_or_else(|| panic!("{address} is not in the state file:\n{state:#}"));
    resource["instances"][0]["private"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn refresh_only_exit_code_is_0_clean_and_2_after_a_hand_edit() {
    let workspace = Workspace::new(ProviderMode::InProcess);
    let gateway = workspace.gateway();
    workspace.write_config(&site("first"));
    workspace.ok(&["apply", "-auto-approve", "-input=false"]);
    assert_refresh_only_clean(&workspace, "right after the first apply");

    // An in-place update: its plan answered private data, which is now in the state.
    workspace.write_config(&site("second"));
    workspace.ok(&["apply", "-auto-approve", "-input=false"]);
    assert!(
        !private_of(&workspace, DC1).is_empty(),
        "the update left no private data in the state, so this test no longer shows that \
         private data is not the trigger"
    );
    assert_refresh_only_clean(&workspace, "after an in-place update");

    workspace.ok(&["apply", "-refresh-only", "-auto-approve", "-input=false"]);
    assert_refresh_only_clean(&workspace, "after apply -refresh-only");

    edit_by_hand(gateway);
    let (code, output) = refresh_only_exit_code(&workspace);
    assert_eq!(code, 2, "a hand edit is not drift:\n{output}");
    for pattern in [
        r"# ipsec_vpn_connection\.dc1 has changed",
        r"(?s)~ phase1\s+= \{.*~ keylife\s+= 28800 -> 7200",
    ] {
        assert_shows(&output, pattern, "the refresh-only plan after a hand edit");
    }
    assert_eq!(
        output.matches(" has changed").count(),
        1,
        "only dc1 was edited:\n{output}"
    );

    // Accepting the drift into the state: the state matches the gateway again.
    workspace.ok(&["apply", "-refresh-only", "-auto-approve", "-input=false"]);
    assert_refresh_only_clean(&workspace, "after accepting the drift");

    // Putting the gateway back: a plain apply, then nothing drifts any more.
    workspace.ok(&["apply", "-auto-approve", "-input=false"]);
    assert!(gateway.swanctl("dc1").contains("rekey_time = 28800s"));
    assert_refresh_only_clean(&workspace, "after repairing the gateway");
    workspace.assert_plan_empty("after repairing the gateway");

    workspace.ok(&["destroy", "-auto-approve", "-input=false"]);
    gateway.assert_empty();
}

fn refresh_only_plan_file_has_resource_drift_only_after_a_hand_edit() {
    let workspace = Workspace::new(ProviderMode::InProcess);
    let gateway = workspace.gateway();
    workspace.write_config(&site("first"));
    workspace.ok(&["apply", "-auto-approve", "-input=false"]);
    let drift = refresh_only_drift(&workspace);
    assert!(drift.is_empty(), "drift on a clean gateway: {drift:#?}");

    edit_by_hand(gateway);
    let drift = refresh_only_drift(&workspace);
    assert_eq!(drift.len(), 1, "one connection was edited: {drift:#?}");
    let change = &drift[0];
    assert_eq!(change["address"], DC1, "{change:#}");
    assert_eq!(change["change"]["actions"], serde_json::json!(["update"]));
    assert_eq!(change["change"]["before"]["phase1"]["keylife"], 28800);
    assert_eq!(change["change"]["after"]["phase1"]["keylife"], 7200);
    // `show -json` writes sensitive values in clear, flagged in `*_sensitive`.
    assert_eq!(change["change"]["after_sensitive"]["preshared_key"], true);

    workspace.ok(&["apply", "-auto-approve", "-input=false"]);
    let drift = refresh_only_drift(&workspace);
    assert!(
        drift.is_empty(),
        "drift after apply repaired it: {drift:#?}"
    );

    workspace.ok(&["destroy", "-auto-approve", "-input=false"]);
    gateway.assert_empty();
}

fn plain_plan_exit_code_is_0_clean_and_2_after_a_hand_edit() {
    let workspace = Workspace::new(ProviderMode::InProcess);
    let gateway = workspace.gateway();
    workspace.write_config(&site("first"));
    workspace.ok(&["apply", "-auto-approve", "-input=false"]);
    workspace.assert_plan_empty("right after apply");

    edit_by_hand(gateway);
    let (code, output) = workspace.plan_exit_code();
    assert_eq!(code, 2, "a hand edit is not drift:\n{output}");
    for pattern in [
        r"# ipsec_vpn_connection\.dc1 will be updated in-place",
        r"(?s)~ phase1\s+= \{.*~ keylife\s+= 7200 -> 28800",
        r"Plan: 0 to add, 1 to change, 0 to destroy",
    ] {
        assert_shows(&output, pattern, "the plan after a hand edit");
    }

    workspace.ok(&["apply", "-auto-approve", "-input=false"]);
    workspace.assert_plan_empty("after apply repaired the gateway");
    workspace.ok(&["destroy", "-auto-approve", "-input=false"]);
    gateway.assert_empty();
}

/// The plugin binary Terraform starts itself, as in CI.
fn refresh_only_exit_code_with_the_real_binary() {
    let workspace = Workspace::new(ProviderMode::Binary);
    let gateway = workspace.gateway();
    workspace.write_config(&site("first"));
    workspace.ok(&["apply", "-auto-approve", "-input=false"]);
    assert_refresh_only_clean(&workspace, "right after apply");

    edit_by_hand(gateway);
    let (code, output) = refresh_only_exit_code(&workspace);
    assert_eq!(code, 2, "a hand edit is not drift:\n{output}");
    assert_shows(
        &output,
        r"# ipsec_vpn_connection\.dc1 has changed",
        "the refresh-only plan after a hand edit",
    );

    workspace.ok(&["destroy", "-auto-approve", "-input=false"]);
    gateway.assert_empty();
}
