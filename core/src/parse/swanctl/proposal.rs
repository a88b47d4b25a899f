//! IKE and ESP proposals (`aes256-sha256-modp2048`) read back into phase parameters.

use crate::diag::quote;
use crate::model::{Authentication, DhGroup, Encryption, Keylife, Phase1, Phase2};
use crate::parse::settings::Setting;
use crate::parse::{at, ParseError};

use super::values::single_item;

/// The algorithms named in one proposal, by kind.
#[derive(Default)]
struct Tokens {
    encryption: Option<Encryption>,
    integrity: Option<Authentication>,
    prf: Option<Authentication>,
    dh_group: Option<DhGroup>,
}

fn tokens(s: &Setting, esp: bool) -> Result<Tokens, ParseError> {
    single_item(s, "proposals")?;
    let mut t = Tokens::default();
    fn put<T>(slot: &mut Option<T>, value: T, s: &Setting, kind: &str) -> Result<(), ParseError> {
        if slot.replace(value).is_some() {
            return Err(at(
                s.line,
                format!(
                    "{} names more than one {kind}; a managed proposal has exactly one",
                    s.key
                ),
            ));
        }
        Ok(())
    }
    for token in s.value.split('-').map(str::trim) {
        if let Some(e) = Encryption::from_keyword(token) {
            put(&mut t.encryption, e, s, "encryption algorithm")?;
        } else if let Some(a) = Authentication::from_keyword(token) {
            put(&mut t.integrity, a, s, "integrity algorithm")?;
        } else if let Some(a) = Authentication::from_prf_keyword(token).filter(|_| !esp) {
            put(&mut t.prf, a, s, "PRF")?;
        } else if let Some(g) = DhGroup::from_keyword(token) {
            put(&mut t.dh_group, g, s, "Diffie-Hellman group")?;
        } else if esp && token == "noesn" {
        } else {
            return Err(at(
                s.line,
                format!(
                    "{} in {} is not an algorithm this provider supports",
                    quote(token),
                    s.key
                ),
            ));
        }
    }
    Ok(t)
}

pub(super) fn ike_proposal(s: &Setting, keylife: Keylife) -> Result<Phase1, ParseError> {
    let t = tokens(s, false)?;
    let encryption = t
        .encryption
        .ok_or_else(|| at(s.line, "proposals names no encryption algorithm"))?;
    let authentication = match (encryption.is_aead(), t.integrity, t.prf) {
        (true, None, Some(prf)) => prf,
        (true, Some(_), _) => return Err(at(s.line, "proposals combines a GCM cipher with an integrity algorithm; use a PRF such as prfsha256")),
        (true, None, None) => return Err(at(s.line, "proposals with a GCM cipher needs a PRF such as prfsha256")),
        (false, Some(integrity), None) => integrity,
        (false, Some(integrity), Some(prf)) if prf == integrity => integrity,
        (false, Some(_), Some(_)) => return Err(at(s.line, "proposals uses a PRF different from its integrity algorithm, which this provider cannot represent")),
        (false, None, _) => return Err(at(s.line, "proposals names no integrity algorithm")),
    };
    let dh_group = t
        .dh_group
        .ok_or_else(|| at(s.line, "proposals names no Diffie-Hellman group"))?;
    Ok(Phase1 {
        encryption,
        authentication,
        dh_group,
        keylife,
    })
}

pub(super) fn esp_proposal(
    s: &Setting,
    keylife: Keylife,
    stored_group: DhGroup,
) -> Result<(Phase2, bool), ParseError> {
    let t = tokens(s, true)?;
    let encryption = t
        .encryption
        .ok_or_else(|| at(s.line, "esp_proposals names no encryption algorithm"))?;
    let authentication = match (encryption.is_aead(), t.integrity) {
        (true, None) => None,
        (true, Some(_)) => {
            return Err(at(
                s.line,
                "esp_proposals combines a GCM cipher with an integrity algorithm",
            ))
        }
        (false, Some(integrity)) => Some(integrity),
        (false, None) => return Err(at(s.line, "esp_proposals names no integrity algorithm")),
    };
    let (dh_group, pfs) = match t.dh_group {
        Some(group) => (group, true),
        None => (stored_group, false),
    };
    Ok((
        Phase2 {
            encryption,
            authentication,
            dh_group,
            keylife,
        },
        pfs,
    ))
}
