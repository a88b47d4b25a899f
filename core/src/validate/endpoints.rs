//! The endpoints of `ipsec_vpn_connection`: `peer_address` and `local_address`, and the
//! IKE identities `peer_id` and `local_id`, which default to them.

use super::connection::Checker;
use super::input::ConnectionInput;
use crate::diag::{AttributePath, Problem};
use crate::model::{EndpointAddress, Identity};

/// What is wrong with `local` as the other end of a tunnel to `peer`, if anything.
fn endpoint_pair_problem(peer: EndpointAddress, local: EndpointAddress) -> Option<Problem> {
    if peer.ip().is_ipv4() != local.ip().is_ipv4() {
        Some(Problem::error(
            "Address family mismatch",
            format!(
                "local_address {local} and peer_address {peer} are of different IP versions; \
                 both endpoints of a tunnel must be IPv4 or both IPv6."
            ),
        ))
    } else if peer == local {
        Some(Problem::error(
            "Tunnel to itself",
            format!(
                "local_address {local} is the same as peer_address; a tunnel needs two endpoints. \
                 Give this gateway's own address as local_address (or omit it), and the remote one as peer_address."
            ),
        ))
    } else {
        None
    }
}

impl Checker<'_> {
    /// `peer_address` and `local_address` (`Some(None)`: any), each on its own and
    /// against each other.
    pub(super) fn endpoints(
        &mut self,
        input: &ConnectionInput,
    ) -> (Option<EndpointAddress>, Option<Option<EndpointAddress>>) {
        let peer_path = AttributePath::root("peer_address");
        let local_path = AttributePath::root("local_address");
        let peer = self.parse(
            &peer_path,
            Some(input.peer_address.as_str()),
            EndpointAddress::parse,
            None,
        );
        if let Some(peer) = peer.filter(EndpointAddress::is_link_local) {
            self.diags.add(
                Problem::error(
                    "Link-local peer address",
                    format!(
                        "{peer} is a link-local address (169.254.0.0/16, fe80::/10), which is reachable only on \
                         one network segment and cannot be a VPN peer; give the peer's routable address."
                    ),
                ),
                peer_path,
            );
        }
        let local = match &input.local_address {
            Some(raw) => self
                .parse(
                    &local_path,
                    Some(raw.as_str()),
                    EndpointAddress::parse,
                    None,
                )
                .map(Some),
            None if self.known(&local_path) => Some(None),
            None => None,
        };
        if let (Some(peer), Some(Some(local))) = (peer, local) {
            if let Some(problem) = endpoint_pair_problem(peer, local) {
                self.diags.add(problem, local_path);
            }
        }
        (peer, local)
    }

    /// `local_id` (`Some(None)`: none) and `peer_id`, or their defaults: the identities
    /// of `local_address` (none without one) and of `peer_address`.
    pub(super) fn identities(
        &mut self,
        input: &ConnectionInput,
        peer: Option<EndpointAddress>,
        local: Option<Option<EndpointAddress>>,
    ) -> (Option<Option<Identity>>, Option<Identity>) {
        let of_address = |a: EndpointAddress| Identity::of_address(a.ip());
        let local_id = match &input.local_id {
            Some(raw) => self
                .parse(
                    &AttributePath::root("local_id"),
                    Some(raw.as_str()),
                    Identity::parse,
                    None,
                )
                .map(Some),
            None => local.map(|local| local.map(of_address)),
        };
        let peer_id = self.parse(
            &AttributePath::root("peer_id"),
            input.peer_id.as_deref(),
            Identity::parse,
            peer.map(of_address),
        );
        (local_id, peer_id)
    }
}
