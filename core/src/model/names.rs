//! Names that end up inside generated files: checked once, so they can never inject.

use std::fmt;

use crate::diag::{quote, Problem};

/// A connection's name: `^[a-z][a-z0-9_-]{0,62}$`. Used as the Terraform ID, the file
/// name, the swanctl section name and the nftables chain prefix.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionName(String);

impl ConnectionName {
    /// The longest accepted name.
    pub const MAX_LEN: usize = 63;

    /// Checks `raw` against the naming rule.
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let valid_rest =
            |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-';
        let is_valid = |s: &str| {
            let mut chars = s.chars();
            chars.next().is_some_and(|c| c.is_ascii_lowercase())
                && s.len() <= Self::MAX_LEN
                && chars.all(valid_rest)
        };
        if is_valid(raw) {
            return Ok(Self(raw.to_owned()));
        }
        let first_ok = raw.chars().next().is_some_and(|c| c.is_ascii_lowercase());
        let why = length_problem(raw, Self::MAX_LEN).unwrap_or_else(|| {
            if first_ok {
                bad_characters(raw.chars().skip(1), valid_rest)
            } else {
                "it must start with a lowercase letter a-z".to_owned()
            }
        });
        let lower = raw.to_ascii_lowercase().replace(['.', ' '], "-");
        let hint = if is_valid(&lower) {
            format!(" Did you mean {}?", quote(&lower))
        } else {
            String::new()
        };
        Err(Problem::error(
            "Invalid connection name",
            format!(
                "{} is not a valid connection name: {why}. A name is 1-63 characters of \
                 lowercase letters, digits, '_' and '-', starting with a letter.{hint}",
                quote(raw)
            ),
        ))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ConnectionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A NAT translation's name: 1-64 of `[A-Za-z0-9._-]`; kept as an nftables rule comment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TranslationName(String);

impl TranslationName {
    /// The longest accepted name.
    pub const MAX_LEN: usize = 64;

    /// Checks `raw` against the naming rule.
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
        if !raw.is_empty() && raw.len() <= Self::MAX_LEN && raw.chars().all(valid) {
            return Ok(Self(raw.to_owned()));
        }
        let why = length_problem(raw, Self::MAX_LEN)
            .unwrap_or_else(|| bad_characters(raw.chars(), valid));
        Err(Problem::error(
            "Invalid translation name",
            format!(
                "{} is not a valid translation name: {why}. A name is 1-64 characters of \
                 letters, digits, '.', '_' and '-'.",
                quote(raw)
            ),
        ))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TranslationName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The nftables table that holds the static NAT chains (provider setting `nat_table`):
/// 1-64 of `[A-Za-z0-9_]`, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NatTable(String);

impl NatTable {
    /// The table name used when the provider configuration names none.
    pub const DEFAULT: &'static str = "ipsec_nat";

    /// Checks `raw` against the naming rule.
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let mut chars = raw.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
        if first_ok && raw.len() <= 64 && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Ok(Self(raw.to_owned()));
        }
        Err(Problem::error(
            "Invalid nftables table name",
            format!(
                "{} is not a valid table name: use 1-64 letters, digits and '_', starting \
                 with a letter, such as {}.",
                quote(raw),
                quote(Self::DEFAULT)
            ),
        ))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for NatTable {
    fn default() -> Self {
        Self(Self::DEFAULT.to_owned())
    }
}

impl fmt::Display for NatTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why `raw` is not a name of at most `max` characters, if its length is the reason.
fn length_problem(raw: &str, max: usize) -> Option<String> {
    let count = raw.chars().count();
    if raw.is_empty() {
        Some("it is empty".to_owned())
    } else if count > max {
        Some(format!(
            "it has {count} characters, at most {max} are allowed"
        ))
    } else {
        None
    }
}

/// The reason naming the (first five) characters of `chars` that `valid` rejects.
fn bad_characters(chars: impl Iterator<Item = char>, valid: impl Fn(char) -> bool) -> String {
    let bad: String = chars.filter(|c| !valid(*c)).take(5).collect();
    format!(
        "it contains characters that are not allowed: {}",
        quote(&bad)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_names_follow_the_rule() {
        for good in ["a", "dc1", "dc-1_b", &"a".repeat(63)] {
            assert!(ConnectionName::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "1dc",
            "Dc1",
            "dc 1",
            "dc.1",
            "dc1\n",
            "dc{",
            &"a".repeat(64),
        ] {
            assert!(ConnectionName::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn uppercase_names_get_a_suggestion() {
        let problem = ConnectionName::parse("DC-Frankfurt").unwrap_err();
        assert!(
            problem.detail.contains("Did you mean \"dc-frankfurt\"?"),
            "{}",
            problem.detail
        );
    }

    #[test]
    fn nat_table_names_are_identifiers() {
        assert!(NatTable::parse("ipsec_nat").is_ok());
        for bad in ["", "1x", "a-b", "a b", "a;b"] {
            assert!(NatTable::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn translation_names_follow_the_rule() {
        assert!(TranslationName::parse("billing-db.v2_A").is_ok());
        for bad in ["", "a b", "a\"b", "a}b", "ä", &"x".repeat(65)] {
            assert!(TranslationName::parse(bad).is_err(), "{bad:?}");
        }
    }
}
