//! Rendering: the model to the gateway's native files. Pure and infallible: the model
//! only holds valid values, and every free-text value is escaped, so no input can change
//! the structure of a generated file.
//!
//! The few model values that swanctl.conf and nftables have no setting for (the
//! connection's description, the phase 2 group when PFS is off, the static NAT subnet)
//! are kept in metadata comments of the form `# @key value`, which both strongSwan and
//! nft ignore and [`crate::parse`] reads back.

mod metadata;
mod nftables;
mod peer;
mod swanctl;

pub use metadata::{escape_text, METADATA_PREFIX};
pub use nftables::{chain_names, render_nftables, rule_specs, NatRuleSpec};
pub use peer::{peer_parameters, render_peer_swanctl, PeerParameters};
pub use swanctl::{
    child_name, children, close_action, esp_proposal, esp_proposals, ike_proposal, ike_proposals,
    ikev1_pairs, is_child_of, render_swanctl, ChildSpec, PENDING_CHILD,
};

/// The first line of every generated file.
pub const HEADER: &str = "# Managed by terraform-provider-ipsec. Edits made here by hand show up as drift in `terraform plan`.";
