//! Drift on the `local` engine: every kind of hand edit of a connection's
//! `swanctl/conf.d/<name>.conf` and `nftables/<name>.nft` makes
//! `terraform plan -detailed-exitcode` exit 2 naming the attribute that changed, `apply`
//! puts the files back byte for byte, and the next plan is empty. A file broken by hand
//! is an error naming the file and the line, and nothing overwrites it.

mod common;

use acceptance_tests::{
    Action, Gateway, ImportBy, Phase, ProviderMode, Secret, Step, TestCase, Workspace,
};
use common::*;

acceptance_tests::suite![
    phase1_proposal_edit_is_drift_on_phase1_encryption,
    phase2_proposal_edit_is_drift_on_phase2_authentication_and_dh_group,
    rekey_time_edit_is_drift_on_keylife_of_each_phase,
    proposal_added_by_hand_is_drift_on_additional_proposals,
    a_hand_edit_on_the_gateway_is_drift_that_apply_repairs,
    respelling_rekey_time_with_the_same_duration_is_not_drift,
    peer_address_edit_is_drift_on_peer_address,
    ipv6_peer_address_edit_is_drift_on_peer_address,
    peer_address_edited_in_remote_addrs_only_is_drift_on_peer_address,
    dpd_delay_edit_or_removal_is_drift_on_dpd_delay,
    identity_edit_is_drift_on_peer_id,
    psk_edit_is_drift_on_preshared_key_without_showing_any_key,
    write_only_psk_edit_is_drift_and_apply_restores_the_configured_key,
    remote_ts_entry_removed_is_drift_recreating_the_remote_subnet,
    remote_ts_entry_added_by_hand_is_drift_that_apply_removes,
    a_network_added_by_hand_is_adopted_by_declaring_it_not_by_importing_it,
    nat_rule_pair_deleted_is_drift_on_translations,
    nat_rule_pair_added_by_hand_is_drift_that_apply_removes,
    local_ts_edit_is_drift_on_local_subnets,
    nat_translation_address_edit_is_drift_on_local_ip,
    nat_half_edited_translation_is_drift_restoring_it,
    swanctl_file_deleted_plans_the_connection_and_its_dependents_for_creation,
    nftables_file_deleted_plans_the_nat_context_for_creation,
    start_action_edit_or_removal_is_drift_on_start_action,
    garbage_in_swanctl_file_is_an_error_naming_file_and_line,
    garbage_in_nftables_file_is_an_error_naming_file_and_line,
    destroy_with_a_broken_file_fails_naming_it_and_deletes_nothing_until_repaired,
];

const DC1: &str = "ipsec_vpn_connection.dc1";
const NAT: &str = "ipsec_nat_context.dc1";

fn conf() -> String {
    Gateway::swanctl_path("dc1")
}

fn nft() -> String {
    Gateway::nft_path("dc1")
}

/// A drift step whose plan shows every pattern of `patterns` and updates `address` in
/// place, and nothing else.
fn drift_of(address: &str, patterns: &[&str]) -> Step {
    let only_this = format!(r"# {} will be updated in-place", regex::escape(address));
    let mut all: Vec<&str> = patterns.to_vec();
    all.push(&only_this);
    all.push(r"Plan: 0 to add, 1 to change, 0 to destroy");
    Step::drift(&all)
}

/// Rewrites `relative` keeping only the lines for which `keep` holds; panics unless
/// exactly `removed` lines go.
fn drop_lines(gateway: &Gateway, relative: &str, removed: usize, keep: impl Fn(&str) -> bool) {
    gateway.edit(relative, |text| {
        let kept: String = text
            .lines()
            .filter(|line| keep(line))
            .map(|line| format!("{line}\n"))
            .collect();
        assert_eq!(
            text.lines().count() - kept.lines().count(),
            removed,
            "the hand edit of {relative} should remove {removed} lines:\n{text}"
        );
        kept
    });
}

/// Replaces every occurrence of `from`, which must occur exactly `count` times.
fn replace_all(gateway: &Gateway, relative: &str, from: &str, to: &str, count: usize) {
    gateway.edit(relative, |text| {
        assert_eq!(
            text.matches(from).count(),
            count,
            "{relative} should hold {from:?} {count} times:\n{text}"
        );
        text.replace(from, to)
    });
}

/// Inserts `line` so that it becomes line `number` (1-based) of `relative`.
fn insert_line(gateway: &Gateway, relative: &str, number: usize, line: &str) {
    gateway.edit(relative, |text| {
        let mut lines: Vec<&str> = text.lines().collect();
        assert!(number <= lines.len(), "{relative} is too short:\n{text}");
        lines.insert(number - 1, line);
        lines.iter().map(|l| format!("{l}\n")).collect()
    });
}

fn phase1_proposal_edit_is_drift_on_phase1_encryption() {
    TestCase::new()
        .step(Step::apply(dc1_site(&connection("dc1"))))
        .step(
            drift_of(
                DC1,
                &[r#"(?s)~ phase1\s+= \{\s*~ encryption\s+= "AES128" -> "AES256""#],
            )
            .before(|gw| {
                gw.replace(
                    &conf(),
                    "\n        proposals = aes256-sha256-modp2048",
                    "\n        proposals = aes128-sha256-modp2048",
                )
            }),
        )
        .run();
}

fn phase2_proposal_edit_is_drift_on_phase2_authentication_and_dh_group() {
    TestCase::new()
        .step(Step::apply(dc1_site(&connection("dc1"))))
        .step(
            drift_of(
                DC1,
                &[
                    r#"(?s)~ phase2\s+= \{.*~ authentication\s+= "SHA512" -> "SHA256""#,
                    r#"(?s)~ phase2\s+= \{.*~ dh_group\s+= 19 -> 14"#,
                ],
            )
            .before(|gw| {
                gw.replace(
                    &conf(),
                    "esp_proposals = aes256-sha256-modp2048",
                    "esp_proposals = aes256-sha512-ecp256",
                )
            }),
        )
        .run();
}

fn proposal_added_by_hand_is_drift_on_additional_proposals() {
    TestCase::new()
        .step(Step::apply(dc1_site(&connection("dc1"))))
        .step(
            drift_of(
                DC1,
                &[r#"(?s)~ phase1\s+= \{.*~ additional_proposals\s+= \[\s*- \{.*"AES128""#],
            )
            .before(|gw| {
                gw.replace(
                    &conf(),
                    "\n        proposals = aes256-sha256-modp2048",
                    "\n        proposals = aes256-sha256-modp2048, aes128-sha1-modp1024",
                )
            }),
        )
        .step(
            drift_of(
                DC1,
                &[r#"(?s)~ phase2\s+= \{.*~ additional_proposals\s+= \[\s*- \{.*"AES128GCM16""#],
            )
            .before(|gw| {
                gw.replace(
                    &conf(),
                    "esp_proposals = aes256-sha256-modp2048",
                    "esp_proposals = aes256-sha256-modp2048,aes128gcm16-modp2048",
                )
            }),
        )
        .run();
}

fn rekey_time_edit_is_drift_on_keylife_of_each_phase() {
    TestCase::new()
        .step(Step::apply(dc1_site(&connection("dc1"))))
        .step(
            drift_of(
                DC1,
                &[r#"(?s)~ phase1\s+= \{.*~ keylife\s+= 7200 -> 28800"#],
            )
            .before(|gw| gw.replace(&conf(), "rekey_time = 28800s", "rekey_time = 7200s")),
        )
        .step(
            drift_of(
                DC1,
                // strongSwan's own duration syntax is understood: 2h is 7200 seconds.
                &[r#"(?s)~ phase2\s+= \{.*~ keylife\s+= 7200 -> 3600"#],
            )
            .before(|gw| gw.replace(&conf(), "rekey_time = 3600s", "rekey_time = 2h")),
        )
        .run();
}

/// The quickstart as a user copies it, through the real binary: the IKE lifetime edited
/// by hand is drift on `keylife`, which apply repairs.
fn a_hand_edit_on_the_gateway_is_drift_that_apply_repairs() {
    TestCase::new()
        .with_real_binary()
        .step(Step::apply(quickstart()))
        .step(
            Step::drift(&["keylife", "3600 -> 28800"])
                .before(|gw| gw.replace(&conf(), "rekey_time = 28800s", "rekey_time = 3600s")),
        )
        .run();
}

/// `1h` is 3600 seconds for strongSwan: the same configuration, so no drift, and apply
/// leaves the operator's spelling alone.
fn respelling_rekey_time_with_the_same_duration_is_not_drift() {
    TestCase::new()
        .step(Step::apply(dc1_site(&connection("dc1"))))
        .step(
            Step::apply(dc1_site(&connection("dc1")))
                .before(|gw| gw.replace(&conf(), "rekey_time = 3600s", "rekey_time = 1h"))
                .check_gateway(|gw| {
                    let text = gw.swanctl("dc1");
                    assert!(text.contains("rekey_time = 1h\n"), "{text}");
                }),
        )
        .run();
}

/// The peer's address is in three places of the file: `remote_addrs`, the remote
/// section's `id` and the secret's `id`. An operator moving the peer edits all three.
fn peer_address_edit_is_drift_on_peer_address() {
    TestCase::new()
        .step(Step::apply(dc1_site(&connection("dc1"))))
        .step(
            drift_of(
                DC1,
                &[r#"~ peer_address\s+= "203\.0\.113\.99" -> "203\.0\.113\.10""#],
            )
            .before(|gw| replace_all(gw, &conf(), "203.0.113.10", "203.0.113.99", 3)),
        )
        .run();
}

fn ipv6_peer_address_edit_is_drift_on_peer_address() {
    TestCase::new()
        .step(Step::apply(dc1_site(
            &connection("dc1").string("peer_address", "2001:db8::10"),
        )))
        .step(
            drift_of(
                DC1,
                &[r#"~ peer_address\s+= "2001:db8::99" -> "2001:db8::10""#],
            )
            .before(|gw| {
                let text = gw.swanctl("dc1");
                assert!(text.contains("remote_addrs = 2001:db8::10\n"), "{text}");
                replace_all(gw, &conf(), "2001:db8::10\n", "2001:db8::99\n", 3)
            }),
        )
        .run();
}

/// Only `remote_addrs` changed: the remote `id` still names the old address, which is
/// now the connection's `peer_id` (as for a peer behind NAT), so the plan shows only
/// `peer_address` going back, and apply writes the old address again.
fn peer_address_edited_in_remote_addrs_only_is_drift_on_peer_address() {
    TestCase::new()
        .step(Step::apply(dc1_site(&connection("dc1"))))
        .step(
            drift_of(
                DC1,
                &[r#"~ peer_address\s+= "203\.0\.113\.99" -> "203\.0\.113\.10""#],
            )
            .before(|gw| {
                gw.replace(
                    &conf(),
                    "remote_addrs = 203.0.113.10",
                    "remote_addrs = 203.0.113.99",
                )
            }),
        )
        .run();
}

/// `dpd_delay` typed by hand, and deleted (strongSwan's default: no DPD): drift on
/// `dpd.delay` each time, repaired by apply.
fn dpd_delay_edit_or_removal_is_drift_on_dpd_delay() {
    TestCase::new()
        .step(Step::apply(dc1_site(&connection("dc1"))))
        .step(
            drift_of(DC1, &[r#"(?s)~ dpd\s+= \{\s*~ delay\s+= 5 -> 30"#])
                .before(|gw| gw.replace(&conf(), "dpd_delay = 30s", "dpd_delay = 5s")),
        )
        .step(
            drift_of(DC1, &[r#"(?s)~ dpd\s+= \{\s*~ delay\s+= 0 -> 30"#])
                .before(|gw| drop_lines(gw, &conf(), 1, |line| !line.contains("dpd_delay"))),
        )
        .run();
}

/// The peer's identity edited by hand, in its section and as the secret's owner: drift
/// on `peer_id`, which apply writes back in both places.
fn identity_edit_is_drift_on_peer_id() {
    let dc1 = connection("dc1").string("peer_id", "branch.example.net");
    TestCase::new()
        .step(Step::apply(dc1_site(&dc1)))
        .step(
            drift_of(
                DC1,
                &[r#"~ peer_id\s+= "other\.example\.net" -> "branch\.example\.net""#],
            )
            .before(|gw| replace_all(gw, &conf(), "branch.example.net", "other.example.net", 2)),
        )
        .run();
}

/// dc1's secret replaced by `key`, as an operator typing another key would.
fn type_key_by_hand(gateway: &Gateway, key: &str) {
    gateway.replace(
        &conf(),
        &format!("secret = 0x{}", hex(KEY)),
        &format!("secret = 0x{}", hex(key)),
    );
}

/// The key is sensitive: the plan names `preshared_key` but shows neither the key in
/// state, nor the one written by hand, in clear or in hex; the hand-typed key never
/// reaches the state.
fn psk_edit_is_drift_on_preshared_key_without_showing_any_key() {
    const HAND: &str = "hand-typed-key-X3v9";
    TestCase::new()
        .no_leak_of(Secret::stored(KEY))
        .step(Step::apply(dc1_site(&connection("dc1"))))
        .step(
            drift_of(DC1, &[r"~ preshared_key\s+= \(sensitive value\)"])
                .before(|gw| type_key_by_hand(gw, HAND))
                .no_leak_of(Secret::never_stored(HAND)),
        )
        .run();
}

/// A key written from `preshared_key_wo` is not in state, yet a hand edit of it is
/// drift: the private state keeps a keyed hash of it (never the key), the plan sets the
/// version again, and apply writes the configured key back.
fn write_only_psk_edit_is_drift_and_apply_restores_the_configured_key() {
    const HAND: &str = "hand-typed-key-W7q2";
    let dc1 = connection("dc1")
        .unset("preshared_key")
        .string("preshared_key_wo", KEY)
        .set("preshared_key_wo_version", "1");
    TestCase::new()
        .no_leak_of(Secret::never_stored(KEY))
        .step(Step::apply(dc1_site(&dc1)))
        .step(
            Step::drift(&[
                r"preshared_key_wo_version\s+= 1",
                r"# ipsec_vpn_connection\.dc1 will be updated in-place",
                r"Pre-shared key changed on the gateway",
            ])
            .before(|gw| type_key_by_hand(gw, HAND))
            .no_leak_of(Secret::never_stored(HAND)),
        )
        .run();
}

fn remote_ts_entry_removed_is_drift_recreating_the_remote_subnet() {
    TestCase::new()
        .step(Step::apply(dc1_site(&connection("dc1"))))
        .step(
            Step::drift(&[
                r#"(?s)# ipsec_remote_subnet\.users will be created.*\+ cidr\s+= "192\.168\.20\.0/24""#,
                r"Plan: 1 to add, 0 to change, 0 to destroy",
            ])
            .before(|gw| {
                gw.replace(
                    &conf(),
                    "remote_ts = 192.168.10.0/24,192.168.20.0/24\n",
                    "remote_ts = 192.168.10.0/24\n",
                )
            }),
        )
        .run();
}

/// A subnet tunnelled to the peer that no `ipsec_remote_subnet` declares is a hand edit
/// like any other: the plan must say so (naming the subnet) and apply must take it out.
fn remote_ts_entry_added_by_hand_is_drift_that_apply_removes() {
    TestCase::new()
        .step(Step::apply(dc1_site(&connection("dc1"))))
        .step(Step::drift(&[
            r#"(?s)ipsec_vpn_connection\.dc1 will be updated in-place.*~ unmanaged_remote_subnets = \[\s*- "192\.168\.99\.0/24","#,
            r"Plan: 0 to add, 1 to change, 0 to destroy",
        ])
        .before(|gw| {
            gw.replace(
                &conf(),
                "remote_ts = 192.168.10.0/24,192.168.20.0/24\n",
                "remote_ts = 192.168.10.0/24,192.168.20.0/24,192.168.99.0/24\n",
            )
        }))
        .run();
}

/// To keep a network someone added by hand, declare it: the plan then creates the
/// subnet and the apply leaves it in `remote_ts`, now managed. Importing it instead is
/// refused with that advice, because the connection would still plan to remove it.
fn a_network_added_by_hand_is_adopted_by_declaring_it_not_by_importing_it() {
    const EXTRA: &str = "ipsec_remote_subnet.extra";
    let with_extra = format!(
        "{}{}",
        dc1_site(&connection("dc1")),
        remote_subnet("extra", "ipsec_vpn_connection.dc1.name", "192.168.99.0/24")
    );
    TestCase::new()
        .step(Step::apply(dc1_site(&connection("dc1"))))
        .step(
            Step::import(EXTRA, "dc1/192.168.99.0/24", ImportBy::Command)
                .config(with_extra.clone())
                .before(|gw| {
                    gw.replace(
                        &conf(),
                        "remote_ts = 192.168.10.0/24,192.168.20.0/24\n",
                        "remote_ts = 192.168.10.0/24,192.168.20.0/24,192.168.99.0/24\n",
                    )
                })
                .import_fails(r"(?s)Cannot import a remote subnet added by hand.*Declare an\s+ipsec_remote_subnet"),
        )
        .step(
            Step::apply(with_extra)
                .expect(EXTRA, Action::Create)
                .check(EXTRA, "id", "dc1/192.168.99.0/24")
                .check(
                    "ipsec_vpn_connection.dc1",
                    "unmanaged_remote_subnets",
                    serde_json::json!([]),
                )
                .check_gateway(|gw| {
                    let text = gw.swanctl("dc1");
                    assert!(
                        text.contains("remote_ts = 192.168.10.0/24,192.168.20.0/24,192.168.99.0/24\n"),
                        "{text}"
                    );
                    assert!(
                        text.contains("# @remote_subnets 192.168.10.0/24,192.168.20.0/24,192.168.99.0/24\n"),
                        "{text}"
                    );
                }),
        )
        .run();
}

/// Both rules of translation `crm` deleted: the plan adds `crm` back to `translations`.
fn nat_rule_pair_deleted_is_drift_on_translations() {
    TestCase::new()
        .step(Step::apply(dc1_site(&connection("dc1"))))
        .step(
            drift_of(
                NAT,
                &[r#"(?s)~ translations\s+= \{\s*\+ "crm"\s+= \{.*\+ local_ip\s+= "10\.1\.255\.93""#],
            )
            .before(|gw| drop_lines(gw, &nft(), 2, |line| !line.contains("comment \"crm\""))),
        )
        .run();
}

/// A translation no configuration declares, with both its rules: the plan takes it out
/// of `translations`, and apply removes it from the file.
fn nat_rule_pair_added_by_hand_is_drift_that_apply_removes() {
    TestCase::new()
        .step(Step::apply(dc1_site(&connection("dc1"))))
        .step(
            drift_of(
                NAT,
                &[r#"(?s)~ translations\s+= \{\s*- "rogue"\s+= \{.*- local_ip\s+= "10\.1\.255\.94""#],
            )
            .before(|gw| {
                gw.edit(&nft(), |text| {
                    let mut out = String::new();
                    for line in text.lines() {
                        out.push_str(line);
                        out.push('\n');
                        if line.contains("dnat ip to 192.168.20.7 comment \"crm\"") {
                            out.push_str("        ip daddr 10.1.255.94 dnat ip to 192.168.10.20 comment \"rogue\"\n");
                        }
                        if line.contains("snat ip to 10.1.255.93 comment \"crm\"") {
                            out.push_str("        ip saddr 192.168.10.20 snat ip to 10.1.255.94 comment \"rogue\"\n");
                        }
                    }
                    assert_eq!(out.matches("rogue").count(), 2, "{out}");
                    out
                })
            }),
        )
        .run();
}

/// `local_ts` is the connection's `local_subnets`.
fn local_ts_edit_is_drift_on_local_subnets() {
    TestCase::new()
        .step(Step::apply(dc1_site(&connection("dc1"))))
        .step(
            drift_of(
                DC1,
                &[r#"(?s)~ local_subnets\s+= \[\s*- "10\.9\.0\.0/16",\s*\+ "10\.1\.0\.0/16","#],
            )
            .before(|gw| {
                gw.replace(
                    &conf(),
                    "local_ts = 10.1.0.0/16\n",
                    "local_ts = 10.9.0.0/16\n",
                )
            }),
        )
        .run();
}

/// Both rules of `billing-db` moved to another local address, consistently.
fn nat_translation_address_edit_is_drift_on_local_ip() {
    TestCase::new()
        .step(Step::apply(dc1_site(&connection("dc1"))))
        .step(
            drift_of(
                NAT,
                &[r#"(?s)~ translations\s+= \{\s*~ "billing-db"\s+= \{\s*~ local_ip\s+= "10\.1\.255\.94" -> "10\.1\.255\.92""#],
            )
            .before(|gw| replace_all(gw, &nft(), "10.1.255.92 ", "10.1.255.94 ", 2)),
        )
        .step(
            drift_of(
                NAT,
                &[r#"(?s)~ translations\s+= \{\s*~ "crm"\s+= \{\s*~ customer_ip\s+= "192\.168\.20\.9" -> "192\.168\.20\.7""#],
            )
            .before(|gw| replace_all(gw, &nft(), "192.168.20.7 ", "192.168.20.9 ", 2)),
        )
        .run();
}

/// Only the DNAT rule of `billing-db` edited: the two rules disagree, so the translation
/// is not what the gateway does any more; the plan puts it back.
fn nat_half_edited_translation_is_drift_restoring_it() {
    TestCase::new()
        .step(Step::apply(dc1_site(&connection("dc1"))))
        .step(
            drift_of(
                NAT,
                &[r#"(?s)~ translations\s+= \{\s*\+ "billing-db"\s+= \{"#],
            )
            .before(|gw| {
                gw.replace(
                    &nft(),
                    "dnat ip to 192.168.10.15",
                    "dnat ip to 192.168.10.16",
                )
            }),
        )
        .run();
}

fn swanctl_file_deleted_plans_the_connection_and_its_dependents_for_creation() {
    TestCase::new()
        .step(Step::apply(dc1_site(&connection("dc1"))))
        .step(
            Step::drift(&[
                r"# ipsec_vpn_connection\.dc1 has been deleted",
                r#"(?s)# ipsec_vpn_connection\.dc1 will be created.*\+ peer_address\s+= "203\.0\.113\.10""#,
                r"# ipsec_remote_subnet\.apps will be created",
                r"# ipsec_remote_subnet\.users will be created",
                r"# ipsec_nat_context\.dc1 will be created",
                r"Plan: 4 to add, 0 to change, 0 to destroy",
            ])
            .before(|gw| gw.remove(&conf())),
        )
        .run();
}

fn nftables_file_deleted_plans_the_nat_context_for_creation() {
    TestCase::new()
        .step(Step::apply(dc1_site(&connection("dc1"))))
        .step(
            Step::drift(&[
                r#"(?s)# ipsec_nat_context\.dc1 will be created.*\+ static_nat_subnet\s+= "10\.1\.255\.88/29""#,
                r"Plan: 1 to add, 0 to change, 0 to destroy",
            ])
            .before(|gw| gw.remove(&nft())),
        )
        .run();
}

fn start_action_edit_or_removal_is_drift_on_start_action() {
    TestCase::new()
        .step(Step::apply(dc1_site(&connection("dc1"))))
        .step(
            drift_of(DC1, &[r#"~ start_action\s+= "start" -> "trap""#])
                .before(|gw| gw.replace(&conf(), "start_action = trap", "start_action = start")),
        )
        // A deleted line means strongSwan's default, `none`: drift too.
        .step(
            drift_of(DC1, &[r#"~ start_action\s+= "none" -> "trap""#]).before(|gw| {
                drop_lines(gw, &conf(), 1, |line| !line.contains("start_action = trap"))
            }),
        )
        .run();
}

/// A line strongSwan could not read either, inserted as line 9 (after the IKE
/// `rekey_time`): plan and apply fail naming the file and line 9, and write nothing.
/// Once the operator removes the line, everything is as before.
fn garbage_in_swanctl_file_is_an_error_naming_file_and_line() {
    let config = dc1_site(&connection("dc1"));
    let error = r#"Unreadable gateway file: \S*/swanctl/conf\.d/dc1\.conf, line 9: expected '=' or '\{' after "this""#;
    TestCase::new()
        .step(Step::apply(config.clone()))
        .step(
            Step::fails(Phase::Plan, config.clone(), error).before(|gw| {
                let text = gw.swanctl("dc1");
                assert_eq!(
                    text.lines().nth(7).map(str::trim),
                    Some("rekey_time = 28800s"),
                    "line 8 should be the IKE rekey_time:\n{text}"
                );
                insert_line(gw, &conf(), 9, "        this line was typed by mistake");
            }),
        )
        .step(Step::fails(Phase::Apply, config.clone(), error))
        .step(
            Step::apply(config)
                .before(|gw| drop_lines(gw, &conf(), 1, |line| !line.contains("typed by mistake")))
                .check_gateway(|gw| {
                    assert!(!gw.swanctl("dc1").contains("typed by mistake"));
                }),
        )
        .run();
}

/// The same for the NAT fragment: a stray line inside the prerouting chain, line 7. The
/// connection's files are read together, so the error stops the connection and all its
/// resources, not only the NAT context.
fn garbage_in_nftables_file_is_an_error_naming_file_and_line() {
    let config = dc1_site(&connection("dc1"));
    let error = r#"Unreadable gateway file: \S*/nftables/dc1\.nft, line 7: unsupported rule: "this" is not part of a static NAT rule"#;
    TestCase::new()
        .step(Step::apply(config.clone()))
        .step(
            Step::fails(Phase::Plan, config.clone(), error).before(|gw| {
                let text = gw.nft("dc1");
                assert!(
                    text.lines()
                        .nth(5)
                        .is_some_and(|line| line.contains("comment \"billing-db\"")),
                    "line 6 should be the first DNAT rule:\n{text}"
                );
                insert_line(gw, &nft(), 7, "        this line was typed by mistake");
            }),
        )
        .step(Step::fails(Phase::Apply, config.clone(), error))
        .step(
            Step::apply(config)
                .before(|gw| drop_lines(gw, &nft(), 1, |line| !line.contains("typed by mistake"))),
        )
        .run();
}

/// `terraform destroy` refreshes first, so a file broken by hand stops it with the same
/// error naming file and line, before anything is deleted: nothing on the gateway and
/// nothing in the state goes. Once the operator removes the hand edit, destroy leaves an
/// empty gateway.
fn destroy_with_a_broken_file_fails_naming_it_and_deletes_nothing_until_repaired() {
    let workspace = Workspace::new(ProviderMode::InProcess);
    workspace.write_config(&dc1_site(&connection("dc1")));
    workspace.ok(&["apply", "-auto-approve", "-input=false"]);
    let gateway = workspace.gateway();
    let created = workspace.state();
    insert_line(
        gateway,
        &conf(),
        9,
        "        this line was typed by mistake",
    );
    let broken = gateway.snapshot();

    let run = workspace.run(&["destroy", "-auto-approve", "-input=false"]);
    assert_ne!(
        run.code,
        0,
        "destroy ignored a broken file:\n{}",
        run.output()
    );
    assert_shows(
        &run.output(),
        r"Error: Unreadable gateway file\s+(?s:.*)/swanctl/conf\.d/dc1\.conf, line 9: ",
        "destroy with a broken file",
    );
    assert_eq!(
        gateway.snapshot(),
        broken,
        "a failed destroy changed the gateway"
    );
    assert_eq!(
        workspace.state(),
        created,
        "a failed destroy changed the state"
    );

    drop_lines(gateway, &conf(), 1, |line| {
        !line.contains("typed by mistake")
    });
    workspace.ok(&["destroy", "-auto-approve", "-input=false"]);
    gateway.assert_empty();
    assert!(workspace.state().is_empty(), "destroy left state behind");
}
