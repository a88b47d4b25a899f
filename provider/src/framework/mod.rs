//! A small framework in the spirit of terraform-plugin-framework: schemas declared
//! once ([`schema`]), validators and plan modifiers as small pieces ([`validator`],
//! [`plan_modifier`]), the generic plan ([`plan`]), diagnostics with paths
//! ([`diagnostics`]) and the [`Resource`] trait each resource implements.

pub mod description;
pub mod diagnostics;
pub mod plan;
pub mod plan_modifier;
pub mod private;
pub mod replacement;
pub mod resource;
pub mod schema;
pub mod validator;

pub use description::Choices;
pub use plan_modifier::PlanModifier;
pub use resource::{rename_attribute, Outcome, PlanContext, Proposal, Resource};
pub use schema::{Attribute, Kind, Presence, Renamed, Schema};
pub use validator::Validator;
