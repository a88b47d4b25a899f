//! Talking to charon over VICI (rsvici): the few commands the engine needs.
//!
//! Every operation opens its own connection, so that a charon restart between two
//! operations costs nothing but a reconnect. charon answers a refused command with
//! `success = no` and its own `errmsg`, which the engine passes on unchanged.

use std::collections::BTreeMap;
use std::path::PathBuf;

use futures_util::{pin_mut, TryStreamExt};
use serde::{Deserialize, Serialize};

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

/// A loaded connection as `list-conns` reports it (the parts the engine reads back).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct LiveConn {
    /// `remote_addrs`.
    #[serde(default)]
    pub remote_addrs: Vec<String>,
    /// `local_addrs`.
    #[serde(default)]
    pub local_addrs: Vec<String>,
    /// The children by name.
    #[serde(default)]
    pub children: BTreeMap<String, LiveChild>,
}

/// A loaded child as `list-conns` reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct LiveChild {
    /// Local traffic selectors.
    #[serde(default, rename = "local-ts")]
    pub local_ts: Vec<String>,
    /// Remote traffic selectors.
    #[serde(default, rename = "remote-ts")]
    pub remote_ts: Vec<String>,
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
struct ListConns<'a> {
    ike: &'a str,
}

/// A VICI endpoint.
#[derive(Debug, Clone)]
pub struct Vici {
    uri: ViciUri,
}

impl Vici {
    /// The endpoint at `uri`.
    pub fn new(uri: ViciUri) -> Self {
        Self { uri }
    }

    async fn client(&self) -> Result<rsvici::Client, GatewayError> {
        let connected = match &self.uri {
            ViciUri::Unix(path) => rsvici::unix::connect(path).await,
            ViciUri::Tcp(address) => rsvici::tcp::connect(address.as_str()).await,
        };
        connected.map_err(|error| GatewayError::Config {
            setting: "vici_uri",
            message: format!(
                "cannot reach charon at {}: {error}. Is charon running with the vici plugin, is the socket path right, \
                 and may this user open it?",
                self.uri
            ),
        })
    }

    /// Checks that charon answers.
    pub async fn ping(&self) -> Result<(), GatewayError> {
        let mut client = self.client().await?;
        let _: BTreeMap<String, String> = client
            .request("version", ())
            .await
            .map_err(|e| self.failed("version", e))?;
        Ok(())
    }

    /// `load-conn` of one connection (`{ <name> = { … } }`).
    pub async fn load_conn(&self, message: &BTreeMap<String, Node>) -> Result<(), GatewayError> {
        self.command("load-conn", message).await
    }

    /// `unload-conn`; unloading a connection charon does not have is not an error.
    pub async fn unload_conn(&self, name: &str) -> Result<(), GatewayError> {
        if !self.loaded_conns().await?.iter().any(|n| n == name) {
            return Ok(());
        }
        self.command("unload-conn", &Named { name }).await
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
        self.command("load-shared", &message).await
    }

    /// `unload-shared` of the key `id`; a missing key is not an error.
    pub async fn unload_shared(&self, id: &str) -> Result<(), GatewayError> {
        let mut client = self.client().await?;
        let answer: Answer = client
            .request("unload-shared", SharedId { id })
            .await
            .map_err(|e| self.failed("unload-shared", e))?;
        match (answer.success, answer.errmsg) {
            // charon answers "not found" for an id it does not hold: already gone.
            (Some(false), Some(message)) if !message.contains("not found") => {
                Err(EngineError::ViciRefused {
                    command: "unload-shared",
                    message,
                }
                .into())
            }
            _ => Ok(()),
        }
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
        let mut client = self.client().await?;
        let answer: Result<Answer, _> = client.request("terminate", message).await;
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
            Ok(_) => {}
            Err(error) => tracing::warn!(connection = ike, ?child, %error, "terminate failed"),
        }
        Ok(())
    }

    /// The names of the connections loaded over VICI (`get-conns`).
    pub async fn loaded_conns(&self) -> Result<Vec<String>, GatewayError> {
        let mut client = self.client().await?;
        let conns: Conns = client
            .request("get-conns", ())
            .await
            .map_err(|e| self.failed("get-conns", e))?;
        Ok(conns.conns)
    }

    /// The connection `name` as charon holds it, or `None` if it is not loaded.
    pub async fn list_conn(&self, name: &str) -> Result<Option<LiveConn>, GatewayError> {
        let mut client = self.client().await?;
        let stream = client.stream_request::<_, BTreeMap<String, LiveConn>>(
            "list-conns",
            "list-conn",
            ListConns { ike: name },
        );
        pin_mut!(stream);
        let mut found = None;
        while let Some(mut event) = stream
            .try_next()
            .await
            .map_err(|e| self.failed("list-conns", e))?
        {
            if let Some(conn) = event.remove(name) {
                found = Some(conn);
            }
        }
        Ok(found)
    }

    /// The `list-sa` events of the IKE SAs of connection `ike` (`list-sas`), each
    /// `{ <connection> = <T> }`, as [`super::status`] reads them.
    pub async fn list_sas<T: serde::de::DeserializeOwned>(
        &self,
        ike: &str,
    ) -> Result<Vec<BTreeMap<String, T>>, GatewayError> {
        let mut client = self.client().await?;
        let stream = client.stream_request::<_, BTreeMap<String, T>>(
            "list-sas",
            "list-sa",
            // `list-sas` filters by connection under the same key as `list-conns`.
            ListConns { ike },
        );
        pin_mut!(stream);
        stream
            .try_collect()
            .await
            .map_err(|e| self.failed("list-sas", e))
    }

    async fn command<T: Serialize>(
        &self,
        command: &'static str,
        message: &T,
    ) -> Result<(), GatewayError> {
        let mut client = self.client().await?;
        let answer: Answer = client
            .request(command, message)
            .await
            .map_err(|e| self.failed(command, e))?;
        match answer.success {
            Some(false) => Err(EngineError::ViciRefused {
                command,
                message: answer.errmsg.unwrap_or_else(|| "no reason given".into()),
            }
            .into()),
            _ => Ok(()),
        }
    }

    fn failed(&self, command: &'static str, error: rsvici::Error) -> GatewayError {
        EngineError::ViciFailed {
            command,
            uri: self.uri.clone(),
            source: Box::new(error),
        }
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
