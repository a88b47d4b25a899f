//! Running the real `terraform` CLI against this provider: a filesystem mirror holding
//! the freshly built binary (the real handshake, with mutual TLS), or a provider
//! already serving in debug mode (reattach).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;

/// Environment variable naming the terraform binary when it is not on `PATH`.
pub const TERRAFORM_ENV: &str = "IPSEC_TEST_TERRAFORM";

/// The terraform binary. A missing one fails the test: these tests are the proof that
/// the provider works with the real CLI, and skipping them would hide that.
pub fn terraform_binary() -> PathBuf {
    if let Some(path) = std::env::var_os(TERRAFORM_ENV) {
        return PathBuf::from(path);
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("terraform"))
            .find(|candidate| candidate.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "terraform was not found on PATH. Install Terraform 1.11 or later, or point {TERRAFORM_ENV} at the \
             binary (for example {TERRAFORM_ENV}=/usr/local/bin/terraform)."
        )
    })
}

/// A filesystem mirror with the provider built for this test run, shared by the tests
/// of one test binary, and the CLI configuration that uses it.
pub fn mirror_cli_config() -> &'static Path {
    static CONFIG: OnceLock<PathBuf> = OnceLock::new();
    CONFIG.get_or_init(|| {
        let root = std::env::temp_dir().join(format!("ipsec-tf-mirror-{}", std::process::id()));
        let version = env!("CARGO_PKG_VERSION");
        let dir = root.join(format!("registry.terraform.io/ipsec-vpn/ipsec/{version}/linux_amd64"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(
            env!("CARGO_BIN_EXE_terraform-provider-ipsec"),
            dir.join(format!("terraform-provider-ipsec_v{version}")),
        )
        .unwrap();
        let config = root.join("terraformrc");
        std::fs::write(
            &config,
            format!(
                "provider_installation {{\n  filesystem_mirror {{\n    path = \"{}\"\n    include = [\"registry.terraform.io/ipsec-vpn/ipsec\"]\n  }}\n  direct {{\n    exclude = [\"registry.terraform.io/ipsec-vpn/ipsec\"]\n  }}\n}}\n",
                root.display()
            ),
        )
        .unwrap();
        config
    })
}

/// A terraform working directory.
pub struct Workspace {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Workspace {
    /// A working directory whose provider comes from the mirror: Terraform starts it
    /// itself, through the go-plugin handshake with AutoMTLS.
    pub fn managed() -> Self {
        Self::with_env(vec![(
            "TF_CLI_CONFIG_FILE".into(),
            mirror_cli_config().display().to_string(),
        )])
    }

    /// A working directory whose provider is a debug server started in it, attached
    /// through `TF_REATTACH_PROVIDERS`.
    pub fn reattached() -> (Self, DebugProvider) {
        let mut workspace = Self::with_env(vec![(
            "TF_CLI_CONFIG_FILE".into(),
            mirror_cli_config().display().to_string(),
        )]);
        let provider = DebugProvider::start(workspace.path());
        workspace
            .env
            .push(("TF_REATTACH_PROVIDERS".into(), provider.reattach.clone()));
        (workspace, provider)
    }

    fn with_env(mut env: Vec<(String, String)>) -> Self {
        env.push(("TF_IN_AUTOMATION".into(), "1".into()));
        env.push(("CHECKPOINT_DISABLE".into(), "1".into()));
        Self {
            dir: tempfile::tempdir().unwrap(),
            env,
        }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file of the configuration.
    pub fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path().join(name), text).unwrap();
    }

    /// Runs terraform with `args` (and `-no-color`), whatever its outcome.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, &[])
    }

    /// Like [`Workspace::run`], with extra environment variables.
    pub fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut command = Command::new(terraform_binary());
        command.current_dir(self.path()).args(args).arg("-no-color");
        for (key, value) in &self.env {
            command.env(key, value);
        }
        for (key, value) in env {
            command.env(key, value);
        }
        command.output().unwrap()
    }

    /// Runs terraform and requires success; answers stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "terraform {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// `terraform plan -detailed-exitcode`: 0 for no changes, 2 for changes; anything
    /// else fails the test.
    pub fn plan_exit_code(&self) -> (i32, String) {
        let output = self.run(&["plan", "-input=false", "-detailed-exitcode"]);
        let code = output.status.code().unwrap_or(-1);
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            code == 0 || code == 2,
            "terraform plan failed ({code}):\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        (code, stdout)
    }
}

/// The provider serving in debug mode, stopped when dropped.
pub struct DebugProvider {
    child: Child,
    /// The `TF_REATTACH_PROVIDERS` value it printed.
    pub reattach: String,
}

impl DebugProvider {
    /// Starts `terraform-provider-ipsec --debug` in `dir` (a relative `config_dir` is
    /// relative to the provider's own working directory) and reads its reattach line.
    pub fn start(dir: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_terraform-provider-ipsec"))
            .arg("--debug")
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut reattach = None;
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Some(value) = line.trim().strip_prefix("TF_REATTACH_PROVIDERS=") {
                reattach = Some(value.trim_matches('\'').to_owned());
                break;
            }
        }
        let reattach = reattach.expect("the debug server printed no TF_REATTACH_PROVIDERS line");
        // Keep reading so that later output never meets a closed pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Self { child, reattach }
    }
}

impl Drop for DebugProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
