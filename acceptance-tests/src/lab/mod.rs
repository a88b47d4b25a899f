//! The `strongswan` engine through the real `terraform` CLI on the live lab
//! ([`ipsec_test_support::lab`]: `hostA ── gwA ══ wan ══ gwB ── hostB/custB`, one charon
//! per gateway).
//!
//! A [`LabWorkspace`] is a lab and a terraform [`Workspace`] whose provider blocks point
//! at the lab's gateways (their VICI sockets and network namespaces, a `config_dir` per
//! gateway inside the working directory); [`config`] holds the HCL of both ends of one
//! tunnel and [`checks`] what the tests look at on the gateways. [`run_lab_suite`] runs
//! a lab test binary.
//!
//! Needs root, network namespaces, strongSwan, nftables and `terraform`;
//! `IPSEC_SKIP_SYSTEM_TESTS=1` skips the tests.

pub mod checks;
pub mod config;

use std::path::PathBuf;

use ipsec_test_support::lab::{skip_system_tests, Lab};

use crate::provider::ProviderMode;
use crate::terraform::{self, Run};
use crate::workspace::Workspace;

use self::checks::{observe_nat, wait_for_tunnel};
use self::config::{both_ends, Ends, PSK};

/// Lab tests run at once: each builds five namespaces and two charons, and a 2-core
/// machine keeps two of them within their timeouts.
pub const LAB_THREADS: usize = 2;

/// Runs a lab test binary's tests with libtest's command line, [`LAB_THREADS`] at once
/// unless told otherwise, and exits. Unlike [`crate::run_suite`] it does not require
/// `terraform` when system tests are switched off, since then no test runs it.
pub fn run_lab_suite(tests: Vec<libtest_mimic::Trial>) -> ! {
    let mut args = libtest_mimic::Arguments::from_args();
    if !args.list && !skip_system_tests() {
        terraform::binary();
    }
    args.test_threads.get_or_insert(LAB_THREADS);
    libtest_mimic::run(&args, tests).exit()
}

/// A lab and a terraform working directory for it. Every terraform run is checked for
/// the pre-shared key; a failed run shows terraform's output with the lab's SAs and
/// charon logs. Dropped at the end of the test: the working directory and its provider
/// go first, then the lab (`scripts/lab down`).
pub struct LabWorkspace {
    workspace: Workspace,
    key: &'static str,
    /// The lab the configuration points at.
    pub lab: Lab,
}

impl LabWorkspace {
    /// A lab named after `name` and a working directory whose provider runs as `mode`;
    /// `key` is the pre-shared key that terraform must never print.
    pub fn new(name: &str, mode: ProviderMode, key: &'static str) -> Self {
        Self::on(Lab::up(name), mode, key)
    }

    /// Like [`LabWorkspace::new`], on a lab whose gwB sits behind a masquerading NAT
    /// ([`Lab::up_behind_nat`]).
    pub fn behind_nat(name: &str, mode: ProviderMode, key: &'static str) -> Self {
        Self::on(Lab::up_behind_nat(name), mode, key)
    }

    fn on(lab: Lab, mode: ProviderMode, key: &'static str) -> Self {
        Self {
            workspace: Workspace::new(mode),
            key,
            lab,
        }
    }

    /// The working directory.
    pub fn workspace(&self) -> &Workspace {
        &self.workspace
    }

    /// A gateway's `config_dir`: `<working directory>/<gw>`.
    pub fn config_dir(&self, gw: &str) -> PathBuf {
        self.workspace.path().join(gw)
    }

    /// Writes `main.tf` (with the provider requirements added), whose provider blocks
    /// come from [`config::provider_block`].
    pub fn write_config(&self, hcl: &str) {
        self.workspace.write_config(hcl);
    }

    /// Writes `main.tf` with both ends of the tunnel.
    pub fn declare(&self, ends: Ends) {
        self.write_config(&both_ends(&self.lab, self.workspace.path(), ends));
    }

    /// Runs terraform, whatever the outcome; the key must not be in what it prints.
    pub fn run(&self, args: &[&str]) -> Run {
        let run = self.workspace.run(args);
        let hex: String = self.key.bytes().map(|b| format!("{b:02x}")).collect();
        let printed = run.output().to_ascii_lowercase();
        assert!(
            !printed.contains(&self.key.to_ascii_lowercase()) && !printed.contains(&hex),
            "terraform {args:?} printed the pre-shared key:\n{}",
            run.output()
        );
        run
    }

    /// Runs terraform and requires success; answers stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        self.exits_with(args, &[0]).stdout
    }

    /// `terraform apply -auto-approve`, required to succeed; answers stdout.
    pub fn apply(&self) -> String {
        self.ok(&["apply", "-input=false", "-auto-approve"])
    }

    /// `terraform plan -detailed-exitcode`: the exit code (0 or 2; anything else fails
    /// the test) and stdout.
    pub fn plan(&self) -> (i32, String) {
        let run = self.exits_with(&["plan", "-input=false", "-detailed-exitcode"], &[0, 2]);
        (run.code, run.stdout)
    }

    /// Runs terraform and requires one of `codes` as its exit code.
    fn exits_with(&self, args: &[&str], codes: &[i32]) -> Run {
        let run = self.run(args);
        assert!(
            codes.contains(&run.code),
            "terraform {args:?} failed ({}):\n{}\n{}",
            run.code,
            run.output(),
            self.lab.report()
        );
        run
    }

    /// Requires an empty plan (exit code 0).
    pub fn converged(&self, after: &str) {
        let (code, plan) = self.plan();
        assert_eq!(
            code,
            0,
            "the plan after {after} is not empty:\n{plan}\n{}",
            self.lab.report()
        );
    }

    /// Requires a plan with changes (exit code 2) that contains every one of `expected`;
    /// answers the plan.
    pub fn drifted(&self, why: &str, expected: &[&str]) -> String {
        let (code, plan) = self.plan();
        assert_eq!(
            code,
            2,
            "{why}: the plan shows no changes:\n{plan}\n{}",
            self.lab.report()
        );
        // Terraform aligns the `=` of a block's attributes, so spacing depends on the
        // longest name: compared with runs of spaces as one.
        let squeeze = |text: &str| {
            text.split(' ')
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let squeezed = squeeze(&plan);
        for wanted in expected {
            assert!(
                squeezed.contains(&squeeze(wanted)),
                "{why}: no {wanted:?} in the plan:\n{plan}\n{}",
                self.lab.report()
            );
        }
        plan
    }
}

/// A lab with both ends applied ([`Ends::INITIAL`]) by the real provider binary, the
/// tunnel up and the NAT observers in place; `None` when system tests are skipped.
pub fn both_ends_up(name: &str) -> Option<LabWorkspace> {
    if skip_system_tests() {
        return None;
    }
    let rig = LabWorkspace::new(name, ProviderMode::Binary, PSK);
    observe_nat(&rig.lab);
    rig.declare(Ends::INITIAL);
    rig.apply();
    wait_for_tunnel(&rig.lab, &[]);
    Some(rig)
}
