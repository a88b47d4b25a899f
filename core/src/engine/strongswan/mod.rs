//! The `strongswan` engine: a live charon (VICI) and nftables, plus the same files as
//! the `local` engine so that the configuration survives a charon restart
//! (`swanctl --load-all`).
//!
//! The gateway's truth is what is live: a connection exists when charon has it loaded,
//! every setting `list-conns` reports (addresses, version, identities, rekey times, DPD,
//! start action, traffic selectors) is read back from charon, its NAT from nftables;
//! what charon cannot report (proposals, PFS, the key) comes from the files. So a
//! connection unloaded or reloaded by hand, a changed selector or a deleted NAT rule is
//! drift.
//!
//! A change writes the files, then loads the key, the connection and the NAT. If charon
//! or nft refuses, the previous files and live configuration are put back and the error
//! carries charon's or nft's own message.

#[cfg(feature = "bench-hooks")]
pub mod bench;
mod establish;
mod live;
pub(crate) mod message;
mod nat_addresses;
pub(crate) mod nft;
mod session;
mod status;
pub(crate) mod vici;

use std::collections::BTreeSet;
use std::path::Path;

use async_trait::async_trait;

use self::message::{load_messages, secret_id};
use self::nat_addresses::NatAddresses;
use self::nft::Nft;
pub use self::nft::NFT_DEADLINE;
pub use self::session::{POOL_SIZE, VICI_DEADLINE};
use self::vici::Vici;
pub use self::vici::ViciUri;
use super::LocalGateway;
use crate::gateway::{
    ApplyError, Change, ConnectionStatus, Edit, EngineError, Establishment, Gateway, GatewayError,
    GatewayIndex,
};
use crate::model::{ConnectionName, Context, NatTable, StartAction};
use crate::render::{children, is_child_of};

/// The `strongswan` engine.
#[derive(Debug)]
pub struct StrongswanGateway {
    files: LocalGateway,
    vici: Vici,
    nft: Nft,
    /// Serializes this process's changes: a change spans files, charon and nftables.
    writer: tokio::sync::Mutex<()>,
}

impl StrongswanGateway {
    /// Opens the engine: the config dir as for the `local` engine, and checks that
    /// charon answers at `vici_uri` and that `netns` exists.
    pub async fn open(
        config_dir: impl AsRef<Path>,
        nat_table: NatTable,
        vici_uri: ViciUri,
        netns: Option<String>,
    ) -> Result<Self, GatewayError> {
        if let Some(netns) = &netns {
            if !Path::new("/run/netns").join(netns).exists() {
                return Err(GatewayError::Config {
                    setting: "netns",
                    message: format!(
                        "there is no network namespace {netns:?} (no /run/netns/{netns}); create it with `ip netns add` \
                         or leave netns unset to use the provider's own"
                    ),
                });
            }
        }
        let files = LocalGateway::open(config_dir, nat_table.clone())?;
        let vici = Vici::new(vici_uri);
        vici.ping().await?;
        Ok(Self {
            files,
            vici,
            nft: Nft::new(netns, nat_table),
            writer: tokio::sync::Mutex::new(()),
        })
    }

    /// The files kept beside the live configuration.
    pub fn files(&self) -> &LocalGateway {
        &self.files
    }

    /// Loads `context` into charon and nftables.
    ///
    /// A `start` connection is initiated by charon itself when `load-conn` brings it
    /// in, and closed and initiated again when `load-conn` changes it, so the engine
    /// adds nothing (initiating too would race charon and kill the SA it just built).
    /// For `trap` and `none` connections charon keeps established SAs on a reload, so
    /// when the change touches what an SA was negotiated with, the engine terminates
    /// that SA: the change takes effect now (a removed remote subnet stops being
    /// tunnelled), and the tunnel comes back on the next packet (`trap`) or when the
    /// peer, whose `close_action` follows its `start_action`, initiates again.
    ///
    /// A connection that becomes `start` has its SAs terminated first: charon keeps an
    /// SA a `trap` or `none` connection has (the peer brought it up, or a hand
    /// `--initiate`) and initiates a second one on the load, leaving duplicate IKE and
    /// CHILD SAs.
    ///
    /// `previous` is the files' context, `running` the live view of it (charon's start
    /// action, which a hand reload may have changed).
    async fn load(
        &self,
        context: &Context,
        previous: Option<&Context>,
        running: Option<&Context>,
    ) -> Result<(), GatewayError> {
        let name = context.name();
        let key = context.connection.preshared_key.expose();
        let messages = load_messages(context)?;
        let starts = context.connection.start_action == StartAction::Start;
        if starts && running.is_some_and(|r| r.connection.start_action != StartAction::Start) {
            tracing::debug!(connection = %name, "becomes start: terminating its SAs before the load");
            self.vici.terminate(name.as_str(), None, false).await?;
        }
        let renegotiate = previous
            .and_then(|previous| renegotiation(previous, context))
            .filter(|_| !starts);
        // The children charon runs, by the names it runs them under, asked before the
        // new configuration replaces them: a file of an earlier version named IKEv1
        // children by position, not by their pair of subnets.
        let running = match renegotiate {
            Some(Renegotiate::Child) => self.running_children(name).await?,
            _ => BTreeSet::new(),
        };
        self.vici
            .load_shared(&secret_id(name), key, &messages.owners)
            .await?;
        self.vici.load_conn(&messages.conn).await?;
        // A gateway that never had NAT for this connection gets no (empty) table; a new
        // one clears chains an earlier connection of its name may have left.
        let had_nat = match previous {
            Some(previous) => previous.nat.is_some(),
            None => self.nft.has_chains(name).await?,
        };
        if context.nat.is_some() || had_nat {
            self.nft.replace(name, context.nat.as_ref()).await?;
            NatAddresses::new(self.nft.netns())
                .sync(previous.and_then(|p| p.nat.as_ref()), context.nat.as_ref())
                .await?;
        }
        match renegotiate {
            Some(Renegotiate::Ike) => self.vici.terminate(name.as_str(), None, false).await?,
            Some(Renegotiate::Child) => {
                // The previous children too: an IKEv1 connection may have had other ones.
                let old = previous.map(children).unwrap_or_default();
                let mut names: BTreeSet<String> = old
                    .into_iter()
                    .chain(children(context))
                    .map(|c| c.name)
                    .collect();
                names.extend(running);
                for child in &names {
                    self.vici
                        .terminate(name.as_str(), Some(child), false)
                        .await?;
                }
            }
            None => {}
        }
        Ok(())
    }

    /// The names of the children of `name` that charon has loaded now.
    async fn running_children(
        &self,
        name: &ConnectionName,
    ) -> Result<BTreeSet<String>, GatewayError> {
        let conn = self.vici.list_conn(name.as_str()).await?;
        Ok(conn
            .map(|conn| {
                conn.children
                    .into_keys()
                    .filter(|child| is_child_of(name, child))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Removes the connection `name` from charon and nftables. Its SAs are closed
    /// first (forced: a peer that does not answer must not keep them alive): charon
    /// closes them on unload only for some start actions, and a peer must not keep a
    /// tunnel to a connection that no longer exists.
    async fn unload(&self, name: &ConnectionName, had_nat: bool) -> Result<(), GatewayError> {
        self.vici.terminate(name.as_str(), None, true).await?;
        self.vici.unload_conn(name.as_str()).await?;
        self.vici.unload_shared(&secret_id(name)).await?;
        if had_nat {
            self.nft.replace(name, None).await?;
        }
        Ok(())
    }

    /// `nft` for the table that holds the stored NAT of `name`: this engine's, unless the
    /// provider's `nat_table` changed since it was written.
    async fn nft_of(&self, name: &ConnectionName) -> Result<Nft, GatewayError> {
        Ok(match self.files.stored_nat_table(name).await? {
            Some(table) if &table != self.nft.table() => self.nft.for_table(table),
            _ => self.nft.clone(),
        })
    }

    /// Puts back `previous` (files and live) after a refused change.
    async fn restore(&self, name: &ConnectionName, previous: Option<&Context>) {
        let outcome = match previous {
            Some(context) => match self.files.put(context).await {
                Ok(()) => self.load(context, None, None).await,
                Err(error) => Err(error),
            },
            None => match self.files.delete(name).await {
                Ok(_) => self.unload(name, true).await,
                Err(error) => Err(error),
            },
        };
        if let Err(error) = outcome {
            tracing::error!(connection = %name, %error, "could not restore the previous configuration");
        }
    }

    /// Writes and loads `context` over `previous` (the files) and `running` (the live
    /// view of them).
    async fn put_live(
        &self,
        previous: Option<&Context>,
        running: Option<&Context>,
        context: &Context,
    ) -> Result<(), GatewayError> {
        self.files.put(context).await?;
        if let Err(error) = self.load(context, previous, running).await {
            tracing::warn!(connection = %context.name(), %error, "the gateway refused the change; restoring");
            self.restore(context.name(), previous).await;
            // Reloading `previous` adds its NAT addresses but knows nothing of the ones
            // the refused change may have added.
            let back = NatAddresses::new(self.nft.netns())
                .sync(context.nat.as_ref(), previous.and_then(|p| p.nat.as_ref()))
                .await;
            if let Err(error) = back {
                tracing::error!(connection = %context.name(), %error, "could not restore the NAT addresses");
            }
            return Err(refused(error));
        }
        Ok(())
    }

    async fn delete_live(
        &self,
        previous: Option<&Context>,
        name: &ConnectionName,
    ) -> Result<(), GatewayError> {
        let had_nat = previous.is_none_or(|p| p.nat.is_some());
        if let Err(error) = self.unload(name, had_nat).await {
            tracing::warn!(connection = %name, %error, "the gateway refused the removal; restoring");
            self.restore(name, previous).await;
            return Err(refused(error));
        }
        if let Some(nat) = previous.and_then(|p| p.nat.as_ref()) {
            NatAddresses::new(self.nft.netns())
                .sync(Some(nat), None)
                .await?;
        }
        self.files.delete(name).await.map(drop)
    }
}

/// Which SA a change invalidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Renegotiate {
    /// The IKE_SA (and its children): endpoints, IKE version or phase 1 changed.
    Ike,
    /// The CHILD_SAs: phase 2, PFS or traffic selectors changed.
    Child,
}

fn renegotiation(previous: &Context, next: &Context) -> Option<Renegotiate> {
    let (old, new) = (&previous.connection, &next.connection);
    if old.peer_address != new.peer_address
        || old.local_address != new.local_address
        || old.ike_version != new.ike_version
        || old.phase1 != new.phase1
        || old.preshared_key.expose() != new.preshared_key.expose()
    {
        Some(Renegotiate::Ike)
    } else if old.phase2 != new.phase2
        || old.perfect_forward_secrecy != new.perfect_forward_secrecy
        || old.local_subnets != new.local_subnets
        || previous.remote_traffic_selectors() != next.remote_traffic_selectors()
    {
        Some(Renegotiate::Child)
    } else {
        None
    }
}

/// Says that nothing changed, after charon's or nft's own words.
fn refused(error: GatewayError) -> GatewayError {
    match error {
        GatewayError::Engine(refusal) => EngineError::RestoredAfterRefusal {
            refusal: Box::new(refusal),
        }
        .into(),
        other => other,
    }
}

#[async_trait]
impl Gateway for StrongswanGateway {
    fn engine(&self) -> &'static str {
        "strongswan"
    }

    async fn get(&self, name: &ConnectionName) -> Result<Option<Context>, GatewayError> {
        let stored = self.files.get(name).await?;
        let nft = self.nft_of(name).await?;
        live::view(&self.vici, &nft, name, stored).await
    }

    async fn list(&self) -> Result<Vec<ConnectionName>, GatewayError> {
        let loaded = self.vici.loaded_conns().await?;
        Ok(self
            .files
            .list()
            .await?
            .into_iter()
            .filter(|name| loaded.iter().any(|l| l == name.as_str()))
            .collect())
    }

    /// The files' index: charon reports neither proposals nor NAT, and the files follow
    /// every change this engine makes.
    async fn index(&self) -> Result<GatewayIndex, GatewayError> {
        self.files.index().await
    }

    fn detached(&self) -> &crate::gateway::detached::Detached {
        self.files.detached()
    }

    fn unanswered(&self) -> &crate::gateway::unanswered::Unanswered {
        self.files.unanswered()
    }

    fn nat_table(&self) -> &NatTable {
        self.nft.table()
    }

    async fn stored_nat_table(
        &self,
        name: &ConnectionName,
    ) -> Result<Option<NatTable>, GatewayError> {
        self.files.stored_nat_table(name).await
    }

    /// charon's view: loaded when `list-conns` has it, the SAs from `list-sas`.
    async fn status(&self, name: &ConnectionName) -> Result<ConnectionStatus, GatewayError> {
        status::status(&self.vici, name).await
    }

    async fn establish(
        &self,
        context: &Context,
        within: std::time::Duration,
    ) -> Result<Establishment, GatewayError> {
        self.bring_up(context, within).await
    }

    async fn modify(&self, name: &ConnectionName, edit: Edit) -> Result<Change, ApplyError> {
        let _writer = self.writer.lock().await;
        let stored = self.files.get(name).await?;
        let stored_nft = self.nft_of(name).await?;
        let current = live::view(&self.vici, &stored_nft, name, stored.clone()).await?;
        let index = self.files.index().await?;
        let running = current.clone();
        let change = edit(current, &index).map_err(ApplyError::Rejected)?;
        match &change {
            Change::Keep => {}
            Change::Put(context) => {
                self.put_live(stored.as_ref(), running.as_ref(), context)
                    .await?
            }
            Change::Delete => self.delete_live(stored.as_ref(), name).await?,
        }
        // A NAT stored in another table (the provider's nat_table changed) is now in
        // this engine's table, or gone: nothing of it stays in the old one.
        if stored_nft.table() != self.nft.table()
            && stored.as_ref().is_some_and(|s| s.nat.is_some())
            && change != Change::Keep
        {
            stored_nft.replace(name, None).await?;
        }
        Ok(change)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Cidr, Encryption, Keylife};
    use crate::validate::{validate_connection, ConnectionInput};

    fn context() -> Context {
        context_starting(None)
    }

    /// `dc1` with one remote subnet and `start_action` (the default for `None`); the
    /// engine's other unit tests build on it.
    pub(super) fn context_starting(start_action: Option<&str>) -> Context {
        let input = ConnectionInput {
            name: "dc1".into(),
            peer_address: "203.0.113.10".into(),
            preshared_key: Some("correct horse battery staple".into()),
            local_subnets: vec!["10.1.0.0/16".into()],
            start_action: start_action.map(Into::into),
            ..ConnectionInput::default()
        };
        let mut context = Context::new(validate_connection(&input).0.unwrap());
        context
            .remote_subnets
            .insert(Cidr::parse("192.168.10.0/24").unwrap());
        context
    }

    #[test]
    fn a_change_renegotiates_only_the_sa_it_touches() {
        let old = context();
        assert_eq!(renegotiation(&old, &old.clone()), None);

        let mut description_only = old.clone();
        description_only.connection.description = Some("new words".into());
        assert_eq!(renegotiation(&old, &description_only), None);

        let mut fewer_subnets = old.clone();
        fewer_subnets.remote_subnets.clear();
        assert_eq!(
            renegotiation(&old, &fewer_subnets),
            Some(Renegotiate::Child)
        );

        let mut phase2 = old.clone();
        phase2.connection.phase2.keylife = Keylife::from_seconds(1800).unwrap();
        assert_eq!(renegotiation(&old, &phase2), Some(Renegotiate::Child));

        let mut phase1 = old.clone();
        phase1.connection.phase1.encryption = Encryption::Aes128;
        assert_eq!(renegotiation(&old, &phase1), Some(Renegotiate::Ike));
    }
}
