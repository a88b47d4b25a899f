//! The structure of an nftables fragment: tables holding NAT chains holding rules.

use std::collections::BTreeMap;

use super::lex::{Kind, Token};
use super::rule::parse_rule;
use crate::diag::quote;
use crate::model::{HostAddress, TranslationName};
use crate::parse::{at, ParseError};

/// Reads tokens into translation rules.
pub(super) struct Parser {
    pub(super) tokens: Vec<Token>,
    pub(super) pos: usize,
    /// The names of the tables read, in order.
    pub(super) tables: Vec<String>,
}

/// The rules of one hook by translation: matched address, translated address, line.
pub(super) type RuleMap = BTreeMap<TranslationName, (HostAddress, HostAddress, usize)>;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Hook {
    Prerouting,
    Postrouting,
}

impl Parser {
    pub(super) fn next_significant(&mut self) -> Option<Token> {
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

    pub(super) fn table(
        &mut self,
        dnat: &mut RuleMap,
        snat: &mut RuleMap,
    ) -> Result<(), ParseError> {
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
