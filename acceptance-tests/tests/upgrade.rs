//! State written by an earlier provider version, through the real terraform: schema
//! version 0 of `ipsec_remote_subnet` and `ipsec_nat_context` named their connection
//! `connection` (a name Terraform reserves for provisioner connection blocks); version 1
//! calls it `connection_name`. Terraform hands the stored state to the provider's
//! `UpgradeResourceState`, which moves the value, so a configuration edited to the new
//! name plans empty on the old state. A configuration left at the old name fails.

mod common;

use acceptance_tests::{Action, Phase, Step, TestCase};
use common::*;
use serde_json::Value;

acceptance_tests::suite![
    version_0_state_upgrades_to_connection_name_and_plans_empty,
    a_configuration_still_naming_connection_fails_at_validate,
];

const CONNECTION: &str = "ipsec_vpn_connection.dc1";
const SUBNET: &str = "ipsec_remote_subnet.apps";
const NAT: &str = "ipsec_nat_context.dc1";

/// The resource types whose schema version 1 renamed `connection`.
const RENAMED: [&str; 2] = ["ipsec_remote_subnet", "ipsec_nat_context"];

/// A connection, one remote subnet and a NAT context that uses it.
fn site() -> String {
    let dc1 = connection("dc1");
    format!(
        "{}{}{}",
        dc1.hcl(),
        remote_subnet("apps", &dc1.name_ref(), "192.168.10.0/24"),
        nat_context(
            "dc1",
            &dc1.name_ref(),
            "10.1.255.88/29",
            &[("db", "10.1.255.92", "192.168.10.15")],
            &[SUBNET],
        )
    )
}

/// Every instance of the renamed resource types in a state file, with its type.
fn renamed_instances(state: &mut Value) -> Vec<(String, &mut Value)> {
    state["resources"]
        .as_array_mut()
        .expect("a state file lists its resources")
        .iter_mut()
        .filter(|resource| RENAMED.contains(&resource["type"].as_str().unwrap_or_default()))
        .flat_map(|resource| {
            let kind = resource["type"].as_str().unwrap_or_default().to_owned();
            resource["instances"]
                .as_array_mut()
                .expect("a resource lists its instances")
                .iter_mut()
                .map(move |instance| (kind.clone(), instance))
        })
        .collect()
}

/// The state as the provider before the rename wrote it: schema version 0, the
/// connection's name in `connection`.
fn as_written_by_version_0(state: &mut Value) {
    let instances = renamed_instances(state);
    assert_eq!(instances.len(), 2, "one subnet and one NAT context");
    for (kind, instance) in instances {
        let attributes = instance["attributes"]
            .as_object_mut()
            .expect("an instance stores its attributes");
        let name = attributes
            .remove("connection_name")
            .unwrap_or_else(|| panic!("{kind} was created without connection_name"));
        attributes.insert("connection".into(), name);
        instance["schema_version"] = 0.into();
    }
}

/// Each renamed instance is stored at schema version 1 with `connection_name` "dc1" and
/// no `connection`.
fn stored_at_version_1(state: &Value) {
    let mut state = state.clone();
    let instances = renamed_instances(&mut state);
    assert_eq!(instances.len(), 2, "one subnet and one NAT context");
    for (kind, instance) in instances {
        assert_eq!(instance["schema_version"], 1, "{kind}: {instance:#}");
        assert_eq!(
            instance["attributes"]["connection_name"], "dc1",
            "{kind}: {instance:#}"
        );
        assert!(
            instance["attributes"].get("connection").is_none(),
            "{kind} still stores `connection`: {instance:#}"
        );
    }
}

fn version_0_state_upgrades_to_connection_name_and_plans_empty() {
    TestCase::new()
        .step(
            Step::apply(site())
                .check(SUBNET, "connection_name", "dc1")
                .check(NAT, "connection_name", "dc1")
                .check_state_file(stored_at_version_1),
        )
        // The same configuration on the state of the previous version: nothing to do
        // (a `connection_name` lost in the upgrade would plan a replacement, a subnet
        // the read could not find a creation), and applying the empty plan stores the
        // refreshed, upgraded state.
        .step(
            Step::apply(site())
                .edit_state(as_written_by_version_0)
                .expect(CONNECTION, Action::NoOp)
                .expect(SUBNET, Action::NoOp)
                .expect(NAT, Action::NoOp)
                .check(SUBNET, "connection_name", "dc1")
                .check(SUBNET, "id", "dc1/192.168.10.0/24")
                .check(NAT, "connection_name", "dc1")
                .check(NAT, "translations[\"db\"].customer_ip", "192.168.10.15")
                .check_state_file(stored_at_version_1)
                .check_gateway(|gateway| {
                    assert!(
                        gateway
                            .swanctl("dc1")
                            .contains("remote_ts = 192.168.10.0/24"),
                        "{}",
                        gateway.swanctl("dc1")
                    );
                    assert!(gateway.nft("dc1").contains("comment \"db\""));
                }),
        )
        .run();
}

/// Terraform itself refuses the old name: `connection` is its provisioner block.
fn a_configuration_still_naming_connection_fails_at_validate() {
    let old = site().replace("connection_name", "connection");
    TestCase::new()
        .step(
            Step::fails(
                Phase::Validate,
                old,
                r#"^Unsupported argument: An argument named "connection" is not expected here"#,
            )
            .at("connection"),
        )
        .without_destroy_check()
        .run();
}
