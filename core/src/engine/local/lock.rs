//! The writer lock of a config dir, across processes: an `flock` on `<config_dir>/.lock`.
//!
//! Two `terraform apply` runs on one config dir are two provider processes; the lock file
//! serializes them. Within one process, [`super::LocalGateway`] also holds an async lock
//! first, so that waiting tasks do not each occupy a blocking thread.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use rustix::fs::{flock, FlockOperation};

use crate::gateway::GatewayError;

/// The lock file's name, in the config dir.
pub const LOCK_FILE: &str = ".lock";

/// A held lock; released when dropped (closing the file releases the `flock`).
#[derive(Debug)]
pub struct DirLock {
    _file: File,
}

/// Whether the lock is taken for reading (shared) or writing (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockKind {
    /// Readers may share it.
    Shared,
    /// One writer, no readers.
    Exclusive,
}

impl DirLock {
    /// Blocks until the lock of `dir` is held.
    pub fn acquire(dir: &Path, kind: LockKind) -> Result<Self, GatewayError> {
        let operation = match kind {
            LockKind::Shared => FlockOperation::LockShared,
            LockKind::Exclusive => FlockOperation::LockExclusive,
        };
        // A blocking flock does not report EWOULDBLOCK; should a kernel do so, it is an error.
        Self::take(dir, operation)?.ok_or_else(|| GatewayError::Io {
            action: "lock",
            path: dir.join(LOCK_FILE),
            source: std::io::ErrorKind::WouldBlock.into(),
        })
    }

    /// The lock of `dir` if it can be held without waiting; `None` while another
    /// holder excludes `kind`.
    pub fn try_acquire(dir: &Path, kind: LockKind) -> Result<Option<Self>, GatewayError> {
        let operation = match kind {
            LockKind::Shared => FlockOperation::NonBlockingLockShared,
            LockKind::Exclusive => FlockOperation::NonBlockingLockExclusive,
        };
        Self::take(dir, operation)
    }

    fn take(dir: &Path, operation: FlockOperation) -> Result<Option<Self>, GatewayError> {
        let path = dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&path)
            .map_err(|source| GatewayError::Io {
                action: "open lock file",
                path: path.clone(),
                source,
            })?;
        match flock(&file, operation) {
            Ok(()) => Ok(Some(Self { _file: file })),
            Err(rustix::io::Errno::WOULDBLOCK) => Ok(None),
            Err(errno) => Err(GatewayError::Io {
                action: "lock",
                path,
                source: errno.into(),
            }),
        }
    }
}
