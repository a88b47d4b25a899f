//! The [`EphemeralResource`] trait: what each ephemeral resource implements. The server
//! decodes Terraform's values, calls these, and encodes the answers
//! (`ValidateEphemeralResourceConfig`, `OpenEphemeralResource`). An ephemeral result
//! lives only for one Terraform run: Terraform keeps it in no plan and no state.

use ipsec_core::Diagnostics;

use crate::codec::Value;

use super::resource::Outcome;
use super::schema::Schema;

/// One ephemeral resource type.
pub trait EphemeralResource: Send + Sync {
    /// The type name, such as `ipsec_preshared_key`.
    fn type_name(&self) -> &'static str;

    /// The schema, declared once: the configured arguments and the computed result.
    fn schema(&self) -> &Schema;

    /// Checks a configuration that may hold unknown values; the schema's validators
    /// have run already.
    fn validate(&self, config: &Value) -> Diagnostics;

    /// Opens the resource for a wholly known `config`: the whole object, configured
    /// arguments as configured (defaults filled) and every computed attribute set. It
    /// needs nothing to renew or close.
    fn open(&self, config: &Value) -> Outcome<Value>;
}
