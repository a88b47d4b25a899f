//! Managed mode's watch on Terraform: the plugin stops by itself when the process that
//! started it is gone (Terraform killed with SIGKILL never calls `Shutdown`).
//!
//! The parent is polled, not asked to signal us: `PR_SET_PDEATHSIG` fires when the
//! *thread* that forked us exits, and Terraform is a Go program whose forking thread
//! may exit at any time while Terraform lives on.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// How often the parent is checked.
pub(crate) const PARENT_POLL: Duration = Duration::from_secs(1);

/// Cancels `stop` once this process's parent has changed (it died, and the process
/// was handed to init or a subreaper), checked every [`PARENT_POLL`].
pub(crate) fn stop_when_orphaned(stop: CancellationToken) {
    let parent = std::os::unix::process::parent_id();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(PARENT_POLL);
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                _ = ticks.tick() => {}
            }
            let now = std::os::unix::process::parent_id();
            if now != parent {
                tracing::debug!(parent, now, "Terraform is gone: stopping the plugin");
                stop.cancel();
                return;
            }
        }
    });
}
