//! `terraform-provider-ipsec`: the Terraform plugin binary.
//!
//! Started by Terraform it serves the provider over go-plugin's mutual-TLS gRPC
//! ([`plugin::serve`]); started by hand with `--debug` it serves without TLS and prints
//! the `TF_REATTACH_PROVIDERS` value that points Terraform at it ([`plugin::serve_debug`]).

use std::process::ExitCode;
use std::time::Duration;

use terraform_provider_ipsec::server::IpsecProvider;
use terraform_provider_ipsec::{logging, plugin};

/// How long the runtime waits for leftover tasks (such as a blocking engine call) when
/// the server has stopped: Terraform kills a plugin that does not exit within 2 s of
/// `Shutdown`, so do not linger.
const RUNTIME_SHUTDOWN: Duration = Duration::from_millis(500);

const USAGE: &str = "\
Usage: terraform-provider-ipsec [--debug | --help | --version]

A Terraform provider plugin (ipsec-vpn/ipsec). Terraform starts it; there is no need to
run it by hand. See the README for installation.

Options:
  --debug     Serve without TLS for debugging and print the TF_REATTACH_PROVIDERS value
              to set in the shell that runs terraform. Stops on Ctrl-C.
  --help      Show this help.
  --version   Show the version.";

/// What the command line asks for.
enum Mode {
    Managed,
    Debug,
    Help,
    Version,
}

fn main() -> ExitCode {
    let mode = match parse_args(std::env::args().skip(1)) {
        Ok(mode) => mode,
        Err(arg) => {
            eprintln!("error: unknown argument {arg:?}\n\n{USAGE}");
            return ExitCode::FAILURE;
        }
    };
    match mode {
        Mode::Help => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Mode::Version => {
            println!("terraform-provider-ipsec {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Mode::Managed => logging::init_plugin_logging(),
        Mode::Debug => logging::init_debug_logging(),
    }

    // One thread: Terraform's calls are small and many, and this process shares the
    // CPUs with Terraform itself, so handing each call between worker threads cost more
    // than it gained (benchmarks). Engine work that blocks runs on tokio's blocking pool.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match mode {
            Mode::Debug => run_debug().await,
            _ => plugin::serve(IpsecProvider::default()).await,
        }
    });
    runtime.shutdown_timeout(RUNTIME_SHUTDOWN);

    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "plugin failed");
            eprintln!("error: {e}");
            if let Some(hint) = e.hint() {
                eprintln!("\n{hint}");
            }
            ExitCode::FAILURE
        }
    }
}

/// Serves in debug mode until SIGINT or SIGTERM.
async fn run_debug() -> Result<(), plugin::ServeError> {
    let server =
        plugin::serve_debug(IpsecProvider::default(), plugin::DebugConfig::default()).await?;
    println!(
        "terraform-provider-ipsec {} is running in debug mode.\n\
         To use it, set this variable in the shell where you run terraform:\n\n\
         {}\n\n\
         It keeps serving across terraform runs. Stop it with Ctrl-C.",
        env!("CARGO_PKG_VERSION"),
        server.reattach_line(),
    );
    tracing::info!(socket = %server.socket_path().display(), "debug server listening");
    plugin::stop_signal().await?;
    tracing::info!("stopping the debug server");
    server.shutdown().await
}

/// Reads the command line; the unknown argument is the error.
fn parse_args(args: impl Iterator<Item = String>) -> Result<Mode, String> {
    let mut mode = Mode::Managed;
    for arg in args {
        mode = match arg.as_str() {
            "--debug" | "-debug" => Mode::Debug,
            "--help" | "-h" | "-help" => return Ok(Mode::Help),
            "--version" | "-version" => return Ok(Mode::Version),
            _ => return Err(arg),
        };
    }
    Ok(mode)
}
