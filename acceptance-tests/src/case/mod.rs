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
//! A case or a step may watch for pre-shared keys ([`TestCase::no_leak_of`],
//! [`Step::no_leak_of`]): no command's output, no line of Terraform's trace log and no
//! file may hold them where the design does not put them (see [`crate::leaks`]).
//!
//! The parts: `step` (the builder), `run` (apply and drift steps), `diagnostics` (steps
//! that expect an error), `import` (import steps), `checks` (what they share).

mod checks;
mod diagnostics;
mod import;
mod run;
mod step;

pub use checks::hcl_string;
pub use step::{Hook, Step};

use crate::leaks::Secret;
use crate::provider::ProviderMode;
use crate::workspace::Workspace;

/// A list of steps run in order in one working directory.
pub struct TestCase {
    mode: ProviderMode,
    steps: Vec<Step>,
    destroy_check: bool,
    destroyed: Option<usize>,
    secrets: Vec<Secret>,
    log_variable: Option<String>,
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
            destroyed: None,
            secrets: Vec::new(),
            log_variable: None,
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

    /// The final destroy must say that it destroyed `count` resources.
    pub fn destroys(mut self, count: usize) -> Self {
        self.destroyed = Some(count);
        self
    }

    /// In every step and the final destroy, `secret` must not leak: see
    /// [`Step::no_leak_of`].
    pub fn no_leak_of(mut self, secret: Secret) -> Self {
        self.secrets.push(secret);
        self
    }

    /// Every command writes Terraform's log into the working directory's
    /// `terraform.log`, at `TRACE` for `variable` (`TF_LOG`, or `TF_LOG_PROVIDER` for
    /// the provider's lines only); [`Step::check_log`] reads it. A case that watches for
    /// keys logs with `TF_LOG` unless told otherwise.
    pub fn trace_log(mut self, variable: &str) -> Self {
        self.log_variable = Some(variable.into());
        self
    }

    /// Runs every step, then destroys and checks that the gateway is empty.
    pub fn run(mut self) {
        let workspace = Workspace::new(self.mode);
        if let Some(variable) = &self.log_variable {
            workspace.trace_log(variable);
        }
        let mut config = String::new();
        for (index, step) in std::mem::take(&mut self.steps).into_iter().enumerate() {
            let label = format!("step {}", index + 1);
            if let Some(next) = step.configuration() {
                config = next.to_owned();
            }
            assert!(!config.is_empty(), "{label} has no configuration");
            workspace.write_config(&config);
            workspace.watch_for_leaks(&[self.secrets.as_slice(), step.secrets()].concat());
            step.run(&workspace, &config, &label);
            workspace.assert_no_leaks();
        }
        if self.destroy_check {
            self.destroy(&workspace);
        }
    }

    fn destroy(&self, workspace: &Workspace) {
        workspace.watch_for_leaks(&self.secrets);
        let run = workspace.ok(&["destroy", "-auto-approve", "-input=false"]);
        if let Some(count) = self.destroyed {
            let summary = format!("Resources: {count} destroyed");
            assert!(
                run.stdout.contains(&summary),
                "destroy does not say `{summary}`:\n{}",
                run.stdout
            );
        }
        workspace.gateway().assert_empty();
        let left = workspace.state();
        assert!(left.is_empty(), "destroy left {left:?} in the state");
        workspace.assert_no_leaks();
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
