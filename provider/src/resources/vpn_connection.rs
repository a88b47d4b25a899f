//! `ipsec_vpn_connection`: one context, the tunnel and its negotiation parameters.

use std::sync::LazyLock;

use async_trait::async_trait;
use ipsec_core::gateway::ops::{self, Mode};
use ipsec_core::gateway::planned::preview_connection;
use ipsec_core::gateway::unanswered::Object;
use ipsec_core::model::{
    Authentication, ConnectionName, Context, DhGroup, Dpd, DpdAction, Encryption, Phase2,
    StartAction,
};
use ipsec_core::validate::{
    check_connection_config, check_wait_until_established, validate_connection, ConnectionInput,
    DpdInput, PhaseInput, ProposalInput,
};
use ipsec_core::{Diagnostic, Diagnostics, Gateway};

use super::connection_schema::{in_phase2_shape, schema};
use super::convert::{
    applied, connection_name, deleted, imported, imported_connection_name, integer,
    optional_string, read, string, string_set, strings, unknowns,
};
use super::establish::{after_change, nothing_to_wait_for, Operation, TIMEOUT};
use super::preshared_key;
use crate::codec::Value;
use crate::framework::{timeouts, Outcome, Proposal, Resource, Schema};

/// The resource type.
#[derive(Debug, Default, Clone, Copy)]
pub struct VpnConnection;

static SCHEMA: LazyLock<Schema> = LazyLock::new(schema);

#[async_trait]
impl Resource for VpnConnection {
    fn type_name(&self) -> &'static str {
        "ipsec_vpn_connection"
    }

    fn schema(&self) -> &Schema {
        &SCHEMA
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut diags = check_connection_config(&input(config), &unknowns(config));
        let start_action = config.attr("start_action");
        if let (Some(wait), false) = (
            config.attr("wait_until_established").as_bool(),
            start_action.is_unknown(),
        ) {
            diags.extend(check_wait_until_established(start_action.as_str(), wait));
        }
        diags
    }

    async fn modify_plan(&self, proposal: Proposal<'_>, planned: &mut Value) -> Diagnostics {
        let name = planned.attr("name").clone();
        planned.set_attr("id", name.clone());
        // Whatever was added by hand goes: planning it empty is what shows it as drift.
        planned.set_attr("unmanaged_remote_subnets", Value::Set(Vec::new()));
        omit_phase2_authentication_for_aead(planned, proposal.config);
        plan_derived_defaults(planned, proposal.config);

        let (Some(context), prior, config) = (proposal.context, proposal.prior, proposal.config)
        else {
            return Diagnostics::new();
        };
        let mut diags = nothing_to_wait_for(context.gateway, planned);
        // An object left as it is was judged when it was applied; what other plans of
        // the run change is judged at their own objects.
        if !config.is_wholly_known() || prior == planned {
            return diags;
        }
        let (Some(connection), _) = validate_connection(&input(config)) else {
            // Terraform reported these when it validated the configuration.
            return diags;
        };
        let mode = if prior.is_null() || prior.attr("name") != &name {
            Mode::Create
        } else {
            Mode::Update
        };
        let name = &connection.name;
        let preview = |replaced: Option<String>| {
            let mut edit = ops::connection_edit(connection.clone(), mode);
            if let Some(old) = replaced.and_then(|id| ConnectionName::parse(&id).ok()) {
                // The old connection is destroyed first (a replacement of the same name
                // takes over its remote subnets and NAT).
                let same = &old == name;
                edit = ops::without(edit, |_| {}, move |index| index.remove(&old));
                if same {
                    let replacing = edit;
                    edit = Box::new(move |_, index| replacing(None, index));
                }
            }
            preview_connection(context.gateway, context.planned, name, edit)
        };
        diags.extend(
            context
                .judge(
                    prior,
                    (name.as_str(), Object::Connection(name)),
                    ops::CONNECTION_EXISTS,
                    preview,
                )
                .await,
        );
        context.planned.plan_connection(connection);
        diags
    }

    async fn create(
        &self,
        gateway: &dyn Gateway,
        planned: &Value,
        config: &Value,
    ) -> Outcome<Value> {
        let result = ops::put_connection(gateway, &input(config), Mode::Create).await;
        let waited = match &result {
            Ok(applied) => after_change(gateway, &applied.context, config, Operation::Create).await,
            Err(_) => Diagnostics::new(),
        };
        with(
            applied(result, |applied| Ok(state(&applied.context, planned))),
            waited,
        )
    }

    async fn read(&self, gateway: &dyn Gateway, prior: &Value) -> Outcome<Value> {
        let Some(name) = connection_name(prior, "name") else {
            return (None, Diagnostics::new());
        };
        // Terraform reads only what its state holds.
        gateway.unanswered().answered(&Object::Connection(&name));
        let found = gateway.get(&name).await;
        read(found.map(|context| context.map(|context| state(&context, prior))))
    }

    async fn private_after_apply(
        &self,
        gateway: &dyn Gateway,
        state: &Value,
        planned_private: &[u8],
    ) -> Vec<u8> {
        preshared_key::private_after_apply(gateway, state, planned_private).await
    }

    async fn check_private(
        &self,
        gateway: &dyn Gateway,
        state: &mut Value,
        private: &[u8],
    ) -> Diagnostics {
        preshared_key::check_private(gateway, state, private).await
    }

    async fn update(
        &self,
        gateway: &dyn Gateway,
        prior: &Value,
        planned: &Value,
        config: &Value,
    ) -> Outcome<Value> {
        let mut input = input(config);
        if let Err(diags) =
            preshared_key::keep_unless_versioned(gateway, &mut input, prior, planned).await
        {
            return (None, diags);
        }
        let result = ops::put_connection(gateway, &input, Mode::Update).await;
        let waited = match &result {
            Ok(applied) => after_change(gateway, &applied.context, config, Operation::Update).await,
            Err(_) => Diagnostics::new(),
        };
        with(
            applied(result, |applied| Ok(state(&applied.context, planned))),
            waited,
        )
    }

    async fn delete(&self, gateway: &dyn Gateway, prior: &Value) -> Diagnostics {
        let Some(name) = connection_name(prior, "name") else {
            return Diagnostics::new();
        };
        let limit = timeouts::of(prior, "delete", TIMEOUT);
        match tokio::time::timeout(limit, ops::delete_connection(gateway, &name)).await {
            Ok(result) => deleted(result),
            Err(_) => {
                let mut diags = Diagnostics::new();
                diags.push(Diagnostic::error(
                    "Delete timed out",
                    format!(
                        "Deleting connection {name} did not finish within {} s (timeouts.delete); the gateway may \
                         still hold it. Run `terraform apply` again once the engine answers.",
                        limit.as_secs()
                    ),
                ));
                diags
            }
        }
    }

    async fn import(&self, gateway: &dyn Gateway, id: &str) -> Outcome<Value> {
        let name = match imported_connection_name(id) {
            Ok(name) => name,
            Err(diags) => return (None, diags),
        };
        let found = gateway.get(&name).await.map(|context| {
            // An imported connection shows its key, so a configuration with the same
            // `preshared_key` plans no change.
            let context = context.ok_or_else(|| {
                format!(
                    "The gateway has no connection named \"{name}\"; check the name, or create it \
                     with an ipsec_vpn_connection resource instead."
                )
            })?;
            let key = Value::String(context.connection.preshared_key.expose().to_owned());
            let mut object = state(&context, &Value::Null);
            object.set_attr("preshared_key", key);
            Ok(object)
        });
        imported(found, "Cannot import a missing connection")
    }
}

/// `outcome` with the diagnostics of waiting for the tunnel added.
fn with(outcome: Outcome<Value>, waited: Diagnostics) -> Outcome<Value> {
    let (state, mut diags) = outcome;
    diags.extend(waited);
    (state, diags)
}

/// What the user configured, for `core`.
fn input(config: &Value) -> ConnectionInput {
    ConnectionInput {
        name: string(config, "name"),
        peer_address: string(config, "peer_address"),
        local_address: optional_string(config, "local_address"),
        preshared_key: optional_string(config, "preshared_key"),
        preshared_key_wo: optional_string(config, "preshared_key_wo"),
        ike_version: integer(config, "ike_version"),
        phase1: phase_input(config.attr("phase1")),
        phase2: phase_input(config.attr("phase2")),
        perfect_forward_secrecy: config.attr("perfect_forward_secrecy").as_bool(),
        local_subnets: strings(config, "local_subnets"),
        start_action: optional_string(config, "start_action"),
        description: optional_string(config, "description"),
        local_id: optional_string(config, "local_id"),
        peer_id: optional_string(config, "peer_id"),
        dpd: DpdInput {
            delay: integer(config.attr("dpd"), "delay"),
            timeout: integer(config.attr("dpd"), "timeout"),
            action: optional_string(config.attr("dpd"), "action"),
        },
    }
}

fn phase_input(phase: &Value) -> PhaseInput {
    let (text, number) = (
        |name| optional_string(phase, name),
        |name| integer(phase, name),
    );
    let proposals = phase.attr("additional_proposals").as_elements();
    PhaseInput {
        encryption: text("encryption"),
        authentication: text("authentication"),
        dh_group: number("dh_group"),
        keylife: number("keylife"),
        additional_proposals: proposals
            .unwrap_or_default()
            .iter()
            .map(|proposal| ProposalInput {
                encryption: optional_string(proposal, "encryption"),
                authentication: optional_string(proposal, "authentication"),
                dh_group: integer(proposal, "dh_group"),
            })
            .collect(),
    }
}

/// The state of the connection of `context`. The key is shown only where `like` (the
/// planned or prior state) keeps it, because a connection configured with
/// `preshared_key_wo` must never get its key into state; `preshared_key_wo_version` is
/// not on the gateway, so it is carried over.
fn state(context: &Context, like: &Value) -> Value {
    let connection = &context.connection;
    let key = match like.attr("preshared_key") {
        Value::Null => Value::Null,
        _ => Value::text(connection.preshared_key.expose()),
    };
    Value::object([
        ("id", Value::text(&connection.name)),
        ("name", Value::text(&connection.name)),
        ("peer_address", Value::text(connection.peer_address)),
        (
            "local_address",
            Value::string_or_null(connection.local_address.map(|a| a.to_string())),
        ),
        ("preshared_key", key),
        ("preshared_key_wo", Value::Null),
        (
            "preshared_key_wo_version",
            like.attr("preshared_key_wo_version").clone(),
        ),
        ("ike_version", Value::int(connection.ike_version.number())),
        (
            "phase1",
            phase_state(
                in_phase2_shape(connection.phase1),
                connection
                    .additional_ike_proposals
                    .iter()
                    .map(|p| proposal_state(p.encryption, Some(p.authentication), p.dh_group)),
            ),
        ),
        (
            "phase2",
            phase_state(
                connection.phase2,
                connection
                    .additional_esp_proposals
                    .iter()
                    .map(|p| proposal_state(p.encryption, p.authentication, p.dh_group)),
            ),
        ),
        (
            "perfect_forward_secrecy",
            Value::Bool(connection.perfect_forward_secrecy),
        ),
        ("local_subnets", string_set(&connection.local_subnets)),
        ("start_action", Value::text(connection.start_action)),
        (
            "description",
            Value::string_or_null(connection.description.clone()),
        ),
        (
            "local_id",
            Value::string_or_null(connection.local_id.as_ref().map(ToString::to_string)),
        ),
        ("peer_id", Value::text(&connection.peer_id)),
        ("dpd", dpd_state(connection.dpd)),
        // How Terraform drives the connection, not what the gateway holds: carried over.
        (
            "wait_until_established",
            match like.attr("wait_until_established") {
                Value::Bool(wait) => Value::Bool(*wait),
                _ => Value::Bool(false),
            },
        ),
        (timeouts::NAME, like.attr(timeouts::NAME).clone()),
        (
            "unmanaged_remote_subnets",
            string_set(&context.unmanaged_remote_subnets),
        ),
    ])
}

fn dpd_state(dpd: Dpd) -> Value {
    Value::object([
        ("delay", Value::int(i64::from(dpd.delay.seconds()))),
        ("timeout", Value::int(i64::from(dpd.timeout.seconds()))),
        ("action", Value::text(dpd.action)),
    ])
}

fn phase_state(phase: Phase2, additional: impl Iterator<Item = Value>) -> Value {
    Value::object([
        ("encryption", Value::text(phase.encryption)),
        (
            "authentication",
            Value::string_or_null(phase.authentication.map(|a| a.name())),
        ),
        ("dh_group", Value::int(phase.dh_group.number())),
        ("keylife", Value::int(i64::from(phase.keylife.seconds()))),
        ("additional_proposals", Value::List(additional.collect())),
    ])
}

/// One entry of `additional_proposals`.
fn proposal_state(
    encryption: Encryption,
    authentication: Option<Authentication>,
    dh_group: DhGroup,
) -> Value {
    Value::object([
        ("encryption", Value::text(encryption)),
        (
            "authentication",
            Value::string_or_null(authentication.map(|a| a.name())),
        ),
        ("dh_group", Value::int(dh_group.number())),
    ])
}

/// The defaults that follow other attributes, where the configuration leaves them null:
/// `local_id` and `peer_id` are the identities of `local_address` and `peer_address`,
/// `dpd.action` follows `start_action`. Each is unknown while what it follows is.
fn plan_derived_defaults(planned: &mut Value, config: &Value) {
    for (id, address) in [("local_id", "local_address"), ("peer_id", "peer_address")] {
        if config.attr(id).is_null() {
            let address = planned.attr(address).clone();
            planned.set_attr(id, address);
        }
    }
    let dpd = config.attr("dpd");
    let configured = dpd.is_unknown() || !dpd.attr("action").is_null();
    let action = match planned.attr("start_action") {
        Value::Unknown => Value::Unknown,
        start => match start.as_str().map(StartAction::parse) {
            Some(Ok(start)) => Value::text(DpdAction::default_for(start)),
            // Validation reports a bad start action; nothing follows from it.
            _ => Value::Unknown,
        },
    };
    if let (false, Some(planned_dpd)) = (configured, planned.attr_mut("dpd")) {
        if !planned_dpd.is_unknown() {
            planned_dpd.set_attr("action", action);
        }
    }
}

/// With an AEAD cipher phase 2 has no separate integrity algorithm, so the schema's
/// `SHA256` default must not be planned for it.
fn omit_phase2_authentication_for_aead(planned: &mut Value, config: &Value) {
    let configured = config.attr("phase2").attr("authentication");
    let aead = planned
        .attr("phase2")
        .attr("encryption")
        .as_str()
        .and_then(|name| Encryption::parse(name).ok())
        .is_some_and(Encryption::is_aead);
    if aead && configured.is_null() {
        if let Some(phase2) = planned.attr_mut("phase2") {
            phase2.set_attr("authentication", Value::Null);
        }
    }
}
