//! The ephemeral resources of SPEC.md, one per file: values Terraform keeps for one run
//! only, in no plan and no state.

pub mod preshared_key;

use std::sync::Arc;

use crate::framework::EphemeralResource;

pub use preshared_key::PresharedKeyEphemeral;

/// Every ephemeral resource type the provider serves.
pub fn all() -> Vec<Arc<dyn EphemeralResource>> {
    vec![Arc::new(PresharedKeyEphemeral)]
}
