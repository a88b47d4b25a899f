//! The embedded `local` engine: the gateway's configuration as real strongSwan and
//! nftables files under a config dir, with no daemon and no root.
//!
//! Layout (SPEC.md, [`layout`]): `swanctl/conf.d/<name>.conf` (mode 0600, holds the key)
//! and `nftables/<name>.nft` (mode 0640, only when the connection has a NAT context).
//! Every change is committed atomically by [`journal`] under the [`lock`] of the dir.
//!
//! Opening and reading create nothing (`terraform plan` runs them): a missing config
//! dir holds no connections, and the first change creates it and its subdirs (mode
//! 0700), then its lock file.
//!
//! The parts: [`Gateway`](crate::gateway::Gateway) for this engine (`gateway.rs`),
//! reading a context under the reader's rules (`read.rs`), deciding and writing a change
//! under the writer lock (`write.rs`), and keeping the gateway index up to date
//! (`index_cache.rs`, over the file format of [`index`]).

pub mod config_dir;
mod gateway;
pub mod index;
mod index_cache;
pub mod journal;
mod layout;
pub mod lock;
mod read;
mod write;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use self::index::StoredIndex;
use self::layout::{nftables_file, swanctl_file};
pub use self::layout::{NFTABLES_DIR, NFTABLES_MODE, SWANCTL_DIR, SWANCTL_MODE};
use crate::gateway::detached::Detached;
use crate::gateway::unanswered::Unanswered;
use crate::gateway::{ApplyError, EngineError, GatewayError};
use crate::model::{ConnectionName, NatTable};

/// The `local` engine over one config dir.
#[derive(Debug, Clone)]
pub struct LocalGateway {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    root: PathBuf,
    nat_table: NatTable,
    /// Serializes this process's writers before they reach the cross-process `flock`.
    lock: tokio::sync::RwLock<()>,
    /// The gateway index as last seen by this process (loaded from its file on first use).
    index: std::sync::Mutex<Option<StoredIndex>>,
    /// The gateway index as last checked against the files, trusted for a while.
    seen: std::sync::Mutex<Option<index_cache::Seen>>,
    /// The table each context's NAT file named when it was last read here: a refresh
    /// asks for it right after reading the context, and need not parse the file twice.
    tables: std::sync::Mutex<std::collections::HashMap<ConnectionName, Option<NatTable>>>,
    detached: Detached,
    unanswered: Unanswered,
}

impl LocalGateway {
    /// Opens the config dir `config_dir`, creating nothing: a missing dir is created
    /// (mode 0700) by the first change. A dir that could not serve — a file, or a dir
    /// this process cannot write (for a missing one: its nearest existing ancestor) — is
    /// a [`GatewayError::Config`] naming `config_dir`, before any plan relies on it.
    pub fn open(config_dir: impl AsRef<Path>, nat_table: NatTable) -> Result<Self, GatewayError> {
        let root = config_dir.as_ref().to_path_buf();
        config_dir::check_usable(&root)?;
        let unanswered = Unanswered::in_config_dir(&root);
        Ok(Self {
            inner: Arc::new(Inner {
                root,
                nat_table,
                lock: tokio::sync::RwLock::new(()),
                index: std::sync::Mutex::new(None),
                seen: std::sync::Mutex::new(None),
                tables: Default::default(),
                detached: Detached::default(),
                unanswered,
            }),
        })
    }

    /// The config dir.
    pub fn config_dir(&self) -> &Path {
        &self.inner.root
    }

    /// The swanctl file of connection `name`.
    pub fn swanctl_path(&self, name: &ConnectionName) -> PathBuf {
        self.inner.root.join(swanctl_file(name))
    }

    /// The nftables fragment of connection `name`.
    pub fn nftables_path(&self, name: &ConnectionName) -> PathBuf {
        self.inner.root.join(nftables_file(name))
    }

    /// Runs `work` on a blocking thread.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Inner) -> Result<T, ApplyError> + Send + 'static,
    ) -> Result<T, ApplyError> {
        let inner = Arc::clone(&self.inner);
        // Logs from the blocking thread go where the caller's go, inside the caller's span.
        let dispatch = tracing::dispatcher::get_default(Clone::clone);
        let span = tracing::Span::current();
        // The blocking task runs to completion even if the caller is cancelled, so a
        // commit is never abandoned half-way.
        tokio::task::spawn_blocking(move || {
            tracing::dispatcher::with_default(&dispatch, || span.in_scope(|| work(&inner)))
        })
        .await
        .map_err(|source| EngineError::TaskFailed { source })?
    }
}
