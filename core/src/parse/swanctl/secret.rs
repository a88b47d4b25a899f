//! The `secrets` section: the connection's one IKE pre-shared key.

use super::values::decode_secret;
use super::{no_settings, unsupported};
use crate::diag::quote;
use crate::model::{ConnectionName, Identity, PresharedKey};
use crate::parse::settings::Section;
use crate::parse::{at, ParseError};

/// The key of connection `name`, whose `id`s may name only the connection's `owners`:
/// its identities and its addresses (files of earlier versions keyed the secret by the
/// peer's address, and a hand edit of a default identity leaves it there).
pub(super) fn secret(
    secrets: &Section,
    owners: &[Option<Identity>],
    name: &ConnectionName,
) -> Result<PresharedKey, ParseError> {
    no_settings(secrets, "'secrets'")?;
    let ike: Vec<&Section> = secrets
        .sections
        .iter()
        .filter(|s| s.name.starts_with("ike"))
        .collect();
    if let Some(other) = secrets.sections.iter().find(|s| !s.name.starts_with("ike")) {
        return Err(at(
            other.line,
            format!(
                "unsupported secret {}; a managed file holds one 'ike' secret",
                quote(&other.name)
            ),
        ));
    }
    let section = match ike.as_slice() {
        [one] => *one,
        [] => {
            return Err(at(
                secrets.line,
                format!("no 'ike' secret holding the pre-shared key of '{name}'"),
            ))
        }
        [_, second, ..] => {
            return Err(at(
                second.line,
                "more than one 'ike' secret; a managed file holds exactly one",
            ))
        }
    };
    let mut key = None;
    for s in &section.settings {
        if s.key == "secret" {
            key = Some(decode_secret(s)?);
        } else if s.key.starts_with("id") {
            let owned = Identity::parse(&s.value)
                .is_ok_and(|id| owners.iter().flatten().any(|owner| owner.same_as(&id)));
            if !(s.value == "%any" || owned) {
                return Err(at(
                    s.line,
                    format!(
                        "secret id {} is none of the connection's identities and addresses; write the \
                         ids of its local and remote sections here",
                        quote(&s.value)
                    ),
                ));
            }
        } else {
            return Err(unsupported(s, "secret"));
        }
    }
    key.ok_or_else(|| {
        at(
            section.line,
            format!("secret {} has no 'secret' value", quote(&section.name)),
        )
    })
}
