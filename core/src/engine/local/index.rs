//! The `local` engine's gateway index, kept in `<config_dir>/.index.json`.
//!
//! Each entry holds the summary of one context and the fingerprint (inode, size,
//! modification time) of the files it was made from. Checking an entry costs a `stat`
//! of each file, not a read: only a context whose files changed since (a hand edit, a
//! writer of another process, an index lost or from an older build) is read again. The
//! file is a cache, written without fsync: a torn or missing one is rebuilt.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

use serde::{Deserialize, Serialize};

use std::sync::Arc;

use crate::gateway::index::{GatewayIndex, StoredSummary, Summary};
use crate::gateway::GatewayError;
use crate::model::{ConnectionName, Context};

/// The index file, relative to the config dir.
pub const INDEX_FILE: &str = ".index.json";

/// The on-disk format's version; another version is rebuilt (2: summaries hold the
/// IKE identities).
const FORMAT: u32 = 2;

/// The index as stored: entries by connection name.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StoredIndex {
    format: u32,
    entries: BTreeMap<String, Entry>,
    /// When the file was last written; changes since then are not in it yet.
    #[serde(skip)]
    pub saved_at: Option<std::time::Instant>,
    /// Whether entries changed since the file was last written.
    #[serde(skip)]
    pub unsaved: bool,
}

/// The inode and modification time of the two file dirs: what changes in a dir when a
/// file in it is created, renamed or removed.
pub type DirStamps = [Option<(u64, i64, i64)>; 2];

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    swanctl: Fingerprint,
    nftables: Option<Fingerprint>,
    summary: StoredSummary,
    /// `summary` parsed, once per process: every change checks every entry.
    #[serde(skip)]
    parsed: Option<Arc<Summary>>,
}

/// What identifies one version of a file without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Fingerprint {
    ino: u64,
    len: u64,
    mtime_ns: i64,
}

/// The two files of a context, relative to the config dir.
pub struct ContextFiles<'a> {
    /// The swanctl file.
    pub swanctl: &'a Path,
    /// The nftables fragment.
    pub nftables: &'a Path,
}

impl StoredIndex {
    /// Reads the index file; a missing, unreadable or foreign one is an empty index.
    pub fn load(root: &Path) -> Self {
        fs::read(root.join(INDEX_FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<StoredIndex>(&bytes).ok())
            .filter(|index| index.format == FORMAT)
            .unwrap_or_default()
    }

    /// Writes the index file (temporary file and rename, mode 0600); an empty index
    /// removes it, so that a gateway with no connection holds no file of this engine.
    pub fn save(&mut self, root: &Path) -> Result<(), GatewayError> {
        self.format = FORMAT;
        let path = root.join(INDEX_FILE);
        if self.entries.is_empty() {
            return match fs::remove_file(&path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(GatewayError::Io {
                    action: "remove",
                    path,
                    source: e,
                }),
                _ => Ok(()),
            };
        }
        let temporary = root.join(format!("{INDEX_FILE}.tmp"));
        let io = |action, source| GatewayError::Io {
            action,
            path: path.clone(),
            source,
        };
        let bytes = serde_json::to_vec(self)
            .map_err(|e| io("encode", io::Error::new(io::ErrorKind::InvalidData, e)))?;
        fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temporary)
            .and_then(|mut file| io::Write::write_all(&mut file, &bytes))
            .map_err(|e| io("write", e))?;
        fs::rename(&temporary, &path).map_err(|e| io("rename", e))
    }

    /// Brings the index up to date with the files of the contexts in `names`, reading
    /// only those whose files changed, and answers the gateway's index and whether any
    /// entry changed. A context that does not parse is left out (its own read reports
    /// it): one broken file must not block changes to every other connection.
    pub fn refresh(
        &mut self,
        root: &Path,
        names: &[ConnectionName],
        files: impl Fn(&ConnectionName) -> (std::path::PathBuf, std::path::PathBuf),
        read: impl Fn(&ConnectionName) -> Result<Option<Context>, GatewayError>,
    ) -> (GatewayIndex, bool) {
        let before = self.entries.len();
        let listed: std::collections::HashSet<&str> = names.iter().map(|n| n.as_str()).collect();
        self.entries
            .retain(|name, _| listed.contains(name.as_str()));
        let mut changed = self.entries.len() != before;
        let mut index = GatewayIndex::new();
        for name in names {
            let (swanctl, nftables) = files(name);
            let Some(swanctl_print) = fingerprint(&root.join(&swanctl)) else {
                changed |= self.entries.remove(name.as_str()).is_some();
                continue;
            };
            let nftables_print = fingerprint(&root.join(&nftables));
            let known = self
                .entries
                .get_mut(name.as_str())
                .filter(|entry| entry.swanctl == swanctl_print && entry.nftables == nftables_print);
            if let Some(summary) = known.and_then(Entry::summary) {
                index.set_shared(name.clone(), summary);
                continue;
            }
            changed = true;
            match read(name) {
                Ok(Some(context)) => {
                    self.record(&context, swanctl_print, nftables_print);
                    index.insert(&context);
                }
                Ok(None) => {
                    self.entries.remove(name.as_str());
                }
                Err(error) => {
                    tracing::warn!(connection = %name, %error, "left out of the gateway index: its files do not parse");
                    self.entries.remove(name.as_str());
                }
            }
        }
        (index, changed)
    }

    /// Records `context` as just written to `files` (or forgets `name` when `context`
    /// is `None`).
    pub fn update(
        &mut self,
        root: &Path,
        name: &ConnectionName,
        context: Option<&Context>,
        files: ContextFiles<'_>,
    ) {
        match (context, fingerprint(&root.join(files.swanctl))) {
            (Some(context), Some(swanctl)) => {
                let nftables = fingerprint(&root.join(files.nftables));
                self.record(context, swanctl, nftables);
            }
            _ => {
                self.entries.remove(name.as_str());
            }
        }
    }

    fn record(&mut self, context: &Context, swanctl: Fingerprint, nftables: Option<Fingerprint>) {
        let parsed = Arc::new(Summary::of(context));
        self.entries.insert(
            context.name().to_string(),
            Entry {
                swanctl,
                nftables,
                summary: StoredSummary::from(parsed.as_ref()),
                parsed: Some(parsed),
            },
        );
    }
}

impl Entry {
    /// The parsed summary, parsed on first use; `None` if it no longer parses.
    fn summary(&mut self) -> Option<Arc<Summary>> {
        if self.parsed.is_none() {
            self.parsed = self.summary.parse().map(Arc::new);
        }
        self.parsed.clone()
    }
}

fn fingerprint(path: &Path) -> Option<Fingerprint> {
    let meta = fs::symlink_metadata(path).ok()?;
    Some(Fingerprint {
        ino: meta.ino(),
        len: meta.len(),
        mtime_ns: meta.mtime() * 1_000_000_000 + meta.mtime_nsec(),
    })
}
