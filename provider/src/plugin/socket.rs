//! The plugin's unix socket: created in a private directory and removed on exit.
//!
//! The socket lives in a fresh directory of mode 0700 so that no other user can connect
//! between `bind` and the `chmod` of the socket itself (in debug mode there is no TLS to
//! stop them). The socket is 0600 as well.
//!
//! A provider killed with SIGKILL cannot remove its directory; the next one to start
//! removes the directories of processes that no longer exist (see [`remove_stale`]).

use std::fs::{self, DirBuilder, Permissions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use tokio::net::UnixListener;

use super::ServeError;

/// Prefix of every socket directory's name: `tf-ipsec-<pid>-<n>`.
const DIR_PREFIX: &str = "tf-ipsec-";
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
            let dir = base.join(format!("{DIR_PREFIX}{pid}-{n}"));
            match DirBuilder::new().mode(0o700).create(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    last_err = Some(e);
                    continue;
                }
                Err(source) => return Err(ServeError::Socket { path: dir, source }),
            }
            remove_stale(base, &dir);
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

/// Removes the socket directories in `base` that providers killed before they could
/// clean up left behind: those of our user (the owner of `ours`, just created) named for
/// a process that no longer exists. Best effort: a directory holding anything but the
/// socket, or one that cannot be removed, stays.
fn remove_stale(base: &Path, ours: &Path) {
    let Ok(owner) = fs::symlink_metadata(ours).map(|meta| meta.uid()) else {
        return;
    };
    let Ok(entries) = fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(stale_pid) else {
            continue;
        };
        if process_exists(pid) {
            continue;
        }
        let dir = entry.path();
        // A symlink is never followed: only a real directory of ours is emptied.
        match fs::symlink_metadata(&dir) {
            Ok(meta) if meta.is_dir() && meta.uid() == owner => {}
            _ => continue,
        }
        let _ = fs::remove_file(dir.join(SOCKET_NAME));
        if fs::remove_dir(&dir).is_ok() {
            tracing::debug!(dir = %dir.display(), "removed a dead provider's socket directory");
        }
    }
}

/// The pid in a socket directory's name `tf-ipsec-<pid>-<n>`, if the name is one.
fn stale_pid(name: &str) -> Option<u32> {
    let (pid, n) = name.strip_prefix(DIR_PREFIX)?.split_once('-')?;
    n.parse::<u32>().ok()?;
    pid.parse().ok()
}

/// Whether a process with this pid exists (in our pid namespace).
fn process_exists(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
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

    /// A pid that no process has: above the kernel's maximum.
    fn dead_pid() -> u32 {
        let max: u32 = fs::read_to_string("/proc/sys/kernel/pid_max")
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        max + 1
    }

    #[tokio::test]
    async fn a_starting_server_removes_the_socket_dirs_of_dead_processes_only() {
        let base = tempfile::tempdir().unwrap();
        let leftover = |name: &str| {
            let dir = base.path().join(name);
            fs::create_dir(&dir).unwrap();
            // A socket file as a killed provider leaves it (bound, never removed).
            drop(std::os::unix::net::UnixListener::bind(dir.join(SOCKET_NAME)).unwrap());
            dir
        };
        let dead = leftover(&format!("tf-ipsec-{}-0", dead_pid()));
        let dead_other = leftover(&format!("tf-ipsec-{}-17", dead_pid()));
        let alive = leftover("tf-ipsec-1-0");
        let not_ours = leftover(&format!("something-{}-0", dead_pid()));
        let with_more = leftover(&format!("tf-ipsec-{}-1", dead_pid()));
        fs::write(with_more.join("other"), "kept").unwrap();

        let (_bound, _listener) = BoundSocket::bind(base.path()).unwrap();

        assert!(
            !dead.exists() && !dead_other.exists(),
            "dead processes' dirs removed"
        );
        assert!(
            alive.join(SOCKET_NAME).exists(),
            "a live process's socket kept"
        );
        assert!(
            not_ours.join(SOCKET_NAME).exists(),
            "other names left alone"
        );
        assert!(
            with_more.join("other").exists(),
            "a dir with other files kept"
        );
    }

    #[test]
    fn a_symlink_named_like_a_socket_dir_is_not_followed() {
        let base = tempfile::tempdir().unwrap();
        let target = tempfile::tempdir().unwrap();
        fs::write(target.path().join(SOCKET_NAME), "not a socket").unwrap();
        std::os::unix::fs::symlink(
            target.path(),
            base.path().join(format!("tf-ipsec-{}-0", dead_pid())),
        )
        .unwrap();
        let ours = base.path().join("ours");
        fs::create_dir(&ours).unwrap();
        remove_stale(base.path(), &ours);
        assert!(target.path().join(SOCKET_NAME).exists());
    }

    #[test]
    fn only_names_of_the_socket_dir_form_carry_a_pid() {
        assert_eq!(stale_pid("tf-ipsec-123-4"), Some(123));
        for name in [
            "tf-ipsec-123",
            "tf-ipsec--4",
            "tf-ipsec-x-4",
            "tf-ipsec-1-4-5",
            "x-1-2",
        ] {
            assert_eq!(stale_pid(name), None, "{name}");
        }
    }

    #[tokio::test]
    async fn missing_base_directory_is_a_clear_error() {
        let err = BoundSocket::bind(Path::new("/nonexistent/for/sure")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/for/sure"), "{err}");
    }
}
