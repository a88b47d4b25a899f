//! Acceptance tests for terraform-provider-ipsec: the real `terraform` CLI driving the
//! provider, in the manner of terraform-plugin-testing.
//!
//! A test is a [`TestCase`]: a list of [`Step`]s run in one temporary working
//! directory, each writing HCL, running terraform and checking the state (`terraform
//! show -json`), the plan and the gateway's files; after each applied step a fresh plan
//! must be empty. The provider runs inside the test process and terraform attaches to it
//! through reattach mode ([`ProviderMode::InProcess`], fast), or terraform starts the real
//! plugin binary through the go-plugin handshake with mutual TLS
//! ([`ProviderMode::Binary`]).
//!
//! The suites live in `tests/`, one binary per theme; [`run_suite`] runs a binary's
//! tests in parallel (each in its own working directory and gateway).
//!
//! Public: [`case`] (test cases and steps), [`workspace`] (a working directory wired to a
//! provider, for tests that need more than steps), [`gateway`] (the `local` engine's
//! files), [`json`] (terraform's JSON outputs), [`leaks`] (where a pre-shared key must
//! never show), [`terraform`] and [`provider`] (finding and attaching the binaries),
//! [`lab`] (the `strongswan` engine on the live two-gateway lab), [`https_mirror`] (a
//! provider network mirror over HTTPS on loopback), and [`suite!`] (a test binary's
//! `main`).

#![forbid(unsafe_code)]

pub mod case;
pub mod gateway;
pub mod https_mirror;
pub mod json;
pub mod lab;
pub mod leaks;
pub mod provider;
pub mod terraform;
pub mod workspace;

pub use case::{Action, ImportBy, Phase, Step, TestCase};
pub use gateway::Gateway;
pub use leaks::Secret;
pub use provider::ProviderMode;
pub use workspace::{Workspace, CONFIG_DIR};

/// Default number of tests run at once. Most of a test's time is spent waiting for
/// terraform processes, so a 2-core machine keeps up with more than two.
pub const DEFAULT_THREADS: usize = 6;

/// One named test of a suite.
pub fn test(name: &str, body: fn()) -> libtest_mimic::Trial {
    libtest_mimic::Trial::test(name, move || {
        body();
        Ok(())
    })
}

/// Runs a suite's tests with libtest's command line (`--test-threads`, filters,
/// `--list`…), [`DEFAULT_THREADS`] at once unless told otherwise, and exits.
pub fn run_suite(tests: Vec<libtest_mimic::Trial>) -> ! {
    let mut args = libtest_mimic::Arguments::from_args();
    if !args.list {
        // Fail once, with the message saying how to point at terraform, rather than in
        // every test.
        terraform::binary();
    }
    if args.test_threads.is_none() {
        args.test_threads = Some(DEFAULT_THREADS);
    }
    libtest_mimic::run(&args, tests).exit()
}

/// A test binary's `main`: runs each named function as a test of that name, through
/// [`run_suite`].
///
/// ```text
/// acceptance_tests::suite![first_test, second_test];
/// ```
#[macro_export]
macro_rules! suite {
    ($($test:ident),+ $(,)?) => {
        fn main() {
            $crate::run_suite(vec![$($crate::test(stringify!($test), $test)),+]);
        }
    };
}
