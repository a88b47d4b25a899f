//! How this process keeps the gateway index: the stored index ([`StoredIndex`]) brought
//! up to date with the files, changes recorded in it and saved at most once a second,
//! and the index last checked against the files ([`Seen`]), trusted while neither file
//! dir changed for up to [`TRUST_FOR`].

use std::fs;
use std::time::{Duration, Instant};

use super::index::{ContextFiles, DirStamps, StoredIndex};
use super::layout::{nftables_file, swanctl_file, NFTABLES_DIR, SWANCTL_DIR};
use super::lock::{DirLock, LockKind};
use super::Inner;
use crate::gateway::{Change, GatewayError, GatewayIndex};
use crate::model::ConnectionName;

/// How often the index file is rewritten during a run of changes.
const SAVE_EVERY: Duration = Duration::from_secs(1);

/// How long an index checked against every file is trusted while neither file dir
/// changes. Every write renames a file into a dir, so a writer of another process is
/// seen at once; only an edit made in place by hand (which changes no dir) waits for
/// the next thorough check, at most this long. Checking every file at every change
/// (a `stat` of each) made an apply of N connections cost N² `stat`s.
pub(super) const TRUST_FOR: Duration = Duration::from_secs(1);

/// The gateway index as this process last checked it against the files.
#[derive(Debug)]
pub(super) struct Seen {
    /// The file dirs' stamps the index is true for.
    stamps: DirStamps,
    /// When every entry was last checked against its files.
    checked: Instant,
    index: GatewayIndex,
}

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
    /// The gateway index: the one last checked while it can be trusted ([`TRUST_FOR`]),
    /// else the stored index brought up to date with the files. The caller holds the
    /// dir's lock.
    pub(super) fn refreshed_index(&self) -> Result<GatewayIndex, GatewayError> {
        let stamps = self.dir_stamps();
        if let Some(index) = self.trusted_index(&stamps) {
            return Ok(index);
        }
        let index = self.thorough_index()?;
        self.trust(stamps, &index);
        Ok(index)
    }

    /// The gateway index with every entry checked (a `stat` of its files), so that an
    /// edit in place by hand is seen too.
    fn thorough_index(&self) -> Result<GatewayIndex, GatewayError> {
        let mut stored = self.stored_index();
        let stored = stored.get_or_insert_with(|| StoredIndex::load(&self.root));
        let names = self.list()?;
        let (index, _) = stored.refresh(
            &self.root,
            &names,
            |name| (swanctl_file(name), nftables_file(name)),
            |name| self.read(name),
        );
        Ok(index)
    }

    /// The inode and modification time of both file dirs.
    pub(super) fn dir_stamps(&self) -> DirStamps {
        use std::os::unix::fs::MetadataExt;
        [SWANCTL_DIR, NFTABLES_DIR].map(|dir| {
            fs::metadata(self.root.join(dir))
                .ok()
                .map(|m| (m.ino(), m.mtime(), m.mtime_nsec()))
        })
    }

    /// The index last checked, if the file dirs' stamps are still `stamps` and the
    /// check is recent enough.
    pub(super) fn trusted_index(&self, stamps: &DirStamps) -> Option<GatewayIndex> {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.as_ref()
            .filter(|seen| seen.stamps == *stamps && seen.checked.elapsed() < TRUST_FOR)
            .map(|seen| seen.index.clone())
    }

    /// Records `index` as checked against every file just now, the dirs being `stamps`.
    pub(super) fn trust(&self, stamps: DirStamps, index: &GatewayIndex) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        *seen = Some(Seen {
            stamps,
            checked: Instant::now(),
            index: index.clone(),
        });
    }

    /// Carries this process's own change of `name` into the trusted index, if that was
    /// true of the dirs as they were just before the change (`before`); otherwise
    /// another writer came in between and the next read checks every file.
    fn follow(&self, before: &DirStamps, name: &ConnectionName, change: &Change) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let Some(current) = seen.as_mut().filter(|seen| seen.stamps == *before) else {
            *seen = None;
            return;
        };
        match change {
            Change::Put(context) => current.index.insert(context),
            Change::Delete => current.index.remove(name),
            Change::Keep => {
                *seen = None;
                return;
            }
        }
        current.stamps = self.dir_stamps();
    }

    fn stored_index(&self) -> std::sync::MutexGuard<'_, Option<StoredIndex>> {
        // A poisoned lock only means a panic elsewhere; the cache is rebuilt from files anyway.
        self.index.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records `change` of `name`, written while the dirs were `before`, in the index
    /// and saves it when anything changed (`changed`: a `Keep` still counts). The index
    /// is a cache: failing to save it costs a rebuild later, never a change.
    pub(super) fn remember(
        &self,
        before: &DirStamps,
        name: &ConnectionName,
        change: &Change,
        changed: bool,
    ) {
        self.follow(before, name, change);
        let context = match change {
            Change::Keep if !changed => return,
            Change::Keep => None,
            Change::Put(context) => Some(context.as_ref()),
            Change::Delete => None,
        };
        let mut stored = self.stored_index();
        let stored = stored.get_or_insert_with(|| StoredIndex::load(&self.root));
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
}
