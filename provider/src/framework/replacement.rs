//! Telling the plan of a replacement's new object from the plan of a new object.
//!
//! Terraform replaces an object (`-replace`, `taint`, a change of an attribute that
//! requires replacement) by planning a create with a null prior state, then destroying
//! the old object before creating the new one. A plan-time check that the object does
//! not exist yet would refuse every replacement. Two signs tell a replacement apart:
//!
//! - the replacement of an object Terraform planned from its prior state carries that
//!   plan's private data into the create-plan: every plan with a prior state answers a
//!   private [`Stamp`] naming the object, so the create-plan knows what it replaces;
//! - a tainted object is planned as a plain create, with no private data, but Terraform
//!   refreshed it first in the same run. Another resource holding the same ID would
//!   also be planned from its prior state; a create-plan of a refreshed ID waits briefly
//!   for such a plan, and only without one is it a replacement.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::private::Private;
use crate::codec::Value;

/// How long a create-plan of a refreshed ID waits for another resource's plan of it.
pub const TAINT_PATIENCE: Duration = Duration::from_secs(2);

/// The private data every plan with a prior state answers: the object it plans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// The `id` of the object.
    pub id: String,
}

impl Stamp {
    /// `private` stamped with the object `state` (one with an `id`), as private bytes;
    /// the other fields of `private` are kept.
    pub fn of(state: &Value, private: &[u8]) -> Option<Vec<u8>> {
        let id = state.attr("id").as_str()?;
        let mut private = Private::read(private);
        private.set_string("id", id);
        Some(private.to_bytes())
    }

    /// The stamp in `private`, if it holds one.
    pub fn read(private: &[u8]) -> Option<Stamp> {
        let id = Private::read(private).string("id")?.to_owned();
        Some(Stamp { id })
    }
}

/// The objects Terraform showed one session, by resource type and `id`: refreshed (held
/// in state), and planned from a prior state.
#[derive(Debug, Default)]
pub struct InState {
    seen: Mutex<Seen>,
    changed: Notify,
}

#[derive(Debug, Default)]
struct Seen {
    refreshed: BTreeSet<(String, String)>,
    planned: BTreeSet<(String, String)>,
}

impl InState {
    /// Records that Terraform refreshed `state`, an object of `type_name`.
    pub fn refreshed(&self, type_name: &str, state: &Value) {
        if let Some(id) = state.attr("id").as_str() {
            self.lock().refreshed.insert(key(type_name, id));
            self.changed.notify_waiters();
        }
    }

    /// Records that Terraform planned `prior`, an object of `type_name`, from its state.
    pub fn planned(&self, type_name: &str, prior: &Value) {
        if let Some(id) = prior.attr("id").as_str() {
            self.lock().planned.insert(key(type_name, id));
            self.changed.notify_waiters();
        }
    }

    /// Whether a create-plan of `id`, which exists on the gateway, is the replacement
    /// of a tainted (or deposed) object: Terraform refreshes an object of that ID and
    /// plans none from its prior state. Terraform refreshes and plans objects in no
    /// fixed order, so this waits up to [`TAINT_PATIENCE`] for the answer to settle.
    pub async fn tainted(&self, type_name: &str, id: &str) -> bool {
        let key = key(type_name, id);
        let deadline = Instant::now() + TAINT_PATIENCE;
        loop {
            let seen_more = self.changed.notified();
            tokio::pin!(seen_more);
            // Registered before looking, so a record made meanwhile is not missed.
            seen_more.as_mut().enable();
            let refreshed = {
                let seen = self.lock();
                if seen.planned.contains(&key) {
                    return false;
                }
                seen.refreshed.contains(&key)
            };
            let now = Instant::now();
            if now >= deadline {
                return refreshed;
            }
            let _ = tokio::time::timeout(deadline - now, seen_more).await;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        // A poisoned lock only means a panic elsewhere; the sets themselves are whole.
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn key(type_name: &str, id: &str) -> (String, String) {
    (type_name.to_owned(), id.to_owned())
}
