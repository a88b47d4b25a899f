//! `ipsec_nat_context`: the static 1:1 NAT of one connection.

use std::sync::LazyLock;

use async_trait::async_trait;
use ipsec_core::gateway::ops::{self, Mode};
use ipsec_core::gateway::planned::preview_planned;
use ipsec_core::gateway::unanswered::Object;
use ipsec_core::gateway::GatewayIndex;
use ipsec_core::model::{ConnectionName, Context, NatContext};
use ipsec_core::validate::{
    check_nat_context_config, validate_nat_context, NatContextInput, TranslationInput,
};
use ipsec_core::{Diagnostic, Diagnostics, Gateway, GatewayError};

use super::convert::{
    applied, connection_name, deleted, imported, imported_connection_name, read, replacing, string,
    unknowns, APPLY_PATIENCE, CONNECTION_RENAMED,
};
use crate::codec::Value;
use crate::framework::{Attribute, Outcome, PlanContext, PlanModifier, Proposal, Resource, Schema};

/// The resource type.
#[derive(Debug, Default, Clone, Copy)]
pub struct NatContextResource;

static SCHEMA: LazyLock<Schema> = LazyLock::new(schema);

fn schema() -> Schema {
    Schema {
        version: 1,
        renamed: CONNECTION_RENAMED,
        description: "The static 1:1 NAT of one `ipsec_vpn_connection`: local addresses that \
                      stand for customer hosts behind the tunnel. One per connection; \
                      translations are added, changed and removed in place.",
        attributes: vec![
            Attribute::string("id")
                .computed()
                .plan_modifier(PlanModifier::UseStateForUnknown)
                .describe("The connection's name; also the import ID."),
            Attribute::string("nat_table").computed().describe(
                "The nftables table that holds this NAT: the provider's `nat_table`. When that \
                 setting changes, the plan shows this attribute changing, and apply moves the \
                 rules into the new table, leaving nothing in the old one.",
            ),
            Attribute::string("connection_name")
                .required()
                .requires_replace()
                .describe(
                    "The `name` of the `ipsec_vpn_connection`. Changing it replaces the NAT \
                     context.",
                ),
            Attribute::string("static_nat_subnet").required().describe(
                "The local addresses reserved for translations, as a canonical CIDR such as \
                 `10.1.255.88/29`.",
            ),
            Attribute::map("translations", translation_attributes())
                .required()
                .describe(
                    "The translations, by name (1 to 64 of `A-Za-z0-9._-`). Traffic from the \
                     local side to `local_ip` goes through the tunnel to `customer_ip`; traffic \
                     from `customer_ip` arrives locally from `local_ip`.",
                ),
        ],
    }
}

fn translation_attributes() -> Vec<Attribute> {
    vec![
        Attribute::string("local_ip").required().describe(
            "The address local hosts use for the customer host: inside `static_nat_subnet`, \
             unique.",
        ),
        Attribute::string("customer_ip").required().describe(
            "The customer host's real address: inside one of the connection's remote subnets, \
             unique.",
        ),
    ]
}

#[async_trait]
impl Resource for NatContextResource {
    fn type_name(&self) -> &'static str {
        "ipsec_nat_context"
    }

    fn schema(&self) -> &Schema {
        &SCHEMA
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        check_nat_context_config(&input(config), &unknowns(config))
    }

    async fn modify_plan(&self, proposal: Proposal<'_>, planned: &mut Value) -> Diagnostics {
        let connection = planned.attr("connection_name").clone();
        planned.set_attr("id", connection.clone());
        let (Some(context), prior, config) = (proposal.context, proposal.prior, proposal.config)
        else {
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
                let Some(old) = replaced.clone() else {
                    return edit;
                };
                let same = &old == name;
                let forget = move |index: &mut GatewayIndex| index.forget_nat(&old);
                replacing(edit, same, |c: &mut Context| c.nat = None, forget)
            };
            preview_planned(context.gateway, context.planned, name, None, edit)
        };
        context
            .judge(
                prior,
                (name.as_str(), Object::NatContext(name)),
                ops::NAT_CONTEXT_EXISTS,
                preview,
            )
            .await
    }

    async fn plan_destroy(&self, context: Option<PlanContext<'_>>, prior: &Value) -> Diagnostics {
        let name = connection_name(prior, "connection_name");
        if let (Some(context), Some(name)) = (context, name) {
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
        let Some(name) = connection_name(prior, "connection_name") else {
            return (None, Diagnostics::new());
        };
        // Terraform reads only what its state holds.
        gateway.unanswered().answered(&Object::NatContext(&name));
        read(stored(gateway, &name).await.map(Result::ok))
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
        match connection_name(prior, "connection_name") {
            Some(name) => deleted(ops::delete_nat_context(gateway, &name).await),
            None => Diagnostics::new(),
        }
    }

    async fn import(&self, gateway: &dyn Gateway, id: &str) -> Outcome<Value> {
        match imported_connection_name(id) {
            Ok(name) => imported(
                stored(gateway, &name).await,
                "Cannot import a missing NAT context",
            ),
            Err(diags) => (None, diags),
        }
    }
}

/// The state of the NAT of connection `name` as the gateway holds it, or why there is
/// none.
async fn stored(
    gateway: &dyn Gateway,
    name: &ConnectionName,
) -> Result<Result<Value, String>, GatewayError> {
    let Some(context) = gateway.get(name).await? else {
        return Ok(Err(format!(
            "The gateway has no connection named \"{name}\"."
        )));
    };
    let Some(nat) = &context.nat else {
        return Ok(Err(format!(
            "Connection \"{name}\" has no NAT context on the gateway."
        )));
    };
    // The table the file names; the engine's own when it names none.
    let table = match gateway.stored_nat_table(name).await? {
        Some(table) => table.to_string(),
        None => gateway.nat_table().to_string(),
    };
    Ok(Ok(state(name, nat, &table)))
}

async fn put(gateway: &dyn Gateway, config: &Value, mode: Mode) -> Outcome<Value> {
    let input = input(config);
    let put = || ops::put_nat_context(gateway, &input, mode);
    let result = ops::patiently(APPLY_PATIENCE, put).await;
    applied(result, |applied| match &applied.context.nat {
        Some(nat) => Ok(state(
            applied.context.name(),
            nat,
            gateway.nat_table().as_str(),
        )),
        None => Err(Diagnostic::error(
            "NAT context not stored",
            "The gateway did not keep the NAT context.",
        )
        .into()),
    })
}

fn input(config: &Value) -> NatContextInput {
    let entries = config.attr("translations").as_entries();
    let translations = entries.into_iter().flatten().map(|(name, entry)| {
        let translation = TranslationInput {
            local_ip: string(entry, "local_ip"),
            customer_ip: string(entry, "customer_ip"),
        };
        (name.clone(), translation)
    });
    NatContextInput {
        connection: string(config, "connection_name"),
        static_nat_subnet: string(config, "static_nat_subnet"),
        translations: translations.collect(),
    }
}

fn state(connection: &ConnectionName, nat: &NatContext, table: &str) -> Value {
    let translations = nat.translations.iter().map(|(name, translation)| {
        let entry = Value::object([
            ("local_ip", Value::text(translation.local_ip)),
            ("customer_ip", Value::text(translation.customer_ip)),
        ]);
        (name.to_string(), entry)
    });
    Value::object([
        ("id", Value::text(connection)),
        ("connection_name", Value::text(connection)),
        ("static_nat_subnet", Value::text(nat.static_nat_subnet)),
        ("translations", Value::Map(translations.collect())),
        ("nat_table", Value::text(table)),
    ])
}
