//! `ipsec_vpn_connection`: one context, the tunnel and its negotiation parameters.

use std::sync::LazyLock;

use async_trait::async_trait;
use ipsec_core::gateway::ops::{self, Mode};
use ipsec_core::gateway::planned::preview_connection;
use ipsec_core::model::{ConnectionName, Context, Encryption, Phase1, Phase2};
use ipsec_core::validate::{
    check_connection_config, validate_connection, ConnectionInput, PhaseInput,
};
use ipsec_core::{AttributePath, Diagnostic, Diagnostics, Gateway, Problem};
use zeroize::Zeroizing;

use super::convert::{
    errors_only, gateway_error, integer, optional_string, string, string_set, strings, unknowns,
};
use crate::codec::Value;
use crate::framework::private::{Fingerprint, Private};
use crate::framework::{Attribute, Outcome, PlanContext, PlanModifier, Resource, Schema};

/// The resource type.
#[derive(Debug, Default, Clone, Copy)]
pub struct VpnConnection;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    Schema {
    version: 0,
    description: "One IPsec VPN context: the tunnel to one remote site and its negotiation parameters. \
                  Its remote networks are `ipsec_remote_subnet` resources; its static NAT is an `ipsec_nat_context`.",
    attributes: vec![
        Attribute::string("id")
            .computed()
            .plan_modifier(PlanModifier::UseStateForUnknown)
            .describe("The connection's name; also the import ID."),
        Attribute::string("name").required().requires_replace().describe(
            "Unique name of the connection on the gateway: a lowercase letter, then up to 62 of `a-z`, `0-9`, `_`, `-`. \
             Changing it replaces the connection.",
        ),
        Attribute::string("peer_address").required().describe(
            "The remote endpoint's static IPv4 or IPv6 address (not a CIDR or hostname).",
        ),
        Attribute::string("local_address")
            .optional()
            .describe("The gateway's own endpoint address. Default: any local address."),
        Attribute::string("preshared_key").optional().sensitive().describe(
            "The pre-shared key, 8 to 255 characters; stored in state as a sensitive value. Set exactly one of this \
             and `preshared_key_wo`.",
        ),
        Attribute::string("preshared_key_wo").optional().write_only().describe(
            "Write-only pre-shared key (Terraform 1.11 or later): never stored in plan or state. It is applied when \
             the connection is created and whenever `preshared_key_wo_version` changes.",
        ),
        Attribute::integer("preshared_key_wo_version")
            .optional()
            .describe("Change this number to apply a new `preshared_key_wo`."),
        Attribute::integer("ike_version")
            .optional_computed(Some(Value::int(2)))
            .describe("IKE version, `1` or `2`. Default: `2`."),
        phase_attribute("phase1", Phase1::DEFAULT.keylife.seconds(), PHASE1_DESCRIPTION),
        phase_attribute("phase2", Phase2::DEFAULT.keylife.seconds(), PHASE2_DESCRIPTION),
        Attribute::bool("perfect_forward_secrecy")
            .optional_computed(Some(Value::Bool(true)))
            .describe("Whether phase 2 performs its own Diffie-Hellman exchange. Default: `true`; then `phase2.dh_group` must not be `0`."),
        Attribute::string_set("local_subnets")
            .required()
            .describe("The protected local networks, at least one, as canonical CIDRs such as `10.1.0.0/16`."),
        Attribute::string("start_action")
            .optional_computed(Some(Value::String("trap".into())))
            .describe(
                "What the gateway does once the connection is loaded: `none` (respond only), `trap` (negotiate on \
                 matching traffic) or `start` (initiate at once). Default: `trap`.",
            ),
        Attribute::string("description").optional().describe("Free text for people; kept as a comment in the gateway's file."),
        Attribute::string_set("unmanaged_remote_subnets").computed().describe(
            "Remote networks the gateway tunnels for this connection that no `ipsec_remote_subnet` declares: \
             entries added to `remote_ts` by hand. Always planned empty, so they show as drift and `apply` removes \
             them; to keep one, declare an `ipsec_remote_subnet` for it.",
        ),
    ],
}
});

const PHASE1_DESCRIPTION: &str =
    "Phase 1 (IKE SA) parameters. Omitted fields take their defaults: `AES256`, `SHA256`, \
                                  group `14`, `28800` seconds.";
const PHASE2_DESCRIPTION: &str = "Phase 2 (ESP CHILD SA) parameters. Omitted fields take their defaults: `AES256`, \
                                  `SHA256`, group `14`, `3600` seconds. With a GCM cipher, omit `authentication`.";

fn phase_attribute(name: &'static str, keylife: u32, description: &'static str) -> Attribute {
    let defaults = if name == "phase1" {
        (
            Phase1::DEFAULT.encryption,
            Some(Phase1::DEFAULT.authentication),
            Phase1::DEFAULT.dh_group,
        )
    } else {
        (
            Phase2::DEFAULT.encryption,
            Phase2::DEFAULT.authentication,
            Phase2::DEFAULT.dh_group,
        )
    };
    Attribute::single(
        name,
        vec![
            Attribute::string("encryption")
                .optional_computed(Some(Value::String(defaults.0.name().into())))
                .describe(
                    "`DES`, `3DES`, `AES128`, `AES192`, `AES256`, `AES128GCM16` or `AES256GCM16`. DES and 3DES are \
                     accepted for old peers, with a warning.",
                ),
            Attribute::string("authentication")
                .optional_computed(defaults.1.map(|a| Value::String(a.name().into())))
                .describe(
                    "`MD5`, `SHA1`, `SHA256`, `SHA384` or `SHA512`. With a GCM cipher it selects the PRF in phase 1 \
                     and must be omitted in phase 2. MD5 and SHA1 get a warning.",
                ),
            Attribute::integer("dh_group")
                .optional_computed(Some(Value::int(defaults.2.number())))
                .describe(
                    "Diffie-Hellman group: 1, 2, 5, 14, 15, 16, 17, 18, 19, 20, 21 or 31; `0` (none) only in phase 2 \
                     without perfect forward secrecy. Groups 1, 2 and 5 get a warning.",
                ),
            Attribute::integer("keylife")
                .optional_computed(Some(Value::int(i64::from(keylife))))
                .describe("Key lifetime in seconds, 120 to 172800."),
        ],
    )
    .optional_computed(None)
    .describe(description)
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

    async fn modify_plan(
        &self,
        context: Option<PlanContext<'_>>,
        prior: &Value,
        planned: &mut Value,
        config: &Value,
    ) -> Diagnostics {
        let name = planned.attr("name").clone();
        planned.set_attr("id", name.clone());
        // Whatever was added by hand goes: planning it empty is what shows it as drift.
        planned.set_attr("unmanaged_remote_subnets", Value::Set(Vec::new()));
        omit_phase2_authentication_for_aead(planned, config);

        let Some(context) = context else {
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
        match ops::put_connection(gateway, &input(config), Mode::Create).await {
            Ok(applied) => (Some(state(&applied.context, planned)), Diagnostics::new()),
            Err(error) => (None, errors_only(error.into_diagnostics())),
        }
    }

    async fn read(&self, gateway: &dyn Gateway, prior: &Value) -> Outcome<Value> {
        let Ok(name) = ConnectionName::parse(prior.attr("name").as_str().unwrap_or_default())
        else {
            return (None, Diagnostics::new());
        };
        match gateway.get(&name).await {
            Ok(Some(context)) => (Some(state(&context, prior)), Diagnostics::new()),
            Ok(None) => (None, Diagnostics::new()),
            Err(error) => (None, gateway_error(&error)),
        }
    }

    /// With `preshared_key_wo`, the fingerprint of the key the gateway now holds (which
    /// is the configured one only when the version changed).
    async fn private_after_apply(
        &self,
        gateway: &dyn Gateway,
        state: &Value,
        planned_private: &[u8],
    ) -> Vec<u8> {
        let mut private = Private::read(planned_private);
        // Only a write-only key has no other record; the gateway is read for it alone.
        let print = match state.attr("preshared_key").is_null() {
            true => gateway_key(gateway, state)
                .await
                .and_then(|key| Fingerprint::new(key.as_bytes())),
            false => None,
        };
        private.set_fingerprint(WRITE_ONLY_KEY, print.as_ref());
        private.to_bytes()
    }

    /// A key changed on the gateway behind a write-only key's back is drift: the
    /// version goes null in state, so the plan sets it again and apply writes the
    /// configured key.
    async fn check_private(
        &self,
        gateway: &dyn Gateway,
        state: &mut Value,
        private: &[u8],
    ) -> Diagnostics {
        let Some(print) = Private::read(private).fingerprint(WRITE_ONLY_KEY) else {
            return Diagnostics::new();
        };
        match gateway_key(gateway, state).await {
            Some(key) if !print.matches(key.as_bytes()) => {
                state.set_attr("preshared_key_wo_version", Value::Null);
                Problem::warning(
                    "Pre-shared key changed on the gateway",
                    "The gateway holds another pre-shared key than the one written from preshared_key_wo (compared \
                     by a keyed hash kept in the private state, never the key). The plan shows \
                     preshared_key_wo_version changing; apply writes the configured key again.",
                )
                // Not at preshared_key_wo: Terraform would quote that line of the
                // configuration, which may hold the key itself.
                .at(AttributePath::root("preshared_key_wo_version"))
                .into()
            }
            _ => Diagnostics::new(),
        }
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
            keep_write_only_key_unless_versioned(gateway, &mut input, prior, planned).await
        {
            return (None, diags);
        }
        match ops::put_connection(gateway, &input, Mode::Update).await {
            Ok(applied) => (Some(state(&applied.context, planned)), Diagnostics::new()),
            Err(error) => (None, errors_only(error.into_diagnostics())),
        }
    }

    async fn delete(&self, gateway: &dyn Gateway, prior: &Value) -> Diagnostics {
        let Ok(name) = ConnectionName::parse(prior.attr("name").as_str().unwrap_or_default())
        else {
            return Diagnostics::new();
        };
        match ops::delete_connection(gateway, &name).await {
            Ok(_) => Diagnostics::new(),
            Err(error) => error.into_diagnostics(),
        }
    }

    async fn import(&self, gateway: &dyn Gateway, id: &str) -> Outcome<Value> {
        let name = match ConnectionName::parse(id) {
            Ok(name) => name,
            Err(problem) => {
                return (
                    None,
                    Diagnostic::error("Invalid import ID", problem.detail).into(),
                )
            }
        };
        match gateway.get(&name).await {
            // An imported connection shows its key, so a configuration with the same
            // `preshared_key` plans no change.
            Ok(Some(context)) => {
                let key = Value::String(context.connection.preshared_key.expose().to_owned());
                let mut imported = state(&context, &Value::Null);
                imported.set_attr("preshared_key", key);
                (Some(imported), Diagnostics::new())
            }
            Ok(None) => (None, Diagnostic::error("Cannot import a missing connection", format!(
                "The gateway has no connection named \"{name}\"; check the name, or create it with an \
                 ipsec_vpn_connection resource instead."
            )).into()),
            Err(error) => (None, gateway_error(&error)),
        }
    }
}

/// Where the private state keeps the fingerprint of the write-only key.
const WRITE_ONLY_KEY: &str = "preshared_key_wo";

/// The key the gateway holds for the connection of `state`.
async fn gateway_key(gateway: &dyn Gateway, state: &Value) -> Option<Zeroizing<String>> {
    let name = ConnectionName::parse(state.attr("name").as_str()?).ok()?;
    let context = gateway.get(&name).await.ok()??;
    Some(Zeroizing::new(
        context.connection.preshared_key.expose().to_owned(),
    ))
}

/// What the user configured, for `core`.
fn input(config: &Value) -> ConnectionInput {
    ConnectionInput {
        name: string(config.attr("name")),
        peer_address: string(config.attr("peer_address")),
        local_address: optional_string(config.attr("local_address")),
        preshared_key: optional_string(config.attr("preshared_key")),
        preshared_key_wo: optional_string(config.attr("preshared_key_wo")),
        ike_version: integer(config.attr("ike_version")),
        phase1: phase_input(config.attr("phase1")),
        phase2: phase_input(config.attr("phase2")),
        perfect_forward_secrecy: config.attr("perfect_forward_secrecy").as_bool(),
        local_subnets: strings(config.attr("local_subnets")),
        start_action: optional_string(config.attr("start_action")),
        description: optional_string(config.attr("description")),
    }
}

fn phase_input(phase: &Value) -> PhaseInput {
    PhaseInput {
        encryption: optional_string(phase.attr("encryption")),
        authentication: optional_string(phase.attr("authentication")),
        dh_group: integer(phase.attr("dh_group")),
        keylife: integer(phase.attr("keylife")),
    }
}

/// The state of the connection of `context`. The key is shown only where `like` (the
/// planned or prior state) keeps it, because a connection configured with
/// `preshared_key_wo` must never get its key into state; `preshared_key_wo_version` is
/// not on the gateway, so it is carried over.
fn state(context: &Context, like: &Value) -> Value {
    let connection = &context.connection;
    let key = if like.attr("preshared_key").is_null() {
        Value::Null
    } else {
        Value::String(connection.preshared_key.expose().to_owned())
    };
    let phase1 = phase_state(
        connection.phase1.encryption,
        Some(connection.phase1.authentication.name()),
        connection.phase1.dh_group.number(),
        connection.phase1.keylife.seconds(),
    );
    let phase2 = phase_state(
        connection.phase2.encryption,
        connection.phase2.authentication.map(|a| a.name()),
        connection.phase2.dh_group.number(),
        connection.phase2.keylife.seconds(),
    );
    Value::Object(
        [
            ("id", Value::String(connection.name.to_string())),
            ("name", Value::String(connection.name.to_string())),
            (
                "peer_address",
                Value::String(connection.peer_address.to_string()),
            ),
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
            ("phase1", phase1),
            ("phase2", phase2),
            (
                "perfect_forward_secrecy",
                Value::Bool(connection.perfect_forward_secrecy),
            ),
            (
                "local_subnets",
                string_set(connection.local_subnets.iter().map(ToString::to_string)),
            ),
            (
                "start_action",
                Value::String(connection.start_action.name().into()),
            ),
            (
                "description",
                Value::string_or_null(connection.description.clone()),
            ),
            (
                "unmanaged_remote_subnets",
                string_set(
                    context
                        .unmanaged_remote_subnets
                        .iter()
                        .map(ToString::to_string),
                ),
            ),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect(),
    )
}

fn phase_state(
    encryption: Encryption,
    authentication: Option<&str>,
    dh_group: i64,
    keylife: u32,
) -> Value {
    Value::Object(
        [
            ("encryption", Value::String(encryption.name().into())),
            ("authentication", Value::string_or_null(authentication)),
            ("dh_group", Value::int(dh_group)),
            ("keylife", Value::int(i64::from(keylife))),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect(),
    )
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

/// SPEC.md: a write-only key is applied when `preshared_key_wo_version` changes. On any
/// other update the gateway keeps the key it has.
async fn keep_write_only_key_unless_versioned(
    gateway: &dyn Gateway,
    input: &mut ConnectionInput,
    prior: &Value,
    planned: &Value,
) -> Result<(), Diagnostics> {
    let versioned =
        prior.attr("preshared_key_wo_version") != planned.attr("preshared_key_wo_version");
    if input.preshared_key_wo.is_none() || versioned {
        return Ok(());
    }
    let Ok(name) = ConnectionName::parse(&input.name) else {
        return Ok(());
    };
    match gateway.get(&name).await {
        Ok(Some(context)) => {
            input.preshared_key_wo = Some(context.connection.preshared_key.expose().to_owned());
            Ok(())
        }
        Ok(None) => Ok(()),
        Err(error) => Err(gateway_error(&error)),
    }
}
