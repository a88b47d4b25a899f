//! A change of one context: decided under the writer lock, then written as one
//! journaled commit of its files.

use std::fs;
use std::path::Path;

use zeroize::Zeroizing;

use super::journal::{commit, recover, FileOp};
use super::layout::{
    create_dirs, nftables_file, swanctl_file, NFTABLES_DIR, NFTABLES_MODE, SWANCTL_DIR,
    SWANCTL_MODE,
};
use super::lock::{DirLock, LockKind};
use super::Inner;
use crate::gateway::{ApplyError, Change, Edit, EngineError, GatewayError, Inconsistency};
use crate::model::{ConnectionName, Context};
use crate::render::{render_nftables, render_swanctl};

impl Inner {
    /// The writer lock, after creating the config dir and its subdirs if needed: only a
    /// writer creates anything, and creating a dir twice is harmless, so two first
    /// writers need no lock until the lock file can exist.
    pub(super) fn lock_for_writing(&self) -> Result<DirLock, GatewayError> {
        create_dirs(&self.root)?;
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
    pub(super) fn decide(
        &self,
        name: &ConnectionName,
        edit: Edit,
    ) -> Result<Option<(DirLock, Change)>, ApplyError> {
        let judge = |current: Option<Context>, edit: Edit| {
            let index = self.refreshed_index()?;
            edit(current, &index).map_err(ApplyError::Rejected)
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
            return Err(EngineError::ChangedMeanwhile {
                connection: name.clone(),
            }
            .into());
        }
        Ok(Some((lock, change)))
    }

    /// Writes what `change` says to the files.
    pub(super) fn store(&self, name: &ConnectionName, change: &Change) -> Result<(), GatewayError> {
        match change {
            Change::Put(context) if context.name() != name => Err(Inconsistency::EditRenamed {
                edited: name.clone(),
                stored: context.name().clone(),
            }
            .into()),
            // Files already as rendered (content and mode) are left alone by `write`.
            Change::Put(context) => self.write(context),
            Change::Delete => self.remove(name),
            Change::Keep => Ok(()),
        }
    }

    fn write(&self, context: &Context) -> Result<(), GatewayError> {
        let table = context.nat.as_ref().map(|_| self.nat_table.clone());
        let name = context.name();
        let swanctl = render_swanctl(context);
        let nftables = match &context.nat {
            Some(nat) => FileOp::Write {
                path: nftables_file(name),
                contents: Zeroizing::new(render_nftables(name, nat, &self.nat_table).into_bytes()),
                mode: NFTABLES_MODE,
            },
            None => FileOp::Remove {
                path: nftables_file(name),
            },
        };
        let swanctl = FileOp::Write {
            path: swanctl_file(name),
            contents: Zeroizing::new(swanctl.as_bytes().to_vec()),
            mode: SWANCTL_MODE,
        };
        self.commit_changed(vec![swanctl, nftables])?;
        self.remember_table(name, table);
        Ok(())
    }

    /// Removes both files of `name`.
    pub(super) fn remove(&self, name: &ConnectionName) -> Result<(), GatewayError> {
        self.remember_table(name, None);
        self.commit_changed(vec![
            FileOp::Remove {
                path: nftables_file(name),
            },
            FileOp::Remove {
                path: swanctl_file(name),
            },
        ])
    }

    /// Commits those of `ops` that change anything.
    fn commit_changed(&self, mut ops: Vec<FileOp>) -> Result<(), GatewayError> {
        ops.retain(|op| !self.already_holds(op));
        commit(&self.root, ops)
    }

    /// Whether the file already is as `op` would leave it (so a no-op is not rewritten).
    fn already_holds(&self, op: &FileOp) -> bool {
        match op {
            FileOp::Write {
                path,
                contents,
                mode,
            } => self.holds(path, contents, *mode),
            FileOp::Remove { path } => !self.root.join(path).exists(),
        }
    }

    /// Whether the file at `path` has mode `mode` and holds `contents`.
    fn holds(&self, path: &Path, contents: &[u8], mode: u32) -> bool {
        use std::os::unix::fs::PermissionsExt;
        let full = self.root.join(path);
        let same_mode = fs::metadata(&full).is_ok_and(|m| m.permissions().mode() & 0o777 == mode);
        same_mode
            && fs::read(&full).is_ok_and(|current| Zeroizing::new(current).as_slice() == contents)
    }
}
