//! Rust types and gRPC stubs generated at build time from `proto/` (see `build.rs`).
//!
//! Only this crate owns these types; `core` never sees them.

pub use generated::{plugin, tfplugin6};

/// The generated code, which follows protobuf's naming and documentation rather than
/// this crate's lints.
#[allow(
    missing_docs,
    clippy::all,
    clippy::pedantic,
    clippy::nursery,
    rustdoc::all,
    unreachable_pub
)]
mod generated {
    /// Terraform plugin protocol 6.8: the `Provider` service and its messages.
    pub mod tfplugin6 {
        tonic::include_proto!("tfplugin6");
    }

    /// go-plugin's own services: `GRPCController` (shutdown) and `GRPCStdio` (output
    /// streaming).
    pub mod plugin {
        tonic::include_proto!("plugin");
    }
}
