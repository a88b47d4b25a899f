//! `ipsec_nat_context`: its own attributes. Customer IPs against remote subnets are
//! checked in [`super::context`].

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use super::input::NatContextInput;
use crate::diag::{AttributePath, Diagnostics, Problem};
use crate::model::{Cidr, ConnectionName, HostAddress, NatContext, Translation, TranslationName};

/// Validates a NAT context on its own: names, addresses, `local_ip` inside
/// `static_nat_subnet`, and no address used twice.
pub fn validate_nat_context(
    input: &NatContextInput,
) -> (Option<(ConnectionName, NatContext)>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let connection = diags.take(
        ConnectionName::parse(&input.connection),
        &AttributePath::root("connection"),
    );
    let subnet = diags.take(
        Cidr::parse(&input.static_nat_subnet),
        &AttributePath::root("static_nat_subnet"),
    );

    let mut translations = BTreeMap::new();
    let mut local_seen: HashMap<IpAddr, &str> = HashMap::new();
    let mut customer_seen: HashMap<IpAddr, &str> = HashMap::new();
    let mut ok = true;
    for (raw_name, raw) in &input.translations {
        let path = AttributePath::root("translations").key(raw_name);
        let name = diags.take(TranslationName::parse(raw_name), &path);
        let local_ip = diags.take(HostAddress::parse(&raw.local_ip), &path.attr("local_ip"));
        let customer_ip = diags.take(
            HostAddress::parse(&raw.customer_ip),
            &path.attr("customer_ip"),
        );
        if let (Some(local), Some(subnet)) = (local_ip, subnet) {
            if !subnet.contains(local.ip()) {
                ok = false;
                diags.add(
                    Problem::error(
                        "local_ip outside static_nat_subnet",
                        format!(
                            "local_ip {local} is not inside static_nat_subnet {subnet}; choose an address from {subnet} \
                             or widen static_nat_subnet."
                        ),
                    ),
                    path.attr("local_ip"),
                );
            }
        }
        if let Some(local) = local_ip {
            if let Some(other) = local_seen.insert(local.ip(), raw_name) {
                ok = false;
                diags.add(
                    Problem::error(
                        "Duplicate local_ip",
                        format!("local_ip {local} is already used by translation {other:?}; each translation needs its own local address."),
                    ),
                    path.attr("local_ip"),
                );
            }
        }
        if let Some(customer) = customer_ip {
            if let Some(other) = customer_seen.insert(customer.ip(), raw_name) {
                ok = false;
                diags.add(
                    Problem::error(
                        "Duplicate customer_ip",
                        format!("customer_ip {customer} is already translated by {other:?}; a customer host can have only one local address."),
                    ),
                    path.attr("customer_ip"),
                );
            }
        }
        if let (Some(local), Some(customer)) = (local_ip, customer_ip) {
            if local.ip().is_ipv4() != customer.ip().is_ipv4() {
                ok = false;
                diags.add(
                    Problem::error(
                        "Address family mismatch",
                        format!("local_ip {local} and customer_ip {customer} are of different IP versions; a 1:1 NAT maps IPv4 to IPv4 or IPv6 to IPv6."),
                    ),
                    path.attr("customer_ip"),
                );
            }
        }
        match (name, local_ip, customer_ip) {
            (Some(name), Some(local_ip), Some(customer_ip)) => {
                translations.insert(
                    name,
                    Translation {
                        local_ip,
                        customer_ip,
                    },
                );
            }
            _ => ok = false,
        }
    }

    let nat = match (subnet, ok && !diags.has_error()) {
        (Some(static_nat_subnet), true) => Some(NatContext {
            static_nat_subnet,
            translations,
        }),
        _ => None,
    };
    (connection.zip(nat), diags)
}
