//! The operations of the three resources, as read-modify-write edits of one context.
//!
//! Each operation validates its input (every problem at once), then runs an edit under
//! the gateway's lock that checks the rules spanning the context against what is stored
//! *now* and either writes the new context or rejects the change without writing. The
//! same edits run without writing in [`preview`], which is how plan-time checks against
//! the gateway reuse the apply-time rules.

use std::collections::BTreeSet;

use super::{ApplyError, Change, Edit, Gateway, GatewayError};
use crate::diag::{AttributePath, Diagnostics, Problem};
use crate::model::{Cidr, Connection, ConnectionName, Context, NatContext};
use crate::validate::{
    check_context, validate_connection, validate_nat_context, validate_remote_subnet,
    ConnectionInput, Focus, NatContextInput, RemoteSubnetInput,
};

/// Whether an operation creates an object or changes an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The object must not exist yet.
    Create,
    /// The object must exist.
    Update,
}

/// A successful change: the context as stored, and any warnings (weak algorithms).
#[derive(Debug, Clone)]
pub struct Applied {
    /// The context after the change.
    pub context: Context,
    /// Warnings found while validating.
    pub warnings: Diagnostics,
}

/// Creates or updates a connection, keeping the context's remote subnets and NAT.
pub async fn put_connection(
    gateway: &dyn Gateway,
    input: &ConnectionInput,
    mode: Mode,
) -> Result<Applied, ApplyError> {
    let (connection, warnings) = valid(validate_connection(input))?;
    let name = connection.name.clone();
    let change = gateway
        .modify(&name, connection_edit(connection, mode))
        .await;
    applied(change, warnings)
}

/// Deletes a connection with its remote subnets and NAT; answers whether it existed.
pub async fn delete_connection(
    gateway: &dyn Gateway,
    name: &ConnectionName,
) -> Result<bool, ApplyError> {
    Ok(gateway.delete(name).await?)
}

/// Adds a remote subnet to its connection.
pub async fn create_remote_subnet(
    gateway: &dyn Gateway,
    input: &RemoteSubnetInput,
) -> Result<Applied, ApplyError> {
    let ((connection, cidr), warnings) = valid(validate_remote_subnet(input))?;
    let change = gateway
        .modify(&connection, remote_subnet_edit(connection.clone(), cidr))
        .await;
    applied(change, warnings)
}

/// Removes a remote subnet; answers whether it existed.
pub async fn delete_remote_subnet(
    gateway: &dyn Gateway,
    connection: &ConnectionName,
    cidr: Cidr,
) -> Result<bool, ApplyError> {
    let edit: Edit = Box::new(move |current| {
        Ok(match current {
            Some(mut context) => {
                if context.remote_subnets.remove(&cidr) {
                    Change::Put(Box::new(context))
                } else {
                    Change::Keep
                }
            }
            None => Change::Keep,
        })
    });
    Ok(matches!(
        gateway.modify(connection, edit).await?,
        Change::Put(_)
    ))
}

/// Creates or replaces the NAT context of a connection.
pub async fn put_nat_context(
    gateway: &dyn Gateway,
    input: &NatContextInput,
    mode: Mode,
) -> Result<Applied, ApplyError> {
    let ((connection, nat), warnings) = valid(validate_nat_context(input))?;
    let change = gateway
        .modify(&connection, nat_edit(connection.clone(), nat, mode))
        .await;
    applied(change, warnings)
}

/// Removes the NAT context of a connection; answers whether it existed.
pub async fn delete_nat_context(
    gateway: &dyn Gateway,
    connection: &ConnectionName,
) -> Result<bool, ApplyError> {
    let edit: Edit = Box::new(|current| {
        Ok(match current {
            Some(mut context) => {
                if context.nat.take().is_some() {
                    Change::Put(Box::new(context))
                } else {
                    Change::Keep
                }
            }
            None => Change::Keep,
        })
    });
    Ok(matches!(
        gateway.modify(connection, edit).await?,
        Change::Put(_)
    ))
}

/// The diagnostics `edit` would give against what the gateway holds now, without
/// writing. A missing context is judged too: an edit that needs the connection reports
/// it missing at plan rather than at apply. (A connection created in the same run is
/// known through [`super::planned`], as long as its dependents reference it, which they
/// must anyway for Terraform to create it first.)
pub async fn preview(gateway: &dyn Gateway, name: &ConnectionName, edit: Edit) -> Diagnostics {
    match gateway.get(name).await {
        Ok(current) => edit(current).err().unwrap_or_default(),
        Err(error) => error.to_diagnostic().into(),
    }
}

/// The edit that creates (`Mode::Create`) or replaces (`Mode::Update`) a connection.
pub fn connection_edit(connection: Connection, mode: Mode) -> Edit {
    Box::new(move |current| {
        let name = connection.name.clone();
        let context = match (current, mode) {
            (None, Mode::Create) => Context::new(connection),
            // An update also drops remote networks added by hand: the plan that led
            // here showed them going.
            (Some(existing), Mode::Update) => Context {
                connection,
                unmanaged_remote_subnets: BTreeSet::new(),
                ..existing
            },
            (Some(_), Mode::Create) => {
                return Err(Problem::error(
                    "Connection already exists",
                    format!(
                        "The gateway already has a connection named \"{name}\". Choose another name, or bring it \
                         under Terraform with `terraform import ipsec_vpn_connection.<label> {name}`."
                    ),
                )
                .at(AttributePath::root("name"))
                .into())
            }
            (None, Mode::Update) => return Err(missing_connection(&name, "name")),
        };
        checked(context, Focus::Connection)
    })
}

/// The edit that adds `cidr` to the remote subnets of `connection`.
pub fn remote_subnet_edit(connection: ConnectionName, cidr: Cidr) -> Edit {
    Box::new(move |current| {
        let mut context =
            current.ok_or_else(|| missing_connection(&connection, "connection_name"))?;
        // A network added to `remote_ts` by hand becomes managed by being declared.
        context.unmanaged_remote_subnets.remove(&cidr);
        if !context.remote_subnets.insert(cidr) {
            return Err(Problem::error(
                "Remote subnet already exists",
                format!(
                    "Connection {connection} already has remote subnet {cidr}. Bring it under Terraform with \
                     `terraform import ipsec_remote_subnet.<label> {connection}/{cidr}`."
                ),
            )
            .at(AttributePath::root("cidr"))
            .into());
        }
        checked(context, Focus::RemoteSubnet(cidr))
    })
}

/// The edit that sets the NAT context of `connection`.
pub fn nat_edit(connection: ConnectionName, nat: NatContext, mode: Mode) -> Edit {
    Box::new(move |current| {
        let mut context =
            current.ok_or_else(|| missing_connection(&connection, "connection_name"))?;
        match (&context.nat, mode) {
            (Some(_), Mode::Create) => {
                return Err(Problem::error(
                    "NAT context already exists",
                    format!(
                        "Connection {connection} already has a NAT context; a connection has at most one. Bring it \
                         under Terraform with `terraform import ipsec_nat_context.<label> {connection}`."
                    ),
                )
                .at(AttributePath::root("connection_name"))
                .into())
            }
            (None, Mode::Update) => {
                return Err(Problem::error(
                    "NAT context not found",
                    format!("Connection {connection} has no NAT context any more; it was removed outside Terraform."),
                )
                .at(AttributePath::root("connection_name"))
                .into())
            }
            _ => {}
        }
        context.nat = Some(nat);
        checked(context, Focus::Nat)
    })
}

fn missing_connection(name: &ConnectionName, attribute: &str) -> Diagnostics {
    Problem::error(
        "Connection not found",
        format!("The gateway has no connection named \"{name}\". Create the ipsec_vpn_connection first (reference its name attribute so Terraform orders them)."),
    )
    .at(AttributePath::root(attribute))
    .into()
}

fn checked(context: Context, focus: Focus) -> Result<Change, Diagnostics> {
    let diags = check_context(&context, focus);
    if diags.has_error() {
        Err(diags)
    } else {
        Ok(Change::Put(Box::new(context)))
    }
}

fn valid<T>((value, diags): (Option<T>, Diagnostics)) -> Result<(T, Diagnostics), ApplyError> {
    match value {
        Some(value) if !diags.has_error() => Ok((value, diags)),
        _ => Err(ApplyError::Rejected(diags)),
    }
}

/// The result of a put: the stored context with the validation warnings, or the
/// rejection with those warnings added (a user fixing an error still sees them).
fn applied(
    change: Result<Change, ApplyError>,
    warnings: Diagnostics,
) -> Result<Applied, ApplyError> {
    match change {
        Ok(Change::Put(context)) => Ok(Applied {
            context: *context,
            warnings,
        }),
        Err(ApplyError::Rejected(mut diags)) => {
            diags.extend(warnings);
            Err(ApplyError::Rejected(diags))
        }
        Err(error) => Err(error),
        // The edits of this module only ever put or reject.
        Ok(Change::Delete | Change::Keep) => Err(ApplyError::Gateway(GatewayError::Engine(
            "the gateway reported no change for a put".to_owned(),
        ))),
    }
}
