//! Every Terraform verb on every resource of a whole site (connection, remote subnets,
//! NAT context), each ending in an empty plan: `-replace`, `taint`, and the
//! gateway-wide rules a site with several tunnels meets.

mod common;

use acceptance_tests::{Action, Phase, Step, TestCase};
use common::*;

acceptance_tests::suite![
    replace_each_resource_of_a_site,
    taint_each_resource_of_a_site,
    create_before_destroy_with_the_same_name_says_why_it_cannot,
    a_second_connection_to_one_peer_needs_another_identity,
    nat_addresses_are_unique_on_the_gateway,
    connections_overlapping_in_both_directions_are_refused,
    a_subnet_a_translation_uses_goes_only_with_the_translation,
    the_same_configuration_gives_the_same_plan,
    cross_resource_rules_are_checked_at_plan_against_the_gateway_and_this_runs_plans,
    literal_connection_names_and_no_depends_on_converge_in_one_apply,
];

const DC1: &str = "ipsec_vpn_connection.dc1";
const SUBNET: &str = "ipsec_remote_subnet.dc1_a";
const SUBNET_B: &str = "ipsec_remote_subnet.dc1_b";
const NAT: &str = "ipsec_nat_context.dc1";

/// A site: one connection, two remote subnets, a NAT context into the first.
fn site() -> String {
    let dc1 = connection("dc1");
    [
        dc1.hcl(),
        subnet_with_nat(
            &dc1,
            ("dc1_a", "192.168.10.0/24"),
            ("dc1", "10.1.255.88/29"),
            ("billing-db", "10.1.255.92", "192.168.10.15"),
        ),
        remote_subnet("dc1_b", &dc1.name_ref(), "192.168.20.0/24"),
    ]
    .concat()
}

/// `connection`'s remote subnet (label, CIDR) and a NAT context (label, static NAT
/// subnet) of one translation into it, which depends on it.
fn subnet_with_nat(
    connection: &Connection,
    (subnet, cidr): (&str, &str),
    (nat, static_nat_subnet): (&str, &str),
    translation: (&str, &str, &str),
) -> String {
    let depends_on = format!("ipsec_remote_subnet.{subnet}");
    [
        remote_subnet(subnet, &connection.name_ref(), cidr),
        nat_context(
            nat,
            &connection.name_ref(),
            static_nat_subnet,
            &[translation],
            &[&depends_on],
        ),
    ]
    .concat()
}

/// The resources replaced in each step: each alone (the remote subnet a translation
/// uses, too), and the subnet together with the NAT context.
const REPLACED: [&[&str]; 5] = [&[DC1], &[SUBNET], &[SUBNET_B], &[NAT], &[SUBNET, NAT]];

fn site_intact(gateway: &acceptance_tests::Gateway) {
    let swanctl = gateway.swanctl("dc1");
    assert!(
        swanctl.contains("192.168.10.0/24") && swanctl.contains("192.168.20.0/24"),
        "{swanctl}"
    );
    assert!(gateway.nft("dc1").contains("10.1.255.92"));
}

fn replace_each_resource_of_a_site() {
    let mut case = TestCase::new().step(Step::apply(site()));
    for addresses in REPLACED {
        let args: Vec<String> = addresses.iter().map(|a| format!("-replace={a}")).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut step = Step::apply(site())
            .plan_args(&args)
            .check_gateway(site_intact);
        for address in addresses {
            step = step.expect(address, Action::Replace);
        }
        case = case.step(step);
    }
    case.run();
}

fn taint_each_resource_of_a_site() {
    let mut case = TestCase::new().step(Step::apply(site()));
    for addresses in REPLACED {
        let mut step = Step::apply(site()).check_gateway(site_intact);
        for address in addresses {
            step = step
                .terraform_first(&["taint", address])
                .expect(address, Action::Replace);
        }
        case = case.step(step);
    }
    case.run();
}

fn create_before_destroy_with_the_same_name_says_why_it_cannot() {
    // A meta-argument block, not an attribute: added to the helper's HCL by hand.
    let hcl = connection("dc1").hcl().replace(
        "\n}\n",
        "\n  lifecycle {\n    create_before_destroy = true\n  }\n}\n",
    );
    TestCase::new()
        .step(Step::apply(hcl.clone()))
        .step(
            Step::fails(Phase::Apply, hcl, "create_before_destroy")
                .terraform_first(&["taint", DC1])
                .at("name"),
        )
        .run();
}

fn a_second_connection_to_one_peer_needs_another_identity() {
    let a = connection("site-a").label("a");
    let b = connection("site-b")
        .label("b")
        .set("local_subnets", "[\"10.2.0.0/16\"]");
    TestCase::new()
        .step(Step::apply(a.hcl()))
        .step(
            Step::fails(
                Phase::Plan,
                [a.hcl(), b.hcl()].concat(),
                r#""site-a" already connects to peer 203\.0\.113\.10"#,
            )
            .at("peer_address"),
        )
        // Another peer identity tells them apart (a second site behind the same
        // address); so do different local identities on both (given first, so that no
        // step depends on the order in which Terraform plans the two).
        .step(Step::apply(
            [
                a.hcl(),
                b.clone().string("peer_id", "site-b.example.net").hcl(),
            ]
            .concat(),
        ))
        .step(Step::apply(
            [
                a.clone().string("local_id", "gw-a@example.com").hcl(),
                b.clone()
                    .string("peer_id", "site-b.example.net")
                    .string("local_id", "gw-b@example.com")
                    .hcl(),
            ]
            .concat(),
        ))
        .step(Step::apply(
            [
                a.string("local_id", "gw-a@example.com").hcl(),
                b.string("local_id", "gw-b@example.com").hcl(),
            ]
            .concat(),
        ))
        .run();
}

fn two_sites() -> (Connection, Connection, String) {
    let a = connection("site-a").label("a");
    let b = connection("site-b")
        .label("b")
        .string("peer_address", "203.0.113.20")
        .set("local_subnets", "[\"10.2.0.0/16\"]");
    let hcl = [
        a.hcl(),
        b.hcl(),
        subnet_with_nat(
            &a,
            ("a_net", "192.168.10.0/24"),
            ("a", "10.9.0.0/29"),
            ("db", "10.9.0.2", "192.168.10.15"),
        ),
        remote_subnet("b_net", &b.name_ref(), "192.168.20.0/24"),
    ]
    .concat();
    (a, b, hcl)
}

fn nat_addresses_are_unique_on_the_gateway() {
    let (_, b, base) = two_sites();
    let clash = |subnet: &str, local_ip: &str| {
        let nat = nat_context(
            "b",
            &b.name_ref(),
            subnet,
            &[("web", local_ip, "192.168.20.5")],
            &["ipsec_remote_subnet.b_net"],
        );
        [base.clone(), nat].concat()
    };
    TestCase::new()
        .step(Step::apply(base.clone()))
        .step(
            Step::fails(
                Phase::Plan,
                clash("10.9.0.0/28", "10.9.0.2"),
                r#"already translation "db" of connection "site-a""#,
            )
            .at(r#"translations["web"].local_ip"#),
        )
        .step(
            Step::fails(
                Phase::Plan,
                clash("10.9.0.0/30", "10.9.0.1"),
                r#"static NAT subnet of connection "site-a""#,
            )
            .at("static_nat_subnet"),
        )
        .step(Step::apply(clash("10.9.0.8/29", "10.9.0.10")))
        .run();
}

fn connections_overlapping_in_both_directions_are_refused() {
    let (_, b, base) = two_sites();
    // site-b's remote network overlapping site-a's is fine while the local ones differ.
    let shared_remote = [
        base.clone(),
        remote_subnet("b_wide", &b.name_ref(), "192.168.10.0/25"),
    ]
    .concat();
    let both = shared_remote.replace("[\"10.2.0.0/16\"]", "[\"10.1.128.0/17\"]");
    TestCase::new()
        .step(Step::apply(shared_remote.clone()))
        .step(
            Step::fails(
                Phase::Plan,
                both,
                r#"Connections "site-b" and "site-a" both tunnel"#,
            )
            .at("local_subnets"),
        )
        // `terraform destroy` plans the configuration first: leave a valid one.
        .step(Step::apply(shared_remote))
        .run();
}

fn a_subnet_a_translation_uses_goes_only_with_the_translation() {
    let dc1 = connection("dc1");
    let with_nat = site();
    // dc1_a gone; the NAT context without depends_on, so that Terraform runs both
    // changes at once.
    let without_dc1_a = |translation: (&str, &str, &str)| {
        [
            dc1.hcl(),
            remote_subnet("dc1_b", &dc1.name_ref(), "192.168.20.0/24"),
            nat_context(
                "dc1",
                &dc1.name_ref(),
                "10.1.255.88/29",
                &[translation],
                &[],
            ),
        ]
        .concat()
    };
    let subnet_gone = without_dc1_a(("billing-db", "10.1.255.92", "192.168.10.15"));
    let both_gone = without_dc1_a(("app", "10.1.255.93", "192.168.20.7"));
    TestCase::new()
        .step(Step::apply(with_nat))
        // Refused at plan, whichever of the two plans Terraform makes first...
        .step(Step::fails(
            Phase::Plan,
            subnet_gone.clone(),
            r"192\.168\.10\.15",
        ))
        // ...and when the NAT context depends on its subnets, so that it is planned last.
        .step(Step::fails(
            Phase::Plan,
            subnet_gone.replace(
                "  translations = {",
                "  depends_on = [ipsec_remote_subnet.dc1_b]\n  translations = {",
            ),
            r"192\.168\.10\.15",
        ))
        .step(
            Step::apply(both_gone)
                .expect(SUBNET, Action::Delete)
                .expect(NAT, Action::Update),
        )
        .run();
}

fn literal_connection_names_and_no_depends_on_converge_in_one_apply() {
    let dc1 = connection("dc1");
    let literal = quoted("dc1");
    let hcl = [
        dc1.hcl(),
        remote_subnet("dc1_a", &literal, "192.168.10.0/24"),
        nat_context(
            "dc1",
            &literal,
            "10.1.255.88/29",
            &[("billing-db", "10.1.255.92", "192.168.10.15")],
            &[],
        ),
    ]
    .concat();
    TestCase::new().step(Step::apply(hcl)).run();
}

/// Subnets naming a connection created in the same run by a literal string are planned
/// in no fixed order against it; one of them is wrong. Every plan gives exactly that
/// one error, never a "Connection not found" that depends on the order.
fn the_same_configuration_gives_the_same_plan() {
    let literal = quoted("dc1");
    let mut hcl = connection("dc1").hcl();
    for i in 0..8 {
        let cidr = format!("192.168.{i}.0/24");
        hcl.push_str(&remote_subnet(&format!("r{i}"), &literal, &cidr));
    }
    hcl.push_str(&remote_subnet("wrong", &literal, "10.1.2.0/24"));
    let mut case = TestCase::new();
    for _ in 0..3 {
        case = case.step(
            Step::fails(
                Phase::Plan,
                hcl.clone(),
                "Remote subnet overlaps a local subnet",
            )
            .check_diagnostics(|diags| {
                let errors: Vec<_> = diags.iter().filter(|d| d.severity == "error").collect();
                assert_eq!(errors.len(), 1, "{errors:#?}");
            }),
        );
    }
    case.run();
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
        config.push_str(&remote_subnet(
            "dc1_new",
            "ipsec_vpn_connection.dc1.name",
            "192.168.30.0/24",
        ));
    }
    config
}

/// Through the real binary: a translation into a network no remote subnet holds is
/// refused at plan, naming it, and nothing is written; the same translation with the
/// remote subnet that holds it, added in the same run, plans and applies.
fn cross_resource_rules_are_checked_at_plan_against_the_gateway_and_this_runs_plans() {
    TestCase::new()
        .with_real_binary()
        .step(Step::apply(quickstart()))
        .step(
            Step::fails(
                Phase::Plan,
                quickstart_with_new_translation("192.168.99.5", false),
                "customer_ip outside every remote subnet",
            )
            .at(r#"translations["new-host"].customer_ip"#),
        )
        .step(
            Step::apply(quickstart_with_new_translation("192.168.30.5", true))
                .expect("ipsec_remote_subnet.dc1_new", Action::Create)
                .check_gateway(|gateway| {
                    let nft = gateway.nft("dc1");
                    assert!(nft.contains("192.168.30.5"), "{nft}");
                }),
        )
        .run();
}
