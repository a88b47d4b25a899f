//! Talking to charon over VICI (rsvici): the few commands the engine needs.
//!
//! The connections are pooled and every operation has a deadline (`session.rs`); a
//! charon restart between two operations costs nothing but a reconnect. charon answers
//! a refused command with `success = no` and its own `errmsg`, which the engine passes
//! on unchanged. Each command is logged at debug level with its connection and outcome,
//! never with a key.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::session::{Pool, VICI_DEADLINE};
use crate::gateway::{EngineError, GatewayError};

/// Where charon's VICI socket is: the provider setting `vici_uri`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViciUri {
    /// `unix:///path/to/charon.vici`.
    Unix(PathBuf),
    /// `tcp://host:port`.
    Tcp(String),
}

impl ViciUri {
    /// charon's default socket.
    pub const DEFAULT: &'static str = "unix:///var/run/charon.vici";

    /// Reads a `unix://` or `tcp://` URI (already checked by the settings).
    pub fn parse(uri: &str) -> Option<Self> {
        if let Some(path) = uri.strip_prefix("unix://") {
            return path
                .starts_with('/')
                .then(|| ViciUri::Unix(PathBuf::from(path)));
        }
        uri.strip_prefix("tcp://")
            .map(|address| ViciUri::Tcp(address.to_owned()))
    }
}

impl std::fmt::Display for ViciUri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ViciUri::Unix(path) => write!(f, "unix://{}", path.display()),
            ViciUri::Tcp(address) => write!(f, "tcp://{address}"),
        }
    }
}

/// A VICI message node: a value, a list of values, or a section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Node {
    /// `key = value`.
    Value(String),
    /// `key = [a, b]`.
    List(Vec<String>),
    /// `name { … }`.
    Section(BTreeMap<String, Node>),
}

/// A loaded connection as `list-conns` reports it: every field of it that the files set.
/// Values are read as text and judged in `live.rs`, so that a field charon leaves out
/// (it omits `dpd_delay` and `dpd_timeout` when they are 0, and an identity that is not
/// configured) reads as absent rather than failing the whole read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct LiveConn {
    /// `remote_addrs`.
    pub remote_addrs: Vec<String>,
    /// `local_addrs` (`%any` when none is configured).
    pub local_addrs: Vec<String>,
    /// `IKEv1`, `IKEv2` or `IKEv1/2` (any).
    pub version: Option<String>,
    /// The IKE SA's rekey interval in seconds.
    pub rekey_time: Option<String>,
    /// Seconds between DPD checks; absent when 0 (off).
    pub dpd_delay: Option<String>,
    /// The IKEv1 DPD timeout in seconds; absent when 0.
    pub dpd_timeout: Option<String>,
    /// The first (only) local authentication round.
    #[serde(rename = "local-1", alias = "local")]
    pub local: LiveAuth,
    /// The first (only) remote authentication round.
    #[serde(rename = "remote-1", alias = "remote")]
    pub remote: LiveAuth,
    /// The children by name.
    pub children: BTreeMap<String, LiveChild>,
}

/// One authentication round of a loaded connection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct LiveAuth {
    /// The IKE identity; absent when none is configured.
    pub id: Option<String>,
}

/// A loaded child as `list-conns` reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct LiveChild {
    /// Local traffic selectors.
    #[serde(rename = "local-ts")]
    pub local_ts: Vec<String>,
    /// Remote traffic selectors.
    #[serde(rename = "remote-ts")]
    pub remote_ts: Vec<String>,
    /// The CHILD SA's rekey interval in seconds.
    pub rekey_time: Option<String>,
    /// charon's name of the DPD action: `none` (clear), `trap` or `start` (restart).
    pub dpd_action: Option<String>,
    /// charon's name of the close action, which the files set after the start action
    /// (`list-conns` of charon 5.9 does not report `start_action` itself).
    pub close_action: Option<String>,
}

/// charon's answer to a command.
#[derive(Debug, Deserialize)]
struct Answer {
    #[serde(default)]
    success: Option<bool>,
    #[serde(default)]
    errmsg: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Conns {
    #[serde(default)]
    conns: Vec<String>,
}

#[derive(Serialize)]
struct Named<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct SharedId<'a> {
    id: &'a str,
}

#[derive(Serialize)]
struct Shared<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    data: &'a str,
    owners: &'a [String],
}

/// How long `terminate` waits for the peer to confirm a deletion.
const TERMINATE_WAIT_MS: i64 = 3000;

#[derive(Serialize)]
struct Terminate<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    ike: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    child: Option<&'a str>,
    timeout: i64,
    force: bool,
}

#[derive(Serialize)]
struct Initiate<'a> {
    child: &'a str,
    ike: &'a str,
    timeout: i64,
    /// Initiations the engine makes must not be dropped by charon's half-open limits.
    #[serde(rename = "init-limits")]
    init_limits: bool,
    /// Level 1 carries the notifies that say why a peer refused.
    loglevel: i64,
}

/// One `control-log` event of an `initiate`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ControlLog {
    msg: String,
}

/// What an `initiate` saw: charon's log lines for it, in order, and its verdict
/// (`Err` with charon's `errmsg` when the CHILD SA was not established).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Initiation {
    /// The log lines.
    pub log: Vec<String>,
    /// The verdict.
    pub outcome: Result<(), String>,
}

#[derive(Serialize)]
struct ListConns<'a> {
    ike: &'a str,
}

/// A VICI endpoint: a few pooled connections, each operation bounded by a deadline.
#[derive(Debug, Clone)]
pub struct Vici {
    pool: Arc<Pool>,
}

impl Vici {
    /// The endpoint at `uri`, with the engine's deadline.
    pub fn new(uri: ViciUri) -> Self {
        Self::with_deadline(uri, VICI_DEADLINE)
    }

    /// The endpoint at `uri`, each operation bounded by `deadline`.
    pub fn with_deadline(uri: ViciUri, deadline: Duration) -> Self {
        Self {
            pool: Arc::new(Pool::new(uri, deadline)),
        }
    }

    /// Checks that charon answers.
    pub async fn ping(&self) -> Result<(), GatewayError> {
        let _: BTreeMap<String, String> = self.pool.request("version", &()).await?;
        Ok(())
    }

    /// `load-conn` of one connection (`{ <name> = { … } }`).
    pub async fn load_conn(&self, message: &BTreeMap<String, Node>) -> Result<(), GatewayError> {
        let names: Vec<&String> = message.keys().collect();
        let outcome = self.command("load-conn", message).await;
        log("load-conn", &names, &outcome);
        outcome
    }

    /// `unload-conn`; unloading a connection charon does not have is not an error.
    pub async fn unload_conn(&self, name: &str) -> Result<(), GatewayError> {
        if !self.loaded_conns().await?.iter().any(|n| n == name) {
            tracing::debug!(connection = name, "unload-conn: not loaded");
            return Ok(());
        }
        let outcome = self.command("unload-conn", &Named { name }).await;
        log("unload-conn", &name, &outcome);
        outcome
    }

    /// `load-shared` of an IKE pre-shared key under `id`, replacing one with that id.
    pub async fn load_shared(
        &self,
        id: &str,
        key: &str,
        owners: &[String],
    ) -> Result<(), GatewayError> {
        let message = Shared {
            id,
            kind: "IKE",
            data: key,
            owners,
        };
        let outcome = self.command("load-shared", &message).await;
        // The id and owners only: the key is never logged.
        log("load-shared", &(id, owners), &outcome);
        outcome
    }

    /// `unload-shared` of the key `id`; a missing key is not an error.
    pub async fn unload_shared(&self, id: &str) -> Result<(), GatewayError> {
        let answer: Answer = self.pool.request("unload-shared", &SharedId { id }).await?;
        let outcome = match (answer.success, answer.errmsg) {
            // charon answers "not found" for an id it does not hold: already gone.
            (Some(false), Some(message)) if !message.contains("not found") => {
                Err(EngineError::ViciRefused {
                    command: "unload-shared",
                    message,
                }
                .into())
            }
            _ => Ok(()),
        };
        log("unload-shared", &id, &outcome);
        outcome
    }

    /// Terminates the IKE_SA of connection `ike` (with its CHILD_SAs), or only the
    /// CHILD_SAs of `child`. Waits a moment for the deletion, but a terminate never
    /// fails a change: the configuration is already loaded, charon deletes the SA locally
    /// even when the peer does not confirm ("terminating SA failed"), and no SA to
    /// terminate is fine. Only an unreachable charon is an error.
    ///
    /// With `force`, charon drops the SA once the wait is over even if the peer never
    /// confirmed: for a connection that is going away, whose SA must not outlive it.
    pub async fn terminate(
        &self,
        ike: &str,
        child: Option<&str>,
        force: bool,
    ) -> Result<(), GatewayError> {
        let message = Terminate {
            ike: child.is_none().then_some(ike),
            child,
            timeout: TERMINATE_WAIT_MS,
            force,
        };
        let answer: Result<Answer, GatewayError> = self.pool.request("terminate", &message).await;
        match answer {
            Ok(Answer {
                success: Some(false),
                errmsg,
            }) => tracing::debug!(
                connection = ike,
                ?child,
                ?errmsg,
                "terminate did not complete"
            ),
            Ok(_) => tracing::debug!(connection = ike, ?child, force, "terminate: done"),
            // charon gone or stuck is an error: the change must not look applied.
            Err(error @ GatewayError::Config { .. })
            | Err(error @ GatewayError::Engine(EngineError::ViciClosed { .. }))
            | Err(error @ GatewayError::Engine(EngineError::ViciDeadline { .. })) => {
                tracing::debug!(connection = ike, ?child, %error, "terminate: failed");
                return Err(error);
            }
            Err(error) => tracing::warn!(connection = ike, ?child, %error, "terminate failed"),
        }
        Ok(())
    }

    /// `initiate` of the child `child` of connection `ike` (with its IKE SA, unless one
    /// is up), waiting at most `wait` for it. A refusal is an answer, not an error: the
    /// caller judges it from the log. Logs carry what charon says, never a key.
    pub async fn initiate(
        &self,
        ike: &str,
        child: &str,
        wait: Duration,
    ) -> Result<Initiation, GatewayError> {
        let message = Initiate {
            child,
            ike,
            timeout: i64::try_from(wait.as_millis()).unwrap_or(i64::MAX),
            init_limits: false,
            loglevel: 1,
        };
        let (events, outcome): (Vec<ControlLog>, _) = self
            .pool
            .logged("initiate", "control-log", &message)
            .await?;
        let log: Vec<String> = events.into_iter().map(|event| event.msg).collect();
        match &outcome {
            Ok(()) => tracing::debug!(connection = ike, child, "initiate: established"),
            Err(errmsg) => tracing::debug!(
                connection = ike,
                child,
                errmsg,
                last = log.last().map(String::as_str).unwrap_or(""),
                "initiate: not established"
            ),
        }
        Ok(Initiation { log, outcome })
    }

    /// The names of the connections loaded over VICI (`get-conns`).
    pub async fn loaded_conns(&self) -> Result<Vec<String>, GatewayError> {
        let conns: Conns = self.pool.request("get-conns", &()).await?;
        Ok(conns.conns)
    }

    /// The connection `name` as charon holds it, or `None` if it is not loaded.
    pub async fn list_conn(&self, name: &str) -> Result<Option<LiveConn>, GatewayError> {
        let events: Vec<BTreeMap<String, LiveConn>> = self
            .pool
            .list("list-conns", "list-conn", &ListConns { ike: name })
            .await?;
        Ok(events
            .into_iter()
            .filter_map(|mut event| event.remove(name))
            .next_back())
    }

    /// The `list-sa` events of the IKE SAs of connection `ike` (`list-sas`), each
    /// `{ <connection> = <T> }`, as [`super::status`] reads them.
    pub async fn list_sas<T: serde::de::DeserializeOwned + Send>(
        &self,
        ike: &str,
    ) -> Result<Vec<BTreeMap<String, T>>, GatewayError> {
        // `list-sas` filters by connection under the same key as `list-conns`.
        self.pool
            .list("list-sas", "list-sa", &ListConns { ike })
            .await
    }

    async fn command<T: Serialize + Sync>(
        &self,
        command: &'static str,
        message: &T,
    ) -> Result<(), GatewayError> {
        let answer: Answer = self.pool.request(command, message).await?;
        match answer.success {
            Some(false) => Err(EngineError::ViciRefused {
                command,
                message: answer.errmsg.unwrap_or_else(|| "no reason given".into()),
            }
            .into()),
            _ => Ok(()),
        }
    }
}

/// One engine action at debug level: what, for which connection, and how it ended.
fn log(
    command: &'static str,
    connection: &dyn std::fmt::Debug,
    outcome: &Result<(), GatewayError>,
) {
    match outcome {
        Ok(()) => tracing::debug!(command, ?connection, "VICI command succeeded"),
        Err(error) => tracing::debug!(command, ?connection, %error, "VICI command failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;
    use tokio::net::UnixListener;

    /// A VICI socket in a temp dir whose peer does what `serve` does with each
    /// connection.
    fn listener<F, Fut>(serve: F) -> (tempfile::TempDir, Vici, ViciUri)
    where
        F: Fn(tokio::net::UnixStream) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("charon.vici");
        let listener = UnixListener::bind(&path).unwrap();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream));
            }
        });
        let uri = ViciUri::Unix(path);
        (dir, Vici::new(uri.clone()), uri)
    }

    #[tokio::test]
    async fn a_charon_that_never_answers_is_an_error_at_vici_uri_after_the_deadline() {
        let (_dir, _, uri) = listener(|stream| async move {
            // Accepts and holds the connection, and never answers.
            std::future::pending::<()>().await;
            drop(stream);
        });
        let vici = Vici::with_deadline(uri, Duration::from_millis(300));
        let error = vici.ping().await.unwrap_err();
        assert!(
            matches!(
                error,
                GatewayError::Engine(EngineError::ViciDeadline {
                    command: "version",
                    ..
                })
            ),
            "{error}"
        );
        assert_eq!(error.to_diagnostic().path.to_string(), "vici_uri");
        // The next operation is bounded as well: nothing waits behind the stuck one.
        assert!(vici.list_conn("dc1").await.is_err());
    }

    #[tokio::test]
    async fn a_connection_charon_closes_before_answering_is_an_error_at_once() {
        // Reads the request, then closes: what a charon killed mid-command leaves. With
        // the real deadline, only the close can end the wait before it.
        let (_dir, vici, _) = listener(|mut stream| async move {
            let mut length = [0; 4];
            let _ = stream.read_exact(&mut length).await;
        });
        let error = vici.ping().await.unwrap_err();
        assert!(
            matches!(
                error,
                GatewayError::Engine(EngineError::ViciClosed {
                    command: "version",
                    ..
                })
            ),
            "{error}"
        );
        let error = vici.list_conn("dc1").await.unwrap_err();
        assert!(
            matches!(error, GatewayError::Engine(EngineError::ViciClosed { .. })),
            "{error}"
        );
    }

    #[tokio::test]
    async fn no_socket_says_to_check_the_path_but_a_full_backlog_says_charon_is_busy() {
        let dir = tempfile::tempdir().unwrap();
        let vici = Vici::new(ViciUri::Unix(dir.path().join("none.vici")));
        let missing = vici.ping().await.unwrap_err().to_string();
        assert!(missing.contains("is the socket path right"), "{missing}");

        // A socket that never accepts, its backlog filled: each connect is refused with
        // EAGAIN, retried until the deadline.
        let path = dir.path().join("busy.vici");
        let socket = tokio::net::UnixSocket::new_stream().unwrap();
        socket.bind(&path).unwrap();
        let _listener = socket.listen(0).unwrap();
        let mut queued = Vec::new();
        while let Ok(stream) = tokio::net::UnixStream::connect(&path).await {
            queued.push(stream);
        }
        let vici = Vici::with_deadline(ViciUri::Unix(path), Duration::from_millis(300));
        let error = vici.ping().await.unwrap_err();
        let busy = error.to_diagnostic();
        assert_eq!(busy.path.to_string(), "vici_uri");
        assert!(busy.detail.contains("is busy"), "{}", busy.detail);
        assert!(!busy.detail.contains("socket path"), "{}", busy.detail);
    }

    #[test]
    fn uris_read_back() {
        assert_eq!(
            ViciUri::parse("unix:///run/gw/charon.vici"),
            Some(ViciUri::Unix("/run/gw/charon.vici".into()))
        );
        assert_eq!(
            ViciUri::parse("tcp://10.0.0.1:4502"),
            Some(ViciUri::Tcp("10.0.0.1:4502".into()))
        );
        assert_eq!(ViciUri::parse("unix://relative"), None);
        assert_eq!(
            ViciUri::parse(ViciUri::DEFAULT).unwrap().to_string(),
            ViciUri::DEFAULT
        );
    }
}
