//! `ipsec_remote_subnet`: one protected network on the remote side of a connection.

use std::sync::LazyLock;

use async_trait::async_trait;
use ipsec_core::gateway::ops;
use ipsec_core::gateway::planned::{preview_planned, preview_remote_subnet_removal};
use ipsec_core::gateway::unanswered::Object;
use ipsec_core::gateway::GatewayIndex;
use ipsec_core::model::{Cidr, ConnectionName, Context};
use ipsec_core::validate::{
    check_remote_subnet_config, parse_remote_subnet_id, remote_subnet_id, validate_remote_subnet,
    RemoteSubnetInput,
};
use ipsec_core::{Diagnostic, Diagnostics, Gateway};

use super::convert::{
    applied, deleted, gateway_error, read, replacing, string, unknowns, APPLY_PATIENCE,
    CONNECTION_RENAMED,
};
use super::establish::after_subnet_change;
use crate::codec::Value;
use crate::framework::{Attribute, Outcome, PlanContext, PlanModifier, Proposal, Resource, Schema};

/// The resource type.
#[derive(Debug, Default, Clone, Copy)]
pub struct RemoteSubnet;

static SCHEMA: LazyLock<Schema> = LazyLock::new(schema);

fn schema() -> Schema {
    Schema {
        version: 1,
        renamed: CONNECTION_RENAMED,
        description: "One protected network on the remote (customer) side of an \
                      `ipsec_vpn_connection`. Many may be created in parallel for one connection; \
                      none is lost.",
        attributes: vec![
            Attribute::string("id")
                .computed()
                .plan_modifier(PlanModifier::UseStateForUnknown)
                .describe(
                    "`<connection>/<cidr>`, such as `dc1/192.168.10.0/24`; also the import ID.",
                ),
            Attribute::string("connection_name")
                .required()
                .requires_replace()
                .describe(
                    "The `name` of the `ipsec_vpn_connection`. Changing it replaces the subnet.",
                ),
            Attribute::string("cidr")
                .required()
                .requires_replace()
                .describe(
                    "The remote network as a canonical CIDR, such as `192.168.10.0/24`. It \
                     must not overlap the connection's local subnets or its other remote \
                     subnets. Changing it replaces the subnet.",
                ),
        ],
    }
}

#[async_trait]
impl Resource for RemoteSubnet {
    fn type_name(&self) -> &'static str {
        "ipsec_remote_subnet"
    }

    fn schema(&self) -> &Schema {
        &SCHEMA
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        check_remote_subnet_config(&input(config), &unknowns(config))
    }

    async fn modify_plan(&self, proposal: Proposal<'_>, planned: &mut Value) -> Diagnostics {
        let (Some((connection, cidr)), _) = validate_remote_subnet(&input(proposal.config)) else {
            // Unknown or invalid: the id waits, and validation has said what is wrong.
            return Diagnostics::new();
        };
        planned.set_attr("id", Value::String(remote_subnet_id(&connection, &cidr)));
        let prior = proposal.prior;
        match proposal.context {
            // Both attributes replace, so an existing subnet never reaches here changed.
            Some(context) if prior.is_null() => {
                let connection = &connection;
                let preview = |replaced: Option<String>| {
                    let replaced = replaced.and_then(|id| parse_remote_subnet_id(&id).0);
                    let edit = move || {
                        let edit = ops::remote_subnet_edit(connection.clone(), cidr);
                        let Some((old_connection, old_cidr)) = replaced.clone() else {
                            return edit;
                        };
                        let same = &old_connection == connection;
                        let strip = move |c: &mut Context| {
                            c.remote_subnets.remove(&old_cidr);
                        };
                        let forget = move |index: &mut GatewayIndex| {
                            index.forget_remote_subnet(&old_connection, &old_cidr)
                        };
                        replacing(edit, same, strip, forget)
                    };
                    preview_planned(
                        context.gateway,
                        context.planned,
                        connection,
                        Some(cidr),
                        edit,
                    )
                };
                let id = remote_subnet_id(connection, &cidr);
                let diags = context
                    .judge(
                        prior,
                        (&id, Object::RemoteSubnet(connection, cidr)),
                        ops::REMOTE_SUBNET_EXISTS,
                        preview,
                    )
                    .await;
                context.planned.plan_remote_subnet(connection, cidr);
                diags
            }
            _ => Diagnostics::new(),
        }
    }

    async fn plan_destroy(&self, context: Option<PlanContext<'_>>, prior: &Value) -> Diagnostics {
        let (Some(context), (Some((connection, cidr)), _)) =
            (context, validate_remote_subnet(&input(prior)))
        else {
            return Diagnostics::new();
        };
        let diags =
            preview_remote_subnet_removal(context.gateway, context.planned, &connection, cidr)
                .await;
        // A removed resource has no configuration for an attribute to point into.
        resource_level(diags)
    }

    async fn create(
        &self,
        gateway: &dyn Gateway,
        _planned: &Value,
        config: &Value,
    ) -> Outcome<Value> {
        let input = input(config);
        let create = || ops::create_remote_subnet(gateway, &input);
        let result = ops::patiently(APPLY_PATIENCE, create).await;
        let (state, mut diags) = applied(result, |_| match validate_remote_subnet(&input) {
            (Some((connection, cidr)), _) => Ok(state(&connection, &cidr)),
            (None, diags) => Err(diags),
        });
        if let (Some(_), (Some((connection, _)), _)) = (&state, validate_remote_subnet(&input)) {
            diags.extend(after_subnet_change(gateway, &connection).await);
        }
        (state, diags)
    }

    async fn read(&self, gateway: &dyn Gateway, prior: &Value) -> Outcome<Value> {
        let (Some((connection, cidr)), _) = validate_remote_subnet(&input(prior)) else {
            return (None, Diagnostics::new());
        };
        // Terraform reads only what its state holds.
        gateway
            .unanswered()
            .answered(&Object::RemoteSubnet(&connection, cidr));
        let found = gateway.get(&connection).await;
        read(found.map(|context| {
            let context = context.filter(|context| context.remote_subnets.contains(&cidr));
            context.map(|_| state(&connection, &cidr))
        }))
    }

    async fn update(&self, _: &dyn Gateway, _: &Value, _: &Value, _: &Value) -> Outcome<Value> {
        // Every configurable attribute requires replacement, so Terraform never asks.
        (
            None,
            Diagnostic::error(
                "Remote subnets change by replacement",
                "An ipsec_remote_subnet cannot be changed in place; this request is a bug in \
                 Terraform or the provider.",
            )
            .into(),
        )
    }

    async fn delete(&self, gateway: &dyn Gateway, prior: &Value) -> Diagnostics {
        let (Some((connection, cidr)), _) = validate_remote_subnet(&input(prior)) else {
            return Diagnostics::new();
        };
        let delete = || ops::delete_remote_subnet(gateway, &connection, cidr);
        let mut diags = deleted(ops::patiently(APPLY_PATIENCE, delete).await);
        if !diags.has_error() {
            diags.extend(after_subnet_change(gateway, &connection).await);
        }
        diags
    }

    async fn import(&self, gateway: &dyn Gateway, id: &str) -> Outcome<Value> {
        let (parsed, diags) = parse_remote_subnet_id(id);
        let Some((connection, cidr)) = parsed else {
            return (None, import_id_error(diags));
        };
        let missing = match gateway.get(&connection).await {
            Ok(Some(context)) if context.remote_subnets.contains(&cidr) => {
                return (Some(state(&connection, &cidr)), diags);
            }
            // Importing it would leave the connection planning to remove it.
            Ok(Some(context)) if context.unmanaged_remote_subnets.contains(&cidr) => {
                let why = format!(
                    "Connection \"{connection}\" tunnels {cidr} because its remote_ts was \
                     edited by hand, so the connection shows it in unmanaged_remote_subnets. \
                     Declare an ipsec_remote_subnet with this cidr instead of importing it: \
                     applying that adopts the network."
                );
                let summary = "Cannot import a remote subnet added by hand";
                return (None, Diagnostic::error(summary, why).into());
            }
            Ok(Some(_)) => {
                format!("Connection \"{connection}\" has no remote subnet {cidr} on the gateway.")
            }
            Ok(None) => format!("The gateway has no connection named \"{connection}\"."),
            Err(error) => return (None, gateway_error(&error)),
        };
        let summary = "Cannot import a missing remote subnet";
        (None, Diagnostic::error(summary, missing).into())
    }
}

fn input(config: &Value) -> RemoteSubnetInput {
    RemoteSubnetInput {
        connection: string(config, "connection_name"),
        cidr: string(config, "cidr"),
    }
}

fn state(connection: &ConnectionName, cidr: &Cidr) -> Value {
    Value::object([
        ("id", Value::String(remote_subnet_id(connection, cidr))),
        ("connection_name", Value::text(connection)),
        ("cidr", Value::text(cidr)),
    ])
}

/// `diags` attached to the resource as a whole.
fn resource_level(diags: Diagnostics) -> Diagnostics {
    let mut out = Diagnostics::new();
    for diag in diags.iter() {
        out.push(Diagnostic {
            path: ipsec_core::AttributePath::empty(),
            ..diag.clone()
        });
    }
    out
}

/// Problems with an import ID belong to the ID, not to an attribute.
fn import_id_error(diags: Diagnostics) -> Diagnostics {
    let mut out = Diagnostics::new();
    for diag in diags.iter() {
        out.push(Diagnostic::error(
            format!("Invalid import ID: {}", diag.summary),
            diag.detail.clone(),
        ));
    }
    out
}
