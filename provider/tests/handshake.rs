//! The go-plugin transport, tested on the real binary the way Terraform drives it:
//! environment in, handshake line out, mutual TLS over a unix socket, Shutdown.
//!
//! The client certificate is made like Terraform's (self-signed ECDSA P-521 with the CA
//! flag set), so these tests cover the case that trips webpki and ring.

use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::net::UnixStream;
use tokio_rustls::TlsConnector;
use tonic::transport::{Channel, Endpoint, Uri};

use terraform_provider_ipsec::proto::plugin::grpc_controller_client::GrpcControllerClient;
use terraform_provider_ipsec::proto::plugin::grpc_stdio_client::GrpcStdioClient;
use terraform_provider_ipsec::proto::plugin::Empty;
use terraform_provider_ipsec::proto::tfplugin6::get_metadata;
use terraform_provider_ipsec::proto::tfplugin6::provider_client::ProviderClient;

const BIN: &str = env!("CARGO_BIN_EXE_terraform-provider-ipsec");
const COOKIE: (&str, &str) = (
    "TF_PLUGIN_MAGIC_COOKIE",
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
);
/// Generous: CI machines are small, and nothing here should take more than a moment.
const WAIT: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------
// Started by hand or by the wrong host
// ---------------------------------------------------------------------------

#[test]
fn by_hand_it_explains_what_it_is_and_fails() {
    let out = Command::new(BIN)
        .env_clear()
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        out.stdout.is_empty(),
        "nothing on stdout: it is Terraform's channel"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    for needle in ["Terraform", "README", "terraform init", "--debug"] {
        assert!(stderr.contains(needle), "{needle:?} missing from {stderr}");
    }
}

#[test]
fn a_host_without_protocol_6_gets_a_clear_error() {
    let out = Command::new(BIN)
        .env_clear()
        .env(COOKIE.0, COOKIE.1)
        .env("PLUGIN_PROTOCOL_VERSIONS", "4,5")
        .env("PLUGIN_CLIENT_CERT", TerraformCert::new().pem)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "no handshake line");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("\"4,5\""), "{stderr}");
    assert!(stderr.contains("only version 6"), "{stderr}");
}

#[test]
fn without_a_client_certificate_it_refuses_to_serve() {
    let out = Command::new(BIN)
        .env_clear()
        .env(COOKIE.0, COOKIE.1)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "no handshake line");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("mutual TLS"), "{stderr}");
    assert!(stderr.contains("--debug"), "{stderr}");
}

// ---------------------------------------------------------------------------
// Managed mode: strict AutoMTLS
// ---------------------------------------------------------------------------

#[tokio::test]
async fn handshake_line_announces_socket_protocol_and_server_certificate() {
    let terraform = TerraformCert::new();
    let plugin = Plugin::managed(&terraform, &[]);
    let hs = &plugin.handshake;
    let meta = std::fs::metadata(&hs.socket).unwrap();
    assert_eq!(
        meta.permissions().mode() & 0o777,
        0o600,
        "socket is private"
    );
    assert!(!hs.server_cert.as_ref().is_empty());

    // The server presents exactly the announced certificate, for `localhost`, with h2.
    let tls = tls_connect(&hs.socket, tls_config(hs, Some(&terraform)))
        .await
        .unwrap();
    let (_, session) = tls.get_ref();
    assert_eq!(session.alpn_protocol(), Some(&b"h2"[..]));
    assert_eq!(
        session.peer_certificates().unwrap()[0].as_ref(),
        hs.server_cert.as_ref()
    );
}

#[tokio::test]
async fn terraforms_certificate_is_accepted() {
    let terraform = TerraformCert::new();
    let plugin = Plugin::managed(&terraform, &[]);
    let channel = tls_channel(&plugin.handshake, Some(&terraform))
        .await
        .unwrap();

    let metadata = ProviderClient::new(channel.clone())
        .get_metadata(get_metadata::Request {})
        .await
        .unwrap()
        .into_inner();
    assert!(
        metadata.diagnostics.is_empty(),
        "{:?}",
        metadata.diagnostics
    );

    let health = tonic_health::pb::health_client::HealthClient::new(channel.clone())
        .check(tonic_health::pb::HealthCheckRequest {
            service: "plugin".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        health.status(),
        tonic_health::pb::health_check_response::ServingStatus::Serving
    );

    // StreamStdio opens and stays open without data (go-plugin reads it all along).
    let mut stdio = GrpcStdioClient::new(channel)
        .stream_stdio(())
        .await
        .unwrap()
        .into_inner();
    let pending = tokio::time::timeout(Duration::from_millis(200), stdio.message()).await;
    assert!(pending.is_err(), "stdio stream sends nothing: {pending:?}");
}

#[tokio::test]
async fn another_client_certificate_is_refused() {
    let terraform = TerraformCert::new();
    let intruder = TerraformCert::new();
    let mut plugin = Plugin::managed(&terraform, &[("TF_LOG", "WARN")]);

    // What the client sees varies (an alert, a broken pipe); the server log says why.
    let refused = get_metadata_over_tls(&plugin.handshake, Some(&intruder)).await;
    assert!(refused.is_err(), "a different certificate must be refused");

    // The refusal does not hurt the server: Terraform's own connection still works.
    get_metadata_over_tls(&plugin.handshake, Some(&terraform))
        .await
        .unwrap();

    let reasons = plugin.shutdown_and_refusals(&terraform).await;
    assert!(!reasons.is_empty());
    assert!(
        reasons.iter().all(|r| r.contains("certificate")),
        "{reasons:?}"
    );
}

#[tokio::test]
async fn a_client_without_certificate_is_refused() {
    let terraform = TerraformCert::new();
    let mut plugin = Plugin::managed(&terraform, &[("TF_LOG", "WARN")]);

    let refused = get_metadata_over_tls(&plugin.handshake, None).await;
    assert!(
        refused.is_err(),
        "a client without certificate must be refused"
    );
    // And plain text (no TLS at all) gets nowhere either.
    let plain = tokio::time::timeout(WAIT, async {
        let channel = plain_channel(&plugin.handshake.socket).await?;
        ProviderClient::new(channel)
            .get_metadata(get_metadata::Request {})
            .await
            .map_err(|s| s.to_string())?;
        Ok::<_, String>(())
    })
    .await
    .expect("refusal is prompt");
    assert!(plain.is_err(), "plain text must be refused");

    let reasons = plugin.shutdown_and_refusals(&terraform).await;
    assert!(
        reasons.iter().any(|r| r.contains("no certificates")),
        "{reasons:?}"
    );
}

#[tokio::test]
async fn shutdown_exits_zero_promptly_and_removes_the_socket() {
    let terraform = TerraformCert::new();
    let mut plugin = Plugin::managed(&terraform, &[]);
    let channel = tls_channel(&plugin.handshake, Some(&terraform))
        .await
        .unwrap();
    // Terraform holds the stdio stream open while it shuts the plugin down.
    let _stdio = GrpcStdioClient::new(channel.clone())
        .stream_stdio(())
        .await
        .unwrap();

    let started = Instant::now();
    shutdown(channel).await;
    let status = plugin.wait_exit();
    assert!(status.success(), "{status:?}");
    // go-plugin kills a plugin that is still running 2 s after Shutdown.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(!plugin.handshake.socket.exists(), "socket removed");
    assert!(
        !plugin.handshake.socket.parent().unwrap().exists(),
        "socket dir removed"
    );
}

#[tokio::test]
async fn sigint_is_ignored_and_sigterm_stops() {
    let terraform = TerraformCert::new();
    let mut plugin = Plugin::managed(&terraform, &[]);

    // Ctrl-C in a terminal reaches the plugin too; Terraform, not the plugin, decides.
    plugin.signal("INT");
    tokio::time::sleep(Duration::from_millis(200)).await;
    get_metadata_over_tls(&plugin.handshake, Some(&terraform))
        .await
        .expect("still serving after SIGINT");

    plugin.signal("TERM");
    let status = plugin.wait_exit();
    assert!(status.success(), "{status:?}");
    assert!(!plugin.handshake.socket.exists());
}

#[test]
fn it_exits_by_itself_when_the_process_that_started_it_is_killed() {
    // A shell stands in for Terraform: it starts the plugin with go-plugin's
    // environment, says the plugin's pid, and is then killed with SIGKILL, which gives
    // the plugin no Shutdown call and no signal.
    let terraform = TerraformCert::new();
    let mut cmd = Command::new("sh");
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env(COOKIE.0, COOKIE.1)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("PLUGIN_CLIENT_CERT", &terraform.pem)
        .args(["-c", "\"$0\" & echo \"pid $!\"; wait", BIN]);
    let (mut terraform_process, lines, _stderr) = spawn(cmd);
    let mut pid = None;
    let mut handshake = false;
    while pid.is_none() || !handshake {
        let line = lines.recv_timeout(WAIT).expect("pid and handshake line");
        match line.strip_prefix("pid ") {
            Some(number) => pid = Some(number.parse::<u32>().unwrap()),
            None => handshake = line.starts_with("1|6|unix|"),
        }
    }
    let plugin = Orphan(pid.unwrap());
    assert!(plugin.is_alive(), "serving while its parent lives");

    terraform_process.kill().unwrap();
    terraform_process.wait().unwrap();
    let deadline = Instant::now() + WAIT;
    while plugin.is_alive() {
        assert!(Instant::now() < deadline, "the plugin outlived its parent");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A plugin process that is not our child; killed on drop if it still runs.
struct Orphan(u32);

impl Orphan {
    /// Running, as opposed to gone or a zombie its new parent has not reaped yet.
    fn is_alive(&self) -> bool {
        std::fs::read_to_string(format!("/proc/{}/stat", self.0))
            .ok()
            .and_then(|stat| {
                let state = stat.rsplit_once(')')?.1.split_whitespace().next()?;
                Some(state != "Z" && state != "X")
            })
            .unwrap_or(false)
    }
}

impl Drop for Orphan {
    fn drop(&mut self) {
        if self.is_alive() {
            let _ = Command::new("kill")
                .arg("-KILL")
                .arg(self.0.to_string())
                .status();
        }
    }
}

// ---------------------------------------------------------------------------
// Logging
// ---------------------------------------------------------------------------

#[tokio::test]
async fn with_tf_log_debug_stderr_carries_hclog_json_lines() {
    let terraform = TerraformCert::new();
    let mut plugin = Plugin::managed(&terraform, &[("TF_LOG", "DEBUG")]);
    assert!(plugin.shutdown(&terraform).await.success());

    let stderr = plugin.stderr();
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.is_empty()).collect();
    assert!(!lines.is_empty(), "TF_LOG=DEBUG shows debug lines");
    for line in lines {
        let entry: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let level = entry["@level"].as_str().unwrap();
        assert!(
            ["debug", "info", "warn", "error"].contains(&level),
            "{line}"
        );
        assert!(entry["@message"].is_string(), "{line}");
        assert!(entry["@module"].is_string(), "{line}");
        assert!(
            is_hclog_timestamp(entry["@timestamp"].as_str().unwrap()),
            "{line}"
        );
    }
}

#[tokio::test]
async fn without_tf_log_stderr_stays_quiet() {
    let terraform = TerraformCert::new();
    let mut plugin = Plugin::managed(&terraform, &[]);
    assert!(plugin.shutdown(&terraform).await.success());
    assert_eq!(plugin.stderr(), "");
}

// ---------------------------------------------------------------------------
// Debug mode
// ---------------------------------------------------------------------------

#[tokio::test]
async fn debug_mode_serves_plain_grpc_across_terraform_runs_until_sigterm() {
    let mut plugin = Plugin::debug();
    let socket = plugin.handshake.socket.clone();

    // Two "terraform runs": each connects, works, and calls Shutdown at the end.
    for run in 0..2 {
        let channel = plain_channel(&socket).await.unwrap();
        ProviderClient::new(channel.clone())
            .get_metadata(get_metadata::Request {})
            .await
            .unwrap_or_else(|e| panic!("run {run}: {e}"));
        shutdown(channel).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(plugin.is_running(), "Shutdown does not stop a debug server");
    }

    plugin.signal("TERM");
    let status = plugin.wait_exit();
    assert!(status.success(), "{status:?}");
    assert!(!socket.exists(), "socket removed");
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Calls go-plugin's Shutdown, as Terraform does at the end of a run.
async fn shutdown(channel: Channel) {
    GrpcControllerClient::new(channel)
        .shutdown(Empty {})
        .await
        .unwrap();
}

/// A certificate like the one Terraform generates for every plugin it starts.
struct TerraformCert {
    pem: String,
    der: CertificateDer<'static>,
    key: Vec<u8>,
}

impl TerraformCert {
    fn new() -> Self {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "localhost");
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "HashiCorp");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::DigitalSignature,
            rcgen::KeyUsagePurpose::KeyEncipherment,
            rcgen::KeyUsagePurpose::KeyCertSign,
        ];
        params.extended_key_usages = vec![
            rcgen::ExtendedKeyUsagePurpose::ClientAuth,
            rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        ];
        let cert = params.self_signed(&key).unwrap();
        Self {
            pem: cert.pem(),
            der: cert.der().clone(),
            key: key.serialize_der(),
        }
    }
}

/// What the handshake line said.
struct Handshake {
    socket: PathBuf,
    server_cert: CertificateDer<'static>,
}

/// A running plugin process; killed on drop if still running.
struct Plugin {
    child: Child,
    handshake: Handshake,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Plugin {
    /// Starts the plugin as Terraform does and parses its handshake line.
    fn managed(terraform: &TerraformCert, extra_env: &[(&str, &str)]) -> Self {
        let mut cmd = Command::new(BIN);
        cmd.env_clear()
            .env(COOKIE.0, COOKIE.1)
            .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
            .env("PLUGIN_CLIENT_CERT", &terraform.pem)
            .envs(extra_env.iter().copied());
        let (child, lines, stderr) = spawn(cmd);
        let line = lines.recv_timeout(WAIT).expect("handshake line");
        let fields: Vec<&str> = line.split('|').collect();
        assert_eq!(fields.len(), 6, "{line}");
        assert_eq!(fields[0], "1", "core protocol: {line}");
        assert_eq!(fields[1], "6", "app protocol: {line}");
        assert_eq!(fields[2], "unix", "{line}");
        assert_eq!(fields[4], "grpc", "{line}");
        assert!(!fields[5].contains('='), "base64 without padding: {line}");
        let der = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(fields[5])
            .expect("standard base64 without padding");
        Self {
            child,
            handshake: Handshake {
                socket: PathBuf::from(fields[3]),
                server_cert: CertificateDer::from(der),
            },
            stderr: Some(stderr),
        }
    }

    /// Starts `--debug` and parses its `TF_REATTACH_PROVIDERS` line.
    fn debug() -> Self {
        let mut cmd = Command::new(BIN);
        cmd.env_clear().arg("--debug");
        let (child, lines, stderr) = spawn(cmd);
        let deadline = Instant::now() + WAIT;
        let line = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = lines
                .recv_timeout(left)
                .expect("TF_REATTACH_PROVIDERS line");
            if line.starts_with("TF_REATTACH_PROVIDERS=") {
                break line;
            }
        };
        let value = line
            .strip_prefix("TF_REATTACH_PROVIDERS='")
            .and_then(|v| v.strip_suffix('\''))
            .unwrap_or_else(|| panic!("quoted value: {line}"));
        let json: serde_json::Value = serde_json::from_str(value).unwrap();
        let p = &json["registry.terraform.io/ipsec-vpn/ipsec"];
        assert_eq!(p["Protocol"], "grpc");
        assert_eq!(p["ProtocolVersion"], 6);
        assert_eq!(p["Pid"], child.id());
        assert_eq!(
            p["Test"], true,
            "Test keeps Terraform from killing the process"
        );
        assert_eq!(p["Addr"]["Network"], "unix");
        let socket = PathBuf::from(p["Addr"]["String"].as_str().unwrap());
        Self {
            child,
            handshake: Handshake {
                socket,
                server_cert: CertificateDer::from(Vec::new()),
            },
            stderr: Some(stderr),
        }
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Waits for the process to exit, failing the test after [`WAIT`].
    fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "plugin did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Calls Shutdown with Terraform's certificate and waits for the process to exit.
    async fn shutdown(&mut self, terraform: &TerraformCert) -> ExitStatus {
        let channel = tls_channel(&self.handshake, Some(terraform)).await.unwrap();
        shutdown(channel).await;
        self.wait_exit()
    }

    /// Calls Shutdown with Terraform's certificate, waits for exit 0, and returns the
    /// reasons of the refused connections that the plugin logged (needs TF_LOG=WARN).
    async fn shutdown_and_refusals(&mut self, terraform: &TerraformCert) -> Vec<String> {
        assert!(self.shutdown(terraform).await.success());
        self.stderr()
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|e| {
                e["@message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("refused a plugin connection"))
            })
            .map(|e| e["error"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// Everything the process wrote to stderr (call after it exited).
    fn stderr(&mut self) -> String {
        self.stderr.take().unwrap().join().unwrap()
    }
}

impl Drop for Plugin {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_some() {
            return;
        }
        // SIGTERM first, so that the plugin removes its socket; SIGKILL if it hangs.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if self.child.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Spawns `cmd` with piped stdio: stdout lines arrive on the channel, stderr is
/// collected by a thread.
fn spawn(
    mut cmd: Command,
) -> (
    Child,
    mpsc::Receiver<String>,
    std::thread::JoinHandle<String>,
) {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    (child, rx, stderr)
}

/// A rustls client config that trusts exactly the announced server certificate and
/// presents `client` (if any), offering ALPN h2 as grpc-go does.
fn tls_config(handshake: &Handshake, client: Option<&TerraformCert>) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots.add(handshake.server_cert.clone()).unwrap();
    let builder = ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots);
    let mut config = match client {
        Some(c) => builder
            .with_client_auth_cert(
                vec![c.der.clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(c.key.clone())),
            )
            .unwrap(),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    Arc::new(config)
}

async fn tls_connect(
    socket: &Path,
    config: Arc<ClientConfig>,
) -> std::io::Result<tokio_rustls::client::TlsStream<UnixStream>> {
    let stream = UnixStream::connect(socket).await?;
    let name = ServerName::try_from("localhost").unwrap();
    TlsConnector::from(config).connect(name, stream).await
}

/// A gRPC channel over TLS over the plugin's unix socket.
async fn tls_channel(
    handshake: &Handshake,
    client: Option<&TerraformCert>,
) -> Result<Channel, String> {
    let config = tls_config(handshake, client);
    let socket = handshake.socket.clone();
    Endpoint::from_static("http://localhost")
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let (socket, config) = (socket.clone(), config.clone());
            async move { tls_connect(&socket, config).await.map(TokioIo::new) }
        }))
        .await
        .map_err(|e| e.to_string())
}

/// A plain-text gRPC channel over a unix socket (debug mode).
async fn plain_channel(socket: &Path) -> Result<Channel, String> {
    let socket = socket.to_owned();
    Endpoint::from_static("http://localhost")
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let socket = socket.clone();
            async move { UnixStream::connect(socket).await.map(TokioIo::new) }
        }))
        .await
        .map_err(|e| e.to_string())
}

/// Connects with `client` and calls GetMetadata; any failure is the error. Bounded in
/// time so that a refusal that hangs fails the test instead of blocking it.
async fn get_metadata_over_tls(
    handshake: &Handshake,
    client: Option<&TerraformCert>,
) -> Result<(), String> {
    tokio::time::timeout(WAIT, async {
        let channel = tls_channel(handshake, client).await?;
        ProviderClient::new(channel)
            .get_metadata(get_metadata::Request {})
            .await
            .map_err(|s| s.to_string())?;
        Ok(())
    })
    .await
    .map_err(|_| "timed out".to_owned())?
}

/// `2026-11-27T05:01:02.123456Z`: what go-plugin's log parser accepts.
fn is_hclog_timestamp(ts: &str) -> bool {
    let b = ts.as_bytes();
    b.len() == 27
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'.'
        && b[26] == b'Z'
        && b.iter()
            .enumerate()
            .filter(|(i, _)| ![4, 7, 10, 13, 16, 19, 26].contains(i))
            .all(|(_, c)| c.is_ascii_digit())
}
