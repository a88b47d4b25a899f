//! Atomic replacement of several files at once.
//!
//! One file is replaced atomically by writing a temporary file, syncing it, renaming it
//! over the old one and syncing the directory. A context spans two files (swanctl and
//! nftables), so a change of both is committed through a journal:
//!
//! 1. every new file is written to a temporary name and synced;
//! 2. the list of renames and removals is written to `.journal` (itself atomically);
//! 3. the renames and removals are performed and the directories synced;
//! 4. `.journal` is removed.
//!
//! A crash before step 2 completes leaves only stray temporaries: the old configuration
//! stands. A crash after it is rolled forward by [`recover`] (every step is idempotent),
//! which runs under the writer lock before every read or write: the new configuration
//! stands. There is never a mix.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use zeroize::Zeroizing;

use crate::gateway::GatewayError;

/// The journal's file name, in the config dir.
pub const JOURNAL: &str = ".journal";
/// What every temporary file's name contains; nothing else has it.
const TEMP_MARK: &str = ".tmp-";

/// One change of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileOp {
    /// Replace (or create) `path` with `contents`, with permission bits `mode`.
    Write {
        /// Target, relative to the config dir.
        path: PathBuf,
        /// New contents (wiped from memory when dropped: they may hold a key).
        contents: Zeroizing<Vec<u8>>,
        /// Permission bits.
        mode: u32,
    },
    /// Remove `path` if it exists.
    Remove {
        /// Target, relative to the config dir.
        path: PathBuf,
    },
}

/// A planned step, after the temporaries are written.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Rename { temp: PathBuf, target: PathBuf },
    Remove { target: PathBuf },
}

/// Applies `ops` to the files under `root` atomically as a whole.
pub fn commit(root: &Path, ops: Vec<FileOp>) -> Result<(), GatewayError> {
    commit_until(root, ops, usize::MAX)
}

/// [`commit`], stopping (as a crash would) after `limit` steps; for crash tests.
pub(crate) fn commit_until(
    root: &Path,
    ops: Vec<FileOp>,
    mut limit: usize,
) -> Result<(), GatewayError> {
    let mut stop = || {
        limit = limit.saturating_sub(1);
        limit == 0
    };
    let mut steps = Vec::with_capacity(ops.len());
    for op in ops {
        match op {
            FileOp::Write {
                path,
                contents,
                mode,
            } => match write_temp(root, &path, &contents, mode) {
                Ok(temp) => steps.push(Step::Rename { temp, target: path }),
                Err(error) => return Err(abandon(root, &steps, error)),
            },
            FileOp::Remove { path } => steps.push(Step::Remove { target: path }),
        }
        if stop() {
            return Ok(());
        }
    }
    let journaled = steps.len() > 1;
    if journaled {
        let text: String = steps.iter().map(journal_line).collect();
        let temp = write_temp(root, Path::new(JOURNAL), text.as_bytes(), 0o600)
            .map_err(|error| abandon(root, &steps, error))?;
        if let Err(error) = rename(root, &temp, Path::new(JOURNAL)) {
            let _ = fs::remove_file(root.join(&temp));
            return Err(abandon(root, &steps, error));
        }
        sync_dir(root)?;
        if stop() {
            return Ok(());
        }
    }
    for step in &steps {
        perform(root, step)?;
        if stop() {
            return Ok(());
        }
    }
    if journaled {
        remove(root, Path::new(JOURNAL))?;
        sync_dir(root)?;
    }
    Ok(())
}

/// Removes the temporaries of a commit that failed before its journal was in place (a
/// full or read-only disk): the old configuration stands, and no stray file is left for
/// the next writer to find. Answers `error`.
fn abandon(root: &Path, steps: &[Step], error: GatewayError) -> GatewayError {
    for step in steps {
        if let Step::Rename { temp, .. } = step {
            let _ = fs::remove_file(root.join(temp));
        }
    }
    error
}

/// Finishes a commit interrupted by a crash and removes stray temporaries. Must run
/// under the writer lock.
pub fn recover(root: &Path, dirs: &[&Path]) -> Result<(), GatewayError> {
    let journal = root.join(JOURNAL);
    match fs::read_to_string(&journal) {
        Ok(text) => {
            for line in text.lines() {
                if let Some(step) = parse_journal_line(line) {
                    perform(root, &step)?;
                }
            }
            remove(root, Path::new(JOURNAL))?;
            sync_dir(root)?;
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(source) => return Err(io_error("read", journal, source)),
    }
    for dir in std::iter::once(Path::new("")).chain(dirs.iter().copied()) {
        let full = root.join(dir);
        let entries = match fs::read_dir(&full) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(source) => return Err(io_error("list", full, source)),
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            if name.to_string_lossy().contains(TEMP_MARK) {
                remove(root, &dir.join(name))?;
            }
        }
    }
    Ok(())
}

fn journal_line(step: &Step) -> String {
    // Paths are built from validated connection names: no tabs or newlines in them.
    match step {
        Step::Rename { temp, target } => {
            format!("rename\t{}\t{}\n", temp.display(), target.display())
        }
        Step::Remove { target } => format!("remove\t{}\n", target.display()),
    }
}

fn parse_journal_line(line: &str) -> Option<Step> {
    let mut parts = line.split('\t');
    match (parts.next()?, parts.next()?, parts.next()) {
        ("rename", temp, Some(target)) => Some(Step::Rename {
            temp: temp.into(),
            target: target.into(),
        }),
        ("remove", target, None) => Some(Step::Remove {
            target: target.into(),
        }),
        _ => None,
    }
}

fn perform(root: &Path, step: &Step) -> Result<(), GatewayError> {
    match step {
        Step::Rename { temp, target } => {
            // Already renamed by an earlier, interrupted run: nothing left to do.
            if root.join(temp).exists() {
                rename(root, temp, target)?;
            }
            sync_parent(root, target)
        }
        Step::Remove { target } => {
            remove(root, target)?;
            sync_parent(root, target)
        }
    }
}

/// Syncs the dir that holds `target` (relative to `root`), so that its new or removed
/// entry is durable.
fn sync_parent(root: &Path, target: &Path) -> Result<(), GatewayError> {
    let full = root.join(target);
    sync_dir(full.parent().unwrap_or(root))
}

fn write_temp(
    root: &Path,
    target: &Path,
    contents: &[u8],
    mode: u32,
) -> Result<PathBuf, GatewayError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let file_name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
    let temp = target.with_file_name(format!(
        ".{file_name}{TEMP_MARK}{}-{unique}",
        std::process::id()
    ));
    let full = root.join(&temp);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&full)
        .map_err(|source| io_error("create", full.clone(), source))?;
    let written = file
        .write_all(contents)
        .map_err(|source| io_error("write", full.clone(), source))
        .and_then(|()| {
            file.sync_all()
                .map_err(|source| io_error("sync", full.clone(), source))
        });
    if let Err(error) = written {
        // A full disk fails the write after the create: take the empty file back.
        let _ = fs::remove_file(&full);
        return Err(error);
    }
    Ok(temp)
}

fn rename(root: &Path, from: &Path, to: &Path) -> Result<(), GatewayError> {
    fs::rename(root.join(from), root.join(to))
        .map_err(|source| io_error("rename", root.join(from), source))
}

fn remove(root: &Path, path: &Path) -> Result<(), GatewayError> {
    match fs::remove_file(root.join(path)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            Err(io_error("remove", root.join(path), e))
        }
        _ => Ok(()),
    }
}

/// Makes a directory's entries (renames, removals) durable.
pub fn sync_dir(dir: &Path) -> Result<(), GatewayError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| io_error("sync", dir.to_path_buf(), source))
}

fn io_error(action: &'static str, path: PathBuf, source: io::Error) -> GatewayError {
    GatewayError::Io {
        action,
        path,
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &str, contents: &str) -> FileOp {
        FileOp::Write {
            path: path.into(),
            contents: Zeroizing::new(contents.as_bytes().to_vec()),
            mode: 0o600,
        }
    }

    fn read(root: &Path, path: &str) -> Option<String> {
        fs::read_to_string(root.join(path)).ok()
    }

    fn setup() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("a")).unwrap();
        fs::create_dir_all(dir.path().join("b")).unwrap();
        commit(
            dir.path(),
            vec![write("a/x", "old-x"), write("b/y", "old-y")],
        )
        .unwrap();
        dir
    }

    #[test]
    fn a_crash_after_any_step_recovers_to_old_or_new_never_a_mix() {
        // Steps: 2 temporaries, the journal, 2 renames, then the journal's removal.
        for limit in 1..=6 {
            let dir = setup();
            let root = dir.path();
            commit_until(
                root,
                vec![write("a/x", "new-x"), write("b/y", "new-y")],
                limit,
            )
            .unwrap();
            recover(root, &[Path::new("a"), Path::new("b")]).unwrap();
            let state = (read(root, "a/x").unwrap(), read(root, "b/y").unwrap());
            let old = ("old-x".to_owned(), "old-y".to_owned());
            let new = ("new-x".to_owned(), "new-y".to_owned());
            assert!(
                state == old || state == new,
                "after {limit} steps: {state:?}"
            );
            let leftovers: Vec<_> = ["", "a", "b"]
                .iter()
                .flat_map(|d| fs::read_dir(root.join(d)).unwrap().flatten())
                .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
                .collect();
            assert!(leftovers.is_empty(), "after {limit} steps: {leftovers:?}");
        }
    }

    #[test]
    fn a_commit_that_fails_to_write_leaves_the_old_files_and_no_temporaries() {
        let dir = setup();
        let root = dir.path();
        // The second write cannot be created (as on a full or read-only disk).
        let error = commit(root, vec![write("a/x", "new-x"), write("gone/z", "z")]).unwrap_err();
        assert!(matches!(error, GatewayError::Io { .. }), "{error}");
        assert_eq!(read(root, "a/x").as_deref(), Some("old-x"));
        let leftovers: Vec<_> = ["", "a", "b"]
            .iter()
            .flat_map(|d| fs::read_dir(root.join(d)).unwrap().flatten())
            .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn removal_and_write_commit_together() {
        let dir = setup();
        commit(
            dir.path(),
            vec![write("a/x", "new-x"), FileOp::Remove { path: "b/y".into() }],
        )
        .unwrap();
        assert_eq!(read(dir.path(), "a/x").as_deref(), Some("new-x"));
        assert_eq!(read(dir.path(), "b/y"), None);
        assert!(!dir.path().join(JOURNAL).exists());
    }

    #[test]
    fn files_get_the_requested_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = setup();
        let mode = fs::metadata(dir.path().join("a/x"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
