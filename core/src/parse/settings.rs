//! strongSwan's settings syntax (swanctl.conf, strongswan.conf) read into a tree.
//!
//! Accepted as a person editing by hand would write it: `#` comments anywhere outside
//! quotes, any indentation, blank lines, `name {` with the brace on the same or the next
//! line, `}` closing several sections on one line, quoted values with `\"`, `\\`, `\n`,
//! `\r` and `\t` escapes. As in strongSwan, a key set twice keeps its last value and a
//! section opened twice at the same level is merged. `include` and section references
//! (`name : other {`) are rejected, since a read-back must be self-contained.

use super::ParseError;
use crate::diag::quote;
use crate::render::METADATA_PREFIX;

/// A `key = value` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The key.
    pub key: String,
    /// The value, unquoted and unescaped.
    pub value: String,
    /// 1-based line of the key.
    pub line: usize,
}

/// A `name { … }` section.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Section {
    /// The section's name (empty for the file's root).
    pub name: String,
    /// 1-based line of the name.
    pub line: usize,
    /// Settings in first-seen order.
    pub settings: Vec<Setting>,
    /// Subsections in first-seen order.
    pub sections: Vec<Section>,
}

impl Section {
    /// The setting `key`, if present.
    pub fn setting(&self, key: &str) -> Option<&Setting> {
        self.settings.iter().find(|s| s.key == key)
    }

    fn set(&mut self, setting: Setting) {
        match self.settings.iter_mut().find(|s| s.key == setting.key) {
            Some(existing) => *existing = setting,
            None => self.settings.push(setting),
        }
    }

    fn merge(&mut self, section: Section) {
        match self.sections.iter_mut().find(|s| s.name == section.name) {
            Some(existing) => {
                for setting in section.settings {
                    existing.set(setting);
                }
                for sub in section.sections {
                    existing.merge(sub);
                }
            }
            None => self.sections.push(section),
        }
    }
}

/// A metadata comment `# @key value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// The key after `@`.
    pub key: String,
    /// The rest of the line, trimmed.
    pub value: String,
    /// 1-based line.
    pub line: usize,
}

impl Metadata {
    /// Reads a comment line (from its `#`) as metadata, if it is of the form `# @key value`.
    pub fn from_comment(comment: &str, line: usize) -> Option<Metadata> {
        let rest = comment.strip_prefix(METADATA_PREFIX)?;
        let (key, value) = rest.split_once(' ').unwrap_or((rest, ""));
        Some(Metadata {
            key: key.to_owned(),
            value: value.trim().to_owned(),
            line,
        })
    }
}

/// Parses `text` into its root section and the metadata comments it carries.
pub fn parse_settings(text: &str) -> Result<(Section, Vec<Metadata>), ParseError> {
    let mut parser = Parser {
        chars: text.chars().collect(),
        pos: 0,
        line: 1,
        metadata: Vec::new(),
    };
    let root = parser.section_body(String::new(), 0, true)?;
    Ok((root, parser.metadata))
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    line: usize,
    metadata: Vec<Metadata>,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn error(&self, line: usize, message: impl Into<String>) -> ParseError {
        super::at(line, message)
    }

    /// Skips white space, newlines and comments, recording metadata comments.
    fn skip_blank(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_whitespace() {
                self.bump();
            } else if c == '#' {
                self.comment();
            } else {
                break;
            }
        }
    }

    /// Skips spaces and tabs on the current line, and a trailing comment.
    fn skip_inline_blank(&mut self) {
        while let Some(c) = self.peek() {
            if c == ' ' || c == '\t' || c == '\r' {
                self.bump();
            } else if c == '#' {
                self.comment();
            } else {
                break;
            }
        }
    }

    fn comment(&mut self) {
        let line = self.line;
        let mut text = String::new();
        while let Some(c) = self.peek() {
            if c == '\n' {
                break;
            }
            text.push(c);
            self.bump();
        }
        if let Some(metadata) = Metadata::from_comment(&text, line) {
            self.metadata.push(metadata);
        }
    }

    fn section_body(
        &mut self,
        name: String,
        line: usize,
        root: bool,
    ) -> Result<Section, ParseError> {
        let mut section = Section {
            name,
            line,
            ..Section::default()
        };
        loop {
            self.skip_blank();
            match self.peek() {
                None if root => return Ok(section),
                None => {
                    return Err(self.error(
                        line,
                        format!(
                            "section {} opened here is never closed with '}}'",
                            quote(&section.name)
                        ),
                    ))
                }
                Some('}') if root => {
                    return Err(self.error(self.line, "'}' without a matching '{'"))
                }
                Some('}') => {
                    self.bump();
                    return Ok(section);
                }
                Some(_) => self.entry(&mut section)?,
            }
        }
    }

    fn entry(&mut self, parent: &mut Section) -> Result<(), ParseError> {
        let line = self.line;
        let mut name = String::new();
        while let Some(c) = self.peek() {
            if c.is_whitespace() || matches!(c, '=' | '{' | '}' | '#' | ':' | '"') {
                break;
            }
            name.push(c);
            self.bump();
        }
        if name.is_empty() {
            let c = self.peek().unwrap_or(' ');
            return Err(self.error(
                line,
                format!("expected a name, found {}", quote(&c.to_string())),
            ));
        }
        if name == "include" {
            return Err(self.error(
                line,
                "'include' is not supported in a managed file; keep everything in this file",
            ));
        }
        self.skip_inline_blank();
        match self.peek() {
            Some('=') => {
                self.bump();
                let value = self.value()?;
                parent.set(Setting {
                    key: name,
                    value,
                    line,
                });
                Ok(())
            }
            Some('{') => {
                self.bump();
                let section = self.section_body(name, line, false)?;
                parent.merge(section);
                Ok(())
            }
            Some('\n') | None => {
                // The opening brace may stand on the next line.
                self.skip_blank();
                if self.peek() == Some('{') {
                    self.bump();
                    let section = self.section_body(name, line, false)?;
                    parent.merge(section);
                    Ok(())
                } else {
                    Err(self.error(line, format!("expected '=' or '{{' after {}", quote(&name))))
                }
            }
            Some(':') => Err(self.error(
                line,
                format!(
                    "section references ({} : …) are not supported in a managed file",
                    quote(&name)
                ),
            )),
            Some(c) => Err(self.error(
                line,
                format!(
                    "expected '=' or '{{' after {}, found {}",
                    quote(&name),
                    quote(&c.to_string())
                ),
            )),
        }
    }

    fn value(&mut self) -> Result<String, ParseError> {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.bump();
        }
        if self.peek() == Some('"') {
            let start = self.line;
            self.bump();
            let mut value = String::new();
            loop {
                match self.bump() {
                    None => return Err(self.error(start, "quoted value is never closed with '\"'")),
                    Some('"') => break,
                    Some('\\') => match self.bump() {
                        Some('n') => value.push('\n'),
                        Some('r') => value.push('\r'),
                        Some('t') => value.push('\t'),
                        Some(c @ ('"' | '\\')) => value.push(c),
                        Some(c) => {
                            value.push('\\');
                            value.push(c);
                        }
                        None => {
                            return Err(self.error(start, "quoted value is never closed with '\"'"))
                        }
                    },
                    Some(c) => value.push(c),
                }
            }
            self.skip_inline_blank();
            return match self.peek() {
                None | Some('\n' | '}') => Ok(value),
                Some(c) => Err(self.error(
                    self.line,
                    format!("unexpected {} after a quoted value", quote(&c.to_string())),
                )),
            };
        }
        let mut value = String::new();
        while let Some(c) = self.peek() {
            if matches!(c, '\n' | '#' | '}') {
                break;
            }
            value.push(c);
            self.bump();
        }
        Ok(value.trim().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_written_layouts_parse_alike() {
        let tidy = "a {\n    b = 1\n    c {\n        d = x y\n    }\n}\n";
        let messy = "# comment\na\n{\n b=1 # trailing\n\n\tc { d =   x y   }\n}";
        assert_eq!(parse_settings(tidy).unwrap().0, {
            let mut s = parse_settings(messy).unwrap().0;
            // Lines differ between the layouts; compare the structure only.
            s.sections[0].line = 1;
            s.sections[0].settings[0].line = 2;
            s.sections[0].sections[0].line = 3;
            s.sections[0].sections[0].settings[0].line = 4;
            s
        });
    }

    #[test]
    fn quoted_values_keep_special_characters() {
        let (root, _) = parse_settings("k = \"a # b } { \\\"q\\\" \\\\ \\n\"\n").unwrap();
        assert_eq!(root.settings[0].value, "a # b } { \"q\" \\ \n");
    }

    #[test]
    fn last_value_wins_and_sections_merge() {
        let (root, _) = parse_settings("s { a = 1 }\ns { a = 2\n b = 3 }\n").unwrap();
        assert_eq!(root.sections.len(), 1);
        assert_eq!(root.sections[0].setting("a").unwrap().value, "2");
        assert_eq!(root.sections[0].setting("b").unwrap().value, "3");
    }

    #[test]
    fn errors_name_the_line() {
        let error = parse_settings("a {\n  b = 1\n").unwrap_err();
        assert_eq!(error.line, 1);
        let error = parse_settings("a {\n  b 1\n}\n").unwrap_err();
        assert_eq!(error.line, 2);
        let error = parse_settings("a {\n}\n}\n").unwrap_err();
        assert_eq!(error.line, 3);
        let error = parse_settings("\n\ninclude x.conf\n").unwrap_err();
        assert_eq!(error.line, 3);
    }

    #[test]
    fn metadata_comments_are_collected() {
        let (_, metadata) = parse_settings("# @description \"x\"\n# plain\na { }\n").unwrap();
        assert_eq!(
            metadata,
            vec![Metadata {
                key: "description".into(),
                value: "\"x\"".into(),
                line: 1
            }]
        );
    }
}
