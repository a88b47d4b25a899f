//! Reading Terraform values into `core`'s input structs, and answers back; what more
//! than one resource shares (the rename of `connection`, reading an object by its
//! connection's name, the answers of apply and read).
//!
//! An unknown value reads as empty and its path goes into [`Unknowns`], so `core`
//! skips every rule that needs it. A number that is not whole reads as `None`; the
//! schema's whole-number validator reports it.

use ipsec_core::gateway::{ops, ApplyError, Edit, GatewayIndex};
use ipsec_core::model::{ConnectionName, Context};
use ipsec_core::validate::Unknowns;
use ipsec_core::{AttributePath, Diagnostic, Diagnostics, GatewayError};

use crate::codec::{Number, Value};
use crate::framework::{Outcome, Renamed};

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

/// The rename of `ipsec_remote_subnet` and `ipsec_nat_context`: schema version 0 named
/// their connection `connection`, which Terraform reserves for provisioner connection
/// blocks; version 1 calls it `connection_name`.
pub const CONNECTION_RENAMED: &[Renamed] = &[Renamed {
    version: 1,
    from: "connection",
    to: "connection_name",
}];

/// Attribute `name` of `object` if it is a known string, else empty.
pub fn string(object: &Value, name: &str) -> String {
    object.attr(name).as_str().unwrap_or_default().to_owned()
}

/// Attribute `name` of `object` if it is a known string, else `None`.
pub fn optional_string(object: &Value, name: &str) -> Option<String> {
    object.attr(name).as_str().map(str::to_owned)
}

/// Attribute `name` of `object` if it is a known whole number, else `None`.
pub fn integer(object: &Value, name: &str) -> Option<i64> {
    match object.attr(name).as_number() {
        Some(Number::Int(n)) => Some(n),
        _ => None,
    }
}

/// The known strings of attribute `name` of `object`, a set or list.
pub fn strings(object: &Value, name: &str) -> Vec<String> {
    let elements = object.attr(name).as_elements().unwrap_or_default();
    elements
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// A set of strings.
pub fn string_set<T: ToString>(items: impl IntoIterator<Item = T>) -> Value {
    Value::Set(items.into_iter().map(Value::text).collect())
}

/// The connection named by attribute `name` of `state`, if it is a valid name.
pub fn connection_name(state: &Value, name: &str) -> Option<ConnectionName> {
    ConnectionName::parse(state.attr(name).as_str()?).ok()
}

/// An import ID that names a connection.
pub fn imported_connection_name(id: &str) -> Result<ConnectionName, Diagnostics> {
    ConnectionName::parse(id)
        .map_err(|problem| Diagnostic::error("Invalid import ID", problem.detail).into())
}

/// `edit` judged as after the destroy half of a replacement, which Terraform runs
/// first: the replaced object is gone from the index (`forget`) and, when it belongs to
/// the same connection (`same_connection`), from the stored context (`strip`).
pub fn replacing(
    edit: Edit,
    same_connection: bool,
    strip: impl FnOnce(&mut Context) + Send + 'static,
    forget: impl FnOnce(&mut GatewayIndex) + Send + 'static,
) -> Edit {
    let strip = move |context: &mut Context| {
        if same_connection {
            strip(context)
        }
    };
    ops::without(edit, strip, forget)
}

/// An engine failure as diagnostics for the whole resource.
pub fn gateway_error(error: &GatewayError) -> Diagnostics {
    error.to_diagnostic().into()
}

/// The answer of a create or update: the state made by `state` from what the gateway
/// now holds, or only the errors (warnings were already shown when Terraform
/// validated the configuration, and showing them again at apply would repeat them).
pub fn applied<T>(
    result: Result<T, ApplyError>,
    state: impl FnOnce(T) -> Result<Value, Diagnostics>,
) -> Outcome<Value> {
    match result.map(state) {
        Ok(Ok(state)) => (Some(state), Diagnostics::new()),
        Ok(Err(diags)) => (None, diags),
        Err(error) => (None, errors_only(error.into_diagnostics())),
    }
}

/// The answer of a delete; deleting what is already gone is no error.
pub fn deleted<T>(result: Result<T, ApplyError>) -> Diagnostics {
    result
        .err()
        .map(ApplyError::into_diagnostics)
        .unwrap_or_default()
}

/// The answer of a read: the state, or none when the object is gone.
pub fn read(found: Result<Option<Value>, GatewayError>) -> Outcome<Value> {
    match found {
        Ok(state) => (state, Diagnostics::new()),
        Err(error) => (None, gateway_error(&error)),
    }
}

/// The answer of an import: the state, or why there is nothing to import.
pub fn imported(
    found: Result<Result<Value, String>, GatewayError>,
    missing: &str,
) -> Outcome<Value> {
    match found {
        Ok(Ok(state)) => (Some(state), Diagnostics::new()),
        Ok(Err(why)) => (None, Diagnostic::error(missing, why).into()),
        Err(error) => (None, gateway_error(&error)),
    }
}

fn errors_only(diags: Diagnostics) -> Diagnostics {
    let mut errors = Diagnostics::new();
    for diag in diags.errors() {
        errors.push(diag.clone());
    }
    errors
}
