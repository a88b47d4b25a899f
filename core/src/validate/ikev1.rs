//! IKEv1 pairs subnets by IP version: quick mode negotiates one local and one remote
//! network per CHILD_SA (see [`crate::render::ikev1_pairs`]), and a pair of an IPv4 and
//! an IPv6 network cannot carry traffic. So a remote subnet of an IKEv1 connection
//! needs a local subnet of its IP version.
//!
//! A local subnet without a remote one of its version is not an error: it is how every
//! local subnet starts out, and it may wait for its remote subnets to be added.

use super::context::Focus;
use crate::diag::{AttributePath, Diagnostics, Problem};
use crate::model::{Cidr, Context, IkeVersion};

/// Checks that every remote subnet involved in `focus` has a local subnet of its IP
/// version, when the connection uses IKEv1: a new remote subnet at `cidr`, every remote
/// subnet at `local_subnets` when the connection changes.
pub fn check_ikev1_versions(context: &Context, focus: Focus) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let connection = &context.connection;
    if connection.ike_version != IkeVersion::V1 {
        return diags;
    }
    let unpaired = context.remote_subnets.iter().filter(|remote| {
        !connection
            .local_subnets
            .iter()
            .any(|local| is_ipv4(local) == is_ipv4(remote))
    });
    for remote in unpaired {
        let path = match focus {
            Focus::RemoteSubnet(focused) if focused == *remote => AttributePath::root("cidr"),
            Focus::Connection => AttributePath::root("local_subnets"),
            _ => continue,
        };
        let version = if is_ipv4(remote) { "IPv4" } else { "IPv6" };
        diags.add(
            Problem::error(
                "Remote subnet without a local subnet of its IP version",
                format!(
                    "Connection {} uses IKEv1, which tunnels each remote subnet to local subnets of the same IP \
                     version, and it has no {version} local subnet for remote subnet {remote}. Add an {version} \
                     network to local_subnets, or use ike_version = 2.",
                    connection.name
                ),
            ),
            path,
        );
    }
    diags
}

fn is_ipv4(cidr: &Cidr) -> bool {
    cidr.net().addr().is_ipv4()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::{validate_connection, ConnectionInput};

    fn context(ike_version: i64, local: &str, remote: &[&str]) -> Context {
        let input = ConnectionInput {
            name: "dc1".into(),
            peer_address: "203.0.113.10".into(),
            preshared_key: Some("correct horse battery staple".into()),
            ike_version: Some(ike_version),
            local_subnets: vec![local.into()],
            ..ConnectionInput::default()
        };
        let mut context = Context::new(validate_connection(&input).0.unwrap());
        context.remote_subnets = remote.iter().map(|r| Cidr::parse(r).unwrap()).collect();
        context
    }

    #[test]
    fn a_remote_subnet_of_another_version_is_an_error_at_the_object_changed() {
        let v6 = Cidr::parse("2001:db8:2::/48").unwrap();
        let context = context(1, "10.1.0.0/16", &["192.168.10.0/24", "2001:db8:2::/48"]);
        let at_cidr = check_ikev1_versions(&context, Focus::RemoteSubnet(v6));
        let error = at_cidr.errors().next().unwrap();
        assert_eq!(error.path.to_string(), "cidr");
        assert!(error
            .detail
            .contains("no IPv6 local subnet for remote subnet 2001:db8:2::/48"));
        let at_connection = check_ikev1_versions(&context, Focus::Connection);
        assert_eq!(
            at_connection.errors().next().unwrap().path.to_string(),
            "local_subnets"
        );
        let other = Cidr::parse("192.168.10.0/24").unwrap();
        assert!(check_ikev1_versions(&context, Focus::RemoteSubnet(other)).is_empty());
        assert!(check_ikev1_versions(&context, Focus::Nat).is_empty());
    }

    #[test]
    fn ikev2_and_matching_versions_are_fine() {
        let mixed = context(2, "10.1.0.0/16", &["2001:db8:2::/48"]);
        assert!(check_ikev1_versions(&mixed, Focus::Connection).is_empty());
        let matching = context(1, "10.1.0.0/16", &["192.168.10.0/24"]);
        assert!(check_ikev1_versions(&matching, Focus::Connection).is_empty());
    }
}
