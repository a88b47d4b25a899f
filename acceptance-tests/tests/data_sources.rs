//! `data "ipsec_connection_status"` through the real `terraform` CLI on the `local`
//! engine, which runs no daemon: a connection it holds is `loaded` with state `unknown`
//! (`no_remote_subnets` until it has one: it carries no traffic, its file holds no
//! child), a name it does not hold is `not_loaded`, and an invalid name is an error at
//! `name`.
//! (The states of a live tunnel are tested in the lab, `lab_status.rs`.)

mod common;

use acceptance_tests::{Phase, Step, TestCase};
use common::*;
use serde_json::{json, Value};

acceptance_tests::suite![
    the_status_of_an_applied_connection_on_the_local_engine_is_unknown,
    a_connection_without_remote_subnets_has_no_child_and_says_so,
    a_name_the_gateway_does_not_hold_is_not_loaded,
    an_invalid_name_is_an_error_at_name,
];

/// A `data "ipsec_connection_status"` block labelled `label` whose `name` is the HCL
/// expression `name`.
fn status(label: &str, name: &str) -> String {
    format!("data \"ipsec_connection_status\" \"{label}\" {{\n  name = {name}\n}}\n")
}

fn the_status_of_an_applied_connection_on_the_local_engine_is_unknown() {
    let dc1 = connection("dc1");
    // Through the resource's attribute, so that Terraform reads the status after the
    // connection and its remote subnet are applied, in the same run.
    let config = [
        dc1.hcl(),
        remote_subnet("r1", &dc1.name_ref(), "192.168.10.0/24"),
        status("dc1", "ipsec_remote_subnet.r1.connection_name"),
    ]
    .concat();
    let address = "data.ipsec_connection_status.dc1";
    TestCase::new()
        .step(
            Step::apply(config)
                .check(address, "name", "dc1")
                .check(address, "loaded", true)
                .check(address, "state", "unknown")
                .check(address, "ike_sa", Value::Null)
                .check(address, "child_sas", json!([])),
        )
        .run();
}

/// Protected networks first: until its first remote subnet, a connection's file holds
/// no child (nothing to trap or initiate) and its state is `no_remote_subnets`.
fn a_connection_without_remote_subnets_has_no_child_and_says_so() {
    let dc1 = connection("dc1");
    let address = "data.ipsec_connection_status.dc1";
    let alone = [dc1.hcl(), status("dc1", &dc1.name_ref())].concat();
    let with_subnet = [
        dc1.hcl(),
        remote_subnet("r1", &dc1.name_ref(), "192.168.10.0/24"),
        status("dc1", "ipsec_remote_subnet.r1.connection_name"),
    ]
    .concat();
    TestCase::new()
        .step(
            Step::apply(alone.clone())
                .check(address, "loaded", true)
                .check(address, "state", "no_remote_subnets")
                .check_gateway(|gateway| {
                    let conf = gateway.swanctl("dc1");
                    assert!(!conf.contains("children"), "{conf}");
                    assert!(!conf.contains("remote_ts"), "{conf}");
                }),
        )
        .step(
            Step::apply(with_subnet)
                .check(address, "state", "unknown")
                .check_gateway(|gateway| {
                    let conf = gateway.swanctl("dc1");
                    assert!(conf.contains("remote_ts = 192.168.10.0/24"), "{conf}");
                }),
        )
        // (The status is read at plan time here, before the subnet goes.)
        .step(Step::apply(alone).check_gateway(|gateway| {
            let conf = gateway.swanctl("dc1");
            assert!(!conf.contains("children"), "{conf}");
        }))
        .run();
}

fn a_name_the_gateway_does_not_hold_is_not_loaded() {
    let dc1 = connection("dc1");
    let config = [dc1.hcl(), status("other", &quoted("dc2"))].concat();
    let address = "data.ipsec_connection_status.other";
    TestCase::new()
        .step(
            Step::apply(config)
                .check(address, "loaded", false)
                .check(address, "state", "not_loaded")
                .check(address, "ike_sa", Value::Null),
        )
        .run();
}

fn an_invalid_name_is_an_error_at_name() {
    TestCase::new()
        .step(
            Step::fails(
                Phase::Validate,
                status("bad", &quoted("DC 1")),
                r#"^Invalid connection name: "DC 1" is not a valid connection name"#,
            )
            .at("name"),
        )
        // Nothing was created, and a destroy would validate the same configuration.
        .without_destroy_check()
        .run();
}
