//! Test cases as lists of steps, in the manner of terraform-plugin-testing.
//!
//! Each [`Step`] writes a configuration, optionally changes the gateway behind
//! Terraform's back or rewrites the state file first, and then does one of:
//! - **apply** (the default): `plan -out`, plan checks, `apply`, state and gateway
//!   checks, and a fresh plan that must be empty;
//! - **expect an error** at validate, plan or apply time, matching a pattern and
//!   attached to an attribute, with nothing written to the gateway;
//! - **expect drift**: `plan -detailed-exitcode` exits 2 naming what changed, `apply`
//!   puts the gateway back as it was before the hand edit, and the next plan is empty;
//! - **import** a resource of the current configuration into a fresh state (by
//!   `terraform import` or by an `import` block) and require that the imported state
//!   equals the created one and that the plan after it is empty.
//!
//! After the last step the case destroys everything and requires an empty gateway.

use regex::Regex;
use serde_json::Value;

use crate::gateway::Gateway;
use crate::json::{self, Diagnostic, PlannedChange};
use crate::provider::ProviderMode;
use crate::workspace::Workspace;

/// A hand edit or any other work done before a step runs terraform.
pub type Hook = Box<dyn FnOnce(&Gateway) + Send>;
type GatewayCheck = Box<dyn FnOnce(&Gateway) + Send>;
type StateCheck = Box<dyn FnOnce(&[(String, Value)]) + Send>;
type StateEdit = Box<dyn FnOnce(&mut Value) + Send>;
type StateFileCheck = Box<dyn FnOnce(&Value) + Send>;
type DiagnosticsCheck = Box<dyn FnOnce(&[Diagnostic]) + Send>;
type PlanCheck = Box<dyn FnOnce(&Value) + Send>;

/// A list of steps run in order in one working directory.
pub struct TestCase {
    mode: ProviderMode,
    steps: Vec<Step>,
    destroy_check: bool,
}

impl Default for TestCase {
    fn default() -> Self {
        Self::new()
    }
}

impl TestCase {
    /// A case whose terraform reaches an in-process provider by reattach.
    pub fn new() -> Self {
        Self {
            mode: ProviderMode::InProcess,
            steps: Vec::new(),
            destroy_check: true,
        }
    }

    /// Uses the real plugin binary, started by Terraform through the handshake with
    /// mutual TLS, instead of the in-process provider.
    pub fn with_real_binary(mut self) -> Self {
        self.mode = ProviderMode::Binary;
        self
    }

    /// Adds a step.
    pub fn step(mut self, step: Step) -> Self {
        self.steps.push(step);
        self
    }

    /// Skips the final destroy and its check (for cases that never create anything).
    pub fn without_destroy_check(mut self) -> Self {
        self.destroy_check = false;
        self
    }

    /// Runs every step, then destroys and checks that the gateway is empty.
    pub fn run(self) {
        let workspace = Workspace::new(self.mode);
        let mut config = String::new();
        for (index, step) in self.steps.into_iter().enumerate() {
            let label = format!("step {}", index + 1);
            if let Some(next) = &step.config {
                config = next.clone();
            }
            assert!(!config.is_empty(), "{label} has no configuration");
            workspace.write_config(&config);
            step.run(&workspace, &config, &label);
        }
        if self.destroy_check {
            workspace.ok(&["destroy", "-auto-approve", "-input=false"]);
            workspace.gateway().assert_empty();
            let left = workspace.state();
            assert!(left.is_empty(), "destroy left {left:?} in the state");
        }
    }
}

/// When an expected error must appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// `terraform validate -json`: static checks, no gateway.
    Validate,
    /// `terraform plan -json`.
    Plan,
    /// `terraform apply -json`.
    Apply,
}

/// How a step imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportBy {
    /// `terraform import ADDRESS ID`.
    Command,
    /// An `import { to = ADDRESS, id = ID }` block, then `apply`.
    Block,
}

/// What a plan does to a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Created.
    Create,
    /// Updated in place.
    Update,
    /// Destroyed and created again (either order).
    Replace,
    /// Destroyed.
    Delete,
    /// Left alone.
    NoOp,
}

impl Action {
    fn matches(self, actions: &[String]) -> bool {
        let actions: Vec<&str> = actions.iter().map(String::as_str).collect();
        match self {
            Self::Create => actions == ["create"],
            Self::Update => actions == ["update"],
            Self::Replace => actions == ["delete", "create"] || actions == ["create", "delete"],
            Self::Delete => actions == ["delete"],
            Self::NoOp => actions == ["no-op"] || actions == ["read"],
        }
    }
}

enum Expectation {
    Apply,
    Error {
        phase: Phase,
        pattern: Regex,
        attribute: Option<String>,
    },
    Drift {
        shown: Vec<Regex>,
    },
    Import {
        what: ImportTargets,
        by: ImportBy,
        error: Option<Regex>,
    },
}

enum ImportTargets {
    One { address: String, id: String },
    All,
}

/// One step of a [`TestCase`].
pub struct Step {
    config: Option<String>,
    before: Option<Hook>,
    state_edit: Option<StateEdit>,
    expectation: Expectation,
    plan_checks: Vec<(String, Action)>,
    unknown_checks: Vec<(String, String)>,
    raw_plan_checks: Vec<PlanCheck>,
    state_checks: Vec<StateCheck>,
    state_file_checks: Vec<StateFileCheck>,
    gateway_checks: Vec<GatewayCheck>,
    diagnostics_checks: Vec<DiagnosticsCheck>,
    warnings: Vec<Regex>,
    apply_args: Vec<String>,
    plan_args: Vec<String>,
    commands_first: Vec<Vec<String>>,
    expect_non_empty_plan: bool,
}

impl Step {
    /// A step that applies `config` (resources only: the harness adds the provider
    /// requirements and a `provider "ipsec"` block unless the configuration has one).
    pub fn apply(config: impl Into<String>) -> Self {
        Self::with(Some(config.into()), Expectation::Apply)
    }

    /// A step that keeps the previous step's configuration and expects the plan to
    /// show drift matching every pattern of `shown`, then applies and requires an empty
    /// plan and the gateway as it was before [`Step::before`] changed it.
    pub fn drift(shown: &[&str]) -> Self {
        Self::with(
            None,
            Expectation::Drift {
                shown: shown.iter().map(|p| regex(p)).collect(),
            },
        )
    }

    /// A step that imports `address` with `id` into a fresh state on the same gateway,
    /// using the previous step's configuration, and requires the imported state to equal
    /// the created one and the next plan to leave it alone.
    ///
    /// With [`ImportBy::Block`] only the plan is made: applying it would create the rest
    /// of the configuration a second time. [`Step::import_all`] applies.
    pub fn import(address: &str, id: &str, by: ImportBy) -> Self {
        Self::with(
            None,
            Expectation::Import {
                what: ImportTargets::One {
                    address: address.into(),
                    id: id.into(),
                },
                by,
                error: None,
            },
        )
    }

    /// A step that imports every resource of the current state, by its `id`, into a
    /// fresh state on the same gateway: the imported state must equal the created one,
    /// the gateway must not change, and the plan after it must be empty.
    pub fn import_all(by: ImportBy) -> Self {
        Self::with(
            None,
            Expectation::Import {
                what: ImportTargets::All,
                by,
                error: None,
            },
        )
    }

    /// A step whose `config` must fail at `phase` with an error diagnostic matching
    /// `pattern` (a regular expression over summary and detail); nothing may change
    /// on the gateway.
    pub fn fails(phase: Phase, config: impl Into<String>, pattern: &str) -> Self {
        Self::with(
            Some(config.into()),
            Expectation::Error {
                phase,
                pattern: regex(pattern),
                attribute: None,
            },
        )
    }

    fn with(config: Option<String>, expectation: Expectation) -> Self {
        Self {
            config,
            before: None,
            state_edit: None,
            expectation,
            plan_checks: Vec::new(),
            unknown_checks: Vec::new(),
            raw_plan_checks: Vec::new(),
            state_checks: Vec::new(),
            state_file_checks: Vec::new(),
            gateway_checks: Vec::new(),
            diagnostics_checks: Vec::new(),
            warnings: Vec::new(),
            apply_args: Vec::new(),
            plan_args: Vec::new(),
            commands_first: Vec::new(),
            expect_non_empty_plan: false,
        }
    }

    /// Uses `config` instead of the previous step's (for drift and import steps).
    pub fn config(mut self, config: impl Into<String>) -> Self {
        self.config = Some(config.into());
        self
    }

    /// The expected error must be attached to `attribute` (`peer_address`,
    /// `phase1.keylife`, `translations["db"].local_ip`).
    pub fn at(mut self, attribute: &str) -> Self {
        match &mut self.expectation {
            Expectation::Error { attribute: at, .. } => *at = Some(attribute.into()),
            _ => panic!("`at` belongs to a step that expects an error"),
        }
        self
    }

    /// An import step must fail with an error matching `pattern`, and write nothing.
    pub fn import_fails(mut self, pattern: &str) -> Self {
        match &mut self.expectation {
            Expectation::Import { error, .. } => *error = Some(regex(pattern)),
            _ => panic!("`import_fails` belongs to an import step"),
        }
        self
    }

    /// Runs `hook` before terraform: how a test changes the gateway behind its back.
    pub fn before(mut self, hook: impl FnOnce(&Gateway) + Send + 'static) -> Self {
        self.before = Some(Box::new(hook));
        self
    }

    /// Rewrites the state file with `edit` before terraform runs (after [`Step::before`]),
    /// incrementing its `serial`: how a test stands in for state that an earlier provider
    /// version wrote (`resources[].instances[].schema_version` and `.attributes`). See
    /// [`Workspace::edit_state_file`].
    pub fn edit_state(mut self, edit: impl FnOnce(&mut Value) + Send + 'static) -> Self {
        self.state_edit = Some(Box::new(edit));
        self
    }

    /// The plan must do `action` to `address`.
    pub fn expect(mut self, address: &str, action: Action) -> Self {
        self.plan_checks.push((address.into(), action));
        self
    }

    /// The plan must show the value at `path` of `address` as known only after apply.
    pub fn expect_unknown(mut self, address: &str, path: &str) -> Self {
        self.unknown_checks.push((address.into(), path.into()));
        self
    }

    /// Before apply, `check` sees the step's saved plan as `terraform show -json tfplan`
    /// prints it, for what [`Step::expect`] does not say: a `moved` block's
    /// `resource_changes[].previous_address`, an import's `change.importing`, the
    /// `resource_drift` of a `-refresh-only` plan (see [`Step::plan_args`]).
    pub fn check_plan(mut self, check: impl FnOnce(&Value) + Send + 'static) -> Self {
        self.raw_plan_checks.push(Box::new(check));
        self
    }

    /// After apply, the state value at `path` of `address` must equal `expected`.
    pub fn check(mut self, address: &str, path: &str, expected: impl Into<Value>) -> Self {
        let (address, path, expected) = (address.to_owned(), path.to_owned(), expected.into());
        self.state_checks.push(Box::new(move |state| {
            let values = find(state, &address);
            let actual = json::lookup(values, &path);
            assert_eq!(
                actual,
                Some(&expected),
                "{address}.{path} in the state; all values: {values:#}"
            );
        }));
        self
    }

    /// After apply, `check` sees the whole state.
    pub fn check_state(mut self, check: impl FnOnce(&[(String, Value)]) + Send + 'static) -> Self {
        self.state_checks.push(Box::new(check));
        self
    }

    /// After apply, `check` sees the state file as stored (`terraform.tfstate`), with
    /// what `show -json` leaves out, such as each instance's `schema_version`.
    pub fn check_state_file(mut self, check: impl FnOnce(&Value) + Send + 'static) -> Self {
        self.state_file_checks.push(Box::new(check));
        self
    }

    /// After apply (or a failed step), `check` sees the gateway.
    pub fn check_gateway(mut self, check: impl FnOnce(&Gateway) + Send + 'static) -> Self {
        self.gateway_checks.push(Box::new(check));
        self
    }

    /// For a step that expects an error: `check` sees every diagnostic (errors and
    /// warnings) of the failing run, for what a pattern over one error cannot say, such
    /// as that no diagnostic repeats a secret.
    pub fn check_diagnostics(mut self, check: impl FnOnce(&[Diagnostic]) + Send + 'static) -> Self {
        assert!(
            matches!(self.expectation, Expectation::Error { .. }),
            "`check_diagnostics` belongs to a step that expects an error"
        );
        self.diagnostics_checks.push(Box::new(check));
        self
    }

    /// The plan must show a warning matching `pattern`.
    pub fn warns(mut self, pattern: &str) -> Self {
        self.warnings.push(regex(pattern));
        self
    }

    /// Extra arguments for `apply` (such as `-parallelism=30`).
    pub fn apply_args(mut self, args: &[&str]) -> Self {
        self.apply_args = args.iter().map(|a| a.to_string()).collect();
        self
    }

    /// Extra arguments for the step's `plan` (such as `-replace=ADDR`).
    pub fn plan_args(mut self, args: &[&str]) -> Self {
        self.plan_args = args.iter().map(|a| a.to_string()).collect();
        self
    }

    /// A terraform command to run (and require to succeed) before the step plans, such
    /// as `["taint", "ipsec_vpn_connection.dc1"]`; may be given several times.
    pub fn terraform_first(mut self, args: &[&str]) -> Self {
        self.commands_first
            .push(args.iter().map(|a| a.to_string()).collect());
        self
    }

    /// The plan after apply may be non-empty (the step documents why).
    pub fn expect_non_empty_plan(mut self) -> Self {
        self.expect_non_empty_plan = true;
        self
    }

    fn run(self, workspace: &Workspace, config: &str, label: &str) {
        let before_hook = workspace.gateway().snapshot();
        if let Some(hook) = self.before {
            hook(workspace.gateway());
        }
        if let Some(edit) = self.state_edit {
            workspace.edit_state_file(edit);
        }
        for command in &self.commands_first {
            let args: Vec<&str> = command.iter().map(String::as_str).collect();
            workspace.run(&args).success();
        }
        match self.expectation {
            Expectation::Apply => {
                let (planned, plan_json) = plan_to_file(workspace, label, &self.plan_args);
                if !self.raw_plan_checks.is_empty() {
                    let plan: Value = serde_json::from_str(&plan_json)
                        .unwrap_or_else(|e| panic!("{label}: the plan is not JSON ({e})"));
                    for check in self.raw_plan_checks {
                        check(&plan);
                    }
                }
                for (address, action) in &self.plan_checks {
                    check_action(&planned, address, *action, label);
                }
                for (address, path) in &self.unknown_checks {
                    let change = planned.iter().find(|c| &c.address == address);
                    let unknown = change.and_then(|c| json::lookup(&c.after_unknown, path));
                    assert_eq!(
                        unknown,
                        Some(&Value::Bool(true)),
                        "{label}: the plan knows {address}.{path} already: {change:#?}"
                    );
                }
                let plan_output = workspace.run(&["show", "tfplan"]).success().stdout;
                for warning in &self.warnings {
                    assert!(
                        warning.is_match(&plan_output) || warns(workspace, warning),
                        "{label}: no warning matching {warning} in the plan:\n{plan_output}"
                    );
                }
                let mut args = vec!["apply", "-input=false"];
                args.extend(self.apply_args.iter().map(String::as_str));
                args.push("tfplan");
                workspace.run(&args).success();
                workspace.remove_file("tfplan");
                let state = workspace.state();
                for check in self.state_checks {
                    check(&state);
                }
                if !self.state_file_checks.is_empty() {
                    let stored = workspace.state_file_json();
                    for check in self.state_file_checks {
                        check(&stored);
                    }
                }
                for check in self.gateway_checks {
                    check(workspace.gateway());
                }
                if !self.expect_non_empty_plan {
                    workspace.assert_plan_empty(&format!("{label}, after apply"));
                }
            }
            Expectation::Error {
                phase,
                pattern,
                attribute,
            } => {
                let before_run = workspace.gateway().snapshot();
                let diagnostics = diagnostics_of(workspace, phase, label);
                let errors: Vec<&Diagnostic> = diagnostics
                    .iter()
                    .filter(|d| d.severity == "error")
                    .collect();
                let found = errors.iter().any(|d| {
                    pattern.is_match(&d.text())
                        && attribute.as_deref().is_none_or(|path| d.is_at(path))
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
                for check in self.gateway_checks {
                    check(workspace.gateway());
                }
                for check in self.diagnostics_checks {
                    check(&diagnostics);
                }
            }
            Expectation::Drift { shown } => {
                let (code, output) = workspace.plan_exit_code();
                assert_eq!(code, 2, "{label}: the hand edit is not drift:\n{output}");
                for pattern in &shown {
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
                for check in self.gateway_checks {
                    check(workspace.gateway());
                }
                workspace.assert_plan_empty(&format!("{label}, after repairing drift"));
            }
            Expectation::Import { what, by, error } => {
                import(workspace, config, what, by, error, label)
            }
        }
    }
}

fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("bad pattern {pattern:?}: {e}"))
}

fn find<'a>(state: &'a [(String, Value)], address: &str) -> &'a Value {
    state
        .iter()
        .find(|(a, _)| a == address)
        .map(|(_, v)| v)
        .unwrap_or_else(|| {
            let present: Vec<_> = state.iter().map(|(a, _)| a.as_str()).collect();
            panic!("{address} is not in the state; it holds {present:?}")
        })
}

/// `plan -out=tfplan`: what it plans, and `show -json tfplan` as printed.
fn plan_to_file(
    workspace: &Workspace,
    label: &str,
    extra: &[String],
) -> (Vec<PlannedChange>, String) {
    let mut args = vec!["plan", "-input=false", "-out=tfplan"];
    args.extend(extra.iter().map(String::as_str));
    let run = workspace.run(&args);
    assert_eq!(run.code, 0, "{label}: plan failed:\n{}", run.output());
    let shown = workspace.ok(&["show", "-json", "tfplan"]).stdout;
    (json::planned_changes(&shown), shown)
}

fn check_action(planned: &[PlannedChange], address: &str, action: Action, label: &str) {
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
fn warns(workspace: &Workspace, pattern: &Regex) -> bool {
    let run = workspace.run(&["validate", "-json"]);
    json::validate_diagnostics(&run.stdout)
        .iter()
        .any(|d| d.severity == "warning" && pattern.is_match(&d.text()))
}

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

/// Imports into a sibling working directory (fresh state, same gateway and provider)
/// and compares with what the case's own state holds.
fn import(
    workspace: &Workspace,
    config: &str,
    what: ImportTargets,
    by: ImportBy,
    error: Option<Regex>,
    label: &str,
) {
    // Read once: each `show -json` is a terraform process.
    let created = workspace.state();
    let targets: Vec<(String, String)> = match what {
        ImportTargets::One { address, id } => vec![(address, id)],
        ImportTargets::All => created
            .iter()
            .map(|(address, values)| {
                let id = values["id"].as_str().unwrap_or_default().to_owned();
                (address.clone(), id)
            })
            .collect(),
    };
    assert!(!targets.is_empty(), "{label}: nothing to import");
    let fresh = workspace.sibling();
    fresh.write_config(config);
    let before = workspace.gateway().snapshot();
    let every_resource = targets.len() == created.len();

    let outcome = match by {
        ImportBy::Command => targets.iter().try_for_each(|(address, id)| {
            let run = fresh.run(&["import", "-input=false", address, id]);
            if run.code == 0 {
                Ok(())
            } else {
                Err(run)
            }
        }),
        ImportBy::Block => {
            let blocks: String = targets
                .iter()
                .map(|(address, id)| {
                    format!(
                        "import {{\n  to = {address}\n  id = {}\n}}\n",
                        hcl_string(id)
                    )
                })
                .collect();
            fresh.write_file("import.tf", &blocks);
            let run = fresh.run(&["plan", "-input=false", "-out=tfplan"]);
            if run.code == 0 {
                Ok(())
            } else {
                Err(run)
            }
        }
    };
    if let Some(pattern) = error {
        let run = match outcome {
            Ok(()) => panic!("{label}: importing {targets:?} succeeded"),
            Err(run) => run,
        };
        assert!(
            pattern.is_match(&run.output()),
            "{label}: the import error does not match {pattern}:\n{}",
            run.output()
        );
        assert_eq!(
            workspace.gateway().snapshot(),
            before,
            "{label}: a failed import changed the gateway"
        );
        assert!(
            fresh.state().is_empty(),
            "{label}: a failed import left state behind"
        );
        return;
    }
    if let Err(run) = outcome {
        panic!("{label}: importing {targets:?} failed:\n{}", run.output());
    }

    if by == ImportBy::Block {
        // The plan imports each target and changes nothing about it.
        let planned = json::planned_changes(&fresh.ok(&["show", "-json", "tfplan"]).stdout);
        for (address, _) in &targets {
            check_action(&planned, address, Action::NoOp, label);
            let change = planned
                .iter()
                .find(|c| &c.address == address)
                .expect("checked above");
            assert!(
                change.importing,
                "{label}: the plan does not import {address}"
            );
            assert_eq!(
                comparable(change.after.clone()),
                comparable(find(&created, address).clone()),
                "{label}: the import block plans {address} differently from the created state"
            );
        }
        if !every_resource {
            // Applying would create the rest of the configuration a second time.
            return;
        }
        let run = fresh.ok(&["apply", "-input=false", "tfplan"]);
        let summary = format!(
            "{} imported, 0 added, 0 changed, 0 destroyed",
            targets.len()
        );
        assert!(
            run.stdout.contains(&summary),
            "{label}: expected `{summary}`:\n{}",
            run.stdout
        );
        fresh.remove_file("tfplan");
        fresh.remove_file("import.tf");
    }
    let imported = fresh.state();
    for (address, _) in &targets {
        assert_eq!(
            comparable(find(&imported, address).clone()),
            comparable(find(&created, address).clone()),
            "{label}: the imported state of {address} differs from the created one"
        );
    }
    assert_eq!(
        workspace.gateway().snapshot(),
        before,
        "{label}: importing changed the gateway"
    );
    if every_resource {
        fresh.assert_plan_empty(&format!("{label}, after import"));
    } else {
        let (planned, _) = plan_to_file(&fresh, label, &[]);
        for (address, _) in &targets {
            check_action(&planned, address, Action::NoOp, label);
        }
        fresh.remove_file("tfplan");
    }
}

/// Import cannot know write-only values or their version: they are left out of the
/// comparison, as terraform-plugin-testing's `ImportStateVerifyIgnore` would.
fn comparable(mut values: Value) -> Value {
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
