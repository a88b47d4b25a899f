//! `nftables/<name>.nft`: the connection's static NAT as a ruleset fragment.

use std::fmt::Write;
use std::net::IpAddr;

use super::metadata::METADATA_PREFIX;
use super::HEADER;
use crate::model::{ConnectionName, NatContext, NatTable};

/// The prerouting (DNAT) and postrouting (SNAT) chain names of a connection.
pub fn chain_names(connection: &ConnectionName) -> (String, String) {
    (
        format!("{connection}_prerouting"),
        format!("{connection}_postrouting"),
    )
}

/// One nftables rule of a translation, in the parts both the file and a live `nft`
/// transaction need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NatRuleSpec {
    /// The translation's name, kept as the rule's comment.
    pub comment: String,
    /// The rule's text without the comment, such as `ip daddr 10.1.255.92 dnat ip to 192.168.10.15`.
    pub rule: String,
}

/// The DNAT and SNAT rules of every translation, in name order.
pub fn rule_specs(nat: &NatContext) -> (Vec<NatRuleSpec>, Vec<NatRuleSpec>) {
    let mut dnat = Vec::new();
    let mut snat = Vec::new();
    for (name, t) in &nat.translations {
        let family = family(t.local_ip.ip());
        dnat.push(NatRuleSpec {
            comment: name.to_string(),
            rule: format!(
                "{family} daddr {} dnat {family} to {}",
                t.local_ip, t.customer_ip
            ),
        });
        snat.push(NatRuleSpec {
            comment: name.to_string(),
            rule: format!(
                "{family} saddr {} snat {family} to {}",
                t.customer_ip, t.local_ip
            ),
        });
    }
    (dnat, snat)
}

/// Renders the fragment for `table inet <table>`: a prerouting chain that sends traffic
/// for each `local_ip` to its `customer_ip`, and a postrouting chain that makes each
/// `customer_ip` appear as its `local_ip`.
pub fn render_nftables(connection: &ConnectionName, nat: &NatContext, table: &NatTable) -> String {
    let (pre, post) = chain_names(connection);
    let (dnat, snat) = rule_specs(nat);
    let mut o = String::with_capacity(512);
    // `writeln!` into a String cannot fail; the results are ignored on purpose.
    let _ = writeln!(o, "{HEADER}");
    let _ = writeln!(
        o,
        "{METADATA_PREFIX}static_nat_subnet {}",
        nat.static_nat_subnet
    );
    let _ = writeln!(o, "table inet {table} {{");
    for (chain, hook, priority, rules) in [
        (&pre, "prerouting", "dstnat", &dnat),
        (&post, "postrouting", "srcnat", &snat),
    ] {
        let _ = writeln!(o, "    chain {chain} {{");
        let _ = writeln!(
            o,
            "        type nat hook {hook} priority {priority}; policy accept;"
        );
        for spec in rules {
            // Translation names are [A-Za-z0-9._-]: nothing in them needs quoting.
            let _ = writeln!(o, "        {} comment \"{}\"", spec.rule, spec.comment);
        }
        let _ = writeln!(o, "    }}");
    }
    let _ = writeln!(o, "}}");
    o
}

fn family(address: IpAddr) -> &'static str {
    if address.is_ipv4() {
        "ip"
    } else {
        "ip6"
    }
}
