//! The tokens of an nftables fragment: words, quoted strings, braces and statement ends,
//! with the `# @key value` comments beside them.

use super::super::settings::Metadata;
use crate::diag::quote;
use crate::parse::{at, ParseError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Kind {
    Word(String),
    Quoted(String),
    Open,
    Close,
    /// `;` or a newline.
    End,
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub(super) kind: Kind,
    pub(super) line: usize,
}

impl Token {
    pub(super) fn word(&self) -> Option<&str> {
        match &self.kind {
            Kind::Word(w) => Some(w),
            _ => None,
        }
    }

    pub(super) fn describe(&self) -> String {
        match &self.kind {
            Kind::Word(w) | Kind::Quoted(w) => quote(w),
            Kind::Open => "'{'".to_owned(),
            Kind::Close => "'}'".to_owned(),
            Kind::End => "the end of the statement".to_owned(),
        }
    }
}

pub(super) fn lex(text: &str) -> Result<(Vec<Token>, Vec<Metadata>), ParseError> {
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
