//! IKE and ESP proposal lists (`aes256-sha256-modp2048, aes128-sha1-modp1024`) read back
//! into phase parameters: the first proposal is the phase's own, the others its
//! additional proposals.

use crate::diag::quote;
use crate::model::{
    Authentication, DhGroup, Encryption, EspProposal, IkeProposal, Keylife, Phase1, Phase2,
};
use crate::parse::settings::Setting;
use crate::parse::{at, ParseError};

/// The algorithms named in one proposal, by kind.
#[derive(Default)]
struct Tokens {
    encryption: Option<Encryption>,
    integrity: Option<Authentication>,
    prf: Option<Authentication>,
    dh_group: Option<DhGroup>,
}

/// The proposals of a `proposals` or `esp_proposals` setting, in order.
fn items(s: &Setting) -> Result<Vec<&str>, ParseError> {
    let items: Vec<&str> = s.value.split(',').map(str::trim).collect();
    if items.iter().any(|item| item.is_empty()) {
        return Err(at(s.line, format!("{} holds an empty proposal", s.key)));
    }
    Ok(items)
}

fn tokens(s: &Setting, proposal: &str, esp: bool) -> Result<Tokens, ParseError> {
    let mut t = Tokens::default();
    fn put<T>(slot: &mut Option<T>, value: T, s: &Setting, kind: &str) -> Result<(), ParseError> {
        if slot.replace(value).is_some() {
            return Err(at(
                s.line,
                format!(
                    "a proposal of {} names more than one {kind}; a managed proposal has exactly one",
                    s.key
                ),
            ));
        }
        Ok(())
    }
    for token in proposal.split('-').map(str::trim) {
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

/// `proposals`: phase 1 (with `keylife`) and the additional proposals.
pub(super) fn ike_proposals(
    s: &Setting,
    keylife: Keylife,
) -> Result<(Phase1, Vec<IkeProposal>), ParseError> {
    let mut all = items(s)?
        .into_iter()
        .map(|item| ike_proposal(s, item))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter();
    // `items` answers at least one item (splitting never yields nothing).
    let first = all
        .next()
        .ok_or_else(|| at(s.line, "proposals names no proposal"))?;
    let phase1 = Phase1 {
        encryption: first.encryption,
        authentication: first.authentication,
        dh_group: first.dh_group,
        keylife,
    };
    Ok((phase1, all.collect()))
}

fn ike_proposal(s: &Setting, item: &str) -> Result<IkeProposal, ParseError> {
    let t = tokens(s, item, false)?;
    let encryption = t.encryption.ok_or_else(|| {
        at(
            s.line,
            "a proposal of proposals names no encryption algorithm",
        )
    })?;
    let authentication = match (encryption.is_aead(), t.integrity, t.prf) {
        (true, None, Some(prf)) => prf,
        (true, Some(_), _) => return Err(at(s.line, "proposals combines a GCM cipher with an integrity algorithm; use a PRF such as prfsha256")),
        (true, None, None) => return Err(at(s.line, "proposals with a GCM cipher needs a PRF such as prfsha256")),
        (false, Some(integrity), None) => integrity,
        (false, Some(integrity), Some(prf)) if prf == integrity => integrity,
        (false, Some(_), Some(_)) => return Err(at(s.line, "proposals uses a PRF different from its integrity algorithm, which this provider cannot represent")),
        (false, None, _) => return Err(at(s.line, "a proposal of proposals names no integrity algorithm")),
    };
    let dh_group = t.dh_group.ok_or_else(|| {
        at(
            s.line,
            "a proposal of proposals names no Diffie-Hellman group",
        )
    })?;
    Ok(IkeProposal {
        encryption,
        authentication,
        dh_group,
    })
}

/// `esp_proposals`: phase 2 (with `keylife`), whether it has PFS, and the additional
/// proposals. Without PFS the groups are not in the setting: `stored_groups` are the
/// ones the file keeps aside (phase 2's, then each additional proposal's; none where
/// missing).
pub(super) fn esp_proposals(
    s: &Setting,
    keylife: Keylife,
    stored_groups: &[DhGroup],
) -> Result<(Phase2, bool, Vec<EspProposal>), ParseError> {
    let parsed = items(s)?
        .into_iter()
        .map(|item| esp_proposal(s, item))
        .collect::<Result<Vec<_>, _>>()?;
    // PFS is phase 2's own group in the setting; every proposal then carries one.
    let pfs = parsed.first().is_some_and(|(_, group)| group.is_some());
    let mut all = Vec::with_capacity(parsed.len());
    for (index, (proposal, group)) in parsed.into_iter().enumerate() {
        let dh_group =
            match (pfs, group) {
                (true, Some(group)) => group,
                (false, None) => stored_groups.get(index).copied().unwrap_or(DhGroup::None),
                (true, None) | (false, Some(_)) => return Err(at(
                    s.line,
                    "the proposals of esp_proposals differ in whether they name a Diffie-Hellman \
                     group; with perfect forward secrecy each names one, without it none does",
                )),
            };
        all.push(EspProposal {
            dh_group,
            ..proposal
        });
    }
    let mut all = all.into_iter();
    let first = all
        .next()
        .ok_or_else(|| at(s.line, "esp_proposals names no proposal"))?;
    let phase2 = Phase2 {
        encryption: first.encryption,
        authentication: first.authentication,
        dh_group: first.dh_group,
        keylife,
    };
    Ok((phase2, pfs, all.collect()))
}

/// One ESP proposal, its group (`None` when it names none) aside.
fn esp_proposal(s: &Setting, item: &str) -> Result<(EspProposal, Option<DhGroup>), ParseError> {
    let t = tokens(s, item, true)?;
    let encryption = t.encryption.ok_or_else(|| {
        at(
            s.line,
            "a proposal of esp_proposals names no encryption algorithm",
        )
    })?;
    let authentication = match (encryption.is_aead(), t.integrity) {
        (true, None) => None,
        (true, Some(_)) => {
            return Err(at(
                s.line,
                "esp_proposals combines a GCM cipher with an integrity algorithm",
            ))
        }
        (false, Some(integrity)) => Some(integrity),
        (false, None) => {
            return Err(at(
                s.line,
                "a proposal of esp_proposals names no integrity algorithm",
            ))
        }
    };
    Ok((
        EspProposal {
            encryption,
            authentication,
            dh_group: DhGroup::None,
        },
        t.dh_group,
    ))
}
