//! Lifecycle of each resource through the real terraform: create, update in place every
//! attribute SPEC.md lets change in place (the plan says update, the gateway file
//! follows), replacement for `name`, `connection_name` and `cidr`, destroy, and defaults
//! that plan empty.

mod common;

use acceptance_tests::{Action, Step, TestCase, CONFIG_DIR};
use common::*;

acceptance_tests::suite![
    connection_every_attribute_is_created_and_shown_in_state,
    connection_each_in_place_attribute_updates_without_replacement,
    connection_phase_parameters_update_in_place,
    connection_rename_replaces_it_and_moves_its_file,
    connection_minimal_config_takes_defaults_and_plans_empty,
    connection_identities_and_dpd_default_to_what_they_follow,
    connection_identities_and_dpd_are_created_and_update_in_place,
    remote_subnet_lifecycle_create_replace_on_cidr_and_connection_destroy,
    nat_context_translations_change_in_place,
    nat_table_setting_names_the_nftables_table,
    nat_context_moving_to_another_connection_replaces_it,
];

const DC1: &str = "ipsec_vpn_connection.dc1";

fn full_connection() -> Connection {
    connection("dc1")
        .string("local_address", "198.51.100.1")
        .set("ike_version", "2")
        .set(
            "phase1",
            "{\n    encryption     = \"AES256\"\n    authentication = \"SHA256\"\n    dh_group       = 14\n    keylife        = 28800\n  }",
        )
        .set(
            "phase2",
            "{\n    encryption     = \"AES256\"\n    authentication = \"SHA256\"\n    dh_group       = 14\n    keylife        = 3600\n  }",
        )
        .set("perfect_forward_secrecy", "true")
        .set("local_subnets", "[\"10.1.0.0/16\", \"10.2.0.0/16\"]")
        .string("start_action", "trap")
        .string("description", "primary data centre")
        .with_remote_subnet("192.168.10.0/24")
}

fn connection_every_attribute_is_created_and_shown_in_state() {
    TestCase::new()
        .step(
            Step::apply(full_connection().hcl())
                .expect(DC1, Action::Create)
                .check(DC1, "id", "dc1")
                .check(DC1, "name", "dc1")
                .check(DC1, "peer_address", "203.0.113.10")
                .check(DC1, "local_address", "198.51.100.1")
                .check(DC1, "preshared_key", KEY)
                .check(DC1, "ike_version", 2)
                .check(DC1, "phase1.encryption", "AES256")
                .check(DC1, "phase1.keylife", 28800)
                .check(DC1, "phase2.dh_group", 14)
                .check(DC1, "phase2.keylife", 3600)
                .check(DC1, "perfect_forward_secrecy", true)
                .check(
                    DC1,
                    "local_subnets",
                    serde_json::json!(["10.1.0.0/16", "10.2.0.0/16"]),
                )
                .check(DC1, "start_action", "trap")
                .check(DC1, "description", "primary data centre")
                .check_gateway(|gateway| {
                    let conf = gateway.swanctl("dc1");
                    for line in [
                        "version = 2",
                        "remote_addrs = 203.0.113.10",
                        "local_addrs = 198.51.100.1",
                        "proposals = aes256-sha256-modp2048",
                        "rekey_time = 28800s",
                        "local_ts = 10.1.0.0/16,10.2.0.0/16",
                        "esp_proposals = aes256-sha256-modp2048",
                        "rekey_time = 3600s",
                        "start_action = trap",
                        "# @description \"primary data centre\"",
                    ] {
                        assert!(conf.contains(line), "no `{line}` in\n{conf}");
                    }
                    assert!(conf.contains(&format!("secret = 0x{}", hex(KEY))), "{conf}");
                    assert!(!conf.contains(KEY), "the key is in clear:\n{conf}");
                }),
        )
        .run();
}

/// One step per attribute, so that each one alone is proven to update in place.
fn connection_each_in_place_attribute_updates_without_replacement() {
    let base = full_connection();
    let changes: Vec<(Connection, &str)> = vec![
        (
            base.clone().string("peer_address", "203.0.113.20"),
            "remote_addrs = 203.0.113.20",
        ),
        (
            base.clone().string("local_address", "198.51.100.2"),
            "local_addrs = 198.51.100.2",
        ),
        (
            base.clone().string("preshared_key", "a-new-key-for-dc1"),
            "secret = 0x612d6e65772d6b65792d666f722d646331",
        ),
        (
            base.clone()
                .set("local_subnets", "[\"10.1.0.0/16\", \"10.3.0.0/16\"]"),
            "local_ts = 10.1.0.0/16,10.3.0.0/16",
        ),
        (
            base.clone().string("start_action", "start"),
            "start_action = start",
        ),
        (
            base.clone().string("description", "moved to rack 7"),
            "# @description \"moved to rack 7\"",
        ),
        (base.clone().set("ike_version", "1"), "version = 1"),
    ];
    each_updates_in_place(
        TestCase::new().step(Step::apply(base.hcl())),
        &base,
        changes,
    )
    .run();
}

/// `case` followed, for each change, by a step applying it (an in-place update of dc1
/// whose file then holds the change's line) and a step going back to `base`.
fn each_updates_in_place(
    mut case: TestCase,
    base: &Connection,
    changes: Vec<(Connection, &str)>,
) -> TestCase {
    for (changed, line) in changes {
        let line = line.to_owned();
        case = case
            .step(
                Step::apply(changed.hcl())
                    .expect(DC1, Action::Update)
                    .check_gateway(move |gateway| {
                        let conf = gateway.swanctl("dc1");
                        assert!(
                            conf.contains(&line),
                            "no `{line}` after the update:\n{conf}"
                        );
                    }),
            )
            .step(Step::apply(base.hcl()).expect(DC1, Action::Update));
    }
    case
}

fn connection_phase_parameters_update_in_place() {
    let phases = |p1: &str, p2: &str, pfs: bool| {
        full_connection()
            .set("phase1", p1)
            .set("phase2", p2)
            .set(
                "perfect_forward_secrecy",
                if pfs { "true" } else { "false" },
            )
            .hcl()
    };
    let default_p1 = "{}";
    let default_p2 = "{}";
    let expect_lines = |lines: &'static [&'static str]| {
        move |gateway: &acceptance_tests::Gateway| {
            let conf = gateway.swanctl("dc1");
            for line in lines {
                assert!(conf.contains(line), "no `{line}` in\n{conf}");
            }
        }
    };
    TestCase::new()
        .step(
            Step::apply(phases(default_p1, default_p2, true))
                .check(DC1, "phase1.authentication", "SHA256")
                .check(DC1, "phase2.keylife", 3600),
        )
        .step(
            Step::apply(phases("{ encryption = \"AES128\" }", default_p2, true))
                .expect(DC1, Action::Update)
                .check(DC1, "phase1.encryption", "AES128")
                .check(DC1, "phase1.dh_group", 14)
                .check_gateway(expect_lines(&["proposals = aes128-sha256-modp2048"])),
        )
        .step(
            Step::apply(phases("{ authentication = \"SHA384\" }", default_p2, true))
                .expect(DC1, Action::Update)
                .check_gateway(expect_lines(&["proposals = aes256-sha384-modp2048"])),
        )
        .step(
            Step::apply(phases("{ dh_group = 19 }", default_p2, true))
                .expect(DC1, Action::Update)
                .check_gateway(expect_lines(&["proposals = aes256-sha256-ecp256"])),
        )
        .step(
            Step::apply(phases("{ keylife = 14400 }", default_p2, true))
                .expect(DC1, Action::Update)
                .check(DC1, "phase1.keylife", 14400)
                .check_gateway(expect_lines(&["rekey_time = 14400s"])),
        )
        .step(
            Step::apply(phases(default_p1, "{ encryption = \"AES256GCM16\" }", true))
                .expect(DC1, Action::Update)
                .check(DC1, "phase2.encryption", "AES256GCM16")
                .check_gateway(expect_lines(&["esp_proposals = aes256gcm16-modp2048"])),
        )
        .step(
            Step::apply(phases(
                default_p1,
                "{ dh_group = 20, keylife = 1800 }",
                true,
            ))
            .expect(DC1, Action::Update)
            .check_gateway(expect_lines(&[
                "esp_proposals = aes256-sha256-ecp384",
                "rekey_time = 1800s",
            ])),
        )
        .step(
            Step::apply(phases(default_p1, "{ dh_group = 0 }", false))
                .expect(DC1, Action::Update)
                .check(DC1, "perfect_forward_secrecy", false)
                .check(DC1, "phase2.dh_group", 0)
                .check_gateway(|gateway| {
                    let conf = gateway.swanctl("dc1");
                    assert!(conf.contains("esp_proposals = aes256-sha256\n"), "{conf}");
                }),
        )
        .step(
            Step::apply(phases(default_p1, default_p2, true))
                .expect(DC1, Action::Update)
                .check_gateway(expect_lines(&["esp_proposals = aes256-sha256-modp2048"])),
        )
        .step(
            Step::apply(phases(
                r#"{ additional_proposals = [{ encryption = "AES128", authentication = "SHA1", dh_group = 2 }] }"#,
                r#"{ additional_proposals = [{ encryption = "AES128GCM16", dh_group = 19 }, { encryption = "3DES", authentication = "MD5", dh_group = 2 }] }"#,
                true,
            ))
            .expect(DC1, Action::Update)
            .check(DC1, "phase1.additional_proposals.0.encryption", "AES128")
            .check(DC1, "phase2.additional_proposals.1.dh_group", 2)
            .check_gateway(expect_lines(&[
                "proposals = aes256-sha256-modp2048, aes128-sha1-modp1024\n",
                "esp_proposals = aes256-sha256-modp2048, aes128gcm16-ecp256, 3des-md5-modp1024\n",
            ])),
        )
        .step(
            Step::apply(phases(
                default_p1,
                r#"{ dh_group = 0, additional_proposals = [{ encryption = "AES128", authentication = "SHA256", dh_group = 14 }] }"#,
                false,
            ))
            .expect(DC1, Action::Update)
            .check_gateway(expect_lines(&[
                "# @phase2_dh_group 0,14\n",
                "proposals = aes256-sha256-modp2048\n",
                "esp_proposals = aes256-sha256, aes128-sha256\n",
            ])),
        )
        .step(
            Step::apply(phases(default_p1, default_p2, true))
                .expect(DC1, Action::Update)
                .check_gateway(expect_lines(&["esp_proposals = aes256-sha256-modp2048\n"])),
        )
        .run();
}

fn connection_rename_replaces_it_and_moves_its_file() {
    TestCase::new()
        .step(Step::apply(connection("dc1").hcl()))
        .step(
            Step::apply(connection("dc1").string("name", "dc2").hcl())
                .expect(DC1, Action::Replace)
                .check(DC1, "id", "dc2")
                .check_gateway(|gateway| {
                    assert_eq!(gateway.config_files(), ["swanctl/conf.d/dc2.conf"]);
                }),
        )
        .run();
}

fn connection_minimal_config_takes_defaults_and_plans_empty() {
    let minimal = "resource \"ipsec_vpn_connection\" \"dc1\" {\n  name          = \"dc1\"\n  peer_address  = \"2001:db8::10\"\n  preshared_key = \"minimal-key-1\"\n  local_subnets = [\"10.9.0.0/16\", \"10.1.0.0/16\", \"fd00:1::/64\"]\n}\n";
    TestCase::new()
        .step(
            Step::apply(minimal)
                .check(DC1, "ike_version", 2)
                .check(
                    DC1,
                    "phase1",
                    serde_json::json!({"encryption": "AES256", "authentication": "SHA256", "dh_group": 14, "keylife": 28800, "additional_proposals": []}),
                )
                .check(
                    DC1,
                    "phase2",
                    serde_json::json!({"encryption": "AES256", "authentication": "SHA256", "dh_group": 14, "keylife": 3600, "additional_proposals": []}),
                )
                .check(DC1, "perfect_forward_secrecy", true)
                .check(DC1, "start_action", "trap")
                .check(DC1, "local_address", serde_json::Value::Null)
                .check(DC1, "description", serde_json::Value::Null)
                .check_gateway(|gateway| {
                    let conf = gateway.swanctl("dc1");
                    assert!(conf.contains("remote_addrs = 2001:db8::10"), "{conf}");
                    assert!(!conf.contains("local_addrs"), "{conf}");
                }),
        )
        // The same set written in another order is the same set: no diff.
        .step(Step::apply(minimal.replace(
            "[\"10.9.0.0/16\", \"10.1.0.0/16\", \"fd00:1::/64\"]",
            "[\"fd00:1::/64\", \"10.1.0.0/16\", \"10.9.0.0/16\"]",
        )))
        // Writing the defaults out changes nothing either.
        .step(Step::apply(minimal.replace(
            "}\n",
            "  ike_version = 2\n  phase1 = { encryption = \"AES256\", keylife = 28800 }\n  phase2 = {}\n  perfect_forward_secrecy = true\n  start_action = \"trap\"\n}\n",
        )))
        .run();
}

fn remote_subnet_lifecycle_create_replace_on_cidr_and_connection_destroy() {
    let connections = format!(
        "{}{}",
        connection("dc1").hcl(),
        connection("dc2")
            .string("peer_address", "203.0.113.20")
            .set("local_subnets", "[\"10.2.0.0/16\"]")
            .hcl()
    );
    let with = |connection: &str, cidr: &str| {
        format!(
            "{connections}{}{}",
            remote_subnet("apps", "ipsec_vpn_connection.dc1.name", "192.168.10.0/24"),
            remote_subnet(
                "users",
                &format!("ipsec_vpn_connection.{connection}.name"),
                cidr
            )
        )
    };
    const USERS: &str = "ipsec_remote_subnet.users";
    TestCase::new()
        .step(
            Step::apply(with("dc1", "192.168.20.0/24"))
                .expect(USERS, Action::Create)
                .check(USERS, "id", "dc1/192.168.20.0/24")
                .check(USERS, "connection_name", "dc1")
                .check(USERS, "cidr", "192.168.20.0/24")
                .check_gateway(|gateway| {
                    let conf = gateway.swanctl("dc1");
                    assert!(
                        conf.contains("remote_ts = 192.168.10.0/24,192.168.20.0/24"),
                        "{conf}"
                    );
                }),
        )
        .step(
            Step::apply(with("dc1", "192.168.30.0/24"))
                .expect(USERS, Action::Replace)
                .expect("ipsec_remote_subnet.apps", Action::NoOp)
                .check(USERS, "id", "dc1/192.168.30.0/24")
                .check_gateway(|gateway| {
                    let conf = gateway.swanctl("dc1");
                    assert!(
                        conf.contains("remote_ts = 192.168.10.0/24,192.168.30.0/24"),
                        "{conf}"
                    );
                }),
        )
        .step(
            Step::apply(with("dc2", "192.168.30.0/24"))
                .expect(USERS, Action::Replace)
                .check(USERS, "id", "dc2/192.168.30.0/24")
                .check_gateway(|gateway| {
                    let dc1 = gateway.swanctl("dc1");
                    let dc2 = gateway.swanctl("dc2");
                    assert!(dc1.contains("remote_ts = 192.168.10.0/24\n"), "{dc1}");
                    assert!(dc2.contains("remote_ts = 192.168.30.0/24\n"), "{dc2}");
                }),
        )
        // Destroying one subnet removes it from the gateway and leaves the others.
        .step(
            Step::apply(format!(
                "{connections}{}",
                remote_subnet("apps", "ipsec_vpn_connection.dc1.name", "192.168.10.0/24")
            ))
            .expect(USERS, Action::Delete)
            .check_gateway(|gateway| {
                let dc2 = gateway.swanctl("dc2");
                assert!(!dc2.contains("remote_ts"), "{dc2}");
                assert!(gateway
                    .swanctl("dc1")
                    .contains("remote_ts = 192.168.10.0/24\n"));
            }),
        )
        .run();
}

fn nat_config(static_nat_subnet: &str, translations: &[(&str, &str, &str)]) -> String {
    format!(
        "{}{}{}{}",
        connection("dc1").hcl(),
        remote_subnet("apps", "ipsec_vpn_connection.dc1.name", "192.168.10.0/24"),
        remote_subnet("users", "ipsec_vpn_connection.dc1.name", "192.168.20.0/24"),
        nat_context(
            "dc1",
            "ipsec_vpn_connection.dc1.name",
            static_nat_subnet,
            translations,
            &["ipsec_remote_subnet.apps", "ipsec_remote_subnet.users"],
        )
    )
}

const NAT: &str = "ipsec_nat_context.dc1";

fn nft_has(lines: &'static [&'static str]) -> impl FnOnce(&acceptance_tests::Gateway) + Send {
    move |gateway| {
        let nft = gateway.nft("dc1");
        for line in lines {
            assert!(nft.contains(line), "no `{line}` in\n{nft}");
        }
    }
}

fn nat_context_translations_change_in_place() {
    TestCase::new()
        .step(
            Step::apply(nat_config("10.1.255.88/29", &[("billing-db", "10.1.255.92", "192.168.10.15")]))
                .expect(NAT, Action::Create)
                .check(NAT, "id", "dc1")
                .check(NAT, "static_nat_subnet", "10.1.255.88/29")
                .check(NAT, "translations[\"billing-db\"].local_ip", "10.1.255.92")
                .check(NAT, "translations[\"billing-db\"].customer_ip", "192.168.10.15")
                .check_gateway(nft_has(&[
                    "ip daddr 10.1.255.92 dnat ip to 192.168.10.15 comment \"billing-db\"",
                    "ip saddr 192.168.10.15 snat ip to 10.1.255.92 comment \"billing-db\"",
                ])),
        )
        // Add one.
        .step(
            Step::apply(nat_config(
                "10.1.255.88/29",
                &[("billing-db", "10.1.255.92", "192.168.10.15"), ("crm", "10.1.255.93", "192.168.20.7")],
            ))
            .expect(NAT, Action::Update)
            .check(NAT, "translations[\"crm\"].customer_ip", "192.168.20.7")
            .check_gateway(nft_has(&["ip daddr 10.1.255.93 dnat ip to 192.168.20.7 comment \"crm\""])),
        )
        // Change one's local and customer addresses.
        .step(
            Step::apply(nat_config(
                "10.1.255.88/29",
                &[("billing-db", "10.1.255.94", "192.168.10.16"), ("crm", "10.1.255.93", "192.168.20.7")],
            ))
            .expect(NAT, Action::Update)
            .check_gateway(nft_has(&[
                "ip daddr 10.1.255.94 dnat ip to 192.168.10.16 comment \"billing-db\"",
                "ip saddr 192.168.10.16 snat ip to 10.1.255.94 comment \"billing-db\"",
            ])),
        )
        // Rename one, and move the static NAT subnet.
        .step(
            Step::apply(nat_config(
                "10.1.254.0/24",
                &[("billing", "10.1.254.10", "192.168.10.16"), ("crm", "10.1.254.11", "192.168.20.7")],
            ))
            .expect(NAT, Action::Update)
            .check(NAT, "static_nat_subnet", "10.1.254.0/24")
            .check_gateway(|gateway| {
                let nft = gateway.nft("dc1");
                assert!(nft.contains("# @static_nat_subnet 10.1.254.0/24"), "{nft}");
                assert!(nft.contains("comment \"billing\""), "{nft}");
                assert!(!nft.contains("billing-db"), "{nft}");
            }),
        )
        // Remove one; the last one stays.
        .step(
            Step::apply(nat_config("10.1.254.0/24", &[("crm", "10.1.254.11", "192.168.20.7")]))
                .expect(NAT, Action::Update)
                .check(NAT, "translations", serde_json::json!({"crm": {"local_ip": "10.1.254.11", "customer_ip": "192.168.20.7"}}))
                .check_gateway(|gateway| {
                    let nft = gateway.nft("dc1");
                    assert_eq!(nft.matches("comment").count(), 2, "{nft}");
                }),
        )
        // Destroying the NAT context removes the nftables file and nothing else.
        .step(
            Step::apply(format!(
                "{}{}",
                connection("dc1").hcl(),
                remote_subnet("apps", "ipsec_vpn_connection.dc1.name", "192.168.10.0/24"),
            ))
            .expect(NAT, Action::Delete)
            .check_gateway(|gateway| {
                assert_eq!(gateway.config_files(), ["swanctl/conf.d/dc1.conf"]);
            }),
        )
        .run();
}

fn nat_context_moving_to_another_connection_replaces_it() {
    let config = |connection: &str| {
        format!(
            "{}{}{}{}{}",
            common::connection("dc1").hcl(),
            common::connection("dc2")
                .string("peer_address", "203.0.113.20")
                .set("local_subnets", "[\"10.2.0.0/16\"]")
                .hcl(),
            remote_subnet("one", "ipsec_vpn_connection.dc1.name", "192.168.10.0/24"),
            remote_subnet("two", "ipsec_vpn_connection.dc2.name", "192.168.10.0/24"),
            nat_context(
                "dc1",
                &format!("ipsec_vpn_connection.{connection}.name"),
                "10.1.255.88/29",
                &[("db", "10.1.255.92", "192.168.10.15")],
                &["ipsec_remote_subnet.one", "ipsec_remote_subnet.two"],
            )
        )
    };
    TestCase::new()
        .step(Step::apply(config("dc1")).check(NAT, "id", "dc1"))
        .step(
            Step::apply(config("dc2"))
                .expect(NAT, Action::Replace)
                .check(NAT, "id", "dc2")
                .check_gateway(|gateway| {
                    assert!(!gateway.exists("nftables/dc1.nft"));
                    assert!(gateway.nft("dc2").contains("comment \"db\""));
                }),
        )
        .run();
}

/// The provider's `nat_table` names the table of every NAT fragment; the fragment is
/// readable by the gateway's group only.
fn nat_table_setting_names_the_nftables_table() {
    use std::os::unix::fs::PermissionsExt;
    let config = format!(
        "provider \"ipsec\" {{\n  config_dir = \"{CONFIG_DIR}\"\n  nat_table  = \"edge_nat\"\n}}\n\n{}",
        nat_config("10.1.255.88/29", &[("db", "10.1.255.92", "192.168.10.15")])
    );
    TestCase::new()
        .step(Step::apply(config.clone()).check_gateway(|gateway| {
            let nft = gateway.nft("dc1");
            assert!(nft.contains("table inet edge_nat {"), "{nft}");
            let mode = std::fs::metadata(gateway.root().join("nftables/dc1.nft"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, 0o640);
        }))
        // A changed nat_table moves the rules: the plan shows it, apply rewrites them.
        .step(
            Step::apply(config.replace("\"edge_nat\"", "\"vpn_nat\""))
                .expect("ipsec_nat_context.dc1", Action::Update)
                .check("ipsec_nat_context.dc1", "nat_table", "vpn_nat")
                .check_gateway(|gateway| {
                    let nft = gateway.nft("dc1");
                    assert!(nft.contains("table inet vpn_nat {"), "{nft}");
                    assert!(!nft.contains("edge_nat"), "{nft}");
                }),
        )
        .run();
}

/// Without `local_id`, `peer_id` and `dpd`, state shows their defaults: the identities
/// of the addresses, and DPD whose action follows `start_action`, also when it changes.
fn connection_identities_and_dpd_default_to_what_they_follow() {
    let dpd = |action: &str| serde_json::json!({"delay": 30, "timeout": 150, "action": action});
    TestCase::new()
        .step(
            Step::apply(
                connection("dc1")
                    .with_remote_subnet("192.168.10.0/24")
                    .hcl(),
            )
            .expect(DC1, Action::Create)
            .check(DC1, "local_id", serde_json::Value::Null)
            .check(DC1, "peer_id", "203.0.113.10")
            .check(DC1, "dpd", dpd("trap"))
            .check_gateway(|gateway| {
                let conf = gateway.swanctl("dc1");
                for line in [
                    "dpd_delay = 30s",
                    "dpd_timeout = 150s",
                    "dpd_action = trap",
                    "id = 203.0.113.10",
                    "id-remote = 203.0.113.10",
                ] {
                    assert!(conf.contains(line), "no `{line}` in\n{conf}");
                }
                assert!(!conf.contains("id-local"), "{conf}");
            }),
        )
        .step(
            Step::apply(
                connection("dc1")
                    .with_remote_subnet("192.168.10.0/24")
                    .string("start_action", "start")
                    .hcl(),
            )
            .expect(DC1, Action::Update)
            .check(DC1, "dpd", dpd("restart")),
        )
        .step(
            Step::apply(
                connection("dc1")
                    .with_remote_subnet("192.168.10.0/24")
                    .string("start_action", "none")
                    .string("local_address", "198.51.100.1")
                    .string("peer_address", "203.0.113.20")
                    .hcl(),
            )
            .expect(DC1, Action::Update)
            .check(DC1, "dpd", dpd("clear"))
            .check(DC1, "local_id", "198.51.100.1")
            .check(DC1, "peer_id", "203.0.113.20"),
        )
        .run();
}

/// Each of `local_id`, `peer_id` and the fields of `dpd`, set at creation and then
/// changed alone, updates the connection in place.
fn connection_identities_and_dpd_are_created_and_update_in_place() {
    let base = full_connection()
        .string("local_id", "gw-a@example.com")
        .string("peer_id", "branch.example.net")
        .set("ike_version", "1")
        .set("dpd", "{ delay = 10, timeout = 60, action = \"restart\" }");
    let changes: Vec<(Connection, &str)> = vec![
        (
            base.clone().string("local_id", "198.51.100.1"),
            "id-local = 198.51.100.1",
        ),
        (
            base.clone().string("peer_id", "ops+branch@example.net"),
            "id-remote = ops+branch@example.net",
        ),
        (
            base.clone()
                .set("dpd", "{ delay = 0, timeout = 60, action = \"restart\" }"),
            "dpd_delay = 0s",
        ),
        (
            base.clone()
                .set("dpd", "{ delay = 10, timeout = 120, action = \"restart\" }"),
            "dpd_timeout = 120s",
        ),
        (
            base.clone()
                .set("dpd", "{ delay = 10, timeout = 60, action = \"clear\" }"),
            "dpd_action = clear",
        ),
    ];
    let case = TestCase::new().step(
        Step::apply(base.hcl())
            .expect(DC1, Action::Create)
            .check(DC1, "local_id", "gw-a@example.com")
            .check(DC1, "peer_id", "branch.example.net")
            .check(
                DC1,
                "dpd",
                serde_json::json!({"delay": 10, "timeout": 60, "action": "restart"}),
            )
            .check_gateway(|gateway| {
                let conf = gateway.swanctl("dc1");
                for line in [
                    "            id = gw-a@example.com\n",
                    "            id = branch.example.net\n",
                    "id-local = gw-a@example.com\n",
                    "id-remote = branch.example.net\n",
                    "dpd_delay = 10s",
                    "dpd_timeout = 60s",
                    "dpd_action = restart",
                ] {
                    assert!(conf.contains(line), "no `{line}` in\n{conf}");
                }
            }),
    );
    each_updates_in_place(case, &base, changes).run();
}
