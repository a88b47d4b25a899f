//! `terraform-provider-ipsec`: the Terraform plugin binary.
//!
//! The tfplugin6 server arrives with the provider issue. Until then the binary only
//! recognises how it was started: by hand it explains what it is; started by Terraform
//! it says that this build cannot serve yet. Either way it exits non-zero.

use std::process::ExitCode;

/// The go-plugin magic cookie Terraform sets for its providers.
const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
const MAGIC_COOKIE_VALUE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

fn main() -> ExitCode {
    if std::env::var(MAGIC_COOKIE_KEY).as_deref() != Ok(MAGIC_COOKIE_VALUE) {
        eprintln!(
            "This binary is a plugin for Terraform (provider ipsec-vpn/ipsec) and is not meant to be run \
             directly.\nInstall it as described in the README and run `terraform init` instead."
        );
        return ExitCode::FAILURE;
    }
    eprintln!(
        "terraform-provider-ipsec {}: this build has no plugin server yet; see the provider issue.",
        env!("CARGO_PKG_VERSION")
    );
    ExitCode::FAILURE
}
