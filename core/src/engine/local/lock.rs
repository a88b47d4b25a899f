//! The writer lock of a config dir, across processes: an `flock` on `<config_dir>/.lock`.
//!
//! Two `terraform apply` runs on one config dir are two provider processes; the lock file
//! serializes them. Within one process, [`super::LocalGateway`] also holds an async lock
//! first, so that waiting tasks do not each occupy a blocking thread.
//!
//! Only a writer creates the lock file (after creating the config dir itself), before it
//! changes anything, and nothing removes it: a config dir without one has never been
//! changed by a writer, which is what lets a reader read it without a lock and without
//! creating anything (see `LocalGateway`'s reads).

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
    /// Blocks until the lock of `dir` is held, creating the lock file if needed (`dir`
    /// must exist).
    pub fn acquire(dir: &Path, kind: LockKind) -> Result<Self, GatewayError> {
        let operation = match kind {
            LockKind::Shared => FlockOperation::LockShared,
            LockKind::Exclusive => FlockOperation::LockExclusive,
        };
        // A blocking flock does not report EWOULDBLOCK; should a kernel do so, it is an error.
        Self::take(dir, operation, true)?.ok_or_else(|| GatewayError::Io {
            action: "lock",
            path: dir.join(LOCK_FILE),
            source: std::io::ErrorKind::WouldBlock.into(),
        })
    }

    /// The lock of `dir` if it can be held without waiting; `None` while another
    /// holder excludes `kind`, or when there is no lock file (this creates none).
    pub fn try_acquire(dir: &Path, kind: LockKind) -> Result<Option<Self>, GatewayError> {
        let operation = match kind {
            LockKind::Shared => FlockOperation::NonBlockingLockShared,
            LockKind::Exclusive => FlockOperation::NonBlockingLockExclusive,
        };
        Self::take(dir, operation, false)
    }

    fn take(
        dir: &Path,
        operation: FlockOperation,
        create: bool,
    ) -> Result<Option<Self>, GatewayError> {
        let path = dir.join(LOCK_FILE);
        // A shared lock needs no write access to an existing lock file, so that a
        // read-only config dir can still be read (a plan of a gateway whose disk went
        // read-only shows what it holds). `flock` works on any open file.
        let shared = matches!(
            operation,
            FlockOperation::LockShared | FlockOperation::NonBlockingLockShared
        );
        let opened = match OpenOptions::new().read(true).open(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => None,
            opened if shared => Some(opened),
            _ => None,
        };
        let opened = match opened {
            Some(opened) => opened,
            None => OpenOptions::new()
                .create(create)
                .truncate(false)
                .write(true)
                .mode(0o600)
                .open(&path),
        };
        let file = match opened {
            Ok(file) => file,
            Err(e) if !create && e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(GatewayError::Io {
                    action: "open lock file",
                    path,
                    source,
                })
            }
        };
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
