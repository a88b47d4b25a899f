//! The [`Resource`] trait: what each resource implements, in lifecycle order. The
//! server decodes Terraform's values, calls these, and encodes the answers.

use async_trait::async_trait;
use ipsec_core::gateway::planned::PlannedChanges;
use ipsec_core::{Diagnostics, Gateway};

use crate::codec::Value;

use super::schema::Schema;

/// A value when the operation succeeded, and the diagnostics (warnings, or the errors
/// that explain a `None`).
pub type Outcome<T> = (Option<T>, Diagnostics);

/// What a plan may consult once the provider is configured: the gateway, and what
/// earlier plans of the same run create (Terraform plans dependencies first).
#[derive(Clone, Copy)]
pub struct PlanContext<'a> {
    /// The configured gateway.
    pub gateway: &'a dyn Gateway,
    /// Creations planned so far in this process.
    pub planned: &'a PlannedChanges,
    /// Whether Terraform holds an object of this type with the given `id` in its state:
    /// a create of such an object replaces it (destroy first, then create).
    pub in_state: &'a (dyn Fn(&str) -> bool + Sync),
}

impl PlanContext<'_> {
    /// Whether a plan with a null prior state for object `id` is a replacement.
    pub fn replaces(&self, prior: &Value, id: &str) -> bool {
        prior.is_null() && (self.in_state)(id)
    }
}

/// One managed resource type.
#[async_trait]
pub trait Resource: Send + Sync {
    /// The resource type name, such as `ipsec_vpn_connection`.
    fn type_name(&self) -> &'static str;

    /// The schema, declared once.
    fn schema(&self) -> &Schema;

    /// Checks a configuration that may hold unknown values (`ValidateResourceConfig`;
    /// the provider may not be configured yet).
    fn validate(&self, config: &Value) -> Diagnostics;

    /// Completes the generic plan of a create or update (never called for a destroy):
    /// derives computed values and checks the rules that span resources against the
    /// gateway when there is one, recording what it plans to create in
    /// `context.planned`.
    async fn modify_plan(
        &self,
        context: Option<PlanContext<'_>>,
        prior: &Value,
        planned: &mut Value,
        config: &Value,
    ) -> Diagnostics;

    /// Creates the object; answers the new state.
    async fn create(
        &self,
        gateway: &dyn Gateway,
        planned: &Value,
        config: &Value,
    ) -> Outcome<Value>;

    /// Reads the object back; `(None, no errors)` means it is gone.
    async fn read(&self, gateway: &dyn Gateway, state: &Value) -> Outcome<Value>;

    /// Changes the object in place; answers the new state.
    async fn update(
        &self,
        gateway: &dyn Gateway,
        prior: &Value,
        planned: &Value,
        config: &Value,
    ) -> Outcome<Value>;

    /// Deletes the object. Deleting one that is already gone is not an error.
    async fn delete(&self, gateway: &dyn Gateway, prior: &Value) -> Diagnostics;

    /// Finds the object by its import ID; answers its full state.
    async fn import(&self, gateway: &dyn Gateway, id: &str) -> Outcome<Value>;
}
