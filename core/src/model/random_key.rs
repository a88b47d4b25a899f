//! Generated pre-shared keys (`ephemeral "ipsec_preshared_key"`): how long, from which
//! characters, and drawing them without bias from a random source the caller supplies
//! (the model does no I/O; the provider passes its CSPRNG).

use zeroize::Zeroizing;

use super::PresharedKey;
use crate::diag::{quote, Problem};
use crate::suggest::did_you_mean;

/// The length of a generated key, in characters: one a [`PresharedKey`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyLength(usize);

impl KeyLength {
    /// The length when none is configured: 48 alphanumeric characters carry about 285
    /// bits, more than any IKE PRF keeps, and fit every peer's configuration field.
    pub const DEFAULT: KeyLength = KeyLength(48);

    /// Checks a configured length.
    pub fn parse(raw: i64) -> Result<Self, Problem> {
        match usize::try_from(raw) {
            Ok(n) if (PresharedKey::MIN_LEN..=PresharedKey::MAX_LEN).contains(&n) => Ok(Self(n)),
            _ => Err(Problem::error(
                "Invalid key length",
                format!(
                    "{raw} is not a pre-shared key length; between {} and {} characters are \
                     accepted.",
                    PresharedKey::MIN_LEN,
                    PresharedKey::MAX_LEN
                ),
            )),
        }
    }

    /// The number of characters.
    pub fn get(self) -> usize {
        self.0
    }
}

/// The characters a generated key is drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlphabet {
    /// `A`–`Z`, `a`–`z`, `0`–`9`: pasted into any peer's configuration without quoting.
    Alphanumeric,
    /// Every printable ASCII character but the space (`!` to `~`): the most bits per
    /// character, for peers whose configuration quotes its keys.
    Printable,
    /// `0`–`9`, `a`–`f`: for peers that take a key as hexadecimal digits.
    Hex,
}

impl KeyAlphabet {
    /// Every accepted name, the default first.
    pub const NAMES: &'static [&'static str] = &["alphanumeric", "printable", "hex"];

    /// The alphabet when none is configured.
    pub const DEFAULT: KeyAlphabet = KeyAlphabet::Alphanumeric;

    /// Parses `alphanumeric`, `printable` or `hex`.
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        match raw {
            "alphanumeric" => Ok(Self::Alphanumeric),
            "printable" => Ok(Self::Printable),
            "hex" => Ok(Self::Hex),
            _ => Err(Problem::error(
                "Unsupported character set",
                format!(
                    "{} is not a character set. Accepted values: alphanumeric (A-Z, a-z, 0-9), \
                     printable (ASCII from ! to ~, no space), hex (0-9, a-f).{}",
                    quote(raw),
                    did_you_mean(raw, Self::NAMES)
                ),
            )),
        }
    }

    /// The name Terraform spells it by.
    pub fn name(self) -> &'static str {
        match self {
            Self::Alphanumeric => "alphanumeric",
            Self::Printable => "printable",
            Self::Hex => "hex",
        }
    }

    /// The characters, each one byte of ASCII.
    pub fn characters(self) -> Vec<u8> {
        match self {
            Self::Alphanumeric => (b'A'..=b'Z')
                .chain(b'a'..=b'z')
                .chain(b'0'..=b'9')
                .collect(),
            Self::Printable => (b'!'..=b'~').collect(),
            Self::Hex => (b'0'..=b'9').chain(b'a'..=b'f').collect(),
        }
    }
}

impl PresharedKey {
    /// A key of `length` characters of `alphabet`, each drawn uniformly from the bytes
    /// `fill` writes (which must come from a CSPRNG): a byte above the largest multiple
    /// of the alphabet's size is discarded, so no character is likelier than another.
    pub fn random<E>(
        length: KeyLength,
        alphabet: KeyAlphabet,
        mut fill: impl FnMut(&mut [u8]) -> Result<(), E>,
    ) -> Result<Self, E> {
        let characters = alphabet.characters();
        // At most 94 characters, so this is at least 188 of 256 bytes.
        let usable = 256 - 256 % characters.len();
        let mut key = Zeroizing::new(String::with_capacity(length.get()));
        let mut bytes = Zeroizing::new([0u8; 64]);
        while key.len() < length.get() {
            fill(&mut bytes[..])?;
            for &byte in bytes.iter().filter(|&&b| usize::from(b) < usable) {
                if key.len() == length.get() {
                    break;
                }
                key.push(char::from(characters[usize::from(byte) % characters.len()]));
            }
        }
        // Every character is ASCII and the length is one a key accepts.
        Ok(Self(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic stand-in for the CSPRNG: the bytes 0, 1, 2, … 255, 0, 1, …
    fn counting() -> impl FnMut(&mut [u8]) -> Result<(), ()> {
        let mut next = 0u8;
        move |buffer: &mut [u8]| {
            for byte in buffer {
                *byte = next;
                next = next.wrapping_add(1);
            }
            Ok(())
        }
    }

    #[test]
    fn lengths_outside_what_a_key_accepts_are_refused() {
        for (raw, ok) in [
            (7, false),
            (8, true),
            (48, true),
            (255, true),
            (256, false),
            (-1, false),
        ] {
            assert_eq!(KeyLength::parse(raw).is_ok(), ok, "{raw}");
        }
        assert!(KeyLength::parse(7)
            .unwrap_err()
            .detail
            .contains("between 8 and 255"));
    }

    #[test]
    fn alphabets_are_parsed_by_name_with_a_suggestion() {
        for name in KeyAlphabet::NAMES {
            assert!(KeyAlphabet::parse(name).is_ok());
        }
        let problem = KeyAlphabet::parse("alphanumerics").unwrap_err();
        assert!(
            problem.detail.contains("alphanumeric"),
            "{}",
            problem.detail
        );
    }

    #[test]
    fn a_key_has_the_length_and_only_characters_of_its_alphabet() {
        for alphabet in [
            KeyAlphabet::Alphanumeric,
            KeyAlphabet::Printable,
            KeyAlphabet::Hex,
        ] {
            for length in [8, 48, 255] {
                let key =
                    PresharedKey::random(KeyLength::parse(length).unwrap(), alphabet, counting())
                        .unwrap();
                assert_eq!(key.expose().len(), length as usize);
                let allowed = alphabet.characters();
                assert!(key.expose().bytes().all(|b| allowed.contains(&b)));
                assert!(PresharedKey::parse(key.expose()).is_ok());
            }
        }
    }

    #[test]
    fn bytes_past_the_last_whole_multiple_are_skipped_so_no_character_is_favoured() {
        // 62 characters: bytes 248..=255 would favour the first eight; they are dropped.
        let mut source = counting();
        let mut drawn = Vec::new();
        for _ in 0..4 {
            let key = PresharedKey::random(
                KeyLength::parse(255).unwrap(),
                KeyAlphabet::Alphanumeric,
                &mut source,
            )
            .unwrap();
            drawn.extend(key.expose().bytes());
        }
        let first = drawn.iter().filter(|&&b| b == b'A').count();
        let last = drawn.iter().filter(|&&b| b == b'9').count();
        assert!(first.abs_diff(last) <= 1, "A {first} times, 9 {last} times");
    }

    #[test]
    fn a_failing_source_is_an_error() {
        let result = PresharedKey::random(KeyLength::DEFAULT, KeyAlphabet::Hex, |_| Err("no rng"));
        assert_eq!(result.err(), Some("no rng"));
    }
}
