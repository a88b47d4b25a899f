//! The pre-shared key: a type that never shows its value by accident.

use std::fmt;

use zeroize::Zeroizing;

use crate::diag::Problem;

/// A pre-shared key of 8 to 255 characters.
///
/// `Debug` prints a placeholder, there is no `Display`, and the memory is wiped on drop.
/// The only ways to the bytes are [`PresharedKey::expose`] and [`PresharedKey::to_hex`],
/// which the renderer uses for the gateway's 0600 secrets.
#[derive(Clone, PartialEq, Eq)]
pub struct PresharedKey(Zeroizing<String>);

impl PresharedKey {
    /// The shortest accepted key, in characters.
    pub const MIN_LEN: usize = 8;
    /// The longest accepted key, in characters.
    pub const MAX_LEN: usize = 255;

    /// Checks the length of `raw`. The error never contains the key.
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let length = raw.chars().count();
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&length) {
            return Err(Problem::error(
                "Invalid pre-shared key",
                format!(
                    "The pre-shared key has {length} characters; between {} and {} are required.",
                    Self::MIN_LEN,
                    Self::MAX_LEN
                ),
            ));
        }
        Ok(Self(Zeroizing::new(raw.to_owned())))
    }

    /// Decodes a key stored as hexadecimal (without the `0x` prefix).
    pub fn from_hex(hex_digits: &str) -> Result<Self, Problem> {
        let bytes = Zeroizing::new(hex::decode(hex_digits).map_err(|_| {
            Problem::error(
                "Invalid pre-shared key",
                "The stored key is not valid hexadecimal.",
            )
        })?);
        let text = std::str::from_utf8(&bytes).map_err(|_| {
            Problem::error(
                "Invalid pre-shared key",
                "The stored key is not UTF-8 text, so Terraform cannot represent it.",
            )
        })?;
        Self::parse(text)
    }

    /// The key itself. Callers must not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The key as lowercase hexadecimal, the form written to the gateway.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0.as_bytes()))
    }
}

impl fmt::Debug for PresharedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PresharedKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_key() {
        let key = PresharedKey::parse("correct horse battery").unwrap();
        assert_eq!(format!("{key:?}"), "PresharedKey(<redacted>)");
    }

    #[test]
    fn length_is_counted_in_characters_and_errors_hide_the_key() {
        assert!(PresharedKey::parse("ääääääää").is_ok());
        let problem = PresharedKey::parse("short").unwrap_err();
        assert!(!problem.detail.contains("short"));
        assert!(PresharedKey::parse(&"k".repeat(256)).is_err());
    }

    #[test]
    fn hex_round_trips() {
        let key = PresharedKey::parse("s3cr\"et}\n#ö").unwrap();
        assert_eq!(PresharedKey::from_hex(&key.to_hex()).unwrap(), key);
    }
}
