//! A small framework in the spirit of terraform-plugin-framework: schemas declared
//! once ([`schema`]; described by [`description`], sent as [`schema_proto`]),
//! validators and plan modifiers as small pieces ([`validator`], [`plan_modifier`]),
//! the generic plan ([`plan`]), diagnostics with paths ([`diagnostics`]), the
//! [`Resource`] trait each resource implements, the [`DataSource`] trait of each
//! data source and the [`EphemeralResource`] trait of each ephemeral resource.

pub mod data_source;
pub mod description;
pub mod diagnostics;
pub mod ephemeral_resource;
pub mod plan;
pub mod plan_modifier;
pub mod private;
pub mod replacement;
pub mod resource;
pub mod schema;
pub mod schema_proto;
pub mod timeouts;
pub mod validator;

pub use data_source::DataSource;
pub use ephemeral_resource::EphemeralResource;
pub use plan_modifier::PlanModifier;
pub use resource::{Outcome, PlanContext, Proposal, Resource};
pub use schema::{Attribute, Choices, Kind, Presence, Renamed, Schema};
pub use validator::Validator;
