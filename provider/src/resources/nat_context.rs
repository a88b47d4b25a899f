//! `ipsec_nat_context`: the static 1:1 NAT of one connection.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use async_trait::async_trait;
use ipsec_core::gateway::ops::{self, Mode};
use ipsec_core::gateway::planned::preview_planned;
use ipsec_core::model::{ConnectionName, NatContext};
use ipsec_core::validate::{
    check_nat_context_config, validate_nat_context, NatContextInput, TranslationInput,
};
use ipsec_core::{Diagnostic, Diagnostics, Gateway};

use super::convert::{
    errors_only, gateway_error, string, unknowns, upgrade_connection_name, APPLY_PATIENCE,
};
use crate::codec::Value;
use crate::framework::{Attribute, Outcome, PlanContext, PlanModifier, Resource, Schema};

/// The resource type.
#[derive(Debug, Default, Clone, Copy)]
pub struct NatContextResource;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    Schema {
    // 1: `connection` renamed `connection_name` (`upgrade_connection_name`).
    version: 1,
    description: "The static 1:1 NAT of one `ipsec_vpn_connection`: local addresses that stand for customer hosts \
                  behind the tunnel. One per connection; translations are added, changed and removed in place.",
    attributes: vec![
        Attribute::string("id")
            .computed()
            .plan_modifier(PlanModifier::UseStateForUnknown)
            .describe("The connection's name; also the import ID."),
        Attribute::string("nat_table").computed().describe(
            "The nftables table that holds this NAT: the provider's `nat_table`. When that setting changes, the \
             plan shows this attribute changing, and apply moves the rules into the new table, leaving nothing in \
             the old one.",
        ),
        Attribute::string("connection_name")
            .required()
            .requires_replace()
            .describe("The `name` of the `ipsec_vpn_connection`. Changing it replaces the NAT context."),
        Attribute::string("static_nat_subnet").required().describe(
            "The local addresses reserved for translations, as a canonical CIDR such as `10.1.255.88/29`.",
        ),
        Attribute::map(
            "translations",
            vec![
                Attribute::string("local_ip")
                    .required()
                    .describe("The address local hosts use for the customer host: inside `static_nat_subnet`, unique."),
                Attribute::string("customer_ip").required().describe(
                    "The customer host's real address: inside one of the connection's remote subnets, unique.",
                ),
            ],
        )
        .required()
        .describe(
            "The translations, by name (1 to 64 of `A-Za-z0-9._-`). Traffic from the local side to `local_ip` goes \
             through the tunnel to `customer_ip`; traffic from `customer_ip` arrives locally from `local_ip`.",
        ),
    ],
}
});

#[async_trait]
impl Resource for NatContextResource {
    fn type_name(&self) -> &'static str {
        "ipsec_nat_context"
    }

    fn schema(&self) -> &Schema {
        &SCHEMA
    }

    fn upgrade_raw(&self, version: i64, raw: serde_json::Value) -> serde_json::Value {
        upgrade_connection_name(version, raw)
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        check_nat_context_config(&input(config), &unknowns(config))
    }

    async fn modify_plan(
        &self,
        context: Option<PlanContext<'_>>,
        prior: &Value,
        planned: &mut Value,
        config: &Value,
    ) -> Diagnostics {
        let connection = planned.attr("connection_name").clone();
        planned.set_attr("id", connection.clone());
        let Some(context) = context else {
            return Diagnostics::new();
        };
        // Planned as the provider's setting: a changed nat_table moves the rules.
        planned.set_attr(
            "nat_table",
            Value::String(context.gateway.nat_table().to_string()),
        );
        if !config.is_wholly_known() {
            return Diagnostics::new();
        }
        let (Some((name, nat)), _) = validate_nat_context(&input(config)) else {
            return Diagnostics::new();
        };
        // What a removal of a remote subnet planned in this run waits for.
        context.planned.plan_nat(&name, Some(nat.clone()));
        let mode = if prior.is_null() || prior.attr("connection_name") != &connection {
            Mode::Create
        } else {
            Mode::Update
        };
        let (name, nat) = (&name, &nat);
        let preview = |replaced: Option<String>| {
            let replaced = replaced.and_then(|id| ConnectionName::parse(&id).ok());
            let edit = move || {
                let edit = ops::nat_edit(name.clone(), nat.clone(), mode);
                match replaced.clone() {
                    Some(old) => {
                        let same = &old == name;
                        ops::without(
                            edit,
                            move |c| {
                                if same {
                                    c.nat = None
                                }
                            },
                            move |index| index.forget_nat(&old),
                        )
                    }
                    None => edit,
                }
            };
            preview_planned(context.gateway, context.planned, name, None, edit)
        };
        context
            .judge(prior, name.as_str(), ops::NAT_CONTEXT_EXISTS, preview)
            .await
    }

    async fn plan_destroy(&self, context: Option<PlanContext<'_>>, prior: &Value) -> Diagnostics {
        let name =
            ConnectionName::parse(prior.attr("connection_name").as_str().unwrap_or_default());
        if let (Some(context), Ok(name)) = (context, name) {
            context.planned.plan_nat(&name, None);
        }
        Diagnostics::new()
    }

    async fn create(
        &self,
        gateway: &dyn Gateway,
        _planned: &Value,
        config: &Value,
    ) -> Outcome<Value> {
        put(gateway, config, Mode::Create).await
    }

    async fn read(&self, gateway: &dyn Gateway, prior: &Value) -> Outcome<Value> {
        let Ok(name) =
            ConnectionName::parse(prior.attr("connection_name").as_str().unwrap_or_default())
        else {
            return (None, Diagnostics::new());
        };
        match gateway.get(&name).await {
            Ok(Some(context)) => match &context.nat {
                Some(nat) => match stored_table(gateway, &name).await {
                    Ok(table) => (Some(state(&name, nat, &table)), Diagnostics::new()),
                    Err(error) => (None, gateway_error(&error)),
                },
                None => (None, Diagnostics::new()),
            },
            Ok(None) => (None, Diagnostics::new()),
            Err(error) => (None, gateway_error(&error)),
        }
    }

    async fn update(
        &self,
        gateway: &dyn Gateway,
        _prior: &Value,
        _planned: &Value,
        config: &Value,
    ) -> Outcome<Value> {
        put(gateway, config, Mode::Update).await
    }

    async fn delete(&self, gateway: &dyn Gateway, prior: &Value) -> Diagnostics {
        let Ok(name) =
            ConnectionName::parse(prior.attr("connection_name").as_str().unwrap_or_default())
        else {
            return Diagnostics::new();
        };
        match ops::delete_nat_context(gateway, &name).await {
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
        let missing = |why: String| {
            (
                None,
                Diagnostic::error("Cannot import a missing NAT context", why).into(),
            )
        };
        match gateway.get(&name).await {
            Ok(Some(context)) => match &context.nat {
                Some(nat) => match stored_table(gateway, &name).await {
                    Ok(table) => (Some(state(&name, nat, &table)), Diagnostics::new()),
                    Err(error) => (None, gateway_error(&error)),
                },
                None => missing(format!(
                    "Connection \"{name}\" has no NAT context on the gateway."
                )),
            },
            Ok(None) => missing(format!("The gateway has no connection named \"{name}\".")),
            Err(error) => (None, gateway_error(&error)),
        }
    }
}

async fn put(gateway: &dyn Gateway, config: &Value, mode: Mode) -> Outcome<Value> {
    let input = input(config);
    match ops::patiently(APPLY_PATIENCE, || {
        ops::put_nat_context(gateway, &input, mode)
    })
    .await
    {
        Ok(applied) => {
            let name = applied.context.name().clone();
            match &applied.context.nat {
                Some(nat) => (
                    Some(state(&name, nat, gateway.nat_table().as_str())),
                    Diagnostics::new(),
                ),
                None => (
                    None,
                    Diagnostic::error(
                        "NAT context not stored",
                        "The gateway did not keep the NAT context.",
                    )
                    .into(),
                ),
            }
        }
        Err(error) => (None, errors_only(error.into_diagnostics())),
    }
}

fn input(config: &Value) -> NatContextInput {
    let translations = config
        .attr("translations")
        .as_entries()
        .map(|entries| {
            entries
                .iter()
                .map(|(name, entry)| {
                    let translation = TranslationInput {
                        local_ip: string(entry.attr("local_ip")),
                        customer_ip: string(entry.attr("customer_ip")),
                    };
                    (name.clone(), translation)
                })
                .collect()
        })
        .unwrap_or_default();
    NatContextInput {
        connection: string(config.attr("connection_name")),
        static_nat_subnet: string(config.attr("static_nat_subnet")),
        translations,
    }
}

/// The table the NAT of `name` is stored in (the engine's own when the file names none).
async fn stored_table(
    gateway: &dyn Gateway,
    name: &ConnectionName,
) -> Result<String, ipsec_core::GatewayError> {
    Ok(match gateway.stored_nat_table(name).await? {
        Some(table) => table.to_string(),
        None => gateway.nat_table().to_string(),
    })
}

fn state(connection: &ConnectionName, nat: &NatContext, table: &str) -> Value {
    let translations: BTreeMap<String, Value> = nat
        .translations
        .iter()
        .map(|(name, translation)| {
            let entry = Value::Object(BTreeMap::from([
                (
                    "local_ip".to_owned(),
                    Value::String(translation.local_ip.to_string()),
                ),
                (
                    "customer_ip".to_owned(),
                    Value::String(translation.customer_ip.to_string()),
                ),
            ]));
            (name.to_string(), entry)
        })
        .collect();
    Value::Object(BTreeMap::from([
        ("id".to_owned(), Value::String(connection.to_string())),
        (
            "connection_name".to_owned(),
            Value::String(connection.to_string()),
        ),
        (
            "static_nat_subnet".to_owned(),
            Value::String(nat.static_nat_subnet.to_string()),
        ),
        ("translations".to_owned(), Value::Map(translations)),
        ("nat_table".to_owned(), Value::String(table.to_owned())),
    ]))
}
