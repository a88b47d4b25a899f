//! The provider driven by the real `terraform` CLI: init, plan, apply, an empty plan,
//! import (command and `import` blocks), destroy; once through the real handshake with
//! mutual TLS and once in reattach (debug) mode. The examples pass `fmt` and
//! `validate`.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::terraform::{terraform_binary, Workspace};

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples");
const QUICKSTART_KEY: &str = "example-only-change-me";

fn quickstart() -> String {
    std::fs::read_to_string(Path::new(EXAMPLES).join("quickstart/main.tf")).unwrap()
}

fn gateway_files(workspace: &Workspace) -> Vec<String> {
    let root = workspace.path().join(".ipsec-gateway");
    let mut files = Vec::new();
    for dir in ["swanctl/conf.d", "nftables"] {
        if let Ok(entries) = std::fs::read_dir(root.join(dir)) {
            for entry in entries {
                files.push(format!(
                    "{dir}/{}",
                    entry.unwrap().file_name().to_string_lossy()
                ));
            }
        }
    }
    files.sort();
    files
}

/// The whole life of the quickstart in one working directory.
fn quickstart_lifecycle(workspace: &Workspace) {
    workspace.write("main.tf", &quickstart());
    workspace.ok(&["init", "-input=false"]);

    let (code, plan) = workspace.plan_exit_code();
    assert_eq!(code, 2, "a first plan creates everything:\n{plan}");
    assert!(
        plan.contains("4 to add, 0 to change, 0 to destroy"),
        "{plan}"
    );
    assert!(plan.contains("(sensitive value)"), "{plan}");
    assert!(
        !plan.contains(QUICKSTART_KEY),
        "the plan shows the key:\n{plan}"
    );

    let apply = workspace.ok(&["apply", "-input=false", "-auto-approve"]);
    assert!(apply.contains("4 added, 0 changed, 0 destroyed"), "{apply}");
    assert!(
        !apply.contains(QUICKSTART_KEY),
        "apply shows the key:\n{apply}"
    );
    assert_eq!(
        gateway_files(workspace),
        ["nftables/dc1.nft", "swanctl/conf.d/dc1.conf"]
    );
    let conf = workspace
        .path()
        .join(".ipsec-gateway/swanctl/conf.d/dc1.conf");
    assert_eq!(
        std::fs::metadata(&conf).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let text = std::fs::read_to_string(&conf).unwrap();
    assert!(
        text.contains("remote_ts = 192.168.10.0/24,192.168.20.0/24"),
        "{text}"
    );

    let (code, plan) = workspace.plan_exit_code();
    assert_eq!(code, 0, "the plan after apply must be empty:\n{plan}");

    // Import by command: forget everything, import it back, and the plan is empty.
    for (address, id) in [
        ("ipsec_vpn_connection.dc1", "dc1"),
        ("ipsec_remote_subnet.dc1_apps", "dc1/192.168.10.0/24"),
        ("ipsec_remote_subnet.dc1_users", "dc1/192.168.20.0/24"),
        ("ipsec_nat_context.dc1", "dc1"),
    ] {
        workspace.ok(&["state", "rm", address]);
        workspace.ok(&["import", "-input=false", address, id]);
    }
    let (code, plan) = workspace.plan_exit_code();
    assert_eq!(
        code, 0,
        "the plan after `terraform import` must be empty:\n{plan}"
    );

    // Import blocks: the same, declared in configuration.
    for address in [
        "ipsec_vpn_connection.dc1",
        "ipsec_remote_subnet.dc1_apps",
        "ipsec_nat_context.dc1",
    ] {
        workspace.ok(&["state", "rm", address]);
    }
    workspace.write(
        "imports.tf",
        "import {\n  to = ipsec_vpn_connection.dc1\n  id = \"dc1\"\n}\n\
         import {\n  to = ipsec_remote_subnet.dc1_apps\n  id = \"dc1/192.168.10.0/24\"\n}\n\
         import {\n  to = ipsec_nat_context.dc1\n  id = \"dc1\"\n}\n",
    );
    let apply = workspace.ok(&["apply", "-input=false", "-auto-approve"]);
    assert!(
        apply.contains("3 imported, 0 added, 0 changed, 0 destroyed"),
        "{apply}"
    );
    let (code, plan) = workspace.plan_exit_code();
    assert_eq!(
        code, 0,
        "the plan after import blocks must be empty:\n{plan}"
    );
    std::fs::remove_file(workspace.path().join("imports.tf")).unwrap();

    let destroy = workspace.ok(&["destroy", "-input=false", "-auto-approve"]);
    assert!(destroy.contains("4 destroyed"), "{destroy}");
    assert!(
        gateway_files(workspace).is_empty(),
        "{:?}",
        gateway_files(workspace)
    );
}

#[test]
fn quickstart_through_the_real_handshake_with_mutual_tls() {
    quickstart_lifecycle(&Workspace::managed());
}

#[test]
fn quickstart_through_reattach_mode() {
    let (workspace, _provider) = Workspace::reattached();
    quickstart_lifecycle(&workspace);
}

#[test]
fn a_hand_edit_on_the_gateway_is_drift_that_apply_repairs() {
    let workspace = Workspace::managed();
    workspace.write("main.tf", &quickstart());
    workspace.ok(&["init", "-input=false"]);
    workspace.ok(&["apply", "-input=false", "-auto-approve"]);
    let conf = workspace
        .path()
        .join(".ipsec-gateway/swanctl/conf.d/dc1.conf");
    let text = std::fs::read_to_string(&conf).unwrap();
    std::fs::write(
        &conf,
        text.replace("rekey_time = 28800s", "rekey_time = 3600s"),
    )
    .unwrap();

    let (code, plan) = workspace.plan_exit_code();
    assert_eq!(code, 2, "{plan}");
    assert!(
        plan.contains("keylife") && plan.contains("3600 -> 28800"),
        "{plan}"
    );
    workspace.ok(&["apply", "-input=false", "-auto-approve"]);
    assert_eq!(workspace.plan_exit_code().0, 0);
}

#[test]
fn provider_logs_reach_terraform_and_never_hold_the_key() {
    let workspace = Workspace::managed();
    workspace.write("main.tf", &quickstart());
    workspace.ok(&["init", "-input=false"]);
    let log = workspace.path().join("provider.log");
    let output = workspace.run_with(
        &["apply", "-input=false", "-auto-approve"],
        &[
            ("TF_LOG_PROVIDER", "TRACE"),
            ("TF_LOG_PATH", log.to_str().unwrap()),
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let log = std::fs::read_to_string(log).unwrap();
    assert!(
        log.lines()
            .any(|line| line.contains("provider.terraform-provider-ipsec")
                && line.contains("gateway ready")),
        "the provider's log lines did not reach Terraform's log"
    );
    assert!(
        !log.contains(QUICKSTART_KEY),
        "the key appears in the provider log"
    );
}

#[test]
fn examples_pass_fmt_and_validate() {
    let fmt = std::process::Command::new(terraform_binary())
        .args(["fmt", "-check", "-recursive", "-no-color", EXAMPLES])
        .env("TF_CLI_CONFIG_FILE", common::terraform::mirror_cli_config())
        .output()
        .unwrap();
    assert!(
        fmt.status.success(),
        "terraform fmt -check: {}",
        String::from_utf8_lossy(&fmt.stdout)
    );
    for example in ["quickstart", "classic-ibm", "import"] {
        let workspace = Workspace::managed();
        workspace.write(
            "main.tf",
            &std::fs::read_to_string(Path::new(EXAMPLES).join(example).join("main.tf")).unwrap(),
        );
        workspace.ok(&["init", "-input=false", "-backend=false"]);
        let validate = workspace.ok(&["validate"]);
        assert!(
            validate.contains("The configuration is valid"),
            "{example}: {validate}"
        );
    }
}

#[test]
fn the_classic_example_applies_with_a_warning_at_each_weak_attribute() {
    let workspace = Workspace::managed();
    let example = Path::new(EXAMPLES).join("classic-ibm/main.tf");
    workspace.write("main.tf", &std::fs::read_to_string(example).unwrap());
    workspace.ok(&["init", "-input=false"]);
    let output = workspace.run(&["apply", "-input=false", "-auto-approve"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    for weak in ["3DES", "MD5"] {
        assert!(all.contains(weak), "no warning names {weak}:\n{all}");
    }
    assert!(all.contains("Warning"), "{all}");
    assert_eq!(workspace.plan_exit_code().0, 0);
}

#[test]
fn values_known_only_after_apply_plan_and_apply() {
    let workspace = Workspace::managed();
    workspace.write(
        "main.tf",
        r#"
terraform {
  required_providers {
    ipsec = { source = "ipsec-vpn/ipsec" }
  }
}

resource "terraform_data" "peer" {
  input = "198.51.100.20"
}

resource "terraform_data" "network" {
  input = "192.168.77.0/24"
}

resource "ipsec_vpn_connection" "late" {
  name          = "late"
  peer_address  = terraform_data.peer.output
  preshared_key = "a-long-enough-key"
  local_subnets = ["10.9.0.0/16"]
}

resource "ipsec_remote_subnet" "late" {
  connection_name = ipsec_vpn_connection.late.name
  cidr            = terraform_data.network.output
}
"#,
    );
    workspace.ok(&["init", "-input=false"]);
    let (code, plan) = workspace.plan_exit_code();
    assert_eq!(code, 2, "{plan}");
    assert!(plan.contains("(known after apply)"), "{plan}");
    workspace.ok(&["apply", "-input=false", "-auto-approve"]);
    let conf = std::fs::read_to_string(
        workspace
            .path()
            .join(".ipsec-gateway/swanctl/conf.d/late.conf"),
    )
    .unwrap();
    assert!(
        conf.contains("198.51.100.20") && conf.contains("192.168.77.0/24"),
        "{conf}"
    );
    assert_eq!(workspace.plan_exit_code().0, 0);
}

/// The quickstart with one more translation into `customer_ip`, and optionally the
/// remote subnet that holds it, added in the same run.
fn quickstart_with_new_translation(customer_ip: &str, with_subnet: bool) -> String {
    let mut config = quickstart().replace(
        "      customer_ip = \"192.168.10.15\"\n    }",
        &format!(
            "      customer_ip = \"192.168.10.15\"\n    }}\n    \"new-host\" = {{\n      local_ip    = \"10.1.255.93\"\n      customer_ip = \"{customer_ip}\"\n    }}"
        ),
    );
    if with_subnet {
        config = config.replace(
            "depends_on = [ipsec_remote_subnet.dc1_apps]",
            "depends_on = [ipsec_remote_subnet.dc1_apps, ipsec_remote_subnet.dc1_new]",
        );
        config.push_str(
            "\nresource \"ipsec_remote_subnet\" \"dc1_new\" {\n  connection_name = ipsec_vpn_connection.dc1.name\n  cidr            = \"192.168.30.0/24\"\n}\n",
        );
    }
    config
}

#[test]
fn cross_resource_rules_are_checked_at_plan_against_the_gateway_and_this_runs_plans() {
    let workspace = Workspace::managed();
    workspace.write("main.tf", &quickstart());
    workspace.ok(&["init", "-input=false"]);
    workspace.ok(&["apply", "-input=false", "-auto-approve"]);
    let nft = workspace.path().join(".ipsec-gateway/nftables/dc1.nft");
    let before = std::fs::read_to_string(&nft).unwrap();

    // A customer IP in no remote subnet: refused at plan, naming the translation.
    workspace.write(
        "main.tf",
        &quickstart_with_new_translation("192.168.99.5", false),
    );
    let output = workspace.run(&["plan", "-input=false"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("customer_ip outside every remote subnet"),
        "{stderr}"
    );
    assert!(
        stderr.contains("translations[\"new-host\"].customer_ip"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&nft).unwrap(),
        before,
        "a refused plan wrote"
    );

    // The same translation with its remote subnet added in the same run plans and applies.
    workspace.write(
        "main.tf",
        &quickstart_with_new_translation("192.168.30.5", true),
    );
    let (code, plan) = workspace.plan_exit_code();
    assert_eq!(code, 2, "{plan}");
    workspace.ok(&["apply", "-input=false", "-auto-approve"]);
    assert!(std::fs::read_to_string(&nft)
        .unwrap()
        .contains("192.168.30.5"));
    assert_eq!(workspace.plan_exit_code().0, 0);
}

#[test]
fn a_write_only_key_is_applied_by_version_and_never_stored() {
    let workspace = Workspace::managed();
    let config = |key: &str, version: u32| {
        format!(
            r#"
terraform {{
  required_providers {{
    ipsec = {{ source = "ipsec-vpn/ipsec" }}
  }}
}}

resource "ipsec_vpn_connection" "wo" {{
  name                     = "wo"
  peer_address             = "198.51.100.30"
  preshared_key_wo         = "{key}"
  preshared_key_wo_version = {version}
  local_subnets            = ["10.3.0.0/16"]
}}
"#
        )
    };
    let hex = |key: &str| key.bytes().map(|b| format!("{b:02x}")).collect::<String>();
    let conf = workspace
        .path()
        .join(".ipsec-gateway/swanctl/conf.d/wo.conf");
    workspace.write("main.tf", &config("first-write-only-key", 1));
    workspace.ok(&["init", "-input=false"]);
    workspace.ok(&["apply", "-input=false", "-auto-approve"]);
    assert!(std::fs::read_to_string(&conf)
        .unwrap()
        .contains(&hex("first-write-only-key")));
    assert_eq!(
        workspace.plan_exit_code().0,
        0,
        "a write-only key must not cause a diff"
    );

    // A new key without a new version is not applied (SPEC.md) ...
    workspace.write("main.tf", &config("second-write-only-key", 1));
    assert_eq!(workspace.plan_exit_code().0, 0);
    // ... and with one it is.
    workspace.write("main.tf", &config("second-write-only-key", 2));
    workspace.ok(&["apply", "-input=false", "-auto-approve"]);
    assert!(std::fs::read_to_string(&conf)
        .unwrap()
        .contains(&hex("second-write-only-key")));

    let state = std::fs::read_to_string(workspace.path().join("terraform.tfstate")).unwrap();
    for key in ["first-write-only-key", "second-write-only-key"] {
        assert!(
            !state.contains(key) && !state.contains(&hex(key)),
            "the state holds {key}"
        );
    }
}

#[test]
fn an_unreachable_charon_is_a_provider_error_at_vici_uri() {
    let workspace = Workspace::managed();
    let socket = workspace.path().join("no-charon.vici");
    workspace.write(
        "main.tf",
        &format!(
            r#"
terraform {{
  required_providers {{
    ipsec = {{ source = "ipsec-vpn/ipsec" }}
  }}
}}

provider "ipsec" {{
  engine   = "strongswan"
  vici_uri = "unix://{}"
}}

resource "ipsec_remote_subnet" "x" {{
  connection_name = "dc1"
  cidr            = "192.168.10.0/24"
}}
"#,
            socket.display()
        ),
    );
    workspace.ok(&["init", "-input=false"]);
    let output = workspace.run(&["plan", "-input=false"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("Invalid provider setting vici_uri"),
        "{stderr}"
    );
    assert!(stderr.contains("cannot reach charon"), "{stderr}");
    assert!(
        stderr.contains("vici_uri = \"unix://"),
        "the error points at the setting:\n{stderr}"
    );
}

/// A debug server serves every provider configuration of a run, one connection each;
/// each alias must keep its own gateway.
#[test]
fn two_provider_aliases_share_a_debug_server_without_mixing_gateways() {
    let (workspace, _provider) = Workspace::reattached();
    let mut config = String::from(
        "terraform {\n  required_providers {\n    ipsec = { source = \"ipsec-vpn/ipsec\" }\n  }\n}\n",
    );
    for (alias, peer, local) in [
        ("east", "198.51.100.1", "10.1.0.0/16"),
        ("west", "198.51.100.2", "10.2.0.0/16"),
    ] {
        config.push_str(&format!(
            r#"
provider "ipsec" {{
  alias      = "{alias}"
  config_dir = "gw-{alias}"
}}

resource "ipsec_vpn_connection" "{alias}" {{
  provider      = ipsec.{alias}
  name          = "site"
  peer_address  = "{peer}"
  preshared_key = "a-long-enough-key"
  local_subnets = ["{local}"]
}}

resource "ipsec_remote_subnet" "{alias}" {{
  provider        = ipsec.{alias}
  connection_name = ipsec_vpn_connection.{alias}.name
  cidr            = "192.168.99.0/24"
}}
"#
        ));
    }
    workspace.write("main.tf", &config);
    workspace.ok(&["init", "-input=false"]);
    workspace.ok(&["apply", "-input=false", "-auto-approve"]);
    for (alias, peer) in [("east", "198.51.100.1"), ("west", "198.51.100.2")] {
        let conf = workspace
            .path()
            .join(format!("gw-{alias}/swanctl/conf.d/site.conf"));
        let text = std::fs::read_to_string(&conf).unwrap();
        assert!(
            text.contains(&format!("remote_addrs = {peer}")),
            "{alias}: {text}"
        );
        assert!(
            text.contains("remote_ts = 192.168.99.0/24"),
            "{alias}: {text}"
        );
    }
    assert_eq!(workspace.plan_exit_code().0, 0);
}
