//! `data "ipsec_peer_config"` and `additional_proposals` on the live lab (`hostA ── gwA
//! ══ wan ══ gwB ── hostB`): Terraform configures gwA only (it answers, `start_action =
//! "none"`), and gwB is configured by hand from what the data source says, as the
//! operator of the other end would: loaded from `swanctl_conf` alone, gwB initiates and
//! the tunnel carries traffic, with IKEv2's defaults and with the classic IKEv1
//! 3DES/MD5/DH 2 set. A gwB that accepts only gwA's second proposal establishes, and
//! gwA's status shows the algorithms negotiated.
//!
//! Needs root, network namespaces, strongSwan, nftables and `terraform`;
//! `IPSEC_SKIP_SYSTEM_TESTS=1` skips these tests.

use acceptance_tests::lab::checks::{
    assert_host_b_through_tunnel, wait_for_pairs, wait_for_tunnel,
};
use acceptance_tests::lab::config::{provider_block, PSK};
use acceptance_tests::lab::{run_lab_suite, LabWorkspace};
use acceptance_tests::{test, ProviderMode};
use ipsec_test_support::lab::*;

fn main() {
    run_lab_suite(vec![
        test(
            "gw_b_configured_only_from_swanctl_conf_carries_traffic_ikev2",
            gw_b_configured_only_from_swanctl_conf_carries_traffic_ikev2,
        ),
        test(
            "gw_b_configured_only_from_swanctl_conf_carries_traffic_classic_ikev1",
            gw_b_configured_only_from_swanctl_conf_carries_traffic_classic_ikev1,
        ),
        test(
            "a_peer_accepting_only_the_second_proposal_establishes_and_the_status_shows_it",
            a_peer_accepting_only_the_second_proposal_establishes_and_the_status_shows_it,
        ),
    ]);
}

const PEER_CONFIG: &str = "data.ipsec_peer_config.b";
const STATUS: &str = "data.ipsec_connection_status.a";

/// gwA's side only: connection `site_b` answering gwB, hostB's LAN as its remote subnet,
/// `extra` added to the connection's block; the peer's configuration and gwA's status,
/// read after the remote subnet is applied.
fn gw_a_only(rig: &LabWorkspace, extra: &str) -> String {
    let provider = provider_block(&rig.lab, None, "gwA", &rig.config_dir("gwA"));
    format!(
        r#"{provider}
resource "ipsec_vpn_connection" "a" {{
  name          = "site_b"
  peer_address  = "{GW_B}"
  local_address = "{GW_A}"
  preshared_key = "{PSK}"
  local_subnets = ["{SITE_A}"]
  start_action  = "none"
{extra}
}}

resource "ipsec_remote_subnet" "lan_b" {{
  connection_name = ipsec_vpn_connection.a.name
  cidr            = "{LAN_B}"
}}

data "ipsec_peer_config" "b" {{
  connection_name = ipsec_remote_subnet.lan_b.connection_name
}}

data "ipsec_connection_status" "a" {{
  name = ipsec_remote_subnet.lan_b.connection_name
}}
"#
    )
}

/// Applies gwA's side with `extra` and answers the peer configuration's `swanctl_conf`
/// and `parameters`, read from the state (never printed: it holds the key).
fn applied(name: &str, extra: &str) -> Option<(LabWorkspace, String, serde_json::Value)> {
    if skip_system_tests() {
        return None;
    }
    let rig = LabWorkspace::new(name, ProviderMode::Binary, PSK);
    rig.write_config(&gw_a_only(&rig, extra));
    rig.apply();
    let peer = rig.workspace().resource(PEER_CONFIG);
    let conf = peer["swanctl_conf"].as_str().unwrap().to_owned();
    assert_eq!(peer["preshared_key"], PSK);
    Some((rig, conf, peer["parameters"].clone()))
}

fn gw_b_configured_only_from_swanctl_conf_carries_traffic_ikev2() {
    let Some((rig, conf, parameters)) = applied("tf-peer2", "") else {
        return;
    };
    assert_eq!(parameters["peer_address"], GW_B);
    assert_eq!(parameters["gateway_address"], GW_A);
    assert_eq!(parameters["ike_version"], 2);
    assert_eq!(parameters["peer_networks"], serde_json::json!([LAN_B]));
    assert_eq!(parameters["gateway_networks"], serde_json::json!([SITE_A]));
    assert_eq!(parameters["pfs_group"], 14);
    assert_eq!(parameters["phase1"]["proposals"][0]["encryption"], "AES256");
    let lab = &rig.lab;
    lab.load_swanctl_conf("gwB", &conf);
    wait_for_tunnel(
        lab,
        &[
            "AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048",
            "ESP:AES_CBC-256/HMAC_SHA2_256_128",
        ],
    );
    assert_host_b_through_tunnel(lab, "gwB from swanctl_conf");
    rig.converged("gwB from swanctl_conf");
}

fn gw_b_configured_only_from_swanctl_conf_carries_traffic_classic_ikev1() {
    let classic = r#"  ike_version   = 1
  phase1 = { encryption = "3DES", authentication = "MD5", dh_group = 2 }
  phase2 = { encryption = "3DES", authentication = "MD5", dh_group = 2 }"#;
    let Some((rig, conf, parameters)) = applied("tf-peer1", classic) else {
        return;
    };
    assert_eq!(parameters["ike_version"], 1);
    assert_eq!(
        parameters["phase2"]["proposals"][0]["authentication"],
        "MD5"
    );
    assert!(conf.contains("proposals = 3des-md5-modp1024\n"), "{conf}");
    let lab = &rig.lab;
    lab.load_swanctl_conf("gwB", &conf);
    wait_for_pairs(
        lab,
        &[(SITE_A, LAN_B)],
        &[
            "3DES_CBC/HMAC_MD5_96/PRF_HMAC_MD5/MODP_1024",
            "ESP:3DES_CBC/HMAC_MD5_96",
        ],
    );
    assert_host_b_through_tunnel(lab, "gwB from swanctl_conf, IKEv1");
    rig.converged("gwB from swanctl_conf, IKEv1");
}

fn a_peer_accepting_only_the_second_proposal_establishes_and_the_status_shows_it() {
    let two_proposals = r#"  phase1 = { additional_proposals = [{ encryption = "AES128", authentication = "SHA256", dh_group = 19 }] }
  phase2 = { additional_proposals = [{ encryption = "AES128GCM16", dh_group = 19 }] }"#;
    let Some((rig, conf, parameters)) = applied("tf-second", two_proposals) else {
        return;
    };
    assert_eq!(parameters["phase1"]["proposals"][1]["encryption"], "AES128");
    assert_eq!(
        parameters["phase2"]["proposals"][1]["encryption"],
        "AES128GCM16"
    );
    // The peer offers and accepts only gwA's second proposal of each phase.
    let only_second = conf
        .replace(
            "proposals = aes256-sha256-modp2048, aes128-sha256-ecp256",
            "proposals = aes128-sha256-ecp256",
        )
        .replace(
            "esp_proposals = aes256-sha256-modp2048, aes128gcm16-ecp256",
            "esp_proposals = aes128gcm16-ecp256",
        );
    assert!(
        only_second.contains("esp_proposals = aes128gcm16-ecp256\n"),
        "{conf}"
    );
    let lab = &rig.lab;
    lab.load_swanctl_conf("gwB", &only_second);
    wait_for_tunnel(
        lab,
        &[
            "AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_256",
            "ESP:AES_GCM_16-128",
        ],
    );
    assert_host_b_through_tunnel(lab, "the second proposal");
    rig.apply();
    let status = rig.workspace().resource(STATUS);
    assert_eq!(status["state"], "established", "{status:#}");
    assert_eq!(status["ike_sa"]["encryption"], "AES128", "{status:#}");
    assert_eq!(status["ike_sa"]["dh_group"], 19, "{status:#}");
    assert_eq!(
        status["child_sas"][0]["encryption"], "AES128GCM16",
        "{status:#}"
    );
}
