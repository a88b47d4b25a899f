//! The steps of one engine operation, one at a time, for the benchmark
//! (`core/examples/bench_strongswan`) that shows where an operation's time goes.
//!
//! Only with the `bench-hooks` feature: these are the engine's own pieces (the VICI
//! commands, the `nft` transaction, the rendered messages), exposed so that each can be
//! timed alone without making the modules that hold them public.

use super::message::{load_messages, secret_id, LoadMessages};
use super::nft::Nft;
use super::vici::Vici;
use super::ViciUri;
use crate::gateway::GatewayError;
use crate::model::{ConnectionName, Context, NatTable};

/// The engine's VICI endpoint and `nft`, as [`super::StrongswanGateway`] uses them.
#[derive(Debug)]
pub struct EngineSteps {
    vici: Vici,
    nft: Nft,
}

/// What loading one context sends to charon (rendered and parsed once).
pub struct Messages(LoadMessages);

impl EngineSteps {
    /// The steps against charon at `vici_uri`, with `nft` in `netns` on the default
    /// NAT table.
    pub fn new(vici_uri: ViciUri, netns: Option<String>) -> Self {
        Self {
            vici: Vici::new(vici_uri),
            nft: Nft::new(netns, NatTable::default()),
        }
    }

    /// Connects to charon and asks its version.
    pub async fn connect(&self) -> Result<(), GatewayError> {
        self.vici.ping().await
    }

    /// `list-conns` of one connection; answers whether charon has it loaded.
    pub async fn list_conn(&self, name: &ConnectionName) -> Result<bool, GatewayError> {
        Ok(self.vici.list_conn(name.as_str()).await?.is_some())
    }

    /// `get-conns`: the names of every loaded connection.
    pub async fn loaded_conns(&self) -> Result<Vec<String>, GatewayError> {
        self.vici.loaded_conns().await
    }

    /// Renders `context` and parses it into the messages that load it.
    pub fn messages(context: &Context) -> Result<Messages, GatewayError> {
        load_messages(context).map(Messages)
    }

    /// `load-shared` of the key of `context`, owned as `messages` say.
    pub async fn load_shared(
        &self,
        context: &Context,
        messages: &Messages,
    ) -> Result<(), GatewayError> {
        let key = context.connection.preshared_key.expose();
        self.vici
            .load_shared(&secret_id(context.name()), key, &messages.0.owners)
            .await
    }

    /// `load-conn` of `messages`.
    pub async fn load_conn(&self, messages: &Messages) -> Result<(), GatewayError> {
        self.vici.load_conn(&messages.0.conn).await
    }

    /// Terminates the CHILD_SAs of the child named as its connection (an IKEv2
    /// connection's one child).
    pub async fn terminate_child(&self, name: &ConnectionName) -> Result<(), GatewayError> {
        self.vici
            .terminate(name.as_str(), Some(name.as_str()), false)
            .await
    }

    /// The `nft` transaction that removes the NAT chains of `name`.
    pub async fn remove_nat(&self, name: &ConnectionName) -> Result<(), GatewayError> {
        self.nft.replace(name, None).await
    }
}
