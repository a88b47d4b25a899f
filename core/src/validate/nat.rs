//! `ipsec_nat_context`: its own attributes. Customer IPs against remote subnets are
//! checked in [`super::context`].

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use super::input::NatContextInput;
use super::unknowns::Unknowns;
use crate::diag::{quote, AttributePath, Diagnostics, Problem};
use crate::model::{Cidr, ConnectionName, HostAddress, NatContext, Translation, TranslationName};

/// Validates a NAT context on its own: names, addresses, `local_ip` inside
/// `static_nat_subnet`, and no address used twice.
pub fn validate_nat_context(
    input: &NatContextInput,
) -> (Option<(ConnectionName, NatContext)>, Diagnostics) {
    validate_nat_context_with(input, &Unknowns::none())
}

/// Validates a configuration in which the attributes in `unknown` are not known yet.
pub fn check_nat_context_config(input: &NatContextInput, unknown: &Unknowns) -> Diagnostics {
    validate_nat_context_with(input, unknown).1
}

fn validate_nat_context_with(
    input: &NatContextInput,
    unknown: &Unknowns,
) -> (Option<(ConnectionName, NatContext)>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let connection = unknown.take(
        &mut diags,
        &AttributePath::root("connection_name"),
        ConnectionName::parse(&input.connection),
    );
    let subnet_path = AttributePath::root("static_nat_subnet");
    let subnet: Option<Cidr> = unknown.take(
        &mut diags,
        &subnet_path,
        Cidr::parse(&input.static_nat_subnet),
    );

    let translations_path = AttributePath::root("translations");
    let mut translations = BTreeMap::new();
    let mut local_seen: HashMap<IpAddr, &str> = HashMap::new();
    let mut customer_seen: HashMap<IpAddr, &str> = HashMap::new();
    let mut complete = !unknown.contains(&translations_path);
    let entries = if complete {
        input.translations.iter().collect()
    } else {
        Vec::new()
    };
    for (raw_name, raw) in entries {
        let path = translations_path.key(raw_name);
        let name = unknown.take(&mut diags, &path, TranslationName::parse(raw_name));
        let local_ip: Option<HostAddress> = unknown.take(
            &mut diags,
            &path.attr("local_ip"),
            HostAddress::parse(&raw.local_ip),
        );
        let customer_ip: Option<HostAddress> = unknown.take(
            &mut diags,
            &path.attr("customer_ip"),
            HostAddress::parse(&raw.customer_ip),
        );
        if let (Some(local), Some(subnet)) = (local_ip, subnet) {
            if let Some(problem) = local_ip_problem(local, subnet) {
                diags.add(problem, path.attr("local_ip"));
            }
        }
        if let Some(local) = local_ip {
            if let Some(other) = local_seen.insert(local.ip(), raw_name) {
                diags.add(
                    Problem::error(
                        "Duplicate local_ip",
                        format!("local_ip {local} is already used by translation {}; each translation needs its own local address.", quote(other)),
                    ),
                    path.attr("local_ip"),
                );
            }
        }
        if let Some(customer) = customer_ip {
            if let Some(other) = customer_seen.insert(customer.ip(), raw_name) {
                diags.add(
                    Problem::error(
                        "Duplicate customer_ip",
                        format!("customer_ip {customer} is already translated by {}; a customer host can have only one local address.", quote(other)),
                    ),
                    path.attr("customer_ip"),
                );
            }
        }
        if let (Some(local), Some(customer)) = (local_ip, customer_ip) {
            if local.ip().is_ipv4() != customer.ip().is_ipv4() {
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
            _ => complete = false,
        }
    }

    let nat = match subnet {
        Some(static_nat_subnet) if complete && !diags.has_error() => Some(NatContext {
            static_nat_subnet,
            translations,
        }),
        _ => None,
    };
    (connection.zip(nat), diags)
}

/// What is wrong with `local` as an address of `subnet` (the static NAT subnet), if
/// anything: it must be one of the subnet's host addresses.
fn local_ip_problem(local: HostAddress, subnet: Cidr) -> Option<Problem> {
    if !subnet.contains(local.ip()) {
        return Some(Problem::error(
            "local_ip outside static_nat_subnet",
            format!(
                "local_ip {local} is not inside static_nat_subnet {subnet}; choose an address from {subnet} \
                 or widen static_nat_subnet."
            ),
        ));
    }
    if subnet.is_network_or_broadcast(local.ip()) {
        let which = if subnet.net().network() == local.ip() {
            "network address"
        } else {
            "broadcast address"
        };
        return Some(Problem::error(
            "local_ip is not a host address of static_nat_subnet",
            format!(
                "local_ip {local} is the {which} of static_nat_subnet {subnet}, which no host can use; \
                 choose another address from {subnet}."
            ),
        ));
    }
    None
}
