//! How a test's terraform reaches the provider: a debug server inside this test process
//! (reattach mode, fast) or the real plugin binary that Terraform starts itself through
//! the go-plugin handshake with mutual TLS.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use terraform_provider_ipsec::plugin::{self, DebugConfig, DebugServer};
use terraform_provider_ipsec::server::IpsecProvider;

/// Environment variable naming a prebuilt provider binary for the tests that run the
/// real plugin; without it the harness builds the workspace's own.
pub const PROVIDER_BINARY_ENV: &str = "IPSEC_TEST_PROVIDER_BINARY";

/// Which provider a working directory uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderMode {
    /// A debug server in this process, attached through `TF_REATTACH_PROVIDERS`.
    InProcess,
    /// The real `terraform-provider-ipsec` binary from a filesystem mirror, started by
    /// Terraform with the real handshake and AutoMTLS. Needs `terraform init`.
    Binary,
}

/// A provider serving one working directory; stops when dropped.
pub struct Attached(Serving);

enum Serving {
    /// The in-process debug server and its `TF_REATTACH_PROVIDERS` value.
    InProcess(Option<DebugServer>),
    /// Terraform starts the binary itself.
    Binary,
}

impl Attached {
    /// Starts what `mode` needs.
    pub fn start(mode: ProviderMode) -> Self {
        match mode {
            ProviderMode::InProcess => {
                let server = runtime()
                    .block_on(plugin::serve_debug(
                        IpsecProvider::default(),
                        DebugConfig::default(),
                    ))
                    .expect("the in-process debug server starts");
                Self(Serving::InProcess(Some(server)))
            }
            ProviderMode::Binary => Self(Serving::Binary),
        }
    }

    /// The environment terraform needs to find this provider.
    pub fn env(&self, cli_config: &Path) -> Vec<(String, String)> {
        match &self.0 {
            Serving::InProcess(server) => vec![
                (
                    "TF_REATTACH_PROVIDERS".into(),
                    server
                        .as_ref()
                        .map(|s| s.reattach_providers().to_owned())
                        .unwrap_or_default(),
                ),
                (
                    "TF_CLI_CONFIG_FILE".into(),
                    cli_config.display().to_string(),
                ),
            ],
            Serving::Binary => vec![(
                "TF_CLI_CONFIG_FILE".into(),
                mirror_cli_config().display().to_string(),
            )],
        }
    }
}

impl Drop for Attached {
    fn drop(&mut self) {
        if let Serving::InProcess(server) = &mut self.0 {
            let server = server.take();
            // Wait for the socket to go, so that no test leaves files behind.
            if let Some(server) = server {
                let _ = runtime().block_on(server.shutdown());
            }
        }
    }
}

/// The runtime that serves every in-process provider of this test binary.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime for the in-process providers")
    })
}

/// The provider binary under test: `IPSEC_TEST_PROVIDER_BINARY`, or the workspace's own,
/// brought up to date once per test process.
pub fn provider_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        if let Some(path) = std::env::var_os(PROVIDER_BINARY_ENV) {
            return PathBuf::from(path);
        }
        // The same command line as the README's test run, so that under `cargo test
        // --workspace` this finds everything built and returns at once, and alone it
        // never leaves a stale binary in place.
        let status = Command::new(env!("CARGO"))
            .args(["test", "--workspace", "--locked", "--no-run", "--quiet"])
            .current_dir(workspace_root())
            .status()
            .expect("cargo runs");
        assert!(
            status.success(),
            "cannot build terraform-provider-ipsec; set {PROVIDER_BINARY_ENV} to a built binary"
        );
        let binary = target_dir().join("debug/terraform-provider-ipsec");
        assert!(binary.is_file(), "{} was not built", binary.display());
        binary
    })
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("acceptance-tests lives in the workspace")
        .to_owned()
}

/// A filesystem mirror holding [`provider_binary`] (under the target directory, so it
/// is rebuilt by each test process and removed by `cargo clean`), and the CLI
/// configuration that takes `ipsec-vpn/ipsec` from it.
pub fn mirror_cli_config() -> &'static Path {
    static CONFIG: OnceLock<PathBuf> = OnceLock::new();
    CONFIG.get_or_init(|| {
        let root = target_dir().join("acceptance-mirror");
        let version = env!("CARGO_PKG_VERSION");
        let arch = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            other => other,
        };
        let dir = root.join(format!(
            "registry.terraform.io/ipsec-vpn/ipsec/{version}/linux_{arch}"
        ));
        std::fs::create_dir_all(&dir).expect("mirror directory");
        std::fs::copy(
            provider_binary(),
            dir.join(format!("terraform-provider-ipsec_v{version}")),
        )
        .expect("provider copied into the mirror");
        let config = root.join("terraformrc");
        std::fs::write(
            &config,
            format!(
                "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/ipsec-vpn/ipsec\"]\n  }}\n  direct {{\n    exclude = [\"registry.terraform.io/ipsec-vpn/ipsec\"]\n  }}\n}}\n",
                root.display()
            ),
        )
        .expect("mirror CLI configuration");
        config
    })
}
