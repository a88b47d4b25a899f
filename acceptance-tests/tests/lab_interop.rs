//! Interop on the live lab with a peer Terraform did not configure: gwA by Terraform
//! (through a provider in debug mode, attached with `TF_REATTACH_PROVIDERS`), gwB by a
//! hand-written swanctl.conf, for IKEv1 and IKEv2 with the default suite and the classic
//! sets.
//!
//! Needs root, network namespaces, strongSwan, nftables and `terraform`;
//! `IPSEC_SKIP_SYSTEM_TESTS=1` skips these tests.

use std::path::Path;

use acceptance_tests::lab::checks::*;
use acceptance_tests::lab::config::{provider_block, remote_subnet, CONN_A};
use acceptance_tests::lab::{run_lab_suite, LabWorkspace};
use acceptance_tests::{test, ProviderMode};
use ipsec_test_support::lab::*;

fn main() {
    run_lab_suite(vec![test(
        "terraform_side_interoperates_with_a_hand_configured_peer",
        terraform_side_interoperates_with_a_hand_configured_peer,
    )]);
}

/// One row of the interop table: what Terraform declares on gwA, what the hand-written
/// peer on gwB says, and what both gateways must then list.
struct Interop {
    ike_version: u8,
    /// gwA's `phase1` and `phase2` (HCL), empty for the defaults.
    phases: &'static str,
    /// gwB's hand-written proposals (IKE, ESP).
    ike: &'static str,
    esp: &'static str,
    /// The IKE SA and the CHILD SA as `swanctl --list-sas` shows them.
    ike_sa: &'static str,
    child_sa: &'static str,
}

const CLASSIC_3DES: &str = "phase1 = { encryption = \"3DES\", authentication = \"MD5\", dh_group = 2 }\n  phase2 = { encryption = \"3DES\", authentication = \"MD5\", dh_group = 2 }";

const CLASSIC_AES128: &str = "phase1 = { encryption = \"AES128\", authentication = \"SHA1\", dh_group = 2 }\n  phase2 = { encryption = \"AES128\", authentication = \"SHA1\", dh_group = 2 }";

/// IKEv2's first CHILD SA has no DH exchange of its own, so its ESP lists no group;
/// IKEv1's quick mode does PFS at once.
#[rustfmt::skip]
const INTEROP: [Interop; 6] = [
    Interop { ike_version: 2, phases: "", ike: "aes256-sha256-modp2048", esp: "aes256-sha256-modp2048",
              ike_sa: "AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048", child_sa: "ESP:AES_CBC-256/HMAC_SHA2_256_128" },
    Interop { ike_version: 2, phases: CLASSIC_3DES, ike: "3des-md5-modp1024", esp: "3des-md5-modp1024",
              ike_sa: "3DES_CBC/HMAC_MD5_96/PRF_HMAC_MD5/MODP_1024", child_sa: "ESP:3DES_CBC/HMAC_MD5_96" },
    Interop { ike_version: 2, phases: CLASSIC_AES128, ike: "aes128-sha1-modp1024", esp: "aes128-sha1-modp1024",
              ike_sa: "AES_CBC-128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024", child_sa: "ESP:AES_CBC-128/HMAC_SHA1_96" },
    Interop { ike_version: 1, phases: "", ike: "aes256-sha256-modp2048", esp: "aes256-sha256-modp2048",
              ike_sa: "AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048", child_sa: "ESP:AES_CBC-256/HMAC_SHA2_256_128/MODP_2048" },
    Interop { ike_version: 1, phases: CLASSIC_3DES, ike: "3des-md5-modp1024", esp: "3des-md5-modp1024",
              ike_sa: "3DES_CBC/HMAC_MD5_96/PRF_HMAC_MD5/MODP_1024", child_sa: "ESP:3DES_CBC/HMAC_MD5_96/MODP_1024" },
    Interop { ike_version: 1, phases: CLASSIC_AES128, ike: "aes128-sha1-modp1024", esp: "aes128-sha1-modp1024",
              ike_sa: "AES_CBC-128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024", child_sa: "ESP:AES_CBC-128/HMAC_SHA1_96/MODP_1024" },
];

/// gwA alone, by Terraform (one provider, no alias), towards the hand-written peer.
fn gw_a_only(lab: &Lab, dir: &Path, row: &Interop) -> String {
    let Interop {
        ike_version,
        phases,
        ..
    } = row;
    format!(
        r#"{provider}
resource "ipsec_vpn_connection" "a" {{
  name          = "{CONN_A}"
  ike_version   = {ike_version}
  local_address = "{GW_A}"
  peer_address  = "{GW_B}"
  preshared_key = "{LAB_PSK}"
  local_subnets = ["{SITE_A}"]
  start_action  = "start"
  {phases}
}}

{lan_b}
{lan_cust}"#,
        provider = provider_block(lab, None, "gwA", &dir.join("gwA")),
        lan_b = remote_subnet("lan_b", None, "a", LAN_B),
        lan_cust = remote_subnet("lan_cust", None, "a", LAN_CUST),
    )
}

/// 7. Interop with a peer Terraform did not configure: gwA by Terraform (through a
///    provider in debug mode, attached with `TF_REATTACH_PROVIDERS`), gwB by a
///    hand-written swanctl.conf, for IKEv1 and IKEv2 with the default suite and the
///    classic sets. One lab for the whole table: each row loads gwB's new configuration,
///    then re-applies gwA's; the changed connection makes charon on gwA close the old SA
///    and negotiate anew (start_action "start"), and hostA reaches hostB and custB (both
///    remote subnets) each time.
fn terraform_side_interoperates_with_a_hand_configured_peer() {
    if skip_system_tests() {
        return;
    }
    let rig = LabWorkspace::new("tf-interop", ProviderMode::InProcess, LAB_PSK);
    let lab = &rig.lab;
    for row in &INTEROP {
        let what = format!("IKEv{} IKE {} / ESP {}", row.ike_version, row.ike, row.esp);
        let peer = Tunnel {
            version: row.ike_version,
            ike: row.ike,
            esp: row.esp,
            ..Tunnel::DEFAULT
        };
        lab.load_swanctl_conf("gwB", &peer.swanctl_conf("gwB"));
        rig.write_config(&gw_a_only(lab, rig.workspace().path(), row));
        rig.apply();
        let established = format!("ESTABLISHED, IKEv{}", row.ike_version);
        let child_sa = format!("INSTALLED, TUNNEL-in-UDP, {}", row.child_sa);
        let expected = [established.as_str(), row.ike_sa, child_sa.as_str()];
        if row.ike_version == 1 {
            // One CHILD SA per pair of subnets (gwA declares two remote subnets).
            wait_for_pairs(lab, &[(SITE_A, LAN_B), (SITE_A, LAN_CUST)], &expected);
        } else {
            wait_for_tunnel(lab, &expected);
        }
        for (host, address) in [("hostB", HOST_B), ("custB", CUST_B)] {
            assert!(
                lab.ping("hostA", address),
                "{what}: hostA cannot reach {host} through the tunnel\n{}",
                lab.report()
            );
        }
    }
    rig.converged("the last interop row");
}
