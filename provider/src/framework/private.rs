//! The private data the provider keeps with a resource's state: a small JSON object
//! that Terraform stores opaquely and hands back with every later request.
//!
//! Fields: `id` (the [`super::replacement::Stamp`] of the object a plan is about) and,
//! per write-only attribute, a [`Fingerprint`] of the value last written to the
//! gateway. Each field is read and written alone, so one never clears another.

use aws_lc_rs::{hmac, rand};
use serde_json::{Map, Value as Json};

/// The private data of one object.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Private {
    fields: Map<String, Json>,
}

impl Private {
    /// Reads the bytes Terraform handed back (empty or foreign bytes: no fields).
    pub fn read(bytes: &[u8]) -> Self {
        match serde_json::from_slice(bytes) {
            Ok(Json::Object(fields)) => Self { fields },
            _ => Self::default(),
        }
    }

    /// The bytes to hand to Terraform (empty when there is nothing to keep).
    pub fn to_bytes(&self) -> Vec<u8> {
        if self.fields.is_empty() {
            return Vec::new();
        }
        serde_json::to_vec(&self.fields).unwrap_or_default()
    }

    /// A string field.
    pub fn string(&self, field: &str) -> Option<&str> {
        self.fields.get(field)?.as_str()
    }

    /// Sets a string field.
    pub fn set_string(&mut self, field: &str, value: &str) {
        self.fields
            .insert(field.to_owned(), Json::String(value.to_owned()));
    }

    /// The fingerprint kept under `field`.
    pub fn fingerprint(&self, field: &str) -> Option<Fingerprint> {
        let entry = self.fields.get(field)?;
        let decode = |name: &str| hex_decode(entry.get(name)?.as_str()?);
        Some(Fingerprint {
            salt: decode("salt")?,
            mac: decode("mac")?,
        })
    }

    /// Keeps `fingerprint` under `field` (or removes the field for `None`).
    pub fn set_fingerprint(&mut self, field: &str, fingerprint: Option<&Fingerprint>) {
        match fingerprint {
            Some(print) => {
                let entry = serde_json::json!({ "salt": hex(&print.salt), "mac": hex(&print.mac) });
                self.fields.insert(field.to_owned(), entry);
            }
            None => {
                self.fields.remove(field);
            }
        }
    }
}

/// A keyed hash of a secret (HMAC-SHA256 under a random salt): enough to tell whether
/// the gateway still holds the secret Terraform wrote, and nothing to recover it from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    salt: Vec<u8>,
    mac: Vec<u8>,
}

impl Fingerprint {
    /// The fingerprint of `secret` under a fresh random salt.
    pub fn new(secret: &[u8]) -> Option<Self> {
        let salt: [u8; 16] = rand::generate(&rand::SystemRandom::new()).ok()?.expose();
        let key = hmac::Key::new(hmac::HMAC_SHA256, &salt);
        let mac = hmac::sign(&key, secret).as_ref().to_vec();
        Some(Self {
            salt: salt.to_vec(),
            mac,
        })
    }

    /// Whether `secret` is the secret this was made from (compared in constant time).
    pub fn matches(&self, secret: &[u8]) -> bool {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &self.salt);
        hmac::verify(&key, secret, &self.mac).is_ok()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fingerprint_tells_the_secret_apart_and_does_not_hold_it() {
        let print = Fingerprint::new(b"correct horse battery staple").unwrap();
        assert!(print.matches(b"correct horse battery staple"));
        assert!(!print.matches(b"correct horse battery stapler"));
        let mut private = Private::read(br#"{"id":"dc1"}"#);
        private.set_fingerprint("preshared_key_wo", Some(&print));
        let bytes = private.to_bytes();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(!text.contains("horse") && !text.contains(&hex(b"correct horse")));
        let back = Private::read(&bytes);
        assert_eq!(back.string("id"), Some("dc1"), "other fields are kept");
        assert_eq!(back.fingerprint("preshared_key_wo"), Some(print));
    }

    #[test]
    fn salts_differ_so_equal_keys_do_not_show() {
        let a = Fingerprint::new(b"same key").unwrap();
        let b = Fingerprint::new(b"same key").unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn foreign_bytes_are_no_fields() {
        assert_eq!(Private::read(b"\x00garbage"), Private::default());
        assert!(Private::default().to_bytes().is_empty());
    }
}
