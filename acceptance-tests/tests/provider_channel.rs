//! How Terraform reaches the provider: the real plugin binary, which Terraform starts
//! itself through the go-plugin handshake with mutual TLS; a provider serving in debug
//! mode, which Terraform attaches to through `TF_REATTACH_PROVIDERS`; and one debug
//! server serving every provider configuration (alias) of a run, each with its own
//! gateway.

mod common;

use std::os::unix::fs::PermissionsExt;

use acceptance_tests::{Action, Gateway, ImportBy, Secret, Step, TestCase, CONFIG_DIR};
use common::*;

acceptance_tests::suite![
    quickstart_example_through_the_real_binary_with_mtls,
    quickstart_example_through_reattach_mode,
    two_provider_aliases_share_a_debug_server_without_mixing_gateways,
];

/// The quickstart's resources.
const QUICKSTART: [&str; 4] = [
    "ipsec_vpn_connection.dc1",
    "ipsec_remote_subnet.dc1_apps",
    "ipsec_remote_subnet.dc1_users",
    "ipsec_nat_context.dc1",
];

/// The README's example as a user copies it: created (plan and apply say so, showing
/// the key only as a sensitive value; its swanctl file is private), adopted into fresh
/// states by `import` blocks and by `terraform import`, then destroyed; the key never
/// leaks.
fn quickstart_lifecycle(case: TestCase) {
    let mut create = Step::apply(quickstart())
        .shows("4 to add, 0 to change, 0 to destroy")
        .shows(r"\(sensitive value\)")
        .shows("4 added, 0 changed, 0 destroyed")
        .check(QUICKSTART[0], "phase1.keylife", 28800)
        .check_gateway(|gateway| {
            assert_eq!(
                gateway.config_files(),
                ["nftables/dc1.nft", "swanctl/conf.d/dc1.conf"]
            );
            let conf = gateway.root().join(Gateway::swanctl_path("dc1"));
            let mode = std::fs::metadata(&conf).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "the swanctl file is mode {mode:o}");
            let text = gateway.swanctl("dc1");
            assert!(
                text.contains("remote_ts = 192.168.10.0/24,192.168.20.0/24"),
                "{text}"
            );
        });
    for address in QUICKSTART {
        create = create.expect(address, Action::Create);
    }
    case.no_leak_of(Secret::stored(EXAMPLE_KEY))
        .destroys(QUICKSTART.len())
        .step(create)
        .step(Step::import_all(ImportBy::Block))
        .step(Step::import_all(ImportBy::Command))
        .run();
}

/// Terraform starts the plugin binary itself: go-plugin handshake, mutual TLS.
fn quickstart_example_through_the_real_binary_with_mtls() {
    quickstart_lifecycle(TestCase::new().with_real_binary());
}

/// The provider serves in debug mode; Terraform attaches to it.
fn quickstart_example_through_reattach_mode() {
    quickstart_lifecycle(TestCase::new());
}

/// A debug server serves every provider configuration of a run, one connection each;
/// each alias must keep its own gateway.
fn two_provider_aliases_share_a_debug_server_without_mixing_gateways() {
    const SITES: [(&str, &str, &str); 2] = [
        ("east", "198.51.100.1", "10.1.0.0/16"),
        ("west", "198.51.100.2", "10.2.0.0/16"),
    ];
    let mut config = String::new();
    for (alias, peer, local) in SITES {
        config.push_str(&format!(
            r#"
provider "ipsec" {{
  alias      = "{alias}"
  config_dir = "{CONFIG_DIR}-{alias}"
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
    TestCase::new()
        .step(Step::apply(config).check_gateway(|gateway| {
            for (alias, peer, _) in SITES {
                let own = Gateway::new(format!("{}-{alias}", gateway.root().display()));
                let text = own.swanctl("site");
                assert!(
                    text.contains(&format!("remote_addrs = {peer}")),
                    "{alias}: {text}"
                );
                assert!(
                    text.contains("remote_ts = 192.168.99.0/24"),
                    "{alias}: {text}"
                );
            }
        }))
        .run();
}
