//! `core`'s diagnostics in tfplugin6 form, and the provider's own.

use ipsec_core::diag::{escape, PathStep};
use ipsec_core::{AttributePath, Diagnostic, Diagnostics, Severity};

use crate::codec::CodecError;
use crate::proto::tfplugin6 as pb;

/// Converts diagnostics for a response.
pub fn to_proto(diags: &Diagnostics) -> Vec<pb::Diagnostic> {
    diags.iter().map(diagnostic_to_proto).collect()
}

/// Converts one diagnostic; an empty path means the resource as a whole. The text is
/// escaped once more on its way to the user's terminal, whoever built it.
pub fn diagnostic_to_proto(diag: &Diagnostic) -> pb::Diagnostic {
    pb::Diagnostic {
        severity: match diag.severity {
            Severity::Error => pb::diagnostic::Severity::Error,
            Severity::Warning => pb::diagnostic::Severity::Warning,
        } as i32,
        summary: escape(&diag.summary).into_owned(),
        detail: escape(&detail_with_path(diag)).into_owned(),
        attribute: (!diag.path.is_empty()).then(|| path_to_proto(&diag.path)),
    }
}

/// Terraform points at a top-level attribute's line, but for a path into a nested
/// attribute (`phase1.keylife`, `translations["db"].customer_ip`) it shows only the
/// resource block; naming the path in the text keeps the place visible.
fn detail_with_path(diag: &Diagnostic) -> String {
    if diag.path.steps().len() > 1 {
        format!("{}: {}", diag.path, diag.detail)
    } else {
        diag.detail.clone()
    }
}

/// Converts an attribute path.
pub fn path_to_proto(path: &AttributePath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    pb::AttributePath {
        steps: path
            .steps()
            .iter()
            .map(|step| pb::attribute_path::Step {
                selector: Some(match step {
                    PathStep::Attr(name) => Selector::AttributeName(name.clone()),
                    PathStep::Key(key) => Selector::ElementKeyString(key.clone()),
                    PathStep::Index(index) => {
                        Selector::ElementKeyInt(i64::try_from(*index).unwrap_or(i64::MAX))
                    }
                }),
            })
            .collect(),
    }
}

/// Converts a tfplugin6 attribute path back (for `requires_replace` and tests).
pub fn path_from_proto(path: &pb::AttributePath) -> AttributePath {
    use pb::attribute_path::step::Selector;
    path.steps
        .iter()
        .fold(AttributePath::empty(), |acc, step| match &step.selector {
            Some(Selector::AttributeName(name)) if acc.is_empty() => AttributePath::root(name),
            Some(Selector::AttributeName(name)) => acc.attr(name),
            Some(Selector::ElementKeyString(key)) => acc.key(key),
            Some(Selector::ElementKeyInt(index)) => acc.index(usize::try_from(*index).unwrap_or(0)),
            None => acc,
        })
}

/// A value from Terraform that does not match the schema: a bug in Terraform or in
/// our schema, never the user's input, so it says so.
pub fn codec_error(what: &str, error: &CodecError) -> Diagnostics {
    Diagnostic::error(
        format!("Unreadable {what}"),
        format!(
            "Terraform sent a {what} that does not match the provider's schema ({error}). Please \
             report this."
        ),
    )
    .into()
}

/// The diagnostic for an operation that needs the configured gateway before
/// `ConfigureProvider` ran.
pub fn not_configured() -> Diagnostics {
    Diagnostic::error(
        "Provider not configured",
        "The ipsec provider was asked to reach the gateway before it was configured. This is a \
         bug in Terraform or the provider; please report it.",
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip() {
        let path = AttributePath::root("translations")
            .key("billing-db")
            .attr("customer_ip");
        assert_eq!(path_from_proto(&path_to_proto(&path)), path);
        let path = AttributePath::root("list").index(3);
        assert_eq!(path_from_proto(&path_to_proto(&path)), path);
    }

    #[test]
    fn control_characters_never_reach_terraform() {
        let diag = Diagnostic {
            summary: "raw\u{1b}[2J".to_owned(),
            detail: "over\rwritten".to_owned(),
            ..Diagnostic::error("", "")
        };
        let proto = diagnostic_to_proto(&diag);
        assert_eq!(proto.summary, "raw\\u{1b}[2J");
        assert_eq!(proto.detail, "over\\rwritten");
    }

    #[test]
    fn severities_and_paths_are_kept() {
        let mut diags = Diagnostics::new();
        diags.add(
            ipsec_core::Problem::warning("Weak", "use AES256"),
            AttributePath::root("phase1").attr("encryption"),
        );
        let proto = to_proto(&diags);
        assert_eq!(proto[0].severity, pb::diagnostic::Severity::Warning as i32);
        assert_eq!(proto[0].attribute.as_ref().unwrap().steps.len(), 2);
    }
}
