//! What a config dir may be, judged without creating anything: `terraform plan` opens
//! the engine, and a plan must leave the disk as it found it.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rustix::fs::{access, Access};

use super::{NFTABLES_DIR, SWANCTL_DIR};
use crate::gateway::GatewayError;

/// Checks that `root` can serve as the config dir: an existing directory this process
/// can write (with subdirs that are directories), or a missing one whose nearest
/// existing ancestor is a directory it can write, so that the first change can create
/// it. Anything else is a [`GatewayError::Config`] naming `config_dir`.
pub fn check_usable(root: &Path) -> Result<(), GatewayError> {
    match fs::metadata(root) {
        Ok(meta) if meta.is_dir() => check_existing(root),
        Ok(_) => Err(unusable(format!(
            "{} is a file, not a directory; config_dir names the directory that holds the gateway's \
             files (created on the first change), so remove the file or choose another path",
            root.display()
        ))),
        Err(_) => check_creatable(root),
    }
}

/// Refuses `path`, a file under the config dir `root`, when it is a symbolic link that
/// leads outside `root`: reading it would show (and parse errors would quote) a file
/// that is not the gateway's. A link inside `root`, or one that leads nowhere, is left
/// to the read.
pub fn check_not_outside_link(root: &Path, path: &Path) -> Result<(), GatewayError> {
    let is_link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return Ok(());
    }
    let (Ok(target), Ok(root)) = (fs::canonicalize(path), fs::canonicalize(root)) else {
        return Ok(());
    };
    if target.starts_with(&root) {
        return Ok(());
    }
    Err(GatewayError::OutsideLink {
        path: path.to_path_buf(),
        target,
    })
}

fn check_existing(root: &Path) -> Result<(), GatewayError> {
    for sub in [SWANCTL_DIR, NFTABLES_DIR] {
        let dir = root.join(sub);
        match fs::metadata(&dir) {
            Ok(meta) if meta.is_dir() => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            _ => {
                return Err(unusable(format!(
                "{} is not a directory; the gateway's files go there, so remove what is in the way",
                dir.display()
            )))
            }
        }
    }
    writable(root).map_err(|e| unusable(format!("{} is not writable: {e}", root.display())))
}

fn check_creatable(root: &Path) -> Result<(), GatewayError> {
    let ancestor = nearest_existing_ancestor(root);
    let cannot = |why: String| unusable(format!("{} cannot be created: {why}", root.display()));
    match fs::metadata(&ancestor) {
        Ok(meta) if meta.is_dir() => writable(&ancestor)
            .map_err(|e| cannot(format!("{} is not writable: {e}", ancestor.display()))),
        Ok(_) => Err(cannot(format!(
            "{} is a file, not a directory",
            ancestor.display()
        ))),
        Err(e) => Err(cannot(e.to_string())),
    }
}

/// The closest of `path`'s ancestors that exists (`.` for a relative path whose first
/// component is missing).
fn nearest_existing_ancestor(path: &Path) -> PathBuf {
    path.ancestors()
        .skip(1)
        .map(|a| {
            if a.as_os_str().is_empty() {
                Path::new(".")
            } else {
                a
            }
        })
        .find(|a| fs::symlink_metadata(a).is_ok())
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

/// Whether this process may create entries in `dir` (`access(2)`: for root, only a
/// read-only file system says no).
fn writable(dir: &Path) -> Result<(), io::Error> {
    access(dir, Access::WRITE_OK | Access::EXEC_OK).map_err(io::Error::from)
}

fn unusable(message: String) -> GatewayError {
    GatewayError::Config {
        setting: "config_dir",
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_dir_is_judged_by_its_nearest_existing_ancestor() {
        let dir = tempfile::tempdir().unwrap();
        assert!(check_usable(&dir.path().join("a/b/c")).is_ok());
        assert_eq!(
            nearest_existing_ancestor(&dir.path().join("a/b/c")),
            dir.path()
        );
        assert_eq!(
            nearest_existing_ancestor(Path::new("no-such-dir-here")),
            Path::new(".")
        );
        let file = dir.path().join("file");
        fs::write(&file, "").unwrap();
        let message = check_usable(&file.join("gw")).unwrap_err().to_string();
        assert!(message.contains("gw cannot be created:"), "{message}");
        assert!(
            message.ends_with("file is a file, not a directory"),
            "{message}"
        );
        assert!(!dir.path().join("a").exists(), "nothing is created");
    }

    #[test]
    fn a_subdir_that_is_a_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("nftables"), "").unwrap();
        let message = check_usable(dir.path()).unwrap_err().to_string();
        assert!(message.contains("nftables is not a directory"), "{message}");
    }
}
