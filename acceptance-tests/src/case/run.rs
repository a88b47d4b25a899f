//! Running a step: what it does first, then its apply or drift expectation (errors are
//! in `diagnostics`, imports in `import`).

use std::collections::BTreeMap;

use regex::Regex;
use serde_json::Value;

use super::checks::{check_action, plan_to_file, warns, SavedPlan};
use super::step::{Expectation, Step};
use super::{diagnostics, import};
use crate::json;
use crate::workspace::Workspace;

impl Step {
    /// Runs the step in `workspace`, whose `main.tf` already holds `config`.
    pub(super) fn run(mut self, workspace: &Workspace, config: &str, label: &str) {
        let before_hook = workspace.gateway().snapshot();
        self.prepare(workspace);
        let log_checks = std::mem::take(&mut self.log_checks);
        match std::mem::replace(&mut self.expectation, Expectation::Apply) {
            Expectation::Apply => self.run_apply(workspace, label),
            Expectation::Error {
                phase,
                pattern,
                attribute,
            } => diagnostics::expect_error(self, workspace, phase, &pattern, attribute, label),
            Expectation::Drift { shown } => self.run_drift(workspace, &shown, before_hook, label),
            Expectation::Import { what, by, error } => {
                import::import(workspace, config, what, by, error, label)
            }
        }
        if !log_checks.is_empty() {
            let log = workspace.log();
            for check in log_checks {
                check(&log);
            }
        }
    }

    /// The hand edit, the state rewrite and the commands that come before terraform.
    fn prepare(&mut self, workspace: &Workspace) {
        if let Some(hook) = self.before.take() {
            hook(workspace.gateway());
        }
        if let Some(edit) = self.state_edit.take() {
            workspace.edit_state_file(edit);
        }
        for command in &self.commands_first {
            let args: Vec<&str> = command.iter().map(String::as_str).collect();
            workspace.run(&args).success();
        }
    }

    fn run_apply(mut self, workspace: &Workspace, label: &str) {
        let plan = plan_to_file(workspace, label, &self.plan_args);
        self.check_plan_before_apply(workspace, &plan, label);
        let mut args = vec!["apply", "-input=false"];
        args.extend(self.apply_args.iter().map(String::as_str));
        args.push("tfplan");
        let apply = workspace.run(&args).success();
        workspace.remove_file("tfplan");
        let output = format!("{}\n{}", plan.output, apply.output());
        for pattern in &self.shown {
            assert!(
                pattern.is_match(&output),
                "{label}: plan and apply do not show {pattern}:\n{output}"
            );
        }
        self.check_after_apply(workspace);
        if !self.expect_non_empty_plan {
            workspace.assert_plan_empty(&format!("{label}, after apply"));
        }
    }

    fn check_plan_before_apply(&mut self, workspace: &Workspace, plan: &SavedPlan, label: &str) {
        if !self.raw_plan_checks.is_empty() {
            let raw: Value = serde_json::from_str(&plan.json)
                .unwrap_or_else(|e| panic!("{label}: the plan is not JSON ({e})"));
            for check in std::mem::take(&mut self.raw_plan_checks) {
                check(&raw);
            }
        }
        for (address, action) in &self.plan_checks {
            check_action(&plan.changes, address, *action, label);
        }
        for (address, path) in &self.unknown_checks {
            let change = plan.changes.iter().find(|c| &c.address == address);
            let unknown = change.and_then(|c| json::lookup(&c.after_unknown, path));
            assert_eq!(
                unknown,
                Some(&Value::Bool(true)),
                "{label}: the plan knows {address}.{path} already: {change:#?}"
            );
        }
        let shown = workspace.run(&["show", "tfplan"]).success().stdout;
        for warning in &self.warnings {
            assert!(
                warning.is_match(&shown) || warns(workspace, warning),
                "{label}: no warning matching {warning} in the plan:\n{shown}"
            );
        }
    }

    fn check_after_apply(&mut self, workspace: &Workspace) {
        let state = workspace.state();
        for check in std::mem::take(&mut self.state_checks) {
            check(&state);
        }
        if !self.state_file_checks.is_empty() {
            let stored = workspace.state_file_json();
            for check in std::mem::take(&mut self.state_file_checks) {
                check(&stored);
            }
        }
        self.run_gateway_checks(workspace);
    }

    /// Runs the step's gateway checks.
    pub(super) fn run_gateway_checks(&mut self, workspace: &Workspace) {
        for check in std::mem::take(&mut self.gateway_checks) {
            check(workspace.gateway());
        }
    }

    fn run_drift(
        mut self,
        workspace: &Workspace,
        shown: &[Regex],
        before_hook: BTreeMap<String, String>,
        label: &str,
    ) {
        let (code, output) = workspace.plan_exit_code();
        assert_eq!(code, 2, "{label}: the hand edit is not drift:\n{output}");
        for pattern in shown {
            assert!(
                pattern.is_match(&output),
                "{label}: the plan does not show {pattern}:\n{output}"
            );
        }
        workspace
            .run(&["apply", "-auto-approve", "-input=false"])
            .success();
        assert_eq!(
            workspace.gateway().snapshot(),
            before_hook,
            "{label}: apply did not put the gateway back"
        );
        self.run_gateway_checks(workspace);
        workspace.assert_plan_empty(&format!("{label}, after repairing drift"));
    }
}
