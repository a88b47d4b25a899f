//! The negotiation algorithms a user may choose, with their strongSwan keywords.
//!
//! Each enum knows three spellings: the Terraform value (`AES256`), the strongSwan
//! keyword it renders to (`aes256`) and the keywords accepted when reading a file back
//! (aliases a person editing by hand might use, such as `aes` or `sha`).

use std::fmt;

use crate::diag::{quote, Problem};
use crate::suggest::did_you_mean_preferring;

/// Builds an algorithm enum from one table, so the three spellings cannot drift apart.
macro_rules! algorithm_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal {
            $($variant:ident = $value:literal, $keyword:literal, [$($alias:literal),*], weak: $weak:expr;)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $(#[doc = concat!("`", $value, "` (strongSwan `", $keyword, "`)")] $variant,)+
        }

        impl $name {
            /// Every accepted value, in the order SPEC.md lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Every accepted Terraform value.
            pub const NAMES: &'static [&'static str] = &[$($value),+];

            /// The value as written in Terraform.
            pub fn name(self) -> &'static str {
                match self { $($name::$variant => $value,)+ }
            }

            /// The strongSwan proposal keyword.
            pub fn keyword(self) -> &'static str {
                match self { $($name::$variant => $keyword,)+ }
            }

            /// The stronger choice to suggest, when this one is weak.
            pub fn stronger_replacement(self) -> Option<&'static str> {
                match self { $($name::$variant => $weak,)+ }
            }

            /// Parses the Terraform value; a near miss gets "did you mean …".
            pub fn parse(raw: &str) -> Result<Self, Problem> {
                match raw {
                    $($value => Ok($name::$variant),)+
                    _ => Err(Problem::error(
                        concat!("Unsupported ", $what),
                        format!(
                            "{} is not a supported {}. Accepted values: {}.{}",
                            quote(raw),
                            $what,
                            Self::NAMES.join(", "),
                            did_you_mean_preferring(raw, Self::NAMES, &Self::strong_names())
                        ),
                    )),
                }
            }

            fn strong_names() -> Vec<&'static str> {
                Self::ALL.iter().filter(|v| v.stronger_replacement().is_none()).map(|v| v.name()).collect()
            }

            /// Reads a strongSwan keyword (or a common alias of it).
            pub fn from_keyword(keyword: &str) -> Option<Self> {
                match keyword {
                    $($keyword $(| $alias)* => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// A warning naming a stronger replacement, if this choice is weak.
            pub fn weakness(self) -> Option<Problem> {
                self.stronger_replacement().map(|better| {
                    Problem::warning(
                        concat!("Weak ", $what),
                        format!(
                            "{} is considered weak and is accepted only for compatibility with old peers; use {} where the peer supports it.",
                            self.name(),
                            better
                        ),
                    )
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

algorithm_enum! {
    /// The encryption algorithm of a phase.
    Encryption, "encryption algorithm" {
        Des = "DES", "des", [], weak: Some("AES256");
        TripleDes = "3DES", "3des", [], weak: Some("AES256");
        Aes128 = "AES128", "aes128", ["aes"], weak: None;
        Aes192 = "AES192", "aes192", [], weak: None;
        Aes256 = "AES256", "aes256", [], weak: None;
        Aes128Gcm16 = "AES128GCM16", "aes128gcm16", ["aes128gcm128"], weak: None;
        Aes256Gcm16 = "AES256GCM16", "aes256gcm16", ["aes256gcm128"], weak: None;
    }
}

impl Encryption {
    /// Whether this is an AEAD cipher, which carries its own integrity protection.
    pub fn is_aead(self) -> bool {
        matches!(self, Encryption::Aes128Gcm16 | Encryption::Aes256Gcm16)
    }
}

algorithm_enum! {
    /// The integrity (and, in phase 1, PRF) algorithm of a phase.
    Authentication, "authentication algorithm" {
        Md5 = "MD5", "md5", [], weak: Some("SHA256");
        Sha1 = "SHA1", "sha1", ["sha"], weak: Some("SHA256");
        Sha256 = "SHA256", "sha256", ["sha2_256"], weak: None;
        Sha384 = "SHA384", "sha384", ["sha2_384"], weak: None;
        Sha512 = "SHA512", "sha512", ["sha2_512"], weak: None;
    }
}

impl Authentication {
    /// The strongSwan PRF keyword, used in IKE proposals with an AEAD cipher.
    pub fn prf_keyword(self) -> &'static str {
        match self {
            Authentication::Md5 => "prfmd5",
            Authentication::Sha1 => "prfsha1",
            Authentication::Sha256 => "prfsha256",
            Authentication::Sha384 => "prfsha384",
            Authentication::Sha512 => "prfsha512",
        }
    }

    /// Reads a strongSwan PRF keyword.
    pub fn from_prf_keyword(keyword: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|a| a.prf_keyword() == keyword)
    }
}

/// A Diffie-Hellman group, by its IANA number. `None` (0) is only valid in phase 2 without PFS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DhGroup {
    /// 0: no DH exchange in phase 2.
    None,
    /// 1: MODP 768 (`modp768`).
    Modp768,
    /// 2: MODP 1024 (`modp1024`).
    Modp1024,
    /// 5: MODP 1536 (`modp1536`).
    Modp1536,
    /// 14: MODP 2048 (`modp2048`).
    Modp2048,
    /// 15: MODP 3072 (`modp3072`).
    Modp3072,
    /// 16: MODP 4096 (`modp4096`).
    Modp4096,
    /// 17: MODP 6144 (`modp6144`).
    Modp6144,
    /// 18: MODP 8192 (`modp8192`).
    Modp8192,
    /// 19: NIST P-256 (`ecp256`).
    Ecp256,
    /// 20: NIST P-384 (`ecp384`).
    Ecp384,
    /// 21: NIST P-521 (`ecp521`).
    Ecp521,
    /// 31: Curve25519 (`curve25519`).
    Curve25519,
}

const DH_TABLE: &[(DhGroup, i64, &str)] = &[
    (DhGroup::None, 0, "none"),
    (DhGroup::Modp768, 1, "modp768"),
    (DhGroup::Modp1024, 2, "modp1024"),
    (DhGroup::Modp1536, 5, "modp1536"),
    (DhGroup::Modp2048, 14, "modp2048"),
    (DhGroup::Modp3072, 15, "modp3072"),
    (DhGroup::Modp4096, 16, "modp4096"),
    (DhGroup::Modp6144, 17, "modp6144"),
    (DhGroup::Modp8192, 18, "modp8192"),
    (DhGroup::Ecp256, 19, "ecp256"),
    (DhGroup::Ecp384, 20, "ecp384"),
    (DhGroup::Ecp521, 21, "ecp521"),
    (DhGroup::Curve25519, 31, "curve25519"),
];

impl DhGroup {
    /// Parses a group number; 0 is accepted here and restricted by the phase rules.
    pub fn from_number(number: i64) -> Result<Self, Problem> {
        DH_TABLE
            .iter()
            .find(|(_, n, _)| *n == number)
            .map(|(group, _, _)| *group)
            .ok_or_else(|| {
                let accepted: Vec<String> =
                    DH_TABLE.iter().map(|(_, n, _)| n.to_string()).collect();
                Problem::error(
                    "Unsupported Diffie-Hellman group",
                    format!(
                        "{number} is not a supported Diffie-Hellman group. Accepted groups: {} \
                         (0 only in phase 2 without perfect forward secrecy).",
                        accepted.join(", ")
                    ),
                )
            })
    }

    /// The IANA group number.
    pub fn number(self) -> i64 {
        self.entry().1
    }

    /// The strongSwan keyword (`none` for group 0, which is never rendered).
    pub fn keyword(self) -> &'static str {
        self.entry().2
    }

    /// Reads a strongSwan keyword (or the alias `x25519`).
    pub fn from_keyword(keyword: &str) -> Option<Self> {
        let keyword = if keyword == "x25519" {
            "curve25519"
        } else {
            keyword
        };
        DH_TABLE
            .iter()
            .find(|(group, _, k)| *k == keyword && *group != DhGroup::None)
            .map(|(group, _, _)| *group)
    }

    /// A warning naming a stronger replacement, if this group is weak.
    pub fn weakness(self) -> Option<Problem> {
        matches!(
            self,
            DhGroup::Modp768 | DhGroup::Modp1024 | DhGroup::Modp1536
        )
        .then(|| {
            Problem::warning(
                "Weak Diffie-Hellman group",
                format!(
                    "Group {} is considered weak and is accepted only for compatibility with old \
                     peers; use 14 or better (19, 20, 31) where the peer supports it.",
                    self.number()
                ),
            )
        })
    }

    fn entry(self) -> &'static (DhGroup, i64, &'static str) {
        DH_TABLE
            .iter()
            .find(|(group, _, _)| *group == self)
            .unwrap_or(&DH_TABLE[0]) // every variant is in DH_TABLE; the fallback is unreachable
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_round_trips_through_its_keyword() {
        for e in Encryption::ALL {
            assert_eq!(Encryption::parse(e.name()).unwrap(), *e);
            assert_eq!(Encryption::from_keyword(e.keyword()), Some(*e));
        }
        for a in Authentication::ALL {
            assert_eq!(Authentication::from_keyword(a.keyword()), Some(*a));
            assert_eq!(Authentication::from_prf_keyword(a.prf_keyword()), Some(*a));
        }
        for (group, number, _) in DH_TABLE {
            assert_eq!(DhGroup::from_number(*number).unwrap(), *group);
            if *group != DhGroup::None {
                assert_eq!(DhGroup::from_keyword(group.keyword()), Some(*group));
            }
        }
    }

    #[test]
    fn wrong_case_gets_a_suggestion() {
        let problem = Encryption::parse("aes256").unwrap_err();
        assert!(
            problem.detail.ends_with("Did you mean AES256?"),
            "{}",
            problem.detail
        );
        // A near miss is matched only against strong choices: SHA384, not SHA1.
        let problem = Authentication::parse("SHA3").unwrap_err();
        assert!(
            problem.detail.ends_with("Did you mean SHA384?"),
            "{}",
            problem.detail
        );
        let problem = Authentication::parse("sha-256").unwrap_err();
        assert!(
            problem.detail.ends_with("Did you mean SHA256?"),
            "{}",
            problem.detail
        );
    }

    #[test]
    fn weak_choices_name_a_replacement() {
        assert!(Encryption::TripleDes
            .weakness()
            .unwrap()
            .detail
            .contains("use AES256"));
        assert!(Authentication::Md5
            .weakness()
            .unwrap()
            .detail
            .contains("use SHA256"));
        assert!(DhGroup::Modp1024.weakness().is_some());
        assert!(Encryption::Aes256.weakness().is_none());
        assert!(DhGroup::Modp2048.weakness().is_none());
    }
}
