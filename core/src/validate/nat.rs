//! `ipsec_nat_context`: its own attributes. Customer IPs against remote subnets are
//! checked in [`super::context`].

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use super::input::{NatContextInput, TranslationInput};
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
    let mut taken = Taken::default();
    let mut complete = !unknown.contains(&translations_path);
    let entries = if complete {
        input.translations.iter().collect()
    } else {
        Vec::new()
    };
    for (raw_name, raw) in entries {
        let check = TranslationCheck {
            path: translations_path.key(raw_name),
            unknown,
            subnet,
        };
        match check.run(raw_name, raw, &mut taken, &mut diags) {
            Some((name, translation)) => {
                translations.insert(name, translation);
            }
            None => complete = false,
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

/// The addresses the translations checked so far use, each with the first translation
/// that used it.
#[derive(Default)]
struct Taken<'a> {
    local: HashMap<IpAddr, &'a str>,
    customer: HashMap<IpAddr, &'a str>,
}

/// One translation's check: its path, what is not known yet, and the static NAT subnet
/// (if valid) its `local_ip` must be a host of.
struct TranslationCheck<'u> {
    path: AttributePath,
    unknown: &'u Unknowns,
    subnet: Option<Cidr>,
}

impl TranslationCheck<'_> {
    /// The translation `raw_name`, or `None` when a part of it is invalid or unknown.
    fn run<'a>(
        &self,
        raw_name: &'a str,
        raw: &TranslationInput,
        taken: &mut Taken<'a>,
        diags: &mut Diagnostics,
    ) -> Option<(TranslationName, Translation)> {
        let path = &self.path;
        let (local_path, customer_path) = (path.attr("local_ip"), path.attr("customer_ip"));
        let name = self
            .unknown
            .take(diags, path, TranslationName::parse(raw_name));
        let local_ip: Option<HostAddress> =
            self.unknown
                .take(diags, &local_path, HostAddress::parse(&raw.local_ip));
        let customer_ip: Option<HostAddress> =
            self.unknown
                .take(diags, &customer_path, HostAddress::parse(&raw.customer_ip));
        if let (Some(local), Some(subnet)) = (local_ip, self.subnet) {
            if let Some(problem) = local_ip_problem(local, subnet) {
                diags.add(problem, local_path.clone());
            }
        }
        if let Some((local, other)) = reused(&mut taken.local, local_ip, raw_name) {
            diags.add(
                Problem::error(
                    "Duplicate local_ip",
                    format!("local_ip {local} is already used by translation {}; each translation needs its own local address.", quote(other)),
                ),
                local_path,
            );
        }
        if let Some((customer, other)) = reused(&mut taken.customer, customer_ip, raw_name) {
            diags.add(
                Problem::error(
                    "Duplicate customer_ip",
                    format!("customer_ip {customer} is already translated by {}; a customer host can have only one local address.", quote(other)),
                ),
                customer_path.clone(),
            );
        }
        let (local_ip, customer_ip) = (local_ip?, customer_ip?);
        if local_ip.ip().is_ipv4() != customer_ip.ip().is_ipv4() {
            diags.add(
                Problem::error(
                    "Address family mismatch",
                    format!("local_ip {local_ip} and customer_ip {customer_ip} are of different IP versions; a 1:1 NAT maps IPv4 to IPv4 or IPv6 to IPv6."),
                ),
                customer_path,
            );
        }
        Some((
            name?,
            Translation {
                local_ip,
                customer_ip,
            },
        ))
    }
}

/// Records that translation `name` uses `address` (if valid); answers the address and
/// the translation that used it before, if one did.
fn reused<'a>(
    seen: &mut HashMap<IpAddr, &'a str>,
    address: Option<HostAddress>,
    name: &'a str,
) -> Option<(HostAddress, &'a str)> {
    let address = address?;
    seen.insert(address.ip(), name)
        .map(|other| (address, other))
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
