//! The embedded `local` engine: the gateway's configuration as real strongSwan and
//! nftables files under a config dir, with no daemon and no root.
//!
//! Layout (SPEC.md): `swanctl/conf.d/<name>.conf` (mode 0600, holds the key) and
//! `nftables/<name>.nft` (mode 0640, only when the connection has a NAT context). Every
//! change is committed atomically by [`journal`] under the [`lock`] of the dir.
//!
//! Opening and reading create nothing (`terraform plan` runs them): a missing config
//! dir holds no connections, and the first change creates it and its subdirs (mode
//! 0700), then its lock file.

pub mod config_dir;
pub mod index;
pub mod journal;
pub mod lock;

use std::fs::{self, DirBuilder};
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use zeroize::Zeroizing;

use self::index::{ContextFiles, DirStamps, StoredIndex};
use self::journal::{commit, recover, FileOp, JOURNAL};
use self::lock::{DirLock, LockKind, LOCK_FILE};
use crate::gateway::detached::Detached;
use crate::gateway::{ApplyError, Change, Edit, Gateway, GatewayError, GatewayIndex};
use crate::model::{ConnectionName, Context, NatTable};
use crate::parse::{parse_nftables_file, parse_swanctl, ParseError};
use crate::render::{render_nftables, render_swanctl};

/// Where connection files live, relative to the config dir.
pub const SWANCTL_DIR: &str = "swanctl/conf.d";
/// Where NAT fragments live, relative to the config dir.
pub const NFTABLES_DIR: &str = "nftables";
/// Permission bits of a swanctl file (it holds the pre-shared key).
pub const SWANCTL_MODE: u32 = 0o600;
/// Permission bits of an nftables fragment.
pub const NFTABLES_MODE: u32 = 0o640;

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
    /// The index as the last plan-time read found it, with the file dirs' stamps then.
    read_cache: std::sync::Mutex<Option<(DirStamps, GatewayIndex)>>,
    /// The table each context's NAT file named when it was last read here: a refresh
    /// asks for it right after reading the context, and need not parse the file twice.
    tables: std::sync::Mutex<std::collections::HashMap<ConnectionName, Option<NatTable>>>,
    detached: Detached,
}

impl LocalGateway {
    /// Opens the config dir `config_dir`, creating nothing: a missing dir is created
    /// (mode 0700) by the first change. A dir that could not serve — a file, or a dir
    /// this process cannot write (for a missing one: its nearest existing ancestor) — is
    /// a [`GatewayError::Config`] naming `config_dir`, before any plan relies on it.
    pub fn open(config_dir: impl AsRef<Path>, nat_table: NatTable) -> Result<Self, GatewayError> {
        let root = config_dir.as_ref().to_path_buf();
        config_dir::check_usable(&root)?;
        Ok(Self {
            inner: Arc::new(Inner {
                root,
                nat_table,
                lock: tokio::sync::RwLock::new(()),
                index: std::sync::Mutex::new(None),
                read_cache: std::sync::Mutex::new(None),
                tables: Default::default(),
                detached: Detached::default(),
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
        .map_err(|e| {
            ApplyError::Gateway(GatewayError::Engine(format!(
                "local engine task failed: {e}"
            )))
        })?
    }
}

impl LocalGateway {
    /// The gateway index with every entry checked against its files.
    async fn thorough_index(&self) -> Result<GatewayIndex, GatewayError> {
        let index = |inner: &Inner| {
            inner
                .with_index(|_, index, _| Ok(index))
                .map_err(ApplyError::into_gateway_error)
        };
        if let Some(index) = self.inner.read_untouched(index)? {
            return Ok(index);
        }
        if let Some(_lock) = self.inner.try_lock_for_reading()? {
            return self
                .inner
                .with_index(|_, index, _| Ok(index))
                .map_err(ApplyError::into_gateway_error);
        }
        self.blocking(|inner| {
            let _lock = inner.lock_for_reading()?;
            inner.with_index(|_, index, _| Ok(index))
        })
        .await
        .map_err(ApplyError::into_gateway_error)
    }
}

#[async_trait]
impl Gateway for LocalGateway {
    fn engine(&self) -> &'static str {
        "local"
    }

    async fn get(&self, name: &ConnectionName) -> Result<Option<Context>, GatewayError> {
        let _guard = self.inner.lock.read().await;
        // Terraform reads one connection per resource at plan and refresh: two small
        // files, cheaper to read here than to hand to a blocking thread and back. Only a
        // writer of another process holding the dir (or a journal to recover) makes the
        // read wait, and that wait belongs on a blocking thread.
        if let Some(found) = self.inner.read_untouched(|inner| inner.read(name))? {
            return Ok(found);
        }
        if let Some(_lock) = self.inner.try_lock_for_reading()? {
            return self.inner.read(name);
        }
        let name = name.clone();
        self.blocking(move |inner| {
            let _lock = inner.lock_for_reading()?;
            Ok(inner.read(&name)?)
        })
        .await
        .map_err(ApplyError::into_gateway_error)
    }

    async fn list(&self) -> Result<Vec<ConnectionName>, GatewayError> {
        let _guard = self.inner.lock.read().await;
        if let Some(names) = self.inner.read_untouched(Inner::list)? {
            return Ok(names);
        }
        self.blocking(|inner| {
            let _lock = inner.lock_for_reading()?;
            Ok(inner.list()?)
        })
        .await
        .map_err(ApplyError::into_gateway_error)
    }

    fn detached(&self) -> &Detached {
        &self.inner.detached
    }

    fn nat_table(&self) -> &NatTable {
        &self.inner.nat_table
    }

    async fn stored_nat_table(
        &self,
        name: &ConnectionName,
    ) -> Result<Option<NatTable>, GatewayError> {
        let _guard = self.inner.lock.read().await;
        if let Some(found) = self
            .inner
            .read_untouched(|inner| inner.stored_nat_table(name))?
        {
            return Ok(found);
        }
        let name = name.clone();
        self.blocking(move |inner| {
            let _lock = inner.lock_for_reading()?;
            Ok(inner.stored_nat_table(&name)?)
        })
        .await
        .map_err(ApplyError::into_gateway_error)
    }

    /// At plan time, Terraform asks this once per resource: while neither file dir
    /// changed (every write renames a file into one), the index last read is still the
    /// gateway's, and no file is even looked at. A hand edit in place is not seen until
    /// a dir changes; apply, which judges under the writer lock, always is thorough.
    async fn index(&self) -> Result<GatewayIndex, GatewayError> {
        let _guard = self.inner.lock.read().await;
        let stamps = self.inner.dir_stamps();
        if let Some(index) = self.inner.cached_index(&stamps) {
            return Ok(index);
        }
        let index = self.thorough_index().await?;
        self.inner.cache_index(stamps, &index);
        Ok(index)
    }

    async fn modify(&self, name: &ConnectionName, edit: Edit) -> Result<Change, ApplyError> {
        let _guard = self.inner.lock.write().await;
        let name = name.clone();
        self.blocking(move |inner| {
            let Some((_lock, change)) = inner.decide(&name, edit)? else {
                return Ok(Change::Keep);
            };
            inner.store(&name, &change)?;
            let mut stored = inner.stored_index();
            let stored = stored.get_or_insert_with(|| StoredIndex::load(&inner.root));
            inner.remember(stored, &name, &change, true);
            tracing::debug!(engine = "local", connection = %name, change = change_kind(&change), "modified context");
            Ok(change)
        })
        .await
    }

    /// Deletes without parsing, so that a file broken by hand can still be destroyed.
    async fn delete(&self, name: &ConnectionName) -> Result<bool, GatewayError> {
        let _guard = self.inner.lock.write().await;
        if !self.inner.root.exists() {
            // Nothing to delete, and nothing to create for it.
            return Ok(false);
        }
        let name = name.clone();
        self.blocking(move |inner| {
            let _lock = inner.lock_for_writing()?;
            let existed = inner.root.join(swanctl_file(&name)).exists();
            inner.remove(&name)?;
            let mut stored = inner.stored_index();
            let stored = stored.get_or_insert_with(|| StoredIndex::load(&inner.root));
            inner.remember(stored, &name, &Change::Delete, false);
            tracing::debug!(engine = "local", connection = %name, existed, "deleted context");
            Ok(existed)
        })
        .await
        .map_err(ApplyError::into_gateway_error)
    }
}

/// How often the index file is rewritten during a run of changes.
const SAVE_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

impl Drop for Inner {
    /// The changes since the index file was last written go into it (best effort: the
    /// next process rebuilds what is missing).
    fn drop(&mut self) {
        let mut stored = self.stored_index();
        if let Some(stored) = stored.as_mut().filter(|s| s.unsaved) {
            if !self.root.join(SWANCTL_DIR).exists() {
                return;
            }
            let _lock = DirLock::acquire(&self.root, LockKind::Exclusive);
            self.save_index(stored);
        }
    }
}

impl Inner {
    /// Runs `work` with the stored index brought up to date with the files: it gets the
    /// stored index, the gateway index and whether the refresh changed any entry.
    /// The caller holds the dir's lock.
    fn with_index<T>(
        &self,
        work: impl FnOnce(&mut StoredIndex, GatewayIndex, bool) -> Result<T, ApplyError>,
    ) -> Result<T, ApplyError> {
        let mut stored = self.stored_index();
        let stored = stored.get_or_insert_with(|| StoredIndex::load(&self.root));
        // Every entry is checked (a `stat` of its files), so that an edit in place by
        // hand is seen too: a change is judged against the gateway as it is.
        let names = self.list()?;
        let (index, changed) = stored.refresh(
            &self.root,
            &names,
            |name| (swanctl_file(name), nftables_file(name)),
            |name| self.read(name),
        );
        work(stored, index, changed)
    }

    /// The inode and modification time of both file dirs.
    fn dir_stamps(&self) -> DirStamps {
        use std::os::unix::fs::MetadataExt;
        [SWANCTL_DIR, NFTABLES_DIR].map(|dir| {
            fs::metadata(self.root.join(dir))
                .ok()
                .map(|m| (m.ino(), m.mtime(), m.mtime_nsec()))
        })
    }

    fn cached_index(&self, stamps: &DirStamps) -> Option<GatewayIndex> {
        let cache = self.read_cache.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .as_ref()
            .filter(|(seen, _)| seen == stamps)
            .map(|(_, index)| index.clone())
    }

    fn cache_index(&self, stamps: DirStamps, index: &GatewayIndex) {
        let mut cache = self.read_cache.lock().unwrap_or_else(|e| e.into_inner());
        *cache = Some((stamps, index.clone()));
    }

    fn stored_index(&self) -> std::sync::MutexGuard<'_, Option<StoredIndex>> {
        // A poisoned lock only means a panic elsewhere; the cache is rebuilt from files anyway.
        self.index.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes what `change` says to the files.
    fn store(&self, name: &ConnectionName, change: &Change) -> Result<(), GatewayError> {
        match change {
            Change::Put(context) if context.name() != name => Err(GatewayError::Engine(format!(
                "an edit of {name} tried to store {}",
                context.name()
            ))),
            // Files already as rendered (content and mode) are left alone by `write`.
            Change::Put(context) => self.write(context),
            Change::Delete => self.remove(name),
            Change::Keep => Ok(()),
        }
    }

    /// Records `change` in the index and saves it when anything changed. The index is a
    /// cache: failing to save it costs a rebuild later, never a change.
    fn remember(
        &self,
        stored: &mut StoredIndex,
        name: &ConnectionName,
        change: &Change,
        changed: bool,
    ) {
        let context = match change {
            Change::Keep if !changed => return,
            Change::Keep => None,
            Change::Put(context) => Some(context.as_ref()),
            Change::Delete => None,
        };
        if !matches!(change, Change::Keep) {
            let (swanctl, nftables) = (swanctl_file(name), nftables_file(name));
            let files = ContextFiles {
                swanctl: &swanctl,
                nftables: &nftables,
            };
            stored.update(&self.root, name, context, files);
        }
        stored.unsaved = true;
        // Written at most once a second (and when the engine is dropped): rewriting the
        // whole file at every change made an apply of N resources quadratic. What a
        // crash leaves unsaved is read again from the files by the next process.
        if stored.saved_at.is_none_or(|at| at.elapsed() >= SAVE_EVERY) {
            self.save_index(stored);
        }
    }

    fn save_index(&self, stored: &mut StoredIndex) {
        match stored.save(&self.root) {
            Ok(()) => {
                stored.saved_at = Some(std::time::Instant::now());
                stored.unsaved = false;
            }
            Err(error) => {
                tracing::warn!(%error, "could not save the gateway index; it will be rebuilt")
            }
        }
    }

    /// The writer lock, after creating the config dir and its subdirs if needed: only a
    /// writer creates anything, and creating a dir twice is harmless, so two first
    /// writers need no lock until the lock file can exist.
    fn lock_for_writing(&self) -> Result<DirLock, GatewayError> {
        self.create_dirs()?;
        let lock = DirLock::acquire(&self.root, LockKind::Exclusive)?;
        recover(
            &self.root,
            &[Path::new(SWANCTL_DIR), Path::new(NFTABLES_DIR)],
        )?;
        Ok(lock)
    }

    /// Runs `edit` on the context `name` as stored, under the writer lock, and answers
    /// the change with the lock still held; `None` when it keeps everything as it is.
    ///
    /// In a config dir no writer has touched (or none at all), the edit is judged first
    /// on an unlocked read, so that a change that is rejected or keeps everything
    /// creates nothing, not even the dir. Only a change to write takes the lock (which
    /// creates the dir); the context is then read again, and as an edit depends on
    /// nothing but the context it is given, an unchanged context means an unchanged
    /// decision. A writer of another process that changed this very context in between
    /// makes this change fail, to be run again.
    fn decide(
        &self,
        name: &ConnectionName,
        edit: Edit,
    ) -> Result<Option<(DirLock, Change)>, ApplyError> {
        let judge = |current: Option<Context>, edit: Edit| {
            self.with_index(|_, index, _| edit(current, &index).map_err(ApplyError::Rejected))
        };
        let Some(current) = self.read_untouched(|inner| inner.read(name))? else {
            let lock = self.lock_for_writing()?;
            let change = judge(self.read(name)?, edit)?;
            return Ok(Some((lock, change)));
        };
        let change = judge(current.clone(), edit)?;
        if change == Change::Keep {
            return Ok(None);
        }
        let lock = self.lock_for_writing()?;
        if self.read(name)? != current {
            return Err(GatewayError::Engine(format!(
                "connection {name} was changed by another writer while this change was being prepared; \
                 nothing was written, run the change again"
            ))
            .into());
        }
        Ok(Some((lock, change)))
    }

    fn create_dirs(&self) -> Result<(), GatewayError> {
        for dir in [SWANCTL_DIR, NFTABLES_DIR] {
            let path = self.root.join(dir);
            DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&path)
                .map_err(|source| GatewayError::Io {
                    action: "create",
                    path,
                    source,
                })?;
        }
        Ok(())
    }

    /// `read` done without a lock and without creating anything, when no writer has ever
    /// changed the config dir (it has no lock file, which a writer creates before
    /// anything else and nobody removes; a missing dir has none either). `None` when a
    /// writer has, or began to during the read: the caller reads under the lock.
    fn read_untouched<T>(
        &self,
        read: impl Fn(&Self) -> Result<T, GatewayError>,
    ) -> Result<Option<T>, GatewayError> {
        let lock_file = self.root.join(LOCK_FILE);
        let untouched = || matches!(fs::symlink_metadata(&lock_file), Err(e) if e.kind() == io::ErrorKind::NotFound);
        if !untouched() {
            return Ok(None);
        }
        let result = read(self);
        if !untouched() {
            return Ok(None);
        }
        result.map(Some)
    }

    /// The shared lock if it can be held now and there is no journal to recover;
    /// `None` sends the caller to [`Self::lock_for_reading`] on a blocking thread.
    fn try_lock_for_reading(&self) -> Result<Option<DirLock>, GatewayError> {
        let lock = DirLock::try_acquire(&self.root, LockKind::Shared)?;
        Ok(lock.filter(|_| !self.root.join(JOURNAL).exists()))
    }

    fn lock_for_reading(&self) -> Result<DirLock, GatewayError> {
        let lock = DirLock::acquire(&self.root, LockKind::Shared)?;
        if !self.root.join(JOURNAL).exists() {
            return Ok(lock);
        }
        // A writer crashed mid-commit: finish its work before reading.
        drop(lock);
        drop(self.lock_for_writing()?);
        DirLock::acquire(&self.root, LockKind::Shared)
    }

    fn read(&self, name: &ConnectionName) -> Result<Option<Context>, GatewayError> {
        let swanctl = swanctl_file(name);
        let Some(text) = self.read_text(&swanctl)? else {
            return Ok(None);
        };
        let file =
            parse_swanctl(&text, name).map_err(|e| parse_error(&self.root.join(&swanctl), e))?;
        let nftables = nftables_file(name);
        let (nat, table) = match self.read_text(&nftables)? {
            Some(text) => {
                let (nat, table) = parse_nftables_file(&text)
                    .map_err(|e| parse_error(&self.root.join(&nftables), e))?;
                (Some(nat), table.and_then(|t| NatTable::parse(&t).ok()))
            }
            None => (None, None),
        };
        self.remember_table(name, table);
        Ok(Some(Context {
            connection: file.connection,
            remote_subnets: file.remote_subnets,
            unmanaged_remote_subnets: file.unmanaged_remote_subnets,
            nat,
        }))
    }

    /// The table named in the NAT file of `name` (a name that is not a valid table name
    /// counts as none: the read of the context reports what is wrong with the file).
    fn stored_nat_table(&self, name: &ConnectionName) -> Result<Option<NatTable>, GatewayError> {
        if let Some(table) = self.tables_seen().get(name) {
            return Ok(table.clone());
        }
        let nftables = nftables_file(name);
        let Some(text) = self.read_text(&nftables)? else {
            return Ok(None);
        };
        let (_, table) =
            parse_nftables_file(&text).map_err(|e| parse_error(&self.root.join(&nftables), e))?;
        Ok(table.and_then(|t| NatTable::parse(&t).ok()))
    }

    fn tables_seen(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<ConnectionName, Option<NatTable>>>
    {
        // A poisoned lock only means a panic elsewhere; the map itself is whole.
        self.tables.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn remember_table(&self, name: &ConnectionName, table: Option<NatTable>) {
        self.tables_seen().insert(name.clone(), table);
    }

    fn write(&self, context: &Context) -> Result<(), GatewayError> {
        let table = context.nat.as_ref().map(|_| self.nat_table.clone());
        let name = context.name();
        let swanctl = render_swanctl(context);
        let mut ops = vec![FileOp::Write {
            path: swanctl_file(name),
            contents: Zeroizing::new(swanctl.as_bytes().to_vec()),
            mode: SWANCTL_MODE,
        }];
        ops.push(match &context.nat {
            Some(nat) => FileOp::Write {
                path: nftables_file(name),
                contents: Zeroizing::new(render_nftables(name, nat, &self.nat_table).into_bytes()),
                mode: NFTABLES_MODE,
            },
            None => FileOp::Remove {
                path: nftables_file(name),
            },
        });
        ops.retain(|op| !self.already_holds(op));
        commit(&self.root, ops)?;
        self.remember_table(name, table);
        Ok(())
    }

    fn remove(&self, name: &ConnectionName) -> Result<(), GatewayError> {
        self.remember_table(name, None);
        let ops = vec![
            FileOp::Remove {
                path: nftables_file(name),
            },
            FileOp::Remove {
                path: swanctl_file(name),
            },
        ];
        let ops: Vec<FileOp> = ops
            .into_iter()
            .filter(|op| !self.already_holds(op))
            .collect();
        commit(&self.root, ops)
    }

    /// Whether the file already is as `op` would leave it (so a no-op is not rewritten).
    fn already_holds(&self, op: &FileOp) -> bool {
        match op {
            FileOp::Write {
                path,
                contents,
                mode,
            } => {
                use std::os::unix::fs::PermissionsExt;
                let full = self.root.join(path);
                let same_mode =
                    fs::metadata(&full).is_ok_and(|m| m.permissions().mode() & 0o777 == *mode);
                same_mode
                    && fs::read(&full).is_ok_and(|current| {
                        Zeroizing::new(current).as_slice() == contents.as_slice()
                    })
            }
            FileOp::Remove { path } => !self.root.join(path).exists(),
        }
    }

    /// The file at `relative` under the config dir; `None` if there is none. A link
    /// leading outside the config dir is refused unread.
    fn read_text(&self, relative: &Path) -> Result<Option<Zeroizing<String>>, GatewayError> {
        let path = self.root.join(relative);
        config_dir::check_not_outside_link(&self.root, &path)?;
        read_text(&path)
    }

    fn list(&self) -> Result<Vec<ConnectionName>, GatewayError> {
        let dir = self.root.join(SWANCTL_DIR);
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            // Not created yet: no connections.
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(GatewayError::Io {
                    action: "list",
                    path: dir,
                    source,
                })
            }
        };
        let mut names = Vec::new();
        for entry in entries.flatten() {
            let file_name = entry.file_name();
            let file_name = file_name.to_string_lossy();
            let Some(stem) = file_name.strip_suffix(".conf") else {
                continue;
            };
            match ConnectionName::parse(stem) {
                Ok(name) => names.push(name),
                Err(_) => {
                    tracing::warn!(file = %file_name, "ignoring a file whose name is not a connection name")
                }
            }
        }
        names.sort();
        Ok(names)
    }
}

fn swanctl_file(name: &ConnectionName) -> PathBuf {
    Path::new(SWANCTL_DIR).join(format!("{name}.conf"))
}

fn nftables_file(name: &ConnectionName) -> PathBuf {
    Path::new(NFTABLES_DIR).join(format!("{name}.nft"))
}

fn read_text(path: &Path) -> Result<Option<Zeroizing<String>>, GatewayError> {
    let bytes = match fs::read(path) {
        Ok(bytes) => Zeroizing::new(bytes),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(GatewayError::Io {
                action: "read",
                path: path.to_path_buf(),
                source,
            })
        }
    };
    match std::str::from_utf8(&bytes) {
        Ok(text) => Ok(Some(Zeroizing::new(text.to_owned()))),
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            Err(parse_error(
                path,
                ParseError {
                    line,
                    message: "the file is not valid UTF-8 text".to_owned(),
                },
            ))
        }
    }
}

fn parse_error(path: &Path, error: ParseError) -> GatewayError {
    GatewayError::Parse {
        path: path.to_path_buf(),
        line: error.line,
        message: error.message,
    }
}

fn change_kind(change: &Change) -> &'static str {
    match change {
        Change::Put(_) => "put",
        Change::Delete => "delete",
        Change::Keep => "keep",
    }
}
