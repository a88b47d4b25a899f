//! The go-plugin transport: how Terraform starts, finds, authenticates and stops this
//! provider.
//!
//! Two ways to serve a [`Provider`]:
//! - [`serve`] (managed mode, what `terraform` uses): checks the magic cookie, negotiates
//!   protocol 6, generates a one-time server certificate, listens on a private unix
//!   socket, prints the handshake line `1|6|unix|<socket>|grpc|<cert>` on stdout and
//!   serves strictly over mutual TLS until Terraform calls `GRPCController.Shutdown`,
//!   the process gets SIGTERM, or the process that started it is gone. SIGINT is ignored, as go-plugin does: Ctrl-C reaches the
//!   whole process group, and Terraform itself turns it into `StopProvider` and a clean
//!   shutdown.
//! - [`serve_debug`] (`--debug`): plain gRPC on a unix socket, announced through a
//!   `TF_REATTACH_PROVIDERS` value; keeps serving across Terraform runs (Shutdown is
//!   ignored) until the [`DebugServer`] is stopped.
//!
//! Both register the provider, `plugin.GRPCController`, `plugin.GRPCStdio` and the gRPC
//! health service reporting `plugin` as serving.

mod connection;
mod controller;
mod handshake;
mod parent;
mod reattach;
mod socket;
mod stdio;
mod tls;

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::signal::unix::{signal, SignalKind};
use tokio::task::JoinHandle;
use tokio_stream::wrappers::UnixListenerStream;
use tokio_stream::{Stream, StreamExt};
use tokio_util::sync::CancellationToken;
use tonic::transport::server::{Connected, Router};
use tonic::transport::Server;
use tonic_health::ServingStatus;

use crate::proto::plugin::grpc_controller_server::GrpcControllerServer;
use crate::proto::plugin::grpc_stdio_server::GrpcStdioServer;
use crate::proto::tfplugin6::provider_server::{Provider, ProviderServer};
use connection::Conn;
use controller::{Controller, OnShutdown};
use socket::BoundSocket;
use stdio::Stdio;

pub use connection::ConnectionId;
pub use handshake::{
    LaunchEnv, APP_PROTOCOL_VERSION, CLIENT_CERT_KEY, CORE_PROTOCOL_VERSION, MAGIC_COOKIE_KEY,
    MAGIC_COOKIE_VALUE, PROTOCOL_VERSIONS_KEY, UNIX_SOCKET_DIR_KEY,
};

/// The provider's source address, as Terraform keys it in `TF_REATTACH_PROVIDERS`.
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/ipsec-vpn/ipsec";

/// The service name go-plugin's health check asks about.
const HEALTH_SERVICE_NAME: &str = "plugin";
/// Largest gRPC message accepted or sent. tonic's default (4 MiB) is too small for the
/// state and plans of a large configuration; a refused message would fail the run.
const MAX_MESSAGE_SIZE: usize = 256 * 1024 * 1024;
/// After a stop request, how long open connections get to finish before the server
/// returns anyway: go-plugin kills a plugin that has not exited 2 s after `Shutdown`.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// Why the plugin could not be served.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// `TF_PLUGIN_MAGIC_COOKIE` is missing or wrong: a person started the binary.
    #[error("not started by Terraform: {MAGIC_COOKIE_KEY} is missing or wrong")]
    NotLaunchedByTerraform,
    /// The host does not speak protocol 6.
    #[error(
        "Terraform offered plugin protocol versions {offered:?}, but this provider speaks only version 6"
    )]
    UnsupportedProtocol {
        /// The value of `PLUGIN_PROTOCOL_VERSIONS`.
        offered: String,
    },
    /// No `PLUGIN_CLIENT_CERT`: the host did not ask for mutual TLS, which we require.
    #[error("no client certificate in {CLIENT_CERT_KEY}: this provider serves Terraform only over mutual TLS")]
    NoClientCertificate,
    /// `PLUGIN_CLIENT_CERT` holds no readable PEM certificate.
    #[error("the client certificate in {CLIENT_CERT_KEY} is not a PEM certificate: {0}")]
    InvalidClientCertificate(String),
    /// Generating the one-time server certificate failed.
    #[error("generating the server certificate failed: {0}")]
    Certificate(#[from] rcgen::Error),
    /// Building the TLS configuration failed.
    #[error("setting up TLS failed: {0}")]
    Tls(#[from] rustls::Error),
    /// Creating or binding the unix socket failed.
    #[error("cannot listen on unix socket {}: {source}", path.display())]
    Socket {
        /// The socket or directory concerned.
        path: PathBuf,
        /// What the OS said.
        source: io::Error,
    },
    /// Writing the handshake line to stdout failed (Terraform went away).
    #[error("writing the handshake line to stdout failed: {0}")]
    Handshake(#[source] io::Error),
    /// Installing the signal handlers failed.
    #[error("installing signal handlers failed: {0}")]
    Signal(#[source] io::Error),
    /// The gRPC server failed.
    #[error("gRPC server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
    /// The task running a debug server panicked or was aborted.
    #[error("the plugin server task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl ServeError {
    /// What a person should do about this error, if there is something to say.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Self::NotLaunchedByTerraform => Some(
                "This program is a Terraform provider plugin (ipsec-vpn/ipsec) and is not meant to be \
                 run by hand.\nInstall it as the README describes and run `terraform init`; Terraform \
                 starts it when needed.\nTo debug it, run it with `--debug` and follow the \
                 instructions it prints.",
            ),
            Self::UnsupportedProtocol { .. } => Some(
                "Plugin protocol 6 needs Terraform 1.0 or later; this provider is tested with \
                 Terraform 1.11.",
            ),
            Self::NoClientCertificate => Some(
                "Terraform passes a one-time client certificate unless TF_DISABLE_PLUGIN_TLS is set: \
                 unset it.\nTo talk to the provider without TLS while debugging, start it with \
                 `--debug` and use the TF_REATTACH_PROVIDERS value it prints.",
            ),
            _ => None,
        }
    }
}

/// Serves `provider` to the Terraform process that started this one (managed mode).
///
/// Reads the go-plugin environment, prints the handshake line on stdout and returns
/// `Ok(())` after `GRPCController.Shutdown`, SIGTERM or the end of the parent process
/// (checked every second), once the socket is removed.
/// Errors that a person can fix carry a [`ServeError::hint`].
pub async fn serve<P: Provider>(provider: P) -> Result<(), ServeError> {
    let env = LaunchEnv::from_process();
    let stop = CancellationToken::new();
    stop_on_sigterm_ignore_sigint(stop.clone())?;
    parent::stop_when_orphaned(stop.clone());
    serve_managed(env, provider, io::stdout(), stop).await
}

/// [`serve`] with the environment, the handshake output and the stop signal given:
/// the whole managed mode without touching the process's environment or stdout.
pub async fn serve_managed<P, W>(
    env: LaunchEnv,
    provider: P,
    mut handshake_out: W,
    stop: CancellationToken,
) -> Result<(), ServeError>
where
    P: Provider,
    W: Write + Send,
{
    handshake::check_cookie(env.magic_cookie.as_deref())?;
    handshake::negotiate_version(env.protocol_versions.as_deref())?;
    let client_pem = env
        .client_cert_pem
        .as_deref()
        .ok_or(ServeError::NoClientCertificate)?;
    let client_cert = tls::parse_client_cert(client_pem)?;
    let identity = tls::ServerIdentity::generate()?;
    let cert_field = identity.handshake_field();
    let tls_config = tls::server_config(identity, client_cert)?;

    let base = env
        .socket_dir
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let (socket, listener) = BoundSocket::bind(&base)?;
    let router = routes(provider, OnShutdown::Stop(stop.clone()), stop.clone()).await;
    let incoming = tls::tls_incoming(listener, tls_config, stop.clone());

    let line = handshake::handshake_line(socket.path(), &cert_field);
    handshake_out
        .write_all(line.as_bytes())
        .and_then(|()| handshake_out.flush())
        .map_err(ServeError::Handshake)?;
    drop(handshake_out);
    tracing::debug!(socket = %socket.path().display(), "plugin listening");

    let result = serve_until(router, incoming, stop).await;
    tracing::debug!("plugin stopped");
    drop(socket);
    result
}

/// Where and how to run a debug server.
#[derive(Debug, Clone, Default)]
pub struct DebugConfig {
    /// Directory for the socket's private subdirectory; the system temp dir if `None`.
    pub socket_dir: Option<PathBuf>,
}

/// A running debug server. Dropping it stops the server (the socket is removed once the
/// server task has finished, which needs the runtime to keep running).
#[derive(Debug)]
pub struct DebugServer {
    socket: PathBuf,
    reattach: String,
    stop: CancellationToken,
    task: Option<JoinHandle<Result<(), ServeError>>>,
}

impl DebugServer {
    /// The unix socket the server listens on.
    pub fn socket_path(&self) -> &Path {
        &self.socket
    }

    /// The JSON value for `TF_REATTACH_PROVIDERS`.
    pub fn reattach_providers(&self) -> &str {
        &self.reattach
    }

    /// The shell line `TF_REATTACH_PROVIDERS='…'`, quoted for POSIX shells.
    pub fn reattach_line(&self) -> String {
        reattach::shell_assignment(&self.reattach)
    }

    /// Stops the server and waits until it has stopped and removed its socket.
    pub async fn shutdown(mut self) -> Result<(), ServeError> {
        self.stop.cancel();
        match self.task.take() {
            Some(task) => task.await?,
            None => Ok(()),
        }
    }
}

impl Drop for DebugServer {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Starts serving `provider` without TLS for debugging, in the background.
///
/// Point Terraform at it with [`DebugServer::reattach_providers`]. The server keeps
/// serving across Terraform runs (`GRPCController.Shutdown` is ignored) until
/// [`DebugServer::shutdown`] or drop.
pub async fn serve_debug<P: Provider>(
    provider: P,
    config: DebugConfig,
) -> Result<DebugServer, ServeError> {
    let base = config.socket_dir.unwrap_or_else(std::env::temp_dir);
    let (socket, listener) = BoundSocket::bind(&base)?;
    let stop = CancellationToken::new();
    let router = routes(provider, OnShutdown::Ignore, stop.clone()).await;
    let path = socket.path().to_owned();
    let reattach = reattach::reattach_json(PROVIDER_ADDRESS, std::process::id(), &path);
    let task = tokio::spawn({
        let stop = stop.clone();
        async move {
            let incoming =
                UnixListenerStream::new(listener).map(|accepted| accepted.map(Conn::new));
            let result = serve_until(router, incoming, stop).await;
            drop(socket);
            result
        }
    });
    Ok(DebugServer {
        socket: path,
        reattach,
        stop,
        task: Some(task),
    })
}

/// Waits for SIGINT or SIGTERM: how a person stops a debug server.
pub async fn stop_signal() -> Result<(), ServeError> {
    let mut term = signal(SignalKind::terminate()).map_err(ServeError::Signal)?;
    let mut int = signal(SignalKind::interrupt()).map_err(ServeError::Signal)?;
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    Ok(())
}

/// Managed mode's signals: SIGTERM stops the server; SIGINT is counted and ignored
/// (installing a handler is what keeps it from killing the process).
fn stop_on_sigterm_ignore_sigint(stop: CancellationToken) -> Result<(), ServeError> {
    let mut term = signal(SignalKind::terminate()).map_err(ServeError::Signal)?;
    let mut int = signal(SignalKind::interrupt()).map_err(ServeError::Signal)?;
    tokio::spawn(async move {
        if term.recv().await.is_some() {
            tracing::debug!("SIGTERM: stopping the plugin");
            stop.cancel();
        }
    });
    tokio::spawn(async move {
        let mut count = 0u64;
        while int.recv().await.is_some() {
            count += 1;
            tracing::trace!(count, "SIGINT ignored: Terraform handles interrupts");
        }
    });
    Ok(())
}

/// The gRPC services every mode registers.
async fn routes<P: Provider>(
    provider: P,
    on_shutdown: OnShutdown,
    stop: CancellationToken,
) -> Router {
    let (health_reporter, health) = tonic_health::server::health_reporter();
    health_reporter
        .set_service_status(HEALTH_SERVICE_NAME, ServingStatus::Serving)
        .await;
    Server::builder()
        .add_service(
            ProviderServer::new(provider)
                .max_decoding_message_size(MAX_MESSAGE_SIZE)
                .max_encoding_message_size(MAX_MESSAGE_SIZE),
        )
        .add_service(GrpcControllerServer::new(Controller::new(on_shutdown)))
        .add_service(GrpcStdioServer::new(Stdio::new(stop)))
        .add_service(health)
}

/// Serves until `stop` fires, then lets open calls finish for at most [`SHUTDOWN_GRACE`].
async fn serve_until<I, IO>(
    router: Router,
    incoming: I,
    stop: CancellationToken,
) -> Result<(), ServeError>
where
    I: Stream<Item = Result<IO, io::Error>>,
    IO: AsyncRead + AsyncWrite + Connected + Unpin + Send + 'static,
{
    let serving = router.serve_with_incoming_shutdown(incoming, stop.clone().cancelled_owned());
    tokio::pin!(serving);
    tokio::select! {
        result = &mut serving => result.map_err(ServeError::from),
        () = async {
            stop.cancelled().await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        } => {
            tracing::warn!("connections still open after the grace period; stopping anyway");
            Ok(())
        }
    }
}
