//! The resource RPCs: validate, upgrade, read, plan, apply, import. Each decodes the
//! values by the resource's schema, runs the framework and the resource, and encodes
//! the answer; on failure it answers with diagnostics and, where Terraform keeps what
//! it gets back, the state as it was.

use ipsec_core::{AttributePath, Diagnostic, Diagnostics, Problem};

use super::{decode, IpsecProvider};
use crate::codec::{encode_dynamic, json, Value};
use crate::framework::diagnostics::{codec_error, not_configured, path_to_proto, to_proto};
use crate::framework::plan::plan as generic_plan;
use crate::framework::replacement::Stamp;
use crate::framework::{PlanContext, Proposal, Resource, Schema};
use crate::plugin::ConnectionId;
use crate::proto::tfplugin6 as pb;

/// `ValidateResourceConfig`: schema validators, then `core`'s rules; unknown values are
/// not judged.
pub(super) fn validate(
    provider: &IpsecProvider,
    type_name: &str,
    config: Option<&pb::DynamicValue>,
) -> Diagnostics {
    let resource = match provider.resource(type_name) {
        Ok(resource) => resource,
        Err(diags) => return diags,
    };
    let config = match decode("configuration", config, resource.as_ref()) {
        Ok(config) => config,
        Err(diags) => return diags,
    };
    let mut diags = resource.schema().validate(&config);
    diags.extend(resource.validate(&config));
    diags
}

/// `UpgradeResourceState`: Terraform calls it for every resource in state, even when
/// the version has not changed, and expects the state re-encoded for the current schema.
pub(super) fn upgrade(
    provider: &IpsecProvider,
    request: pb::upgrade_resource_state::Request,
) -> pb::upgrade_resource_state::Response {
    let answer = |state: Option<pb::DynamicValue>, diags: Diagnostics| {
        pb::upgrade_resource_state::Response {
            upgraded_state: state,
            diagnostics: to_proto(&diags),
        }
    };
    let resource = match provider.resource(&request.type_name) {
        Ok(resource) => resource,
        Err(diags) => return answer(None, diags),
    };
    match upgrade_state(
        resource.as_ref(),
        request.version,
        request.raw_state.as_ref(),
    ) {
        Ok(state) => answer(Some(state), Diagnostics::new()),
        Err(diags) => answer(None, diags),
    }
}

/// Re-encodes raw state of schema `version` for the current schema, through the
/// resource's [`Resource::upgrade_raw`]; state of a newer version is refused.
pub fn upgrade_state(
    resource: &dyn Resource,
    version: i64,
    raw: Option<&pb::RawState>,
) -> Result<pb::DynamicValue, Diagnostics> {
    let schema = resource.schema();
    if version > schema.version {
        return Err(Diagnostic::error(
            "State from a newer provider",
            format!(
                "This {} was stored by a newer version of the ipsec provider (schema version \
                 {version}; this one knows up to {}). Upgrade the provider.",
                resource.type_name(),
                schema.version
            ),
        )
        .into());
    }
    let Some(raw) = raw.filter(|raw| !raw.json.is_empty()) else {
        return Err(Diagnostic::error(
            "Unsupported state format",
            "The stored state has no JSON form (only the legacy flatmap one), which this provider \
             never wrote.",
        )
        .into());
    };
    // The resource moves renamed attributes to their current names; attributes that an
    // older build stored and the current schema no longer has are then dropped, and
    // missing ones read as null.
    let parsed = json::parse(&raw.json).map_err(|error| codec_error("stored state", &error))?;
    let upgraded = resource.upgrade_raw(version, parsed);
    let state = json::decode_json(upgraded, &schema.ty(), json::Extra::Drop)
        .map_err(|error| codec_error("stored state", &error))?;
    encode_dynamic(&state, &schema.ty()).map_err(|error| codec_error("stored state", &error))
}

/// `ReadResource`: what the gateway holds now; null when the object is gone.
pub(super) async fn read(
    provider: &IpsecProvider,
    connection: Option<ConnectionId>,
    request: pb::read_resource::Request,
) -> pb::read_resource::Response {
    let unchanged = request.current_state.clone();
    let answer =
        |state: Option<pb::DynamicValue>, diags: Diagnostics| pb::read_resource::Response {
            new_state: state,
            diagnostics: to_proto(&diags),
            private: request.private.clone(),
            deferred: None,
        };
    let resource = match provider.resource(&request.type_name) {
        Ok(resource) => resource,
        Err(diags) => return answer(unchanged, diags),
    };
    let current = match decode(
        "current state",
        request.current_state.as_ref(),
        resource.as_ref(),
    ) {
        Ok(current) => current,
        Err(diags) => return answer(unchanged, diags),
    };
    let Some(session) = provider.session(connection) else {
        return answer(unchanged, not_configured());
    };
    session.in_state.refreshed(resource.type_name(), &current);
    let gateway = session.gateway.as_ref();
    let read = async {
        let (state, mut diags) = resource.read(gateway, &current).await;
        let state = match state {
            Some(mut state) => {
                diags.extend(
                    resource
                        .check_private(gateway, &mut state, &request.private)
                        .await,
                );
                Some(state)
            }
            None => None,
        };
        (state, diags)
    };
    match provider.cancellable(read).await {
        Ok((Some(state), diags)) => {
            encode_answer(resource.as_ref(), &state, diags, unchanged, answer)
        }
        Ok((None, diags)) if !diags.has_error() => {
            tracing::info!(
                resource = resource.type_name(),
                "object no longer on the gateway; removing it from state"
            );
            encode_answer(resource.as_ref(), &Value::Null, diags, unchanged, answer)
        }
        Ok((None, diags)) | Err(diags) => answer(unchanged, diags),
    }
}

/// `PlanResourceChange`: defaults and write-only nulls from the schema, replacement
/// from plan modifiers, then the resource's own plan (its `id`, and the rules checked
/// against the gateway).
pub(super) async fn plan(
    provider: &IpsecProvider,
    connection: Option<ConnectionId>,
    request: pb::plan_resource_change::Request,
) -> pb::plan_resource_change::Response {
    let answer =
        |state: Option<pb::DynamicValue>, replace: Vec<pb::AttributePath>, diags: Diagnostics| {
            pb::plan_resource_change::Response {
                planned_state: state,
                requires_replace: replace,
                planned_private: request.prior_private.clone(),
                diagnostics: to_proto(&diags),
                legacy_type_system: false,
                deferred: None,
            }
        };
    let resource = match provider.resource(&request.type_name) {
        Ok(resource) => resource,
        Err(diags) => return answer(None, Vec::new(), diags),
    };
    let decoded = decode_all(
        resource.as_ref(),
        [
            ("prior state", request.prior_state.as_ref()),
            ("proposed new state", request.proposed_new_state.as_ref()),
            ("configuration", request.config.as_ref()),
        ],
    );
    let [prior, proposed, config] = match decoded {
        Ok(values) => values,
        Err(diags) => return answer(None, Vec::new(), diags),
    };
    let refused = write_only_refused(request.client_capabilities, resource.schema(), &config);
    if refused.has_error() {
        return answer(None, Vec::new(), refused);
    }
    let mut planned = generic_plan(resource.schema(), &prior, &proposed, &config);
    let session = provider.session(connection);
    // A destroy (of a deposed object, say) keeps no object of that ID in the state.
    if let Some(session) = session.as_ref().filter(|_| !proposed.is_null()) {
        session.in_state.planned(resource.type_name(), &prior);
    }
    // A plan that requires replacement is planned again by Terraform with a null prior
    // state: the rules against the gateway are judged then, knowing what is replaced.
    let replacing_next = !prior.is_null() && !planned.requires_replace.is_empty();
    let context = session
        .as_ref()
        .filter(|_| !replacing_next)
        .map(|session| PlanContext {
            gateway: session.gateway.as_ref(),
            planned: &session.planned,
            in_state: &session.in_state,
            type_name: resource.type_name(),
            prior_private: &request.prior_private,
        });
    let proposal = Proposal {
        context,
        prior: &prior,
        config: &config,
    };
    let diags = resource_plan(provider, resource.as_ref(), proposal, &mut planned.state).await;
    let replace = planned.requires_replace.iter().map(path_to_proto).collect();
    match encode_dynamic(&planned.state, &resource.schema().ty()) {
        // A plan from a prior state names its object in the private data, which
        // Terraform hands to the create-plan if it replaces the object.
        Ok(state) if !prior.is_null() => pb::plan_resource_change::Response {
            planned_private: Stamp::of(&prior, &request.prior_private)
                .unwrap_or_else(|| request.prior_private.clone()),
            ..answer(Some(state), replace, diags)
        },
        Ok(state) => answer(Some(state), replace, diags),
        Err(error) => answer(None, Vec::new(), codec_error("planned state", &error)),
    }
}

/// The resource's part of a plan: the checks of a destroy (which plans null, with
/// nothing to add), or its own plan of a create or update.
async fn resource_plan(
    provider: &IpsecProvider,
    resource: &dyn Resource,
    proposal: Proposal<'_>,
    planned: &mut Value,
) -> Diagnostics {
    let diags = if !planned.is_null() {
        provider
            .cancellable(resource.modify_plan(proposal, planned))
            .await
    } else if !proposal.prior.is_null() {
        provider
            .cancellable(resource.plan_destroy(proposal.context, proposal.prior))
            .await
    } else {
        return Diagnostics::new();
    };
    diags.unwrap_or_else(|stopped| stopped)
}

/// `ApplyResourceChange`: create, update or delete. On failure Terraform keeps what
/// is returned, so that is the prior state (null for a failed create).
pub(super) async fn apply(
    provider: &IpsecProvider,
    connection: Option<ConnectionId>,
    request: pb::apply_resource_change::Request,
) -> pb::apply_resource_change::Response {
    let unchanged = request.prior_state.clone();
    let answer =
        |state: Option<pb::DynamicValue>, diags: Diagnostics| pb::apply_resource_change::Response {
            new_state: state,
            private: request.planned_private.clone(),
            diagnostics: to_proto(&diags),
            legacy_type_system: false,
        };
    let resource = match provider.resource(&request.type_name) {
        Ok(resource) => resource,
        Err(diags) => return answer(unchanged, diags),
    };
    let decoded = decode_all(
        resource.as_ref(),
        [
            ("prior state", request.prior_state.as_ref()),
            ("planned state", request.planned_state.as_ref()),
            ("configuration", request.config.as_ref()),
        ],
    );
    let [prior, planned, config] = match decoded {
        Ok(values) => values,
        Err(diags) => return answer(unchanged, diags),
    };
    let Some(session) = provider.session(connection) else {
        return answer(unchanged, not_configured());
    };
    let gateway = session.gateway.as_ref();
    let resource_ref = resource.as_ref();
    if planned.is_null() {
        let diags = provider
            .cancellable(resource.delete(gateway, &prior))
            .await
            .unwrap_or_else(|diags| diags);
        return if diags.has_error() {
            answer(unchanged, diags)
        } else {
            encode_answer(resource_ref, &Value::Null, diags, unchanged, answer)
        };
    }
    let outcome = if prior.is_null() {
        provider
            .cancellable(resource.create(gateway, &planned, &config))
            .await
    } else {
        provider
            .cancellable(resource.update(gateway, &prior, &planned, &config))
            .await
    };
    match outcome {
        Ok((Some(state), diags)) => {
            let private = resource
                .private_after_apply(gateway, &state, &request.planned_private)
                .await;
            pb::apply_resource_change::Response {
                private,
                ..encode_answer(resource_ref, &state, diags, unchanged, answer)
            }
        }
        Ok((None, diags)) | Err(diags) => answer(unchanged, diags),
    }
}

/// `ImportResourceState`: the whole object, found by its import ID.
pub(super) async fn import(
    provider: &IpsecProvider,
    connection: Option<ConnectionId>,
    request: pb::import_resource_state::Request,
) -> pb::import_resource_state::Response {
    let answer = |imported: Vec<pb::import_resource_state::ImportedResource>,
                  diags: Diagnostics| {
        pb::import_resource_state::Response {
            imported_resources: imported,
            diagnostics: to_proto(&diags),
            deferred: None,
        }
    };
    let resource = match provider.resource(&request.type_name) {
        Ok(resource) => resource,
        Err(diags) => return answer(Vec::new(), diags),
    };
    let Some(session) = provider.session(connection) else {
        return answer(Vec::new(), not_configured());
    };
    match provider
        .cancellable(resource.import(session.gateway.as_ref(), &request.id))
        .await
    {
        Ok((Some(state), diags)) => match encode_dynamic(&state, &resource.schema().ty()) {
            Ok(state) => answer(
                vec![pb::import_resource_state::ImportedResource {
                    type_name: request.type_name.clone(),
                    state: Some(state),
                    private: Vec::new(),
                }],
                diags,
            ),
            Err(error) => answer(Vec::new(), codec_error("imported state", &error)),
        },
        Ok((None, diags)) | Err(diags) => answer(Vec::new(), diags),
    }
}

/// Decodes several values of one resource, stopping at the first that does not decode.
fn decode_all<const N: usize>(
    resource: &dyn Resource,
    values: [(&str, Option<&pb::DynamicValue>); N],
) -> Result<[Value; N], Diagnostics> {
    let mut decoded = [const { Value::Null }; N];
    for (slot, (what, value)) in decoded.iter_mut().zip(values) {
        *slot = decode(what, value, resource)?;
    }
    Ok(decoded)
}

/// A Terraform older than 1.11 does not know write-only attributes (it does not
/// announce them in its `capabilities`) and would store their values in plan and state;
/// refuse to plan rather than let a key in.
fn write_only_refused(
    capabilities: Option<pb::ClientCapabilities>,
    schema: &Schema,
    config: &Value,
) -> Diagnostics {
    let mut diags = Diagnostics::new();
    if capabilities.is_some_and(|capabilities| capabilities.write_only_attributes_allowed) {
        return diags;
    }
    for attribute in schema.attributes.iter().filter(|a| a.write_only) {
        if !config.attr(attribute.name).is_null() {
            diags.add(
                Problem::error(
                    "Write-only attributes need Terraform 1.11 or later",
                    format!(
                        "This Terraform does not support write-only attributes, so it would \
                         store {} in plan and state. Upgrade Terraform, or use the sensitive \
                         attribute instead.",
                        attribute.name
                    ),
                ),
                AttributePath::root(attribute.name),
            );
        }
    }
    diags
}

fn encode_answer<R>(
    resource: &dyn Resource,
    state: &Value,
    diags: Diagnostics,
    unchanged: Option<pb::DynamicValue>,
    answer: impl Fn(Option<pb::DynamicValue>, Diagnostics) -> R,
) -> R {
    match encode_dynamic(state, &resource.schema().ty()) {
        Ok(encoded) => answer(Some(encoded), diags),
        Err(error) => answer(unchanged, codec_error("new state", &error)),
    }
}
