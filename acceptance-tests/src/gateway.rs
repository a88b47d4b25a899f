//! The `local` engine's gateway as a test sees it: the files under `config_dir`, read and
//! edited by hand behind Terraform's back.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A `config_dir` of the `local` engine.
#[derive(Debug, Clone)]
pub struct Gateway {
    root: PathBuf,
}

impl Gateway {
    /// The gateway whose files live under `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// Its `config_dir`.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `swanctl/conf.d/<name>.conf`, relative to the root.
    pub fn swanctl_path(name: &str) -> String {
        format!("swanctl/conf.d/{name}.conf")
    }

    /// `nftables/<name>.nft`, relative to the root.
    pub fn nft_path(name: &str) -> String {
        format!("nftables/{name}.nft")
    }

    /// The connection's swanctl.conf; panics naming the file when it is missing.
    pub fn swanctl(&self, name: &str) -> String {
        self.read(&Self::swanctl_path(name))
    }

    /// The connection's nftables fragment; panics naming the file when it is missing.
    pub fn nft(&self, name: &str) -> String {
        self.read(&Self::nft_path(name))
    }

    /// A file under the root; panics naming it when it is missing.
    pub fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.root.join(relative))
            .unwrap_or_else(|e| panic!("gateway file {relative}: {e}"))
    }

    /// Whether a file exists under the root.
    pub fn exists(&self, relative: &str) -> bool {
        self.root.join(relative).exists()
    }

    /// The configuration files of every connection (`swanctl/conf.d/*.conf` and
    /// `nftables/*.nft`), relative to the root and sorted. The engine's lock file is not
    /// configuration and is left out.
    pub fn config_files(&self) -> Vec<String> {
        self.snapshot().into_keys().collect()
    }

    /// Every configuration file with its contents; what "nothing was written" compares.
    pub fn snapshot(&self) -> BTreeMap<String, String> {
        let mut files = BTreeMap::new();
        for dir in ["swanctl/conf.d", "nftables"] {
            let Ok(entries) = std::fs::read_dir(self.root.join(dir)) else {
                continue;
            };
            for entry in entries.flatten() {
                let relative = format!("{dir}/{}", entry.file_name().to_string_lossy());
                let contents = std::fs::read(entry.path()).unwrap_or_default();
                files.insert(relative, String::from_utf8_lossy(&contents).into_owned());
            }
        }
        files
    }

    /// Rewrites a file by hand, as an operator on the gateway would. Panics when `edit`
    /// changes nothing: a drift test whose edit missed would prove nothing.
    pub fn edit(&self, relative: &str, edit: impl FnOnce(&str) -> String) {
        let before = self.read(relative);
        let after = edit(&before);
        assert_ne!(before, after, "the hand edit of {relative} changed nothing");
        std::fs::write(self.root.join(relative), after)
            .unwrap_or_else(|e| panic!("cannot edit {relative}: {e}"));
    }

    /// Replaces the one occurrence of `from` in a file by `to`; panics when `from` does
    /// not occur exactly once.
    pub fn replace(&self, relative: &str, from: &str, to: &str) {
        self.edit(relative, |text| {
            assert_eq!(
                text.matches(from).count(),
                1,
                "{relative} should hold {from:?} once:\n{text}"
            );
            text.replacen(from, to, 1)
        });
    }

    /// Deletes a file by hand.
    pub fn remove(&self, relative: &str) {
        std::fs::remove_file(self.root.join(relative))
            .unwrap_or_else(|e| panic!("cannot delete {relative}: {e}"));
    }

    /// Panics unless no connection is configured: what a destroy must leave.
    pub fn assert_empty(&self) {
        let files = self.config_files();
        assert!(files.is_empty(), "the gateway still holds {files:?}");
    }
}
