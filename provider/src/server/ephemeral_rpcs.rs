//! The ephemeral resource RPCs: validate and open; renew and close have nothing to do
//! (the key needs no renewing and holds nothing open). Each decodes the configuration
//! by the type's schema, runs the schema's validators and the type's own checks, and
//! encodes the answer.

use ipsec_core::Diagnostics;

use super::IpsecProvider;
use crate::codec::{decode_dynamic, encode_dynamic, Value};
use crate::framework::diagnostics::{codec_error, to_proto};
use crate::framework::EphemeralResource;
use crate::proto::tfplugin6 as pb;

/// `ValidateEphemeralResourceConfig`: unknown values are not judged.
pub(super) fn validate(
    provider: &IpsecProvider,
    request: pb::validate_ephemeral_resource_config::Request,
) -> pb::validate_ephemeral_resource_config::Response {
    let diags = match checked_config(provider, &request.type_name, request.config.as_ref()) {
        Ok((_, _, diags)) | Err(diags) => diags,
    };
    pb::validate_ephemeral_resource_config::Response {
        diagnostics: to_proto(&diags),
    }
}

/// `OpenEphemeralResource`: the result for this run. Terraform opens only a wholly
/// known configuration (it plans an unknown result otherwise); one that is not is
/// answered as unknown all the same, rather than judged.
pub(super) fn open(
    provider: &IpsecProvider,
    request: pb::open_ephemeral_resource::Request,
) -> pb::open_ephemeral_resource::Response {
    let answer = |result: Option<pb::DynamicValue>, diags: Diagnostics| {
        pb::open_ephemeral_resource::Response {
            diagnostics: to_proto(&diags),
            result,
            ..Default::default()
        }
    };
    let (resource, config, mut diags) =
        match checked_config(provider, &request.type_name, request.config.as_ref()) {
            Ok(checked) => checked,
            Err(diags) => return answer(None, diags),
        };
    if diags.has_error() {
        return answer(None, diags);
    }
    let ty = resource.schema().ty();
    let result = if config.is_wholly_known() {
        let (result, open_diags) = resource.open(&config);
        diags.extend(open_diags);
        match result {
            Some(result) => result,
            None => return answer(None, diags),
        }
    } else {
        Value::Unknown
    };
    match encode_dynamic(&result, &ty) {
        Ok(result) => answer(Some(result), diags),
        Err(error) => answer(None, codec_error("ephemeral result", &error)),
    }
}

/// The diagnostic for a renew or close of a type this provider does not have; `None`
/// for one it has, which needs neither.
pub(super) fn unknown_type(provider: &IpsecProvider, type_name: &str) -> Vec<pb::Diagnostic> {
    match provider.ephemeral_resource(type_name) {
        Ok(_) => Vec::new(),
        Err(diags) => to_proto(&diags),
    }
}

/// The type, its decoded configuration and what its validators found; `Err` when the
/// type or the configuration cannot be read at all.
fn checked_config(
    provider: &IpsecProvider,
    type_name: &str,
    config: Option<&pb::DynamicValue>,
) -> Result<(std::sync::Arc<dyn EphemeralResource>, Value, Diagnostics), Diagnostics> {
    let resource = provider.ephemeral_resource(type_name)?;
    let config = decode_dynamic(config, &resource.schema().ty())
        .map_err(|error| codec_error("configuration", &error))?;
    let mut diags = resource.schema().validate(&config);
    diags.extend(resource.validate(&config));
    Ok((resource, config, diags))
}
