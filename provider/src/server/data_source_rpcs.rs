//! The data source RPCs: validate and read. Each decodes the configuration by the data
//! source's schema, runs the framework and the data source, and encodes the answer.

use ipsec_core::Diagnostics;

use super::IpsecProvider;
use crate::codec::{decode_dynamic, encode_dynamic, Value};
use crate::framework::diagnostics::{codec_error, not_configured, to_proto};
use crate::framework::DataSource;
use crate::plugin::ConnectionId;
use crate::proto::tfplugin6 as pb;

/// `ValidateDataResourceConfig`: schema validators, then the data source's own checks;
/// unknown values are not judged.
pub(super) fn validate(
    provider: &IpsecProvider,
    request: pb::validate_data_resource_config::Request,
) -> pb::validate_data_resource_config::Response {
    let diags = match provider.data_source(&request.type_name) {
        Ok(data_source) => match decode(data_source.as_ref(), request.config.as_ref()) {
            Ok(config) => {
                let mut diags = data_source.schema().validate(&config);
                diags.extend(data_source.validate(&config));
                diags
            }
            Err(diags) => diags,
        },
        Err(diags) => diags,
    };
    pb::validate_data_resource_config::Response {
        diagnostics: to_proto(&diags),
    }
}

/// `ReadDataSource`: the object as the gateway describes it now. Terraform calls it with
/// a wholly known configuration (it defers the read to apply otherwise).
pub(super) async fn read(
    provider: &IpsecProvider,
    connection: Option<ConnectionId>,
    request: pb::read_data_source::Request,
) -> pb::read_data_source::Response {
    let answer =
        |state: Option<pb::DynamicValue>, diags: Diagnostics| pb::read_data_source::Response {
            state,
            diagnostics: to_proto(&diags),
            deferred: None,
        };
    let data_source = match provider.data_source(&request.type_name) {
        Ok(data_source) => data_source,
        Err(diags) => return answer(None, diags),
    };
    let config = match decode(data_source.as_ref(), request.config.as_ref()) {
        Ok(config) => config,
        Err(diags) => return answer(None, diags),
    };
    let mut diags = data_source.schema().validate(&config);
    diags.extend(data_source.validate(&config));
    if diags.has_error() {
        return answer(None, diags);
    }
    let Some(session) = provider.session(connection) else {
        return answer(None, not_configured());
    };
    let read = data_source.read(session.gateway.as_ref(), &config);
    match provider.cancellable(read).await {
        Ok((Some(state), read_diags)) => {
            diags.extend(read_diags);
            match encode_dynamic(&state, &data_source.schema().ty()) {
                Ok(state) => answer(Some(state), diags),
                Err(error) => answer(None, codec_error("data source state", &error)),
            }
        }
        Ok((None, read_diags)) | Err(read_diags) => {
            diags.extend(read_diags);
            answer(None, diags)
        }
    }
}

fn decode(
    data_source: &dyn DataSource,
    config: Option<&pb::DynamicValue>,
) -> Result<Value, Diagnostics> {
    decode_dynamic(config, &data_source.schema().ty())
        .map_err(|error| codec_error("configuration", &error))
}
