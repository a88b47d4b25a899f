//! Reading a context's files: without any lock while no writer has touched the config
//! dir, else under the shared lock (after finishing a crashed writer's commit).

use std::fs;
use std::io;
use std::path::Path;

use zeroize::Zeroizing;

use super::config_dir;
use super::journal::JOURNAL;
use super::layout::{nftables_file, swanctl_file, SWANCTL_DIR};
use super::lock::{DirLock, LockKind, LOCK_FILE};
use super::Inner;
use crate::gateway::GatewayError;
use crate::model::{ConnectionName, Context, NatTable};
use crate::parse::{parse_nftables_file, parse_swanctl, ParseError};

impl Inner {
    /// `read` done without a lock and without creating anything, when no writer has ever
    /// changed the config dir (it has no lock file, which a writer creates before
    /// anything else and nobody removes; a missing dir has none either). `None` when a
    /// writer has, or began to during the read: the caller reads under the lock.
    pub(super) fn read_untouched<T>(
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
    pub(super) fn try_lock_for_reading(&self) -> Result<Option<DirLock>, GatewayError> {
        let lock = DirLock::try_acquire(&self.root, LockKind::Shared)?;
        Ok(lock.filter(|_| !self.root.join(JOURNAL).exists()))
    }

    pub(super) fn lock_for_reading(&self) -> Result<DirLock, GatewayError> {
        let lock = DirLock::acquire(&self.root, LockKind::Shared)?;
        if !self.root.join(JOURNAL).exists() {
            return Ok(lock);
        }
        // A writer crashed mid-commit: finish its work before reading.
        drop(lock);
        drop(self.lock_for_writing()?);
        DirLock::acquire(&self.root, LockKind::Shared)
    }

    pub(super) fn read(&self, name: &ConnectionName) -> Result<Option<Context>, GatewayError> {
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
    pub(super) fn stored_nat_table(
        &self,
        name: &ConnectionName,
    ) -> Result<Option<NatTable>, GatewayError> {
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

    pub(super) fn remember_table(&self, name: &ConnectionName, table: Option<NatTable>) {
        self.tables_seen().insert(name.clone(), table);
    }

    /// The file at `relative` under the config dir; `None` if there is none. A link
    /// leading outside the config dir is refused unread.
    fn read_text(&self, relative: &Path) -> Result<Option<Zeroizing<String>>, GatewayError> {
        let path = self.root.join(relative);
        config_dir::check_not_outside_link(&self.root, &path)?;
        read_text(&path)
    }

    pub(super) fn list(&self) -> Result<Vec<ConnectionName>, GatewayError> {
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
