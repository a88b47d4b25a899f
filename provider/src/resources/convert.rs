//! Reading Terraform values into `core`'s input structs, and answers back; the state
//! upgrade that more than one resource shares.
//!
//! An unknown value reads as empty and its path goes into [`Unknowns`], so `core`
//! skips every rule that needs it. A number that is not whole reads as `None`; the
//! schema's whole-number validator reports it.

use ipsec_core::validate::Unknowns;
use ipsec_core::{AttributePath, Diagnostics, GatewayError};

use crate::codec::{Number, Value};
use crate::framework::rename_attribute;

/// The paths of every unknown value in a resource configuration.
pub fn unknowns(config: &Value) -> Unknowns {
    config
        .unknown_paths(&AttributePath::empty())
        .into_iter()
        .collect()
}

/// How long an apply waits for a change of the same run that its own change needs
/// first (see `ipsec_core::gateway::ops::patiently`).
pub const APPLY_PATIENCE: std::time::Duration = std::time::Duration::from_secs(20);

/// A known string, or empty.
pub fn string(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// A known string, or `None` for null or unknown.
pub fn optional_string(value: &Value) -> Option<String> {
    value.as_str().map(str::to_owned)
}

/// A known whole number, or `None`.
pub fn integer(value: &Value) -> Option<i64> {
    match value.as_number() {
        Some(Number::Int(n)) => Some(n),
        _ => None,
    }
}

/// The known strings of a set or list.
pub fn strings(value: &Value) -> Vec<String> {
    value
        .as_elements()
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// A set of strings.
pub fn string_set<I: IntoIterator<Item = String>>(items: I) -> Value {
    Value::Set(items.into_iter().map(Value::String).collect())
}

/// An engine failure as diagnostics for the whole resource.
pub fn gateway_error(error: &GatewayError) -> Diagnostics {
    error.to_diagnostic().into()
}

/// Only the errors: warnings were already shown when Terraform validated the
/// configuration, and showing them again at apply would repeat them.
pub fn errors_only(diags: Diagnostics) -> Diagnostics {
    let mut errors = Diagnostics::new();
    for diag in diags.errors() {
        errors.push(diag.clone());
    }
    errors
}

/// The state upgrade of `ipsec_remote_subnet` and `ipsec_nat_context`: schema version 0
/// named their connection `connection`, which Terraform reserves for provisioner
/// connection blocks; version 1 calls it `connection_name`.
pub fn upgrade_connection_name(version: i64, raw: serde_json::Value) -> serde_json::Value {
    if version < 1 {
        rename_attribute(raw, "connection", "connection_name")
    } else {
        raw
    }
}
