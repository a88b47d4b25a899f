//! A terraform working directory wired to a provider and a `local` gateway.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::gateway::Gateway;
use crate::leaks::{self, Secret};
use crate::provider::{Attached, ProviderMode};
use crate::terraform::{self, Run};

/// Terraform's log in a working directory whose commands are traced.
const LOG_FILE: &str = "terraform.log";

/// Placeholder in a configuration that carries its own `provider "ipsec"` block; replaced
/// by the absolute path of the test's gateway directory.
pub const CONFIG_DIR: &str = "@CONFIG_DIR@";

/// A temporary terraform working directory, its provider and its gateway directory.
/// Everything is removed when it is dropped.
pub struct Workspace {
    dir: tempfile::TempDir,
    gateway: Gateway,
    provider: Arc<Attached>,
    mode: ProviderMode,
    initialized: std::sync::atomic::AtomicBool,
    /// The keys every command's output and every file are checked for.
    secrets: Mutex<Vec<Secret>>,
    /// The variable set to `TRACE` for Terraform's log, when one was chosen.
    log_variable: Mutex<Option<String>>,
}

impl Workspace {
    /// A new working directory with a gateway directory of its own.
    pub fn new(mode: ProviderMode) -> Self {
        let dir = tempfile::tempdir().expect("a temporary working directory");
        let gateway = Gateway::new(dir.path().join("gateway"));
        Self::assemble(dir, gateway, Arc::new(Attached::start(mode)), mode)
    }

    /// Another working directory (its own state) on the same gateway and provider, as a
    /// second team or a second checkout of the same repository would have. It watches
    /// for the same keys and keeps the same log.
    pub fn sibling(&self) -> Self {
        let dir = tempfile::tempdir().expect("a temporary working directory");
        let sibling = Self::assemble(
            dir,
            self.gateway.clone(),
            Arc::clone(&self.provider),
            self.mode,
        );
        sibling.watch_for_leaks(&self.secrets());
        *lock(&sibling.log_variable) = lock(&self.log_variable).clone();
        sibling
    }

    fn assemble(
        dir: tempfile::TempDir,
        gateway: Gateway,
        provider: Arc<Attached>,
        mode: ProviderMode,
    ) -> Self {
        // An empty CLI configuration: the developer's ~/.terraformrc must not matter.
        std::fs::write(dir.path().join("terraformrc"), "").expect("CLI configuration");
        Self {
            dir,
            gateway,
            provider,
            mode,
            initialized: std::sync::atomic::AtomicBool::new(false),
            secrets: Mutex::new(Vec::new()),
            log_variable: Mutex::new(None),
        }
    }

    /// The working directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The gateway this workspace's provider writes to.
    pub fn gateway(&self) -> &Gateway {
        &self.gateway
    }

    /// Writes `main.tf`: `config` with the provider requirements and a `provider "ipsec"`
    /// block pointing at this workspace's gateway added, unless `config` brings its own
    /// (where [`CONFIG_DIR`] stands for the gateway directory).
    pub fn write_config(&self, config: &str) {
        self.write_file("main.tf", &self.complete(config));
    }

    /// Writes any file into the working directory.
    pub fn write_file(&self, name: &str, text: &str) {
        std::fs::write(self.path().join(name), text)
            .unwrap_or_else(|e| panic!("cannot write {name}: {e}"));
    }

    /// Deletes a file of the working directory if it exists.
    pub fn remove_file(&self, name: &str) {
        let _ = std::fs::remove_file(self.path().join(name));
    }

    /// `config` as [`Workspace::write_config`] writes it.
    pub fn complete(&self, config: &str) -> String {
        let root = self.gateway.root().display().to_string();
        let mut text = String::new();
        if !config.contains("required_providers") {
            text.push_str(
                "terraform {\n  required_providers {\n    ipsec = { source = \"ipsec-vpn/ipsec\" }\n  }\n}\n\n",
            );
        }
        if !config.contains("provider \"ipsec\"") {
            text.push_str(&format!(
                "provider \"ipsec\" {{\n  config_dir = \"{root}\"\n}}\n\n"
            ));
        }
        text.push_str(&config.replace(CONFIG_DIR, &root));
        text
    }

    /// Runs terraform here, whatever its outcome. The real binary needs `terraform init`,
    /// which runs once before the first command.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }

    /// [`Workspace::run`] with extra environment variables. Panics when the output
    /// holds a key the workspace watches for (see [`Workspace::watch_for_leaks`]).
    pub fn run_with(&self, args: &[&str], extra_env: &[(&str, &str)]) -> Run {
        self.ensure_initialized(args);
        let mut env = self.provider.env(&self.cli_config());
        if let Some(variable) = self.log_variable() {
            env.push((variable, "TRACE".into()));
            env.push((
                "TF_LOG_PATH".into(),
                self.path().join(LOG_FILE).display().to_string(),
            ));
        }
        env.extend(
            extra_env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        let run = terraform::run(self.path(), args, &env);
        leaks::check_run(&self.secrets(), &run);
        run
    }

    /// The environment a program that runs terraform itself here needs to reach this
    /// workspace's provider (such as `examples/ci-drift/drift-report`). A real-binary
    /// workspace is initialized first.
    pub fn terraform_env(&self) -> Vec<(String, String)> {
        self.ensure_initialized(&["env"]);
        self.provider.env(&self.cli_config())
    }

    /// Starts terraform here and returns at once (its output discarded), for a test that
    /// kills it or its provider midway. Runs `terraform init` first if needed.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        self.ensure_initialized(args);
        terraform::spawn(self.path(), args, &self.provider.env(&self.cli_config()))
    }

    /// Runs terraform and requires it to succeed.
    pub fn ok(&self, args: &[&str]) -> Run {
        self.run(args).success()
    }

    /// `terraform plan -detailed-exitcode`: `(0, output)` for no changes, `(2, output)`
    /// for changes; anything else fails the test.
    pub fn plan_exit_code(&self) -> (i32, String) {
        self.plan_exit_code_with(&[])
    }

    /// [`Workspace::plan_exit_code`] with `extra` arguments, such as `-refresh-only`.
    pub fn plan_exit_code_with(&self, extra: &[&str]) -> (i32, String) {
        let mut args = vec!["plan", "-input=false", "-detailed-exitcode"];
        args.extend_from_slice(extra);
        let run = self.run(&args);
        assert!(
            run.code == 0 || run.code == 2,
            "terraform {args:?} failed ({}):\n{}",
            run.code,
            run.output()
        );
        (run.code, run.output())
    }

    /// Requires that a fresh plan is empty.
    pub fn assert_plan_empty(&self, context: &str) {
        let (code, output) = self.plan_exit_code();
        assert_eq!(code, 0, "{context}: the plan is not empty:\n{output}");
    }

    /// The resources of the current state: address → values.
    pub fn state(&self) -> Vec<(String, serde_json::Value)> {
        crate::json::state_resources(&self.ok(&["show", "-json"]).stdout)
    }

    /// The values of one resource in the current state; panics when it is absent.
    pub fn resource(&self, address: &str) -> serde_json::Value {
        let state = self.state();
        state
            .iter()
            .find(|(a, _)| a == address)
            .map(|(_, values)| values.clone())
            .unwrap_or_else(|| {
                let present: Vec<_> = state.iter().map(|(a, _)| a.as_str()).collect();
                panic!("{address} is not in the state; it holds {present:?}")
            })
    }

    /// The raw state file, for checks that no secret was stored.
    pub fn state_file(&self) -> String {
        std::fs::read_to_string(self.path().join("terraform.tfstate")).unwrap_or_default()
    }

    /// Rewrites the state file (`terraform.tfstate`) with `edit` and increments its
    /// `serial`, as a hand edit or an older provider version would have left it (a
    /// resource instance's `schema_version` and `attributes` are what terraform hands the
    /// provider's `UpgradeResourceState`). Panics when there is no state file yet.
    pub fn edit_state_file(&self, edit: impl FnOnce(&mut serde_json::Value)) {
        let path = self.path().join("terraform.tfstate");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("no state file to edit at {}: {e}", path.display()));
        let mut state: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("terraform.tfstate is not JSON ({e}):\n{text}"));
        edit(&mut state);
        let serial = state["serial"].as_u64().unwrap_or_default();
        state["serial"] = (serial + 1).into();
        let text = serde_json::to_string_pretty(&state).expect("a state serializes");
        self.write_file("terraform.tfstate", &format!("{text}\n"));
    }

    /// The state file (`terraform.tfstate`) as JSON, with what `show -json` leaves out
    /// (each instance's `schema_version`, attributes as stored). Panics when it is absent.
    pub fn state_file_json(&self) -> serde_json::Value {
        let text = self.state_file();
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("terraform.tfstate is missing or not JSON ({e}):\n{text}"))
    }

    /// From now on, every command's output must not hold one of `secrets` (an empty list
    /// stops watching), and [`Workspace::assert_no_leaks`] looks for them in the files.
    /// While it watches, Terraform writes its trace log here (see
    /// [`Workspace::trace_log`]; `TF_LOG` unless another variable was chosen), so that
    /// the log, with the provider's own lines, is searched too.
    pub fn watch_for_leaks(&self, secrets: &[Secret]) {
        *lock(&self.secrets) = secrets.to_vec();
    }

    /// Every later command writes Terraform's log into `terraform.log` in the working
    /// directory, at `TRACE` for `variable`: `TF_LOG` for everything, `TF_LOG_PROVIDER`
    /// for the provider's lines only.
    pub fn trace_log(&self, variable: &str) {
        *lock(&self.log_variable) = Some(variable.into());
    }

    /// Terraform's log so far (see [`Workspace::trace_log`]); panics when there is none.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.path().join(LOG_FILE))
            .unwrap_or_else(|e| panic!("terraform wrote no log ({e})"))
    }

    /// Panics if a file of the working directory or the gateway holds a watched key
    /// anywhere but where the design puts it (see [`crate::leaks`]). Answers the gateway
    /// files that hold one (hex-encoded, mode 0600).
    pub fn assert_no_leaks(&self) -> Vec<PathBuf> {
        let secrets = self.secrets();
        let mut holders = leaks::check_files(&secrets, self.path());
        if !self.gateway.root().starts_with(self.path()) {
            holders.extend(leaks::check_files(&secrets, self.gateway.root()));
        }
        holders
    }

    fn secrets(&self) -> Vec<Secret> {
        lock(&self.secrets).clone()
    }

    fn log_variable(&self) -> Option<String> {
        let chosen = lock(&self.log_variable).clone();
        chosen.or_else(|| (!self.secrets().is_empty()).then(|| "TF_LOG".to_owned()))
    }

    fn cli_config(&self) -> PathBuf {
        self.path().join("terraformrc")
    }

    /// Runs `terraform init` before the first command of a real-binary workspace, unless
    /// that command is an `init` of the test's own.
    fn ensure_initialized(&self, args: &[&str]) {
        use std::sync::atomic::Ordering;
        if self.mode != ProviderMode::Binary
            || self.initialized.swap(true, Ordering::SeqCst)
            || args.first() == Some(&"init")
        {
            return;
        }
        self.ok(&["init", "-input=false"]);
    }
}

/// The lock's value even after a test panicked while holding it.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
