//! The pre-shared key: a type that never shows its value by accident.

use std::fmt;

use zeroize::Zeroizing;

use crate::diag::Problem;

/// A pre-shared key of 8 to 255 characters; from a user, also without control
/// characters.
///
/// `Debug` prints a placeholder, there is no `Display`, and the memory is wiped on drop.
/// The only ways to the bytes are [`PresharedKey::expose`] and [`PresharedKey::to_hex`],
/// which the renderer uses for the gateway's 0600 secrets.
#[derive(Clone, PartialEq, Eq)]
pub struct PresharedKey(pub(super) Zeroizing<String>);

impl PresharedKey {
    /// The shortest accepted key, in characters.
    pub const MIN_LEN: usize = 8;
    /// The longest accepted key, in characters.
    pub const MAX_LEN: usize = 255;

    /// Checks a key a user gave: its length, and that it holds no control character (a
    /// NUL cannot be typed into most peers' configuration, and a line break or escape is
    /// almost always pasted by accident). The error never contains the key.
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let key = Self::from_stored(raw)?;
        if raw.chars().any(char::is_control) {
            return Err(Problem::error(
                "Invalid pre-shared key",
                "The pre-shared key contains a control character (such as NUL, a tab, a line break or \
                 an escape), which most peers cannot be configured with and which is usually pasted by \
                 accident; remove it.",
            ));
        }
        Ok(key)
    }

    /// Takes a key read back from the gateway's files: only its length is checked, so
    /// that a key written before control characters were refused (or by hand) still
    /// reads back and can be replaced. The error never contains the key.
    pub fn from_stored(text: &str) -> Result<Self, Problem> {
        let length = text.chars().count();
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
        Ok(Self(Zeroizing::new(text.to_owned())))
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
        Self::from_stored(text)
    }

    /// A warning when the key is white space only or begins or ends with it: valid, but
    /// easily lost when the key is copied to the peer. The warning never contains the key.
    pub fn whitespace_warning(&self) -> Option<Problem> {
        let key = self.expose();
        let detail = if key.trim().is_empty() {
            "The pre-shared key is only white space."
        } else if key.trim() != key {
            "The pre-shared key begins or ends with white space."
        } else {
            return None;
        };
        Some(Problem::warning(
            "Pre-shared key with surrounding white space",
            format!(
                "{detail} It is used exactly as given, but white space at either end is easily lost when the \
                 key is copied to the peer; check that this is intended."
            ),
        ))
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
        let key = PresharedKey::parse("s3cr\"et} #ö").unwrap();
        assert_eq!(PresharedKey::from_hex(&key.to_hex()).unwrap(), key);
    }

    #[test]
    fn control_characters_are_refused_from_users_but_read_back_from_files() {
        for bad in [
            "correct\0horse",
            "correct horse\n",
            "\u{1b}[31mcorrect",
            "tab\there!",
            "del\u{7f}eted!",
        ] {
            let problem = PresharedKey::parse(bad).err().unwrap();
            assert!(problem.detail.contains("control character"), "{bad:?}");
            assert!(
                !problem.detail.contains(bad.trim()),
                "the error shows the key"
            );
            let stored = PresharedKey::from_hex(&hex::encode(bad)).unwrap();
            assert_eq!(stored.expose(), bad);
        }
    }

    #[test]
    fn white_space_at_the_ends_is_a_warning_without_the_key() {
        let warning = |key: &str| PresharedKey::parse(key).unwrap().whitespace_warning();
        assert!(warning("correct horse").is_none());
        assert!(warning(" correct horse")
            .unwrap()
            .detail
            .contains("begins or ends"));
        assert!(warning("correct horse\u{a0}")
            .unwrap()
            .detail
            .contains("begins or ends"));
        let only = warning(&" ".repeat(9)).unwrap();
        assert!(only.detail.contains("only white space"));
        assert!(!warning(" correct horse ")
            .unwrap()
            .detail
            .contains("correct"));
    }
}
