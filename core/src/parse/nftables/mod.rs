//! Reads a connection's nftables fragment back into a [`NatContext`].
//!
//! Understood in any layout: tables of family `inet`, `ip` or `ip6` with any name, chains
//! with any name whose hook says what they hold (`prerouting`: DNAT, `postrouting`: SNAT),
//! rules in any order, `;` or newlines between statements, `#` comments, and `counter`
//! statements. A translation is read back only when both its DNAT and its SNAT rule are
//! present and agree; a half-deleted translation therefore shows up as drift and the next
//! apply restores it. A rule this provider did not write (no translation name, another
//! verdict) is an error at its line.

mod grammar;
mod lex;
mod rule;

use std::collections::BTreeMap;

use self::grammar::{Parser, RuleMap};
use self::lex::lex;
use super::{at, ParseError};
use crate::model::{Cidr, NatContext, Translation};

/// Parses a NAT fragment.
pub fn parse_nftables(text: &str) -> Result<NatContext, ParseError> {
    parse_nftables_file(text).map(|(nat, _)| nat)
}

/// Parses a NAT fragment, answering also the name of the (first) table that holds it.
pub fn parse_nftables_file(text: &str) -> Result<(NatContext, Option<String>), ParseError> {
    let (tokens, metadata) = lex(text)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        tables: Vec::new(),
    };
    let mut dnat = RuleMap::new();
    let mut snat = RuleMap::new();
    while let Some(token) = parser.next_significant() {
        match token.word() {
            Some("table") => parser.table(&mut dnat, &mut snat)?,
            _ => {
                return Err(at(
                    token.line,
                    format!("expected 'table', found {}", token.describe()),
                ))
            }
        }
    }
    let subnet = metadata
        .iter()
        .rev()
        .find(|m| m.key == "static_nat_subnet")
        .ok_or_else(|| at(1, "the '# @static_nat_subnet <cidr>' line is missing"))?;
    let static_nat_subnet = Cidr::parse(&subnet.value).map_err(|p| at(subnet.line, p.detail))?;
    let mut translations = BTreeMap::new();
    for (name, (local_ip, customer_ip, _)) in dnat {
        if snat
            .get(&name)
            .is_some_and(|(c, l, _)| *c == customer_ip && *l == local_ip)
        {
            translations.insert(
                name,
                Translation {
                    local_ip,
                    customer_ip,
                },
            );
        }
    }
    let table = parser.tables.into_iter().next();
    Ok((
        NatContext {
            static_nat_subnet,
            translations,
        },
        table,
    ))
}
