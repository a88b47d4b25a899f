//! The plugin's unix socket: created in a private directory and removed on exit.
//!
//! The socket lives in a fresh directory of mode 0700 so that no other user can connect
//! between `bind` and the `chmod` of the socket itself (in debug mode there is no TLS to
//! stop them). The socket is 0600 as well.

use std::fs::{self, DirBuilder, Permissions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use tokio::net::UnixListener;

use super::ServeError;

/// Socket file name inside the private directory.
const SOCKET_NAME: &str = "plugin.sock";
/// How many directory names to try before giving up (names clash only if a previous
/// process with the same pid left its directory behind).
const ATTEMPTS: u32 = 64;

/// Distinguishes several servers in one process (tests start many).
static NEXT_ID: AtomicU32 = AtomicU32::new(0);

/// A bound socket; the socket file and its directory are removed when this is dropped.
#[derive(Debug)]
pub(crate) struct BoundSocket {
    dir: PathBuf,
    path: PathBuf,
}

impl BoundSocket {
    /// Creates `<base>/tf-ipsec-<pid>-<n>/plugin.sock` and listens on it.
    pub(crate) fn bind(base: &Path) -> Result<(Self, UnixListener), ServeError> {
        let pid = std::process::id();
        let mut last_err = None;
        for _ in 0..ATTEMPTS {
            let n = NEXT_ID.fetch_add(1, Ordering::Relaxed);
            let dir = base.join(format!("tf-ipsec-{pid}-{n}"));
            match DirBuilder::new().mode(0o700).create(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    last_err = Some(e);
                    continue;
                }
                Err(source) => return Err(ServeError::Socket { path: dir, source }),
            }
            let path = dir.join(SOCKET_NAME);
            // From here on the guard cleans up whatever exists.
            let bound = Self { dir, path };
            let listener =
                UnixListener::bind(&bound.path).map_err(|source| ServeError::Socket {
                    path: bound.path.clone(),
                    source,
                })?;
            fs::set_permissions(&bound.path, Permissions::from_mode(0o600)).map_err(|source| {
                ServeError::Socket {
                    path: bound.path.clone(),
                    source,
                }
            })?;
            return Ok((bound, listener));
        }
        Err(ServeError::Socket {
            path: base.to_owned(),
            source: last_err.unwrap_or_else(|| io::Error::other("no free socket directory name")),
        })
    }

    /// The socket's path, as announced to Terraform.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for BoundSocket {
    fn drop(&mut self) {
        // Best effort: the files are in a private temp directory, and a leftover is
        // harmless apart from the clutter.
        let _ = fs::remove_file(&self.path);
        let _ = fs::remove_dir(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn socket_is_private_and_removed_on_drop() {
        let base = tempfile::tempdir().unwrap();
        let (bound, listener) = BoundSocket::bind(base.path()).unwrap();
        let path = bound.path().to_owned();
        let dir = path.parent().unwrap().to_owned();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );

        let (bound2, _l2) = BoundSocket::bind(base.path()).unwrap();
        assert_ne!(bound2.path(), path, "every server gets its own socket");

        drop(listener);
        drop(bound);
        assert!(!path.exists());
        assert!(!dir.exists());
    }

    #[tokio::test]
    async fn missing_base_directory_is_a_clear_error() {
        let err = BoundSocket::bind(Path::new("/nonexistent/for/sure")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/for/sure"), "{err}");
    }
}
