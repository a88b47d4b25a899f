//! The HCL of the lab tests: provider blocks for the lab's gateways, and both ends of
//! one tunnel in one configuration, one provider alias per gateway.
//!
//! On gwA the connection `site_b` (start_action "start"), its remote subnets hostB's LAN
//! and custB's LAN, and a static NAT that shows custB (192.168.20.15) to site A as
//! 10.1.255.92; on gwB the mirror connection `site_a` (start_action "none": it only
//! answers).

use std::path::Path;

use ipsec_test_support::lab::{Lab, CUST_B, GW_A, GW_B, LAN_B, LAN_CUST, SITE_A};

/// The pre-shared key of the Terraform-made tunnel; it must never show in Terraform's
/// output.
pub const PSK: &str = "tf-lab-psk-5e0c2a91d7";
/// The NAT address on site A that stands for custB.
pub const NAT_IP: &str = "10.1.255.92";
/// gwA's connection (to site B).
pub const CONN_A: &str = "site_b";
/// gwB's connection (to site A).
pub const CONN_B: &str = "site_a";

/// What one configuration declares for both ends.
#[derive(Clone, Copy)]
pub struct Ends {
    /// `ike_version` on both ends.
    pub ike_version: u8,
    /// phase1 and phase2 `encryption` on both ends.
    pub encryption: &'static str,
    /// Whether gwA tunnels to hostB's LAN (192.168.10.0/24 is one of its remote subnets).
    pub a_lan_b: bool,
    /// Whether gwB offers hostB's LAN (192.168.10.0/24 is one of its local subnets).
    pub b_lan_b: bool,
    /// gwA's connection description.
    pub description: &'static str,
}

impl Ends {
    /// IKEv2, AES256, both LANs of gwB on both ends.
    pub const INITIAL: Ends = Ends {
        ike_version: 2,
        encryption: "AES256",
        a_lan_b: true,
        b_lan_b: true,
        description: "to site B",
    };
}

/// A `provider "ipsec"` block for one gateway of the lab (`engine = "strongswan"`, its
/// VICI socket and network namespace), with `config_dir` and, if given, an alias.
pub fn provider_block(lab: &Lab, alias: Option<&str>, gw: &str, config_dir: &Path) -> String {
    let alias = alias
        .map(|a| format!("  alias      = \"{a}\"\n"))
        .unwrap_or_default();
    format!(
        "provider \"ipsec\" {{\n{alias}  engine     = \"strongswan\"\n  vici_uri   = \"{}\"\n  netns      = \"{}\"\n  config_dir = \"{}\"\n}}\n",
        lab.vici_uri(gw),
        lab.netns(gw),
        config_dir.display()
    )
}

/// Both ends of the tunnel in one configuration, one provider alias per gateway, each
/// with its `config_dir` under `dir`.
pub fn both_ends(lab: &Lab, dir: &Path, ends: Ends) -> String {
    format!(
        "{}\n{}\nlocals {{\n  psk = \"{PSK}\"\n}}\n\n{}\n{}",
        provider_block(lab, Some("gwA"), "gwA", &dir.join("gwA")),
        provider_block(lab, Some("gwB"), "gwB", &dir.join("gwB")),
        side_a(ends),
        side_b(ends),
    )
}

/// gwA's resources: the initiating connection, its remote subnets and the NAT.
fn side_a(ends: Ends) -> String {
    let Ends {
        ike_version,
        encryption,
        a_lan_b,
        description,
        ..
    } = ends;
    let lan_b_subnet = if a_lan_b {
        remote_subnet("a_lan_b", Some("gwA"), "a", LAN_B)
    } else {
        String::new()
    };
    let lan_cust_subnet = remote_subnet("a_lan_cust", Some("gwA"), "a", LAN_CUST);
    let nat_after = if a_lan_b {
        "[ipsec_remote_subnet.a_lan_b, ipsec_remote_subnet.a_lan_cust]"
    } else {
        "[ipsec_remote_subnet.a_lan_cust]"
    };
    format!(
        r#"# gwA initiates as soon as its connection is loaded ("start"), and charon's start action
# is one attempt: the answering side must be loaded first, so gwA's connection comes
# after gwB's.
resource "ipsec_vpn_connection" "a" {{
  provider      = ipsec.gwA
  name          = "{CONN_A}"
  description   = "{description}"
  ike_version   = {ike_version}
  local_address = "{GW_A}"
  peer_address  = "{GW_B}"
  preshared_key = local.psk
  local_subnets = ["{SITE_A}"]
  start_action  = "start"
  phase1        = {{ encryption = "{encryption}" }}
  phase2        = {{ encryption = "{encryption}" }}
  depends_on    = [ipsec_remote_subnet.b_site_a]
}}

{lan_b_subnet}
{lan_cust_subnet}
resource "ipsec_nat_context" "a" {{
  provider          = ipsec.gwA
  connection_name   = ipsec_vpn_connection.a.name
  static_nat_subnet = "10.1.255.88/29"
  translations = {{
    custB = {{ local_ip = "{NAT_IP}", customer_ip = "{CUST_B}" }}
  }}
  depends_on = {nat_after}
}}
"#
    )
}

/// gwB's resources: the answering connection and its remote subnet, site A.
fn side_b(ends: Ends) -> String {
    let Ends {
        ike_version,
        encryption,
        b_lan_b,
        ..
    } = ends;
    let site_a_subnet = remote_subnet("b_site_a", Some("gwB"), "b", SITE_A);
    let b_local = if b_lan_b {
        format!("[\"{LAN_B}\", \"{LAN_CUST}\"]")
    } else {
        format!("[\"{LAN_CUST}\"]")
    };
    format!(
        r#"resource "ipsec_vpn_connection" "b" {{
  provider      = ipsec.gwB
  name          = "{CONN_B}"
  ike_version   = {ike_version}
  local_address = "{GW_B}"
  peer_address  = "{GW_A}"
  preshared_key = local.psk
  local_subnets = {b_local}
  start_action  = "none"
  phase1        = {{ encryption = "{encryption}" }}
  phase2        = {{ encryption = "{encryption}" }}
}}

{site_a_subnet}"#
    )
}

/// An `ipsec_remote_subnet` block labelled `label`, of the connection labelled
/// `connection`, through the provider alias `alias` if given.
pub fn remote_subnet(label: &str, alias: Option<&str>, connection: &str, cidr: &str) -> String {
    let provider = alias
        .map(|a| format!("  provider        = ipsec.{a}\n"))
        .unwrap_or_default();
    format!(
        "resource \"ipsec_remote_subnet\" \"{label}\" {{\n{provider}  connection_name = ipsec_vpn_connection.{connection}.name\n  cidr            = \"{cidr}\"\n}}\n"
    )
}
