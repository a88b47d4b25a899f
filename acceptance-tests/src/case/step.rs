//! The [`Step`] builder: what a step writes, does first, expects and checks.

use regex::Regex;
use serde_json::Value;

use super::checks::{find, regex};
use super::{Action, ImportBy, Phase};
use crate::gateway::Gateway;
use crate::json::{self, Diagnostic};
use crate::leaks::Secret;

/// A hand edit or any other work done before a step runs terraform.
pub type Hook = Box<dyn FnOnce(&Gateway) + Send>;
pub(super) type GatewayCheck = Box<dyn FnOnce(&Gateway) + Send>;
pub(super) type StateCheck = Box<dyn FnOnce(&[(String, Value)]) + Send>;
pub(super) type StateEdit = Box<dyn FnOnce(&mut Value) + Send>;
pub(super) type StateFileCheck = Box<dyn FnOnce(&Value) + Send>;
pub(super) type DiagnosticsCheck = Box<dyn FnOnce(&[Diagnostic]) + Send>;
pub(super) type PlanCheck = Box<dyn FnOnce(&Value) + Send>;
pub(super) type LogCheck = Box<dyn FnOnce(&str) + Send>;

pub(super) enum Expectation {
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

pub(super) enum ImportTargets {
    One { address: String, id: String },
    All,
}

/// One step of a [`TestCase`](super::TestCase).
pub struct Step {
    pub(super) config: Option<String>,
    pub(super) before: Option<Hook>,
    pub(super) state_edit: Option<StateEdit>,
    pub(super) expectation: Expectation,
    pub(super) plan_checks: Vec<(String, Action)>,
    pub(super) unknown_checks: Vec<(String, String)>,
    pub(super) raw_plan_checks: Vec<PlanCheck>,
    pub(super) state_checks: Vec<StateCheck>,
    pub(super) state_file_checks: Vec<StateFileCheck>,
    pub(super) gateway_checks: Vec<GatewayCheck>,
    pub(super) diagnostics_checks: Vec<DiagnosticsCheck>,
    pub(super) log_checks: Vec<LogCheck>,
    pub(super) warnings: Vec<Regex>,
    pub(super) shown: Vec<Regex>,
    pub(super) apply_args: Vec<String>,
    pub(super) plan_args: Vec<String>,
    pub(super) commands_first: Vec<Vec<String>>,
    pub(super) secrets: Vec<Secret>,
    pub(super) expect_non_empty_plan: bool,
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
            log_checks: Vec::new(),
            warnings: Vec::new(),
            shown: Vec::new(),
            apply_args: Vec::new(),
            plan_args: Vec::new(),
            commands_first: Vec::new(),
            secrets: Vec::new(),
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

    /// The output of the step's plan and apply together (what `terraform apply` without
    /// a saved plan prints) must match `pattern`, such as `4 added, 0 changed`.
    pub fn shows(mut self, pattern: &str) -> Self {
        assert!(
            matches!(self.expectation, Expectation::Apply),
            "`shows` belongs to a step that applies"
        );
        self.shown.push(regex(pattern));
        self
    }

    /// After the step, `check` sees Terraform's log (see
    /// [`TestCase::trace_log`](super::TestCase::trace_log)).
    pub fn check_log(mut self, check: impl FnOnce(&str) + Send + 'static) -> Self {
        self.log_checks.push(Box::new(check));
        self
    }

    /// `secret` must not leak in this step: no command's output (`show -json` aside),
    /// no line of Terraform's trace log (each command runs with `TF_LOG=TRACE` into
    /// `terraform.log`) and no file of the working directory or the gateway holds the
    /// key, in clear or hex-encoded, except the configuration, the gateway's 0600
    /// swanctl file (hex only) and, for a [`Secret::stored`] key, the state's
    /// `preshared_key`.
    pub fn no_leak_of(mut self, secret: Secret) -> Self {
        self.secrets.push(secret);
        self
    }

    /// The configuration the step writes, if it brings one.
    pub(super) fn configuration(&self) -> Option<&str> {
        self.config.as_deref()
    }

    /// The keys the step watches for.
    pub(super) fn secrets(&self) -> &[Secret] {
        &self.secrets
    }
}
