//! What the kinds of steps share: saving and reading a plan, checking a planned action,
//! finding a resource in a state, and comparing states.

use regex::Regex;
use serde_json::Value;

use super::Action;
use crate::json::{self, PlannedChange};
use crate::workspace::Workspace;

/// A step's `pattern`, compiled; a bad one is the test's own mistake.
pub(super) fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("bad pattern {pattern:?}: {e}"))
}

/// The values of `address` in a state; panics naming what the state holds instead.
pub(super) fn find<'a>(state: &'a [(String, Value)], address: &str) -> &'a Value {
    state
        .iter()
        .find(|(a, _)| a == address)
        .map(|(_, v)| v)
        .unwrap_or_else(|| {
            let present: Vec<_> = state.iter().map(|(a, _)| a.as_str()).collect();
            panic!("{address} is not in the state; it holds {present:?}")
        })
}

/// A plan saved to `tfplan`.
pub(super) struct SavedPlan {
    /// What it does to each resource.
    pub changes: Vec<PlannedChange>,
    /// `show -json tfplan` as printed.
    pub json: String,
    /// What `plan` printed.
    pub output: String,
}

/// `plan -out=tfplan` with `extra` arguments, which must succeed.
pub(super) fn plan_to_file(workspace: &Workspace, label: &str, extra: &[String]) -> SavedPlan {
    let mut args = vec!["plan", "-input=false", "-out=tfplan"];
    args.extend(extra.iter().map(String::as_str));
    let run = workspace.run(&args);
    assert_eq!(run.code, 0, "{label}: plan failed:\n{}", run.output());
    let json = workspace.ok(&["show", "-json", "tfplan"]).stdout;
    SavedPlan {
        changes: json::planned_changes(&json),
        json,
        output: run.output(),
    }
}

/// Panics unless the plan does `action` to `address`.
pub(super) fn check_action(planned: &[PlannedChange], address: &str, action: Action, label: &str) {
    let change = planned
        .iter()
        .find(|c| c.address == address)
        .unwrap_or_else(|| panic!("{label}: the plan has no change for {address}: {planned:#?}"));
    assert!(
        action.matches(&change.actions),
        "{label}: expected {action:?} of {address}, the plan does {:?} (replace paths {:?})",
        change.actions,
        change.replace_paths
    );
}

/// Whether `terraform validate -json` shows a warning matching `pattern` (warnings from
/// validation are not repeated in a saved plan's rendering).
pub(super) fn warns(workspace: &Workspace, pattern: &Regex) -> bool {
    let run = workspace.run(&["validate", "-json"]);
    json::validate_diagnostics(&run.stdout)
        .iter()
        .any(|d| d.severity == "warning" && pattern.is_match(&d.text()))
}

/// Import cannot know write-only values or their version: they are left out of the
/// comparison, as terraform-plugin-testing's `ImportStateVerifyIgnore` would.
pub(super) fn comparable(mut values: Value) -> Value {
    if let Some(object) = values.as_object_mut() {
        object.remove("preshared_key_wo");
        object.remove("preshared_key_wo_version");
    }
    values
}

/// `text` as an HCL string literal.
pub fn hcl_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string serializes")
}
