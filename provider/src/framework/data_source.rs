//! The [`DataSource`] trait: what each data source implements. The server decodes
//! Terraform's values, calls these, and encodes the answers
//! (`ValidateDataResourceConfig`, `ReadDataSource`).

use async_trait::async_trait;
use ipsec_core::{Diagnostics, Gateway};

use crate::codec::Value;

use super::resource::Outcome;
use super::schema::Schema;

/// One data source type.
#[async_trait]
pub trait DataSource: Send + Sync {
    /// The data source type name, such as `ipsec_connection_status`.
    fn type_name(&self) -> &'static str;

    /// The schema, declared once: the configured arguments and the computed answer.
    fn schema(&self) -> &Schema;

    /// Checks a configuration that may hold unknown values (the provider may not be
    /// configured yet); the schema's validators have run already.
    fn validate(&self, config: &Value) -> Diagnostics;

    /// Reads what the gateway says for `config` (every value known): the whole object,
    /// configured arguments as configured and every computed attribute filled.
    async fn read(&self, gateway: &dyn Gateway, config: &Value) -> Outcome<Value>;
}
