//! Parallel work: Terraform creating 60 remote subnets and 30 NAT translations of one
//! connection at `-parallelism=30` loses none of them, and removing half leaves exactly
//! the other half; two `terraform` processes, each with its own provider process,
//! applying different connections to one `config_dir` at once both land intact.

mod common;

use std::collections::BTreeSet;

use acceptance_tests::{Gateway, ProviderMode, Step, TestCase, Workspace};
use common::*;

acceptance_tests::suite![
    sixty_subnets_and_thirty_translations_at_parallelism_30_then_half_removed,
    two_terraform_processes_on_one_config_dir_both_land,
];

/// One connection, `subnets` remote subnets `192.168.<i>.0/24`, and one translation
/// into each of the first `translations` of them.
fn many(name: &str, third_octet_base: u32, subnets: u32, translations: u32) -> String {
    // One peer and one NAT subnet per site: the gateway-wide rules refuse shared ones.
    let connection = connection(name)
        .string(
            "peer_address",
            &format!("203.0.113.{}", third_octet_base - 100),
        )
        .hcl();
    format!(
        r#"{connection}
resource "ipsec_remote_subnet" "{name}" {{
  count           = {subnets}
  connection_name = ipsec_vpn_connection.{name}.name
  cidr            = "192.{base}.${{count.index}}.0/24"
}}

resource "ipsec_nat_context" "{name}" {{
  connection_name   = ipsec_vpn_connection.{name}.name
  static_nat_subnet = "10.1.{base}.0/24"
  translations = {{
    for i in range({translations}) : "host-${{i}}" => {{
      local_ip    = "10.1.{base}.${{i + 1}}"
      customer_ip = "192.{base}.${{i}}.10"
    }}
  }}
  depends_on = [ipsec_remote_subnet.{name}]
}}
"#,
        base = third_octet_base,
    )
}

/// The `remote_ts` entries of a connection's file.
fn remote_ts(gateway: &Gateway, name: &str) -> BTreeSet<String> {
    let conf = gateway.swanctl(name);
    let line = conf
        .lines()
        .find_map(|line| line.trim().strip_prefix("remote_ts = "))
        .unwrap_or_default();
    line.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn expected_subnets(base: u32, count: u32) -> BTreeSet<String> {
    (0..count).map(|i| format!("192.{base}.{i}.0/24")).collect()
}

fn translation_names(gateway: &Gateway, name: &str) -> BTreeSet<String> {
    let nft = gateway.nft(name);
    let names: Vec<String> = nft
        .lines()
        .filter_map(|line| line.split("comment \"").nth(1))
        .map(|rest| rest.trim_end_matches('"').to_owned())
        .collect();
    // Each translation is a dnat and an snat rule.
    let unique: BTreeSet<String> = names.iter().cloned().collect();
    assert_eq!(names.len(), unique.len() * 2, "{nft}");
    unique
}

fn sixty_subnets_and_thirty_translations_at_parallelism_30_then_half_removed() {
    TestCase::new()
        .step(
            Step::apply(many("dc1", 168, 60, 30))
                .apply_args(&["-parallelism=30"])
                .check_gateway(|gateway| {
                    assert_eq!(remote_ts(gateway, "dc1"), expected_subnets(168, 60));
                    assert_eq!(
                        translation_names(gateway, "dc1"),
                        (0..30).map(|i| format!("host-{i}")).collect()
                    );
                })
                .check_state(|state| {
                    let subnets = state
                        .iter()
                        .filter(|(a, _)| a.starts_with("ipsec_remote_subnet."))
                        .count();
                    assert_eq!(subnets, 60);
                }),
        )
        .step(
            Step::apply(many("dc1", 168, 30, 30))
                .apply_args(&["-parallelism=30"])
                .check_gateway(|gateway| {
                    assert_eq!(remote_ts(gateway, "dc1"), expected_subnets(168, 30));
                    assert_eq!(translation_names(gateway, "dc1").len(), 30);
                }),
        )
        .run();
}

/// Each workspace runs the real binary, so the two applies are two provider processes
/// writing one directory: only the engine's file lock keeps them apart.
fn two_terraform_processes_on_one_config_dir_both_land() {
    let first = Workspace::new(ProviderMode::Binary);
    let second = first.sibling();
    let rounds = [(20, 10), (35, 20), (5, 5)];
    for (round, (subnets, translations)) in rounds.into_iter().enumerate() {
        first.write_config(&many("east", 168, subnets, translations));
        second.write_config(&many("west", 169, subnets, translations));
        std::thread::scope(|scope| {
            for workspace in [&first, &second] {
                scope.spawn(move || {
                    workspace.ok(&["apply", "-auto-approve", "-input=false", "-parallelism=20"]);
                });
            }
        });
        let gateway = first.gateway();
        for (name, base) in [("east", 168), ("west", 169)] {
            assert_eq!(
                remote_ts(gateway, name),
                expected_subnets(base, subnets),
                "round {round}: {name}"
            );
            assert_eq!(
                translation_names(gateway, name).len(),
                translations as usize,
                "round {round}: {name}"
            );
        }
        first.assert_plan_empty(&format!("round {round}, east"));
        second.assert_plan_empty(&format!("round {round}, west"));
    }
    std::thread::scope(|scope| {
        for workspace in [&first, &second] {
            scope.spawn(move || {
                workspace.ok(&["destroy", "-auto-approve", "-input=false"]);
            });
        }
    });
    first.gateway().assert_empty();
}
