//! The core of terraform-provider-ipsec: everything about IPsec contexts that is not
//! Terraform.
//!
//! The flow is model → validation → rendering → engine:
//! - [`model`]: typed values that are valid by construction (a [`model::Context`] is one
//!   connection with its remote subnets and static NAT);
//! - [`validate`]: user input to the model, returning every problem as a [`diag::Diagnostic`]
//!   with an attribute path, plus the rules that span objects of a context;
//! - [`render`] and [`parse`]: the model to swanctl.conf and nftables text and back;
//! - [`gateway`]: the [`gateway::Gateway`] trait with read-modify-write operations per
//!   resource, and [`engine`]: its implementations (the embedded `local` engine).
//!
//! Public: the modules above and the re-exports below; nothing else.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod diag;
pub mod engine;
pub mod gateway;
pub mod model;
pub mod parse;
pub mod render;
mod suggest;
pub mod validate;

pub use diag::{AttributePath, Diagnostic, Diagnostics, Problem, Severity};
pub use gateway::{ApplyError, EngineError, Gateway, GatewayError};
