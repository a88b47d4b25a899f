//! Steps that expect an error: the failing run's diagnostics, the error among them at
//! its attribute, and a gateway left as it was.

use regex::Regex;

use super::step::Step;
use super::Phase;
use crate::json::{self, Diagnostic};
use crate::workspace::Workspace;

/// Runs `phase`, which must fail with an error matching `pattern` (at `attribute`, when
/// given) and leave the gateway unchanged; then the step's gateway and diagnostics checks.
pub(super) fn expect_error(
    mut step: Step,
    workspace: &Workspace,
    phase: Phase,
    pattern: &Regex,
    attribute: Option<String>,
    label: &str,
) {
    let before_run = workspace.gateway().snapshot();
    let diagnostics = diagnostics_of(workspace, phase, label);
    let errors: Vec<&Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.severity == "error")
        .collect();
    let found = errors.iter().any(|d| {
        pattern.is_match(&d.text()) && attribute.as_deref().is_none_or(|path| d.is_at(path))
    });
    assert!(
        found,
        "{label}: expected an error matching {pattern}{} at {phase:?}; got {errors:#?}",
        attribute
            .as_deref()
            .map(|a| format!(" at `{a}`"))
            .unwrap_or_default()
    );
    assert_eq!(
        workspace.gateway().snapshot(),
        before_run,
        "{label}: a rejected configuration changed the gateway"
    );
    step.run_gateway_checks(workspace);
    for check in std::mem::take(&mut step.diagnostics_checks) {
        check(&diagnostics);
    }
}

/// The diagnostics of `phase` run with `-json`, which must fail.
fn diagnostics_of(workspace: &Workspace, phase: Phase, label: &str) -> Vec<Diagnostic> {
    let run = match phase {
        Phase::Validate => workspace.run(&["validate", "-json"]),
        Phase::Plan => workspace.run(&["plan", "-json", "-input=false"]),
        Phase::Apply => workspace.run(&["apply", "-json", "-input=false", "-auto-approve"]),
    };
    assert_ne!(
        run.code,
        0,
        "{label}: {phase:?} succeeded:\n{}",
        run.output()
    );
    match phase {
        Phase::Validate => json::validate_diagnostics(&run.stdout),
        Phase::Plan | Phase::Apply => json::streamed_diagnostics(&run.stdout),
    }
}
