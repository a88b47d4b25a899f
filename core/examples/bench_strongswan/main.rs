//! Benchmark: the `strongswan` engine on a live charon against `swanctl --load-all`.
//!
//! 1. Starts a charon in a private network and mount namespace and, through the engine,
//!    creates N connections (`c0000`, …) the way a Terraform apply does: one
//!    `put_connection`, then two `create_remote_subnet`, per connection; sequentially,
//!    and (on a fresh charon and config dir) with 10 concurrent tasks ([`engine`]).
//! 2. Changes one connection's phase 2 keylife through the engine, 20 times.
//! 3. Breaks one engine operation into its steps (files, VICI commands, nft) and times
//!    each, to show where the time goes ([`steps`]).
//! 4. The anchor: the same generated files loaded by `swanctl --load-all` into a fresh
//!    charon (cold), again with everything loaded (warm), and after changing one file
//!    ([`swanctl`]).
//!
//! Figures go to stdout as JSON lines (`{"figure":…,"value":…}`), a summary to stderr
//! ([`report`]).
//!
//! `cargo run --release -p ipsec-core --example bench_strongswan` (built in
//! `CARGO_TARGET_DIR`, or cargo's default `target/`).
//!
//! Needs root, strongSwan (charon, swanctl) and nftables. `BENCH_CONNECTIONS` changes N
//! (default 1000).

mod engine;
mod measure;
mod report;
mod setup;
mod steps;
mod swanctl;

use std::process::ExitCode;

use ipsec_test_support::charon::Charon;

use self::report::Results;

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Result<T, E = BoxError> = std::result::Result<T, E>;

/// Terraform's default parallelism.
const PARALLELISM: usize = 10;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(results) => {
            results.print_figures();
            results.print_summary();
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("bench_strongswan failed: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<Results> {
    let n = setup::connections()?;
    // Dropped (namespace, charon and files removed) on every way out, panics included.
    let tmp = tempfile::Builder::new()
        .prefix("bench-strongswan-")
        .tempdir()?;
    let charon_dir = tmp.path().join("charon");
    std::fs::create_dir(&charon_dir)?;
    let mut charon = Charon::start(&charon_dir);
    let mut results = Results::new(n, PARALLELISM);
    // Other work on the host skews every figure: say how busy it was.
    results.host.loadavg_1m_at_start = measure::loadavg();

    let seq_dir = tmp.path().join("engine-seq");
    let sequential = engine::sequential(&charon, &seq_dir, n).await?;
    results.sequential = sequential.load;
    results.change_one = sequential.change_one;
    results.steps = sequential.steps;

    let par_dir = tmp.path().join("engine-par");
    results.parallel = engine::parallel(&mut charon, &par_dir, n, PARALLELISM).await?;

    let swanctl_dir = tmp.path().join("swanctl");
    results.swanctl = swanctl::anchor(&mut charon, &par_dir, &swanctl_dir, n).await?;

    results.host.loadavg_1m_at_end = measure::loadavg();
    charon.stop();
    Ok(results)
}
