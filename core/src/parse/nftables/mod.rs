//! Reads a connection's nftables fragment back into a [`NatContext`].
//!
//! Understood in any layout: tables of family `inet`, `ip` or `ip6` with any name, chains
//! with any name whose hook says what they hold (`prerouting`: DNAT, `postrouting`: SNAT),
//! rules in any order, `;` or newlines between statements, `#` comments, and `counter`
//! statements. A translation is read back only when both its DNAT and its SNAT rule are
//! present and agree; a half-deleted translation therefore shows up as drift and the next
//! apply restores it. A rule this provider did not write (no translation name, another
//! verdict) is an error at its line.

use std::collections::BTreeMap;

use super::settings::Metadata;
use super::{at, ParseError};
use crate::diag::quote;
use crate::model::{Cidr, HostAddress, NatContext, Translation, TranslationName};

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
    let mut dnat: BTreeMap<TranslationName, (HostAddress, HostAddress, usize)> = BTreeMap::new();
    let mut snat: BTreeMap<TranslationName, (HostAddress, HostAddress, usize)> = BTreeMap::new();
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

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Word(String),
    Quoted(String),
    Open,
    Close,
    /// `;` or a newline.
    End,
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    line: usize,
}

impl Token {
    fn word(&self) -> Option<&str> {
        match &self.kind {
            Kind::Word(w) => Some(w),
            _ => None,
        }
    }

    fn describe(&self) -> String {
        match &self.kind {
            Kind::Word(w) | Kind::Quoted(w) => quote(w),
            Kind::Open => "'{'".to_owned(),
            Kind::Close => "'}'".to_owned(),
            Kind::End => "the end of the statement".to_owned(),
        }
    }
}

fn lex(text: &str) -> Result<(Vec<Token>, Vec<Metadata>), ParseError> {
    let mut tokens = Vec::new();
    let mut metadata = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while let Some(&c) = chars.peek() {
        match c {
            '\n' | ';' => {
                chars.next();
                tokens.push(Token {
                    kind: Kind::End,
                    line,
                });
                if c == '\n' {
                    line += 1;
                }
            }
            c if c.is_whitespace() => {
                chars.next();
            }
            '#' => {
                let mut comment = String::new();
                while let Some(&c) = chars.peek() {
                    if c == '\n' {
                        break;
                    }
                    comment.push(c);
                    chars.next();
                }
                metadata.extend(Metadata::from_comment(&comment, line));
            }
            '{' | '}' => {
                chars.next();
                let kind = if c == '{' { Kind::Open } else { Kind::Close };
                tokens.push(Token { kind, line });
            }
            '"' => {
                chars.next();
                let start = line;
                let mut value = String::new();
                loop {
                    match chars.next() {
                        None | Some('\n') => {
                            return Err(at(start, "quoted string is never closed with '\"'"))
                        }
                        Some('"') => break,
                        Some(c) => value.push(c),
                    }
                }
                tokens.push(Token {
                    kind: Kind::Quoted(value),
                    line,
                });
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || matches!(c, ';' | '{' | '}' | '"' | '#') {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                tokens.push(Token {
                    kind: Kind::Word(word),
                    line,
                });
            }
        }
    }
    Ok((tokens, metadata))
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    /// The names of the tables read, in order.
    tables: Vec<String>,
}

type RuleMap = BTreeMap<TranslationName, (HostAddress, HostAddress, usize)>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Hook {
    Prerouting,
    Postrouting,
}

impl Parser {
    fn next_significant(&mut self) -> Option<Token> {
        while let Some(token) = self.tokens.get(self.pos) {
            self.pos += 1;
            if token.kind != Kind::End {
                return Some(token.clone());
            }
        }
        None
    }

    fn last_line(&self) -> usize {
        self.tokens.last().map_or(1, |t| t.line)
    }

    fn expect_word(&mut self, what: &str) -> Result<(String, usize), ParseError> {
        match self.next_significant() {
            Some(Token {
                kind: Kind::Word(w),
                line,
            }) => Ok((w, line)),
            Some(other) => Err(at(
                other.line,
                format!("expected {what}, found {}", other.describe()),
            )),
            None => Err(at(
                self.last_line(),
                format!("expected {what}, found the end of the file"),
            )),
        }
    }

    fn expect_open(&mut self, after: &str) -> Result<(), ParseError> {
        match self.next_significant() {
            Some(Token {
                kind: Kind::Open, ..
            }) => Ok(()),
            Some(other) => Err(at(
                other.line,
                format!("expected '{{' after {after}, found {}", other.describe()),
            )),
            None => Err(at(self.last_line(), format!("expected '{{' after {after}"))),
        }
    }

    fn table(&mut self, dnat: &mut RuleMap, snat: &mut RuleMap) -> Result<(), ParseError> {
        let (family, line) = self.expect_word("a table family")?;
        if !matches!(family.as_str(), "inet" | "ip" | "ip6") {
            return Err(at(
                line,
                format!(
                    "table family {} cannot hold this NAT; use inet, ip or ip6",
                    quote(&family)
                ),
            ));
        }
        let (name, _) = self.expect_word("a table name")?;
        self.tables.push(name.clone());
        let name = quote(&name);
        self.expect_open(&format!("table {name}"))?;
        loop {
            match self.next_significant() {
                Some(Token {
                    kind: Kind::Close, ..
                }) => return Ok(()),
                Some(token) if token.word() == Some("chain") => self.chain(dnat, snat)?,
                Some(token) => {
                    return Err(at(
                        token.line,
                        format!(
                            "expected 'chain' or '}}' in table {name}, found {}",
                            token.describe()
                        ),
                    ))
                }
                None => {
                    return Err(at(
                        line,
                        format!("table {name} opened here is never closed with '}}'"),
                    ))
                }
            }
        }
    }

    fn chain(&mut self, dnat: &mut RuleMap, snat: &mut RuleMap) -> Result<(), ParseError> {
        let (name, line) = self.expect_word("a chain name")?;
        let name = quote(&name);
        self.expect_open(&format!("chain {name}"))?;
        let mut hook = None;
        let mut rules: Vec<(Vec<Token>, usize)> = Vec::new();
        loop {
            let statement = self.statement();
            let Some(first) = statement.first().cloned() else {
                // An empty statement means the chain's '}' (consumed here) or the end of the file.
                if self.tokens.get(self.pos).is_none() {
                    return Err(at(
                        line,
                        format!("chain {name} opened here is never closed with '}}'"),
                    ));
                }
                self.pos += 1;
                break;
            };
            match first.word() {
                Some("type") => hook = Some(parse_type(&statement)?),
                Some("policy") => {
                    if statement.get(1).and_then(Token::word) != Some("accept") {
                        return Err(at(
                            first.line,
                            format!(
                                "chain {name}: only 'policy accept' is supported for a NAT chain"
                            ),
                        ));
                    }
                }
                _ => rules.push((statement, first.line)),
            }
        }
        let hook =
            hook.ok_or_else(|| at(line, format!("chain {name} has no 'type nat hook …' line")))?;
        for (rule, line) in rules {
            let (name, address, target) = parse_rule(&rule, hook, line)?;
            let (map, entry) = match hook {
                Hook::Prerouting => (&mut *dnat, (address, target, line)),
                Hook::Postrouting => (&mut *snat, (address, target, line)),
            };
            if let Some((_, _, first)) = map.insert(name.clone(), entry) {
                return Err(at(
                    line,
                    format!(
                        "translation {} already has a rule in this hook at line {first}",
                        quote(name.as_str())
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The tokens up to the next `;`, newline or `}` (which is left in place).
    fn statement(&mut self) -> Vec<Token> {
        let mut out = Vec::new();
        while let Some(token) = self.tokens.get(self.pos) {
            match token.kind {
                Kind::Close => break,
                Kind::End => {
                    self.pos += 1;
                    if !out.is_empty() {
                        break;
                    }
                }
                _ => {
                    out.push(token.clone());
                    self.pos += 1;
                }
            }
        }
        out
    }
}

fn parse_type(statement: &[Token]) -> Result<Hook, ParseError> {
    let line = statement[0].line;
    let words: Vec<&str> = statement.iter().filter_map(Token::word).collect();
    match words.as_slice() {
        ["type", "nat", "hook", hook, "priority", _] => match *hook {
            "prerouting" => Ok(Hook::Prerouting),
            "postrouting" => Ok(Hook::Postrouting),
            other => Err(at(
                line,
                format!(
                    "hook {} is not used by this NAT; expected prerouting or postrouting",
                    quote(other)
                ),
            )),
        },
        _ => Err(at(
            line,
            "expected 'type nat hook <prerouting|postrouting> priority <priority>'",
        )),
    }
}

/// A rule: `<ip|ip6> <daddr|saddr> A [counter …] <dnat|snat> [ip|ip6] to B [counter] comment "name"`.
/// Returns the translation name, the matched address and the translated one.
fn parse_rule(
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
