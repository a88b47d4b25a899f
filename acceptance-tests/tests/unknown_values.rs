//! Values unknown at plan time: a `peer_address`, `cidr` or NAT address that comes from
//! another resource's output plans as "known after apply", applies correctly and then
//! plans empty; a bad value that only becomes known at apply is still rejected there,
//! at its attribute, before anything is written.

mod common;

use acceptance_tests::{Phase, Step, TestCase};
use common::*;

acceptance_tests::suite![
    peer_address_from_another_resource_plans_unknown_and_applies,
    cidr_and_nat_addresses_from_another_resource_plan_unknown_and_apply,
    a_bad_value_known_only_at_apply_is_rejected_at_its_attribute,
    values_known_only_after_apply_plan_and_apply,
];

/// `terraform_data`'s `output` is unknown until it is created: the simplest way to get
/// an unknown value with nothing but Terraform's built-in provider.
fn data(label: &str, value: &str) -> String {
    format!(
        "resource \"terraform_data\" \"{label}\" {{\n  input = {}\n}}\n",
        quoted(value)
    )
}

/// Connection `dc1` whose peer address is the output of `terraform_data.peer`.
fn peer_from_data(peer: &str) -> String {
    format!(
        "{}{}",
        data("peer", peer),
        connection("dc1")
            .set("peer_address", "terraform_data.peer.output")
            .hcl()
    )
}

fn peer_address_from_another_resource_plans_unknown_and_applies() {
    const DC1: &str = "ipsec_vpn_connection.dc1";
    TestCase::new()
        .step(
            Step::apply(peer_from_data("203.0.113.77"))
                .expect_unknown(DC1, "peer_address")
                .check(DC1, "peer_address", "203.0.113.77")
                .check_gateway(|gateway| {
                    let conf = gateway.swanctl("dc1");
                    assert!(conf.contains("remote_addrs = 203.0.113.77"), "{conf}");
                }),
        )
        // A new upstream value is unknown again, and becomes an in-place update.
        .step(
            Step::apply(peer_from_data("2001:db8::77"))
                .expect_unknown(DC1, "peer_address")
                .expect(DC1, acceptance_tests::Action::Update)
                .check(DC1, "peer_address", "2001:db8::77")
                .check_gateway(|gateway| {
                    let conf = gateway.swanctl("dc1");
                    assert!(conf.contains("remote_addrs = 2001:db8::77"), "{conf}");
                }),
        )
        .run();
}

fn cidr_and_nat_addresses_from_another_resource_plan_unknown_and_apply() {
    const APPS: &str = "ipsec_remote_subnet.apps";
    const NAT: &str = "ipsec_nat_context.dc1";
    let config = format!(
        "{}{}{}{}\
         resource \"ipsec_remote_subnet\" \"apps\" {{\n  connection_name = ipsec_vpn_connection.dc1.name\n  cidr            = terraform_data.cidr.output\n}}\n\
         resource \"ipsec_nat_context\" \"dc1\" {{\n  connection_name   = ipsec_vpn_connection.dc1.name\n  static_nat_subnet = terraform_data.nat_subnet.output\n  translations = {{\n    db = {{\n      local_ip    = \"10.1.255.92\"\n      customer_ip = terraform_data.customer.output\n    }}\n  }}\n  depends_on = [ipsec_remote_subnet.apps]\n}}\n",
        data("cidr", "192.168.10.0/24"),
        data("nat_subnet", "10.1.255.88/29"),
        data("customer", "192.168.10.15"),
        connection("dc1").hcl(),
    );
    TestCase::new()
        .step(
            Step::apply(config)
                .expect_unknown(APPS, "cidr")
                .expect_unknown(APPS, "id")
                .expect_unknown(NAT, "static_nat_subnet")
                .check(APPS, "id", "dc1/192.168.10.0/24")
                .check(NAT, "translations[\"db\"].customer_ip", "192.168.10.15")
                .check_gateway(|gateway| {
                    let conf = gateway.swanctl("dc1");
                    assert!(conf.contains("remote_ts = 192.168.10.0/24"), "{conf}");
                    let nft = gateway.nft("dc1");
                    assert!(
                        nft.contains(
                            "ip daddr 10.1.255.92 dnat ip to 192.168.10.15 comment \"db\""
                        ),
                        "{nft}"
                    );
                }),
        )
        .run();
}

fn a_bad_value_known_only_at_apply_is_rejected_at_its_attribute() {
    TestCase::new()
        // Validation cannot judge the unknown address and lets it through.
        .step(
            Step::apply(peer_from_data("203.0.113.77"))
                .expect_unknown("ipsec_vpn_connection.dc1", "peer_address"),
        )
        // Once known, a hostname is refused at apply, at `peer_address`, and the
        // gateway keeps the previous configuration.
        .step(
            Step::fails(
                Phase::Apply,
                peer_from_data("vpn.example.com"),
                "(?i)peer.address|IP address",
            )
            .at("peer_address")
            .check_gateway(|gateway| {
                let conf = gateway.swanctl("dc1");
                assert!(conf.contains("remote_addrs = 203.0.113.77"), "{conf}");
            }),
        )
        // Put back, so that the case can destroy cleanly.
        .step(Step::apply(peer_from_data("203.0.113.77")))
        .run();
}

/// Through the real binary: a peer address and a remote subnet's CIDR from other
/// resources' outputs plan as "(known after apply)", apply, and then plan empty.
fn values_known_only_after_apply_plan_and_apply() {
    let config = format!(
        "{}{}{}\
         resource \"ipsec_remote_subnet\" \"late\" {{\n  connection_name = ipsec_vpn_connection.late.name\n  cidr            = terraform_data.network.output\n}}\n",
        data("peer", "198.51.100.20"),
        data("network", "192.168.77.0/24"),
        connection("late")
            .set("peer_address", "terraform_data.peer.output")
            .set("local_subnets", "[\"10.9.0.0/16\"]")
            .hcl(),
    );
    TestCase::new()
        .with_real_binary()
        .step(
            Step::apply(config)
                .shows(r"\(known after apply\)")
                .check_gateway(|gateway| {
                    let conf = gateway.swanctl("late");
                    assert!(
                        conf.contains("198.51.100.20") && conf.contains("192.168.77.0/24"),
                        "{conf}"
                    );
                }),
        )
        .run();
}
