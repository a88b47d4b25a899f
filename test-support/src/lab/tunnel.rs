//! Tunnels written by hand, as an administrator writes swanctl.conf: the peer that
//! Terraform did not configure.

use super::{Lab, GATEWAYS, GW_A, GW_B, LAB_PSK, LAN_B, LAN_CUST, SITE_A};

/// A hand-written site-to-site tunnel between gwA (site A, [`SITE_A`]) and gwB, with a
/// PSK: what each gateway's swanctl.conf holds.
pub struct Tunnel<'a> {
    /// Connection name; the child is `net`.
    pub name: &'a str,
    /// IKE version, 1 or 2.
    pub version: u8,
    /// IKE proposal, e.g. `aes256-sha256-modp2048`.
    pub ike: &'a str,
    /// ESP proposal, e.g. `aes256-sha256-modp2048`.
    pub esp: &'a str,
    /// gwB's protected networks.
    pub site_b: &'a [&'a str],
}

impl Tunnel<'_> {
    /// The default suite: IKEv2, `aes256-sha256-modp2048` in both phases, both LANs of gwB.
    pub const DEFAULT: Tunnel<'static> = Tunnel {
        name: "lab",
        version: 2,
        ike: "aes256-sha256-modp2048",
        esp: "aes256-sha256-modp2048",
        site_b: &[LAN_B, LAN_CUST],
    };

    /// The swanctl.conf of one side (`gwA` or `gwB`).
    pub fn swanctl_conf(&self, gw: &str) -> String {
        let site_b = self.site_b.join(",");
        let (me, peer, local_ts, remote_ts) = match gw {
            "gwA" => (GW_A, GW_B, SITE_A, site_b.as_str()),
            "gwB" => (GW_B, GW_A, site_b.as_str(), SITE_A),
            _ => panic!("no gateway {gw} in the lab"),
        };
        let Tunnel {
            name,
            version,
            ike,
            esp,
            ..
        } = self;
        let psk: String = LAB_PSK.bytes().map(|b| format!("{b:02x}")).collect();
        format!(
            "connections {{
  {name} {{
    version = {version}
    local_addrs = {me}
    remote_addrs = {peer}
    proposals = {ike}
    local {{
      auth = psk
      id = {me}
    }}
    remote {{
      auth = psk
      id = {peer}
    }}
    children {{
      net {{
        local_ts = {local_ts}
        remote_ts = {remote_ts}
        esp_proposals = {esp}
        start_action = none
      }}
    }}
  }}
}}
secrets {{
  ike-{name} {{
    id-a = {GW_A}
    id-b = {GW_B}
    secret = 0x{psk}
  }}
}}
"
        )
    }

    /// Loads this tunnel into both gateways.
    pub fn load(&self, lab: &Lab) {
        for gw in GATEWAYS {
            lab.load_swanctl_conf(gw, &self.swanctl_conf(gw));
        }
    }
}
