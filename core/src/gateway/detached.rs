//! What a deleted connection leaves to a connection of the same name created next by
//! the same process: its remote subnets and NAT.
//!
//! Terraform replaces a connection (`-replace`, `taint`, a change that forces
//! replacement) by destroying it and creating it again, while the remote subnets and
//! the NAT context that name it stay in its state, untouched. Deleting a context takes
//! them off the gateway, so the new connection takes them back. The store lives in
//! memory only: a replacement's delete and create run in one provider process, and
//! nothing a later run creates inherits leftovers.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use crate::model::{Cidr, ConnectionName, Context, NatContext};

/// The remote subnets and NAT of deleted connections, by name.
#[derive(Debug, Default)]
pub struct Detached {
    parts: Mutex<BTreeMap<ConnectionName, Parts>>,
}

/// What a connection's delete left behind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parts {
    /// The remote subnets.
    pub remote_subnets: BTreeSet<Cidr>,
    /// The static NAT.
    pub nat: Option<NatContext>,
}

impl Detached {
    /// Keeps the remote subnets and NAT of `context`, which is being deleted.
    pub fn keep(&self, context: Context) {
        if context.remote_subnets.is_empty() && context.nat.is_none() {
            return;
        }
        let parts = Parts {
            remote_subnets: context.remote_subnets,
            nat: context.nat,
        };
        self.lock().insert(context.connection.name, parts);
    }

    /// Takes what the deleted connection `name` left, if anything.
    pub fn take(&self, name: &ConnectionName) -> Option<Parts> {
        self.lock().remove(name)
    }

    /// Puts back what [`Self::take`] gave, when the create that took it failed.
    pub fn put_back(&self, name: ConnectionName, parts: Parts) {
        self.lock().insert(name, parts);
    }

    /// Forgets a remote subnet of a deleted connection (its own resource was destroyed).
    pub fn forget_subnet(&self, name: &ConnectionName, cidr: Cidr) {
        if let Some(parts) = self.lock().get_mut(name) {
            parts.remote_subnets.remove(&cidr);
        }
    }

    /// Forgets the NAT of a deleted connection (its own resource was destroyed).
    pub fn forget_nat(&self, name: &ConnectionName) {
        if let Some(parts) = self.lock().get_mut(name) {
            parts.nat = None;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<ConnectionName, Parts>> {
        // A poisoned lock only means a panic elsewhere; the map itself is whole.
        self.parts.lock().unwrap_or_else(|e| e.into_inner())
    }
}
