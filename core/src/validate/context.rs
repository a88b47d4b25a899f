//! Rules that span the objects of one context: overlaps between local and remote
//! subnets, overlapping remote subnets, NAT addresses against the remote side.
//!
//! A rule involves two objects; the diagnostic goes to the attribute of the object being
//! changed (`focus`), so a new remote subnet that overlaps a local subnet is reported at
//! the remote subnet's `cidr`, while a local subnet changed to overlap an existing remote
//! subnet is reported at the connection's `local_subnets`.

use crate::diag::{AttributePath, Diagnostics, Problem};
use crate::model::{Cidr, Context, NatContext};

/// The object of a context that a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// The `ipsec_vpn_connection`.
    Connection,
    /// One `ipsec_remote_subnet`.
    RemoteSubnet(Cidr),
    /// The `ipsec_nat_context`.
    Nat,
}

/// Checks the rules that span objects of `context`, reporting those that involve `focus`.
pub fn check_context(context: &Context, focus: Focus) -> Diagnostics {
    let mut diags = super::ikev1::check_ikev1_versions(context, focus);
    remote_against_local(context, focus, &mut diags);
    if let Focus::RemoteSubnet(f) = focus {
        remote_against_remote(context, f, &mut diags);
    }
    if let Some(nat) = &context.nat {
        nat_against_remote(context, nat, focus, &mut diags);
        if focus == Focus::Nat {
            customers_inside_remote(context, nat, &mut diags);
        }
    }
    diags
}

/// No remote subnet overlaps a local subnet.
fn remote_against_local(context: &Context, focus: Focus, diags: &mut Diagnostics) {
    let local = &context.connection.local_subnets;
    for r in &context.remote_subnets {
        for l in local.iter().filter(|l| l.overlaps(r)) {
            let problem = || {
                Problem::error(
                    "Remote subnet overlaps a local subnet",
                    format!(
                        "Remote subnet {r} overlaps local subnet {l} of connection {}; traffic between them \
                         could not be routed through the tunnel. Use networks that do not overlap (or NAT).",
                        context.connection.name
                    ),
                )
            };
            match focus {
                Focus::RemoteSubnet(f) if f == *r => {
                    diags.add(problem(), AttributePath::root("cidr"))
                }
                Focus::Connection => diags.add(problem(), AttributePath::root("local_subnets")),
                _ => {}
            }
        }
    }
}

/// Remote subnet `f` overlaps no other remote subnet.
fn remote_against_remote(context: &Context, f: Cidr, diags: &mut Diagnostics) {
    let remote = &context.remote_subnets;
    for other in remote.iter().filter(|o| **o != f && o.overlaps(&f)) {
        diags.add(
            Problem::error(
                "Overlapping remote subnets",
                format!(
                    "Remote subnet {f} overlaps remote subnet {other} of connection {}; each remote \
                     network may be declared once, without overlaps.",
                    context.connection.name
                ),
            ),
            AttributePath::root("cidr"),
        );
    }
}

/// The static NAT subnet overlaps no remote subnet.
fn nat_against_remote(context: &Context, nat: &NatContext, focus: Focus, diags: &mut Diagnostics) {
    let subnet = nat.static_nat_subnet;
    for r in context
        .remote_subnets
        .iter()
        .filter(|r| r.overlaps(&subnet))
    {
        let problem = Problem::error(
            "static_nat_subnet overlaps a remote subnet",
            format!(
                "static_nat_subnet {subnet} overlaps remote subnet {r}; the addresses reserved for NAT \
                 must be local addresses, outside every remote subnet."
            ),
        );
        match focus {
            Focus::Nat => diags.add(problem, AttributePath::root("static_nat_subnet")),
            Focus::RemoteSubnet(f) if f == *r => diags.add(problem, AttributePath::root("cidr")),
            _ => {}
        }
    }
}

/// Every translation's customer host is inside a remote subnet (it is reached through
/// the tunnel).
fn customers_inside_remote(context: &Context, nat: &NatContext, diags: &mut Diagnostics) {
    let remote = &context.remote_subnets;
    for (name, translation) in &nat.translations {
        let customer = translation.customer_ip;
        if !remote.iter().any(|r| r.contains(customer.ip())) {
            let known: Vec<String> = remote.iter().map(Cidr::to_string).collect();
            let known = if known.is_empty() {
                "it has none yet".to_owned()
            } else {
                format!("it has {}", known.join(", "))
            };
            diags.add(
                Problem::error(
                    CUSTOMER_OUTSIDE,
                    format!(
                        "customer_ip {customer} is not inside any remote subnet of connection {} ({known}). \
                         Add an ipsec_remote_subnet that contains it; if one is added in the same run, \
                         list it in this resource's depends_on so that it exists first.",
                        context.connection.name
                    ),
                ),
                AttributePath::root("translations").key(name.as_str()).attr("customer_ip"),
            );
        }
    }
}

/// Checks that `context`, from which remote subnet `removed` was just taken, still
/// covers every translation's `customer_ip`: a translation whose customer host is no
/// longer tunnelled would leave the gateway in a state every later plan rejects.
pub fn check_remote_subnet_removal(context: &Context, removed: Cidr) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let Some(nat) = &context.nat else {
        return diags;
    };
    let remote = context.remote_traffic_selectors();
    for (name, translation) in &nat.translations {
        let customer = translation.customer_ip.ip();
        if removed.contains(customer) && !remote.iter().any(|r| r.contains(customer)) {
            diags.add(
                Problem::error(
                    SUBNET_IN_USE,
                    format!(
                        "Remote subnet {removed} of connection {} holds customer_ip {customer} of NAT translation \
                         \"{name}\". Remove or change that translation in the ipsec_nat_context first (in the same \
                         apply is fine), then the subnet.",
                        context.connection.name
                    ),
                ),
                AttributePath::root("cidr"),
            );
        }
    }
    diags
}

/// The summary of a refused removal of a remote subnet that a translation still uses.
pub const SUBNET_IN_USE: &str = "Remote subnet still used by a NAT translation";

/// The summary of a translation whose customer host lies outside every remote subnet.
pub const CUSTOMER_OUTSIDE: &str = "customer_ip outside every remote subnet";
