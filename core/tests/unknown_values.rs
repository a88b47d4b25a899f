//! Values unknown at plan time are not judged until known (SPEC.md, "Diagnostics"):
//! every rule that needs an unknown value is skipped, every other rule still runs.

use ipsec_core::validate::{
    check_connection_config, check_nat_context_config, check_remote_subnet_config,
    RemoteSubnetInput, Unknowns,
};
use ipsec_core::AttributePath;
use ipsec_test_support::inputs::*;

fn unknown(paths: &[&str]) -> Unknowns {
    paths
        .iter()
        .map(|p| match p.split_once('.') {
            Some((a, b)) => AttributePath::root(a).attr(b),
            None => AttributePath::root(p),
        })
        .collect()
}

fn errors(diags: &ipsec_core::Diagnostics) -> Vec<String> {
    diags.errors().map(|d| d.path.to_string()).collect()
}

#[test]
fn unknown_values_are_not_judged_and_known_ones_still_are() {
    // Each row: the input as Terraform sees it at plan time (unknown values hold whatever
    // placeholder the provider puts there, here deliberately invalid ones), what is
    // unknown, and the errors that must remain.
    type Edit = fn(&mut ipsec_core::validate::ConnectionInput);
    let rows: &[(&str, Edit, &[&str], &[&str])] = &[
        (
            "peer from another resource",
            |c| c.peer_address = String::new(),
            &["peer_address"],
            &[],
        ),
        (
            "peer unknown, local IPv6: no family verdict",
            |c| {
                c.peer_address = String::new();
                c.local_address = Some("2001:db8::1".into());
            },
            &["peer_address"],
            &[],
        ),
        (
            "key unknown, none written-only",
            |c| c.preshared_key = None,
            &["preshared_key"],
            &[],
        ),
        (
            "PFS unknown with group 0",
            |c| c.phase2.dh_group = Some(0),
            &["perfect_forward_secrecy"],
            &[],
        ),
        (
            "phase 2 cipher unknown with an authentication",
            |c| c.phase2.encryption = Some("AES256GCM16".into()),
            &["phase2.encryption"],
            &[],
        ),
        (
            "phase 2 cipher unknown, authentication misspelt",
            |c| {
                c.phase2.encryption = None;
                c.phase2.authentication = Some("sha256".into());
            },
            &["phase2.encryption"],
            &["phase2.authentication"],
        ),
        (
            "whole phase 1 unknown",
            |c| c.phase1.dh_group = Some(0),
            &["phase1"],
            &[],
        ),
        (
            "local subnets unknown",
            |c| c.local_subnets.clear(),
            &["local_subnets"],
            &[],
        ),
        (
            "unknown peer does not hide a bad keylife",
            |c| {
                c.peer_address = String::new();
                c.phase1.keylife = Some(5);
            },
            &["peer_address"],
            &["phase1.keylife"],
        ),
    ];
    for (what, edit, unknown_paths, expected) in rows {
        let mut input = classic_input();
        edit(&mut input);
        let diags = check_connection_config(&input, &unknown(unknown_paths));
        assert_eq!(errors(&diags), *expected, "{what}: {diags}");
        // The same input with everything known is rejected: the skip is what made it pass.
        if expected.is_empty() {
            assert!(
                check_connection_config(&input, &Unknowns::none()).has_error(),
                "{what}"
            );
        }
    }
}

#[test]
fn unknown_nat_addresses_skip_only_their_own_rules() {
    let mut input = classic_nat_input("dc1");
    let mut second = input.translations["billing-db"].clone();
    second.local_ip = "10.1.255.200".into(); // outside the subnet: still reported
    second.customer_ip = "192.168.10.15".into(); // duplicate, but unknown at plan time
    input.translations.insert("crm".into(), second);
    let path = AttributePath::root("translations")
        .key("crm")
        .attr("customer_ip");
    let diags = check_nat_context_config(&input, &[path].into_iter().collect());
    assert_eq!(errors(&diags), [r#"translations["crm"].local_ip"#]);
}

#[test]
fn an_unknown_cidr_is_not_judged() {
    let input = RemoteSubnetInput {
        connection: "dc1".into(),
        cidr: "unknown".into(),
    };
    assert!(check_remote_subnet_config(&input, &unknown(&["cidr"])).is_empty());
    assert_eq!(
        errors(&check_remote_subnet_config(&input, &Unknowns::none())),
        ["cidr"]
    );
}
