//! What the tests of terraform-provider-ipsec share, in one crate rather than in files
//! each test binary includes: [`inputs`] (the seed's classic connection, NAT and key, and
//! helpers to build and compare gateways), [`charon`] (one charon in a private network
//! and mount namespace) [`lab`] (two strongSwan gateways with hosts behind them, in
//! network namespaces) and [`log_capture`] (what a test's thread logs, for checks that a
//! key never shows and that engine actions are logged).
//!
//! [`charon`] and [`lab`] need root, network namespaces and Debian's strongSwan;
//! [`skip_system_tests`] is how a test steps aside on a machine without them.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod charon;
pub mod inputs;
pub mod lab;
pub mod log_capture;

/// Whether system tests are switched off (`IPSEC_SKIP_SYSTEM_TESTS=1`), saying so.
pub fn skip_system_tests() -> bool {
    let skip = std::env::var_os("IPSEC_SKIP_SYSTEM_TESTS").is_some();
    if skip {
        eprintln!("skipped: IPSEC_SKIP_SYSTEM_TESTS is set");
    }
    skip
}
