//! Where a context's files are under the config dir (SPEC.md), and their modes.

use std::fs::DirBuilder;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use crate::gateway::GatewayError;
use crate::model::ConnectionName;

/// Where connection files live, relative to the config dir.
pub const SWANCTL_DIR: &str = "swanctl/conf.d";
/// Where NAT fragments live, relative to the config dir.
pub const NFTABLES_DIR: &str = "nftables";
/// Permission bits of a swanctl file (it holds the pre-shared key).
pub const SWANCTL_MODE: u32 = 0o600;
/// Permission bits of an nftables fragment.
pub const NFTABLES_MODE: u32 = 0o640;

/// The swanctl file of connection `name`, relative to the config dir.
pub(super) fn swanctl_file(name: &ConnectionName) -> PathBuf {
    Path::new(SWANCTL_DIR).join(format!("{name}.conf"))
}

/// The nftables fragment of connection `name`, relative to the config dir.
pub(super) fn nftables_file(name: &ConnectionName) -> PathBuf {
    Path::new(NFTABLES_DIR).join(format!("{name}.nft"))
}

/// Creates the config dir `root` and both file dirs (mode 0700) where missing.
pub(super) fn create_dirs(root: &Path) -> Result<(), GatewayError> {
    for dir in [SWANCTL_DIR, NFTABLES_DIR] {
        let path = root.join(dir);
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&path)
            .map_err(|source| GatewayError::Io {
                action: "create",
                path,
                source,
            })?;
    }
    Ok(())
}
