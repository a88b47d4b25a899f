//! The real `terraform` CLI: finding it, and running it in a working directory.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;

/// Environment variable naming the terraform binary when it is not on `PATH`.
pub const TERRAFORM_ENV: &str = "IPSEC_TEST_TERRAFORM";

/// The terraform binary. A missing one fails the suite with a message saying how to point
/// at one: these tests are the proof that the provider works with the real CLI, and a
/// skip would hide that.
pub fn binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        if let Some(path) = std::env::var_os(TERRAFORM_ENV) {
            let path = PathBuf::from(path);
            assert!(
                path.is_file(),
                "{TERRAFORM_ENV}={} is not a file. Point it at a Terraform 1.11 (or later) binary.",
                path.display()
            );
            return path;
        }
        std::env::var_os("PATH")
            .and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|dir| dir.join("terraform"))
                    .find(|candidate| candidate.is_file())
            })
            .unwrap_or_else(|| {
                panic!(
                    "terraform was not found on PATH. Install Terraform 1.11 or later, or point \
                     {TERRAFORM_ENV} at the binary, for example \
                     {TERRAFORM_ENV}=/usr/local/bin/terraform cargo test -p acceptance-tests"
                )
            })
    })
}

/// What one terraform run printed and how it ended.
#[derive(Debug)]
pub struct Run {
    /// The command line, for messages.
    pub args: Vec<String>,
    /// The exit code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    fn from_output(args: &[&str], output: Output) -> Self {
        Self {
            args: args.iter().map(|a| a.to_string()).collect(),
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Both streams, for assertions about everything a user saw.
    pub fn output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// Panics with everything terraform printed unless it exited 0.
    pub fn success(self) -> Self {
        assert_eq!(
            self.code,
            0,
            "terraform {:?} failed:\n{}",
            self.args,
            self.output()
        );
        self
    }
}

/// Runs terraform in `dir` with `args` (plus `-no-color` where the command takes it) and
/// the given environment, whatever its outcome.
pub fn run(dir: &Path, args: &[&str], env: &[(String, String)]) -> Run {
    let output = command(dir, args, env)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary().display()));
    Run::from_output(args, output)
}

/// Starts terraform as [`run`] would run it, its output discarded, and returns at once:
/// for tests that kill it, or the provider it starts, midway.
pub fn spawn(dir: &Path, args: &[&str], env: &[(String, String)]) -> Child {
    command(dir, args, env)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary().display()))
}

/// The command line and environment of a terraform run.
fn command(dir: &Path, args: &[&str], env: &[(String, String)]) -> Command {
    let mut command = Command::new(binary());
    // Flags go right after the subcommand: Go's flag parsing stops at the first
    // positional argument (`import ADDR ID`).
    let subcommand = if args.first() == Some(&"state") { 2 } else { 1 };
    let (words, rest) = args.split_at(subcommand.min(args.len()));
    command
        .current_dir(dir)
        .args(words)
        .arg("-no-color")
        .args(rest);
    // Terraform reads ~/.terraformrc and a few variables of the caller's shell; a test
    // must not depend on them.
    for inherited in [
        "TF_LOG",
        "TF_LOG_PATH",
        "TF_LOG_PROVIDER",
        "TF_LOG_CORE",
        "TF_DATA_DIR",
    ] {
        command.env_remove(inherited);
    }
    command.env("TF_IN_AUTOMATION", "1");
    command.env("CHECKPOINT_DISABLE", "1");
    command.env("TF_INPUT", "0");
    for (key, value) in env {
        command.env(key, value);
    }
    command
}
