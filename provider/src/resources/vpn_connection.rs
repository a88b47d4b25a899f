//! `ipsec_vpn_connection`: one context, the tunnel and its negotiation parameters.

use std::sync::LazyLock;

use async_trait::async_trait;
use ipsec_core::gateway::ops::{self, Mode};
use ipsec_core::gateway::planned::preview_connection;
use ipsec_core::model::{
    Authentication, ConnectionName, Context, DhGroup, Encryption, IkeVersion, Keylife, Phase1,
    Phase2, StartAction,
};
use ipsec_core::validate::{
    check_connection_config, validate_connection, ConnectionInput, PhaseInput,
};
use ipsec_core::{Diagnostics, Gateway, Problem};

use super::convert::{
    applied, connection_name, deleted, imported, imported_connection_name, integer,
    optional_string, read, string, string_set, strings, unknowns,
};
use super::preshared_key;
use crate::codec::Value;
use crate::framework::{Attribute, Choices, Outcome, PlanModifier, Proposal, Resource, Schema};

/// The resource type.
#[derive(Debug, Default, Clone, Copy)]
pub struct VpnConnection;

static SCHEMA: LazyLock<Schema> = LazyLock::new(schema);

fn schema() -> Schema {
    Schema {
        version: 0,
        renamed: &[],
        description: "One IPsec VPN context: the tunnel to one remote site and its negotiation \
                      parameters. Its remote networks are `ipsec_remote_subnet` resources; its \
                      static NAT is an `ipsec_nat_context`.",
        attributes: vec![
            Attribute::string("id")
                .computed()
                .plan_modifier(PlanModifier::UseStateForUnknown)
                .describe("The connection's name; also the import ID."),
            Attribute::string("name")
                .required()
                .requires_replace()
                .describe(
                    "Unique name of the connection on the gateway: a lowercase letter, then \
                     up to 62 of `a-z`, `0-9`, `_`, `-`. Changing it replaces the connection.",
                ),
            Attribute::string("peer_address").required().describe(
                "The remote endpoint's static IPv4 or IPv6 address (not a CIDR or hostname).",
            ),
            Attribute::string("local_address")
                .optional()
                .describe("The gateway's own endpoint address.")
                .default_note("any local address"),
            Attribute::string("preshared_key")
                .optional()
                .sensitive()
                .describe(
                    "The pre-shared key, 8 to 255 characters; stored in state as a sensitive \
                     value. Set exactly one of this and `preshared_key_wo`.",
                ),
            Attribute::string("preshared_key_wo")
                .optional()
                .write_only()
                .describe(
                    "Write-only pre-shared key (Terraform 1.11 or later): never stored in plan \
                     or state. It is applied when the connection is created and whenever \
                     `preshared_key_wo_version` changes.",
                ),
            Attribute::integer("preshared_key_wo_version")
                .optional()
                .describe("Change this number to apply a new `preshared_key_wo`."),
            Attribute::integer("ike_version")
                .optional_computed(Some(Value::int(IkeVersion::V2.number())))
                .choices(Choices::of(
                    accepted(IkeVersion::from_number).map(IkeVersion::number),
                ))
                .describe("IKE version."),
            phase_attribute("phase1", in_phase2_shape(Phase1::DEFAULT))
                .describe("Phase 1 (IKE SA) parameters."),
            phase_attribute("phase2", Phase2::DEFAULT).describe(
                "Phase 2 (ESP CHILD SA) parameters. With a GCM cipher, omit `authentication`.",
            ),
            Attribute::bool("perfect_forward_secrecy")
                .optional_computed(Some(Value::Bool(true)))
                .describe(
                    "Whether phase 2 performs its own Diffie-Hellman exchange; if it does, \
                     `phase2.dh_group` must not be `0`.",
                ),
            Attribute::string_set("local_subnets").required().describe(
                "The protected local networks, at least one, as canonical CIDRs such as \
                 `10.1.0.0/16`.",
            ),
            Attribute::string("start_action")
                .optional_computed(Some(Value::text(StartAction::Trap)))
                .describe(
                    "What the gateway does once the connection is loaded: `none` (respond only), \
                     `trap` (negotiate on matching traffic) or `start` (initiate at once).",
                ),
            Attribute::string("description")
                .optional()
                .describe("Free text for people; kept as a comment in the gateway's file."),
            Attribute::string_set("unmanaged_remote_subnets")
                .computed()
                .describe(
                    "Remote networks the gateway tunnels for this connection that no \
                     `ipsec_remote_subnet` declares: entries added to `remote_ts` by hand. \
                     Always planned empty, so they show as drift and `apply` removes them; to \
                     keep one, declare an `ipsec_remote_subnet` for it.",
                ),
        ],
    }
}

/// `phase1` or `phase2`, whose omitted fields take `defaults` (phase 1's in the shape of
/// phase 2's, see [`in_phase2_shape`]).
fn phase_attribute(name: &'static str, defaults: Phase2) -> Attribute {
    let groups = || accepted(DhGroup::from_number);
    let weak_groups = groups().filter(|group| group.weakness().is_some());
    Attribute::single(
        name,
        vec![
            Attribute::string("encryption")
                .optional_computed(Some(Value::text(defaults.encryption)))
                .choices(
                    Choices::of(Encryption::NAMES)
                        .warning_for(weak(Encryption::ALL, Encryption::stronger_replacement)),
                )
                .describe("The encryption algorithm."),
            Attribute::string("authentication")
                .optional_computed(defaults.authentication.map(Value::text))
                .choices(Choices::of(Authentication::NAMES).warning_for(weak(
                    Authentication::ALL,
                    Authentication::stronger_replacement,
                )))
                .describe(
                    "The integrity algorithm. With a GCM cipher it selects the PRF in phase 1 and \
                     must be omitted in phase 2.",
                ),
            Attribute::integer("dh_group")
                .optional_computed(Some(Value::int(defaults.dh_group.number())))
                .choices(
                    Choices::of(groups().map(DhGroup::number))
                        .warning_for(weak_groups.map(DhGroup::number)),
                )
                .describe(
                    "Diffie-Hellman group; `0` (none) only in phase 2 without perfect forward \
                     secrecy.",
                ),
            Attribute::integer("keylife")
                .optional_computed(Some(Value::int(i64::from(defaults.keylife.seconds()))))
                .describe(format!(
                    "Key lifetime in seconds, {} to {}.",
                    Keylife::MIN,
                    Keylife::MAX
                )),
        ],
    )
    .optional_computed(None)
}

/// Phase 1's parameters in the shape of phase 2's, whose authentication is optional:
/// one shape for both phases' schema and state.
fn in_phase2_shape(phase: Phase1) -> Phase2 {
    Phase2 {
        encryption: phase.encryption,
        authentication: Some(phase.authentication),
        dh_group: phase.dh_group,
        keylife: phase.keylife,
    }
}

/// The names of the weak algorithms among `all`.
fn weak<T: Copy + ToString>(all: &[T], replacement: fn(T) -> Option<&'static str>) -> Vec<String> {
    let weak_ones = all.iter().filter(|choice| replacement(**choice).is_some());
    weak_ones.map(ToString::to_string).collect()
}

/// What `parse` accepts, in order of number: `core` lists the Diffie-Hellman groups and
/// IKE versions only through their parsers, and every number either knows is below 256.
fn accepted<T>(parse: fn(i64) -> Result<T, Problem>) -> impl Iterator<Item = T> {
    (0..256).filter_map(move |n| parse(n).ok())
}

#[async_trait]
impl Resource for VpnConnection {
    fn type_name(&self) -> &'static str {
        "ipsec_vpn_connection"
    }

    fn schema(&self) -> &Schema {
        &SCHEMA
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        check_connection_config(&input(config), &unknowns(config))
    }

    async fn modify_plan(&self, proposal: Proposal<'_>, planned: &mut Value) -> Diagnostics {
        let name = planned.attr("name").clone();
        planned.set_attr("id", name.clone());
        // Whatever was added by hand goes: planning it empty is what shows it as drift.
        planned.set_attr("unmanaged_remote_subnets", Value::Set(Vec::new()));
        omit_phase2_authentication_for_aead(planned, proposal.config);

        let (Some(context), prior, config) = (proposal.context, proposal.prior, proposal.config)
        else {
            return Diagnostics::new();
        };
        // An object left as it is was judged when it was applied; what other plans of
        // the run change is judged at their own objects.
        if !config.is_wholly_known() || prior == planned {
            return Diagnostics::new();
        }
        let (Some(connection), _) = validate_connection(&input(config)) else {
            // Terraform reported these when it validated the configuration.
            return Diagnostics::new();
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
        let diags = context
            .judge(prior, name.as_str(), ops::CONNECTION_EXISTS, preview)
            .await;
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
        applied(result, |applied| Ok(state(&applied.context, planned)))
    }

    async fn read(&self, gateway: &dyn Gateway, prior: &Value) -> Outcome<Value> {
        let Some(name) = connection_name(prior, "name") else {
            return (None, Diagnostics::new());
        };
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
        applied(result, |applied| Ok(state(&applied.context, planned)))
    }

    async fn delete(&self, gateway: &dyn Gateway, prior: &Value) -> Diagnostics {
        match connection_name(prior, "name") {
            Some(name) => deleted(ops::delete_connection(gateway, &name).await),
            None => Diagnostics::new(),
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
    }
}

fn phase_input(phase: &Value) -> PhaseInput {
    let (text, number) = (
        |name| optional_string(phase, name),
        |name| integer(phase, name),
    );
    PhaseInput {
        encryption: text("encryption"),
        authentication: text("authentication"),
        dh_group: number("dh_group"),
        keylife: number("keylife"),
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
        ("phase1", phase_state(in_phase2_shape(connection.phase1))),
        ("phase2", phase_state(connection.phase2)),
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
            "unmanaged_remote_subnets",
            string_set(&context.unmanaged_remote_subnets),
        ),
    ])
}

fn phase_state(phase: Phase2) -> Value {
    Value::object([
        ("encryption", Value::text(phase.encryption)),
        (
            "authentication",
            Value::string_or_null(phase.authentication.map(|a| a.name())),
        ),
        ("dh_group", Value::int(phase.dh_group.number())),
        ("keylife", Value::int(i64::from(phase.keylife.seconds()))),
    ])
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
