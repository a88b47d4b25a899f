//! Validation: user input in, typed model or diagnostics out. Pure: no I/O, no panics,
//! and every problem is reported, not just the first.
//!
//! Per-object rules live in one file per resource; rules that span the objects of one
//! context live in [`context`] and run against what the gateway holds.

pub mod connection;
pub mod context;
pub mod input;
pub mod nat;
pub mod remote_subnet;

pub use connection::validate_connection;
pub use context::{check_context, Focus};
pub use input::{
    ConnectionInput, NatContextInput, PhaseInput, RemoteSubnetInput, TranslationInput,
};
pub use nat::validate_nat_context;
pub use remote_subnet::{parse_remote_subnet_id, remote_subnet_id, validate_remote_subnet};
