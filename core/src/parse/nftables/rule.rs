//! One NAT rule: the translation it belongs to and its two addresses.

use super::grammar::Hook;
use super::lex::{Kind, Token};
use crate::model::{HostAddress, TranslationName};
use crate::parse::{at, ParseError};

/// A rule: `<ip|ip6> <daddr|saddr> A [counter …] <dnat|snat> [ip|ip6] to B [counter] comment "name"`.
/// Returns the translation name, the matched address and the translated one.
pub(super) fn parse_rule(
    rule: &[Token],
    hook: Hook,
    line: usize,
) -> Result<(TranslationName, HostAddress, HostAddress), ParseError> {
    let (selector, verdict) = match hook {
        Hook::Prerouting => ("daddr", "dnat"),
        Hook::Postrouting => ("saddr", "snat"),
    };
    let mut i = 0;
    let mut matched = None;
    let mut target = None;
    let mut comment = None;
    let word = |i: usize| rule.get(i).and_then(Token::word);
    let address = |i: usize| -> Result<HostAddress, ParseError> {
        let raw = word(i).ok_or_else(|| at(line, "expected an address"))?;
        HostAddress::parse(raw).map_err(|p| at(line, p.detail))
    };
    while i < rule.len() {
        match (word(i), word(i + 1)) {
            (Some("ip" | "ip6"), Some(s)) if s == selector => {
                matched = Some(address(i + 2)?);
                i += 3;
            }
            (Some("counter"), _) => {
                i += 1;
                if word(i) == Some("packets") && word(i + 2) == Some("bytes") {
                    i += 4;
                }
            }
            (Some(v), _) if v == verdict => {
                i += 1;
                if matches!(word(i), Some("ip" | "ip6")) {
                    i += 1;
                }
                if word(i) != Some("to") {
                    return Err(at(line, format!("expected 'to' after '{verdict}'")));
                }
                target = Some(address(i + 1)?);
                i += 2;
            }
            (Some("comment"), _) => {
                comment = match rule.get(i + 1).map(|t| &t.kind) {
                    Some(Kind::Quoted(text) | Kind::Word(text)) => Some(text.clone()),
                    _ => {
                        return Err(at(
                            line,
                            "expected a quoted translation name after 'comment'",
                        ))
                    }
                };
                i += 2;
            }
            _ => {
                return Err(at(
                    line,
                    format!(
                        "unsupported rule: {} is not part of a static NAT rule of the form \
                         'ip {selector} <address> {verdict} ip to <address> comment \"<name>\"'",
                        rule[i].describe()
                    ),
                ))
            }
        }
    }
    let comment =
        comment.ok_or_else(|| at(line, "the rule has no comment naming its translation"))?;
    let name = TranslationName::parse(&comment).map_err(|p| at(line, p.detail))?;
    let matched =
        matched.ok_or_else(|| at(line, format!("the rule matches no 'ip {selector}' address")))?;
    let target =
        target.ok_or_else(|| at(line, format!("the rule has no '{verdict} to' address")))?;
    Ok((name, matched, target))
}
