//! Gateway engines: the implementations of [`crate::gateway::Gateway`]. The only code in
//! `core` that does I/O.

pub mod local;

pub use local::LocalGateway;
