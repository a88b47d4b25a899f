//! Reachable NAT addresses: when a connection's static NAT subnet lies inside a network
//! the gateway is directly attached to, hosts of that network ask (ARP, NDP) for each
//! translation's `local_ip`, and the gateway must answer for it, or the traffic never
//! reaches the DNAT rule.
//!
//! The gateway answers by holding each `local_ip` as an address (`/32`, `/128` without
//! duplicate address detection) on the interface of that network, in `netns` where set.
//! Not proxy ARP: Linux answers a proxy ARP entry (`ip neigh add proxy`) only when the
//! route to the address leaves by another interface, which an address inside the
//! interface's own network never does; an address is answered with no sysctl at all.
//! The DNAT rule (prerouting) sends everything arriving for it on to the customer host,
//! so the gateway itself never serves it. When the subnet lies in no attached network,
//! nothing is added: the network needs a route to the gateway for it.

use std::net::IpAddr;
use std::process::Stdio;

use serde::Deserialize;
use tokio::process::Command;

use super::nft::NFT_DEADLINE;
use crate::gateway::{EngineError, GatewayError};
use crate::model::{Cidr, NatContext};

/// `ip` in one network namespace.
#[derive(Debug, Clone)]
pub(crate) struct NatAddresses {
    netns: Option<String>,
}

/// One address of an interface, as `ip -j addr` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct HeldAddress {
    interface: String,
    address: IpAddr,
    prefix: u8,
}

#[derive(Deserialize)]
struct Link {
    ifname: String,
    #[serde(default)]
    addr_info: Vec<AddrInfo>,
}

#[derive(Deserialize)]
struct AddrInfo {
    local: Option<IpAddr>,
    prefixlen: Option<u8>,
}

impl NatAddresses {
    /// `ip` in `netns`, or the provider's own namespace.
    pub(crate) fn new(netns: Option<&str>) -> Self {
        Self {
            netns: netns.map(str::to_owned),
        }
    }

    /// Makes the gateway answer for the NAT addresses of `next` and no longer for those
    /// of `previous` that `next` does not keep.
    pub(crate) async fn sync(
        &self,
        previous: Option<&NatContext>,
        next: Option<&NatContext>,
    ) -> Result<(), GatewayError> {
        let wanted: Vec<IpAddr> = next.map(local_ips).unwrap_or_default();
        let held = self.list().await?;
        for ip in previous.map(local_ips).unwrap_or_default() {
            if wanted.contains(&ip) {
                continue;
            }
            for h in held
                .iter()
                .filter(|h| h.address == ip && h.prefix == host_prefix(ip))
            {
                let (address, dev) = (format!("{ip}/{}", h.prefix), h.interface.clone());
                self.ip(&["addr", "del", &address, "dev", &dev]).await?;
            }
        }
        let Some(next) = next else {
            return Ok(());
        };
        let Some(interface) = attached_interface(&held, next.static_nat_subnet) else {
            tracing::debug!(subnet = %next.static_nat_subnet, "static NAT subnet in no attached network: a route is needed");
            return Ok(());
        };
        for ip in wanted {
            let already = held
                .iter()
                .any(|h| h.address == ip && h.interface == interface);
            if already {
                continue;
            }
            let address = format!("{ip}/{}", host_prefix(ip));
            let mut args = vec![
                "addr",
                "replace",
                address.as_str(),
                "dev",
                interface.as_str(),
            ];
            if ip.is_ipv6() {
                // Without it the address stays tentative (unanswered) for a second or two.
                args.push("nodad");
            }
            self.ip(&args).await?;
        }
        Ok(())
    }

    /// `nat` as the gateway answers for it: a translation whose `local_ip` should be
    /// held (its subnet lies in an attached network) but is not, is left out, so that
    /// the missing address shows as drift on the translation and apply puts it back.
    pub(crate) async fn answered(&self, mut nat: NatContext) -> Result<NatContext, GatewayError> {
        let held = self.list().await?;
        let Some(interface) = attached_interface(&held, nat.static_nat_subnet) else {
            return Ok(nat);
        };
        nat.translations.retain(|_, t| {
            let ip = t.local_ip.ip();
            held.iter()
                .any(|h| h.address == ip && h.interface == interface)
        });
        Ok(nat)
    }

    /// Every address of every interface.
    async fn list(&self) -> Result<Vec<HeldAddress>, GatewayError> {
        let text = self.ip(&["-j", "addr", "show"]).await?;
        let links: Vec<Link> = serde_json::from_str(&text)
            .map_err(|error| self.failed("-j addr show", format!("unreadable output: {error}")))?;
        Ok(links
            .into_iter()
            .flat_map(|link| {
                let interface = link.ifname;
                link.addr_info.into_iter().filter_map(move |info| {
                    Some(HeldAddress {
                        interface: interface.clone(),
                        address: info.local?,
                        prefix: info.prefixlen?,
                    })
                })
            })
            .collect())
    }

    /// Runs `ip -n <netns> <args>`, bounded like `nft`.
    async fn ip(&self, args: &[&str]) -> Result<String, GatewayError> {
        let mut command = Command::new("ip");
        if let Some(netns) = &self.netns {
            command.args(["-n", netns]);
        }
        command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let what = args.join(" ");
        tracing::debug!(netns = ?self.netns, command = %what, "ip");
        let output = match tokio::time::timeout(NFT_DEADLINE, command.output()).await {
            Ok(Ok(output)) => output,
            Ok(Err(error)) => return Err(self.failed(&what, error.to_string())),
            Err(_) => return Err(self.failed(&what, format!("no answer within {NFT_DEADLINE:?}"))),
        };
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
            Err(self.failed(&what, stderr))
        }
    }

    fn failed(&self, command: &str, stderr: String) -> GatewayError {
        EngineError::AddressFailed {
            netns: self.netns.clone(),
            command: command.to_owned(),
            stderr,
        }
        .into()
    }
}

fn local_ips(nat: &NatContext) -> Vec<IpAddr> {
    nat.translations.values().map(|t| t.local_ip.ip()).collect()
}

fn host_prefix(ip: IpAddr) -> u8 {
    if ip.is_ipv4() {
        32
    } else {
        128
    }
}

/// The interface whose network (an address with a shorter prefix than a host's: not a
/// NAT address held here) holds all of `subnet`.
fn attached_interface(held: &[HeldAddress], subnet: Cidr) -> Option<String> {
    held.iter()
        .filter(|h| h.prefix < host_prefix(h.address))
        .find(|h| {
            ipnet::IpNet::new(h.address, h.prefix)
                .map(|net| net.trunc().contains(&subnet.net()))
                .unwrap_or(false)
        })
        .map(|h| h.interface.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(interface: &str, address: &str, prefix: u8) -> HeldAddress {
        HeldAddress {
            interface: interface.into(),
            address: address.parse().unwrap(),
            prefix,
        }
    }

    #[test]
    fn the_interface_of_the_network_that_holds_the_subnet_answers() {
        let addresses = [
            held("lo", "127.0.0.1", 8),
            held("wan", "198.51.100.1", 24),
            held("lan", "10.1.0.1", 24),
            held("lan", "10.1.0.92", 32),
            held("lan6", "fd00:1::1", 64),
        ];
        let at = |subnet: &str| attached_interface(&addresses, Cidr::parse(subnet).unwrap());
        assert_eq!(at("10.1.0.88/29").as_deref(), Some("lan"));
        assert_eq!(at("fd00:1::80/124").as_deref(), Some("lan6"));
        // Not inside an attached network (a NAT address held is no network).
        assert_eq!(at("10.1.255.88/29"), None);
        assert_eq!(at("10.1.0.92/32").as_deref(), Some("lan"));
        assert_eq!(at("10.1.0.0/16"), None);
    }
}
