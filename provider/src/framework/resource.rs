//! The [`Resource`] trait: what each resource implements, in lifecycle order. The
//! server decodes Terraform's values, calls these, and encodes the answers.

use async_trait::async_trait;
use ipsec_core::gateway::planned::PlannedChanges;
use ipsec_core::gateway::unanswered::Object;
use ipsec_core::{Diagnostics, Gateway};

use crate::codec::Value;

use super::replacement::{InState, Stamp};

use super::schema::Schema;

/// A value when the operation succeeded, and the diagnostics (warnings, or the errors
/// that explain a `None`).
pub type Outcome<T> = (Option<T>, Diagnostics);

/// What a resource's plan of a create or update sees besides the planned state.
#[derive(Clone, Copy)]
pub struct Proposal<'a> {
    /// The gateway and the run's other plans; `None` before the provider is configured
    /// and for the update half of a replacement (judged again at its create-plan).
    pub context: Option<PlanContext<'a>>,
    /// The prior state; null for a create.
    pub prior: &'a Value,
    /// The configuration.
    pub config: &'a Value,
}

/// What a plan may consult once the provider is configured: the gateway, and what
/// earlier plans of the same run create (Terraform plans dependencies first).
#[derive(Clone, Copy)]
pub struct PlanContext<'a> {
    /// The configured gateway.
    pub gateway: &'a dyn Gateway,
    /// Creations planned so far in this process.
    pub planned: &'a PlannedChanges,
    /// What Terraform showed this session of the objects in its state.
    pub in_state: &'a InState,
    /// The resource type being planned.
    pub type_name: &'a str,
    /// The private data Terraform passed with the prior state.
    pub prior_private: &'a [u8],
}

impl PlanContext<'_> {
    /// The diagnostics of the plan of object `id`, given by `preview(replaced)` where
    /// `replaced` is the `id` of the object a replacement destroys first (`None` for
    /// a new object or an update). Only a create-plan that the gateway refuses with
    /// `conflict` (the object exists) asks whether it is a tainted object's
    /// replacement, which may wait (see [`super::replacement`]), or the object `object`
    /// a killed provider wrote and never answered for, which the create adopts (see
    /// `ipsec_core::gateway::unanswered`). Both are judged as if the gateway did not
    /// hold it yet.
    pub async fn judge<F, Fut>(
        &self,
        prior: &Value,
        (id, object): (&str, Object<'_>),
        conflict: &str,
        preview: F,
    ) -> Diagnostics
    where
        F: Fn(Option<String>) -> Fut,
        Fut: std::future::Future<Output = Diagnostics>,
    {
        if !prior.is_null() {
            return preview(None).await;
        }
        if let Some(stamp) = Stamp::read(self.prior_private) {
            return preview(Some(stamp.id)).await;
        }
        let diags = preview(None).await;
        if !diags.errors().any(|d| d.summary == conflict) {
            return diags;
        }
        if self.in_state.tainted(self.type_name, id).await
            || self.gateway.unanswered().left(&object)
        {
            preview(Some(id.to_owned())).await
        } else {
            diags
        }
    }
}

/// Moves the value of attribute `from` of the raw state object `raw` to `to`, for
/// [`Resource::upgrade_raw`] after a rename. A `raw` that is not an object, or holds no
/// `from`, is returned as it is; a value already at `to` wins over the one at `from`.
pub fn rename_attribute(mut raw: serde_json::Value, from: &str, to: &str) -> serde_json::Value {
    if let Some(object) = raw.as_object_mut() {
        if let Some(value) = object.remove(from) {
            object.entry(to).or_insert(value);
        }
    }
    raw
}

/// One managed resource type.
#[async_trait]
pub trait Resource: Send + Sync {
    /// The resource type name, such as `ipsec_vpn_connection`.
    fn type_name(&self) -> &'static str;

    /// The schema, declared once.
    fn schema(&self) -> &Schema;

    /// Rewrites `raw`, a state stored under schema `version` (at most
    /// `self.schema().version`), into the shape of the current schema before
    /// `UpgradeResourceState` decodes it. Attributes the current schema does not have
    /// are dropped after this, and missing ones read as null. The default moves the
    /// values of the attributes the schema lists as [`super::Renamed`] since `version`, which
    /// is right for a resource that has only renamed attributes.
    ///
    /// Bump the schema's `version` with every change made here, and handle every
    /// earlier version: Terraform sends state of any version a user's last apply wrote.
    fn upgrade_raw(&self, version: i64, raw: serde_json::Value) -> serde_json::Value {
        self.schema()
            .renamed
            .iter()
            .filter(|renamed| version < renamed.version)
            .fold(raw, |raw, renamed| {
                rename_attribute(raw, renamed.from, renamed.to)
            })
    }

    /// Checks a configuration that may hold unknown values (`ValidateResourceConfig`;
    /// the provider may not be configured yet).
    fn validate(&self, config: &Value) -> Diagnostics;

    /// Completes `planned`, the generic plan of a create or update (never called for a
    /// destroy): derives computed values and checks the rules that span resources
    /// against the gateway when there is one, recording what it plans to create in
    /// `context.planned`.
    async fn modify_plan(&self, proposal: Proposal<'_>, planned: &mut Value) -> Diagnostics;

    /// Checks the plan of a destroy against the gateway and records it for the other
    /// plans of the run (rules that span resources); nothing by default.
    async fn plan_destroy(&self, _context: Option<PlanContext<'_>>, _prior: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    /// The private data to keep with `state`, just applied (default: as planned). A
    /// resource with write-only attributes keeps their fingerprints here.
    async fn private_after_apply(
        &self,
        _gateway: &dyn Gateway,
        _state: &Value,
        planned_private: &[u8],
    ) -> Vec<u8> {
        planned_private.to_vec()
    }

    /// Compares a refreshed `state` with what its private data records (such as the
    /// fingerprint of a write-only value) and changes `state` so that a difference on
    /// the gateway shows as drift; nothing by default.
    async fn check_private(
        &self,
        _gateway: &dyn Gateway,
        _state: &mut Value,
        _private: &[u8],
    ) -> Diagnostics {
        Diagnostics::new()
    }

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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::rename_attribute;

    #[test]
    fn rename_attribute_moves_the_value() {
        assert_eq!(
            rename_attribute(
                json!({"id": "dc1", "connection": "dc1"}),
                "connection",
                "connection_name"
            ),
            json!({"id": "dc1", "connection_name": "dc1"})
        );
    }

    #[test]
    fn rename_attribute_leaves_other_shapes_alone() {
        let current = json!({"id": "dc1", "connection_name": "dc1"});
        assert_eq!(
            rename_attribute(current.clone(), "connection", "connection_name"),
            current
        );
        assert_eq!(
            rename_attribute(json!(null), "connection", "connection_name"),
            json!(null)
        );
        assert_eq!(
            rename_attribute(
                json!({"connection": "old", "connection_name": "new"}),
                "connection",
                "connection_name"
            ),
            json!({"connection_name": "new"})
        );
    }
}
