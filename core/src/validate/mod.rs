//! Validation: user input in, typed model or diagnostics out. Pure: no I/O, no panics,
//! and every problem is reported, not just the first.
//!
//! Per-object rules live in one file per resource; rules that span the objects of one
//! context live in [`context`], and rules that span the contexts of a gateway in
//! [`gateway`]; both run against what the gateway holds.

pub mod connection;
pub mod context;
mod dpd;
mod endpoints;
pub mod gateway;
pub mod ikev1;
pub mod input;
pub mod nat;
mod proposals;
pub mod remote_subnet;
pub mod unknowns;
mod waiting;

pub use connection::{check_connection_config, validate_connection};
pub use context::{check_context, check_remote_subnet_removal, Focus};
pub use gateway::check_gateway;
pub use ikev1::check_ikev1_versions;
pub use input::{
    ConnectionInput, DpdInput, NatContextInput, PhaseInput, ProposalInput, RemoteSubnetInput,
    TranslationInput,
};
pub use nat::{check_nat_context_config, validate_nat_context};
pub use remote_subnet::{
    check_remote_subnet_config, parse_remote_subnet_id, remote_subnet_id, validate_remote_subnet,
};
pub use unknowns::Unknowns;
pub use waiting::check_wait_until_established;
