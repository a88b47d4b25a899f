//! Golden files: the exact swanctl.conf and nftables text for the seed's classic
//! examples. A change to the rendered text must be a deliberate snapshot update
//! (`cargo insta review`), never an accident.

use ipsec_core::model::{ConnectionName, NatTable};
use ipsec_core::render::{render_nftables, render_swanctl};
use ipsec_core::validate::{validate_connection, ProposalInput};
use ipsec_test_support::inputs::*;

fn swanctl_of(input: &ipsec_core::validate::ConnectionInput, remote: &[&str]) -> String {
    render_swanctl(&context(input, remote, None)).to_string()
}

#[test]
fn classic_aes256_sha256_dh14_with_pfs() {
    insta::assert_snapshot!(swanctl_of(
        &classic_input(),
        &["192.168.10.0/24", "192.168.20.0/24"]
    ));
}

#[test]
fn classic_dh2_without_pfs() {
    let mut input = classic_input();
    input.phase1.dh_group = Some(2);
    input.phase2.dh_group = Some(2);
    input.perfect_forward_secrecy = Some(false);
    insta::assert_snapshot!(swanctl_of(&input, &["192.168.10.0/24"]));
}

#[test]
fn classic_dh2_with_pfs() {
    let mut input = classic_input();
    input.phase1.dh_group = Some(2);
    input.phase2.dh_group = Some(2);
    insta::assert_snapshot!(swanctl_of(&input, &["192.168.10.0/24"]));
}

#[test]
fn classic_3des_md5_ikev1_renders_and_warns() {
    let mut input = classic_input();
    input.ike_version = Some(1);
    input.phase1 = phase("3DES", Some("MD5"), 2, 28800);
    input.phase2 = phase("3DES", Some("MD5"), 2, 3600);
    let (_, diags) = validate_connection(&input);
    let warnings: Vec<String> = diags
        .warnings()
        .map(|d| format!("{}: {}", d.path, d.summary))
        .collect();
    assert_eq!(
        warnings,
        [
            "phase1.encryption: Weak encryption algorithm",
            "phase1.dh_group: Weak Diffie-Hellman group",
            "phase1.authentication: Weak authentication algorithm",
            "phase2.encryption: Weak encryption algorithm",
            "phase2.dh_group: Weak Diffie-Hellman group",
            "phase2.authentication: Weak authentication algorithm",
        ]
    );
    assert!(!diags.has_error());
    insta::assert_snapshot!(swanctl_of(&input, &["192.168.10.0/24"]));
}

#[test]
fn modern_gcm_with_local_address_start_action_and_description() {
    let mut input = classic_input();
    input.name = "branch-7".into();
    input.local_address = Some("198.51.100.1".into());
    input.phase1 = phase("AES256GCM16", Some("SHA384"), 20, 86400);
    input.phase2 = phase("AES128GCM16", None, 31, 1800);
    input.start_action = Some("start".into());
    input.description = Some("Branch 7 \"Zürich\" {rack 4} # not a comment\nsecond line".into());
    input.local_subnets = vec!["10.7.0.0/16".into(), "10.8.0.0/24".into()];
    insta::assert_snapshot!(swanctl_of(&input, &["192.168.70.0/24"]));
}

#[test]
fn ipv6_endpoints_and_subnets() {
    let mut input = classic_input();
    input.name = "v6".into();
    input.peer_address = "2001:db8::10".into();
    input.local_subnets = vec!["fd00:1::/64".into()];
    insta::assert_snapshot!(swanctl_of(&input, &["fd00:2::/64"]));
}

#[test]
fn classic_static_nat() {
    let nat = context(
        &classic_input(),
        &["192.168.10.0/24"],
        Some(&classic_nat_input("dc1")),
    )
    .nat
    .unwrap();
    insta::assert_snapshot!(render_nftables(
        &ConnectionName::parse("dc1").unwrap(),
        &nat,
        &NatTable::default()
    ));
}

#[test]
fn static_nat_with_several_translations_in_a_custom_table() {
    let mut input = classic_nat_input("dc1");
    input.translations.insert(
        "web.front_01".into(),
        ipsec_core::validate::TranslationInput {
            local_ip: "10.1.255.89".into(),
            customer_ip: "192.168.20.80".into(),
        },
    );
    let nat = context(
        &classic_input(),
        &["192.168.10.0/24", "192.168.20.0/24"],
        Some(&input),
    )
    .nat
    .unwrap();
    let table = NatTable::parse("gw_nat").unwrap();
    insta::assert_snapshot!(render_nftables(
        &ConnectionName::parse("dc1").unwrap(),
        &nat,
        &table
    ));
}

/// IKEv1 negotiates one pair of selectors per CHILD_SA, so each pair of subnets gets
/// its own child; they differ only in their selectors.
#[test]
fn ikev1_with_several_subnets_has_a_child_per_pair() {
    let mut input = classic_input();
    input.ike_version = Some(1);
    input.local_subnets = vec!["10.1.0.0/16".into(), "10.2.0.0/16".into()];
    insta::assert_snapshot!(swanctl_of(&input, &["192.168.10.0/24", "192.168.20.0/24"]));
}

/// An IKEv1 child pairs subnets of one IP version only (a pair of IPv4 and IPv6 cannot
/// carry traffic), and is named by its pair, so that a new subnet renames no child.
#[test]
fn ikev1_writes_only_pairs_of_one_ip_version() {
    let mut input = classic_input();
    input.ike_version = Some(1);
    input.local_subnets = vec!["10.1.0.0/16".into(), "2001:db8:1::/48".into()];
    insta::assert_snapshot!(swanctl_of(&input, &["192.168.10.0/24", "2001:db8:2::/48"]));
}

/// A peer behind NAT named by its FQDN, this gateway by an email-style identity, and
/// dead-peer detection that restarts: the ids in the local and remote sections and as
/// the secret's owners, `dpd_delay` and `dpd_timeout` on the connection, `dpd_action`
/// on the child.
#[test]
fn identities_and_dead_peer_detection() {
    let mut input = classic_input();
    input.local_id = Some("gw-a@example.com".into());
    input.peer_id = Some("branch.example.net".into());
    input.start_action = Some("start".into());
    input.dpd.delay = Some(10);
    input.ike_version = Some(1);
    input.dpd.timeout = Some(60);
    insta::assert_snapshot!(swanctl_of(&input, &["192.168.10.0/24"]));
}

fn proposal(encryption: &str, authentication: Option<&str>, dh_group: i64) -> ProposalInput {
    ProposalInput {
        encryption: Some(encryption.into()),
        authentication: authentication.map(Into::into),
        dh_group: Some(dh_group),
    }
}

#[test]
fn additional_proposals_follow_the_primary_with_pfs() {
    let mut input = classic_input();
    input.phase1.additional_proposals = vec![
        proposal("AES128", Some("SHA1"), 2),
        proposal("AES256GCM16", Some("SHA384"), 20),
    ];
    input.phase2.additional_proposals = vec![
        proposal("AES128GCM16", None, 19),
        proposal("3DES", Some("MD5"), 2),
    ];
    insta::assert_snapshot!(swanctl_of(&input, &["192.168.10.0/24"]));
}

#[test]
fn additional_proposals_without_pfs_keep_their_groups_aside() {
    let mut input = classic_input();
    input.perfect_forward_secrecy = Some(false);
    input.phase2.dh_group = Some(0);
    input.phase2.additional_proposals = vec![
        proposal("AES128", Some("SHA256"), 14),
        proposal("AES128GCM16", None, 0),
    ];
    insta::assert_snapshot!(swanctl_of(&input, &["192.168.10.0/24"]));
}

#[test]
fn without_remote_subnets_no_child_is_written() {
    for version in [1, 2] {
        let mut input = classic_input();
        input.ike_version = Some(version);
        input.local_subnets = vec!["10.1.0.0/16".into(), "fd00:1::/64".into()];
        insta::assert_snapshot!(
            format!("without_remote_subnets_ikev{version}"),
            swanctl_of(&input, &[])
        );
    }
}
