//! Gateway engines: the implementations of [`crate::gateway::Gateway`], and the
//! settings that choose one. The only code in `core` that does I/O.

pub mod local;
pub mod settings;
pub mod strongswan;

pub use local::LocalGateway;
pub use settings::{open, EngineSettings, Origin};
pub use strongswan::StrongswanGateway;
