//! How this process keeps the gateway index: the stored index ([`StoredIndex`]) brought
//! up to date with the files, changes recorded in it and saved at most once a second,
//! and the index a plan-time read found, kept while neither file dir changes.

use std::fs;

use super::index::{ContextFiles, DirStamps, StoredIndex};
use super::layout::{nftables_file, swanctl_file, NFTABLES_DIR, SWANCTL_DIR};
use super::lock::{DirLock, LockKind};
use super::Inner;
use crate::gateway::{Change, GatewayError, GatewayIndex};
use crate::model::ConnectionName;

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
    /// The gateway index, with the stored index brought up to date with the files first.
    /// The caller holds the dir's lock.
    pub(super) fn refreshed_index(&self) -> Result<GatewayIndex, GatewayError> {
        let mut stored = self.stored_index();
        let stored = stored.get_or_insert_with(|| StoredIndex::load(&self.root));
        // Every entry is checked (a `stat` of its files), so that an edit in place by
        // hand is seen too: a change is judged against the gateway as it is.
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

    /// The index a plan-time read found, if the file dirs' stamps are still `stamps`.
    pub(super) fn cached_index(&self, stamps: &DirStamps) -> Option<GatewayIndex> {
        let cache = self.read_cache.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .as_ref()
            .filter(|(seen, _)| seen == stamps)
            .map(|(_, index)| index.clone())
    }

    pub(super) fn cache_index(&self, stamps: DirStamps, index: &GatewayIndex) {
        let mut cache = self.read_cache.lock().unwrap_or_else(|e| e.into_inner());
        *cache = Some((stamps, index.clone()));
    }

    fn stored_index(&self) -> std::sync::MutexGuard<'_, Option<StoredIndex>> {
        // A poisoned lock only means a panic elsewhere; the cache is rebuilt from files anyway.
        self.index.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records `change` of `name` in the index and saves it when anything changed
    /// (`changed`: a `Keep` still counts). The index is a cache: failing to save it
    /// costs a rebuild later, never a change.
    pub(super) fn remember(&self, name: &ConnectionName, change: &Change, changed: bool) {
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
