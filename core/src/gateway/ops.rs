//! The operations of the three resources, as read-modify-write edits of one context.
//!
//! Each operation validates its input (every problem at once), then runs an edit under
//! the gateway's lock that checks the rules spanning the context against what is stored
//! *now* and either writes the new context or rejects the change without writing. The
//! same edits run without writing in [`preview`], which is how plan-time checks against
//! the gateway reuse the apply-time rules.

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::unanswered::{Marker, Object, Pending};
use super::{ApplyError, Change, Edit, Gateway, GatewayError, GatewayIndex, Inconsistency};
use crate::diag::{AttributePath, Diagnostics, Problem};
use crate::model::{Cidr, Connection, ConnectionName, Context, NatContext};
use crate::validate::context::CUSTOMER_OUTSIDE;
use crate::validate::{
    check_context, check_gateway, validate_connection, validate_nat_context,
    validate_remote_subnet, ConnectionInput, Focus, NatContextInput, RemoteSubnetInput,
};

/// The summary of a change that needs a connection the gateway does not have.
pub const MISSING_CONNECTION: &str = "Connection not found";
/// The summary of the error for a connection the engine's files hold but charon lost.
pub const CONNECTION_NOT_RUNNING: &str = "Connection not running";
/// The summary of a create of a connection the gateway already has.
pub const CONNECTION_EXISTS: &str = "Connection already exists";
/// The summary of a create of a remote subnet the gateway already has.
pub const REMOTE_SUBNET_EXISTS: &str = "Remote subnet already exists";
/// The summary of a create of a NAT context the gateway already has.
pub const NAT_CONTEXT_EXISTS: &str = "NAT context already exists";

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
    let adopted = match mode {
        Mode::Create => gateway.detached().take(&name),
        Mode::Update => None,
    };
    let pending =
        (mode == Mode::Create).then(|| gateway.unanswered().pending(&Object::Connection(&name)));
    let adopt = pending.as_ref().is_some_and(Pending::left);
    let edit = adopting_connection_edit(connection, mode, adopt);
    let edit: Edit = match adopted.clone() {
        // A replacement: the connection takes back what its old self left.
        Some(parts) => Box::new(move |current, index| {
            let change = edit(current, index)?;
            let Change::Put(mut context) = change else {
                return Ok(change);
            };
            context.remote_subnets = parts.remote_subnets;
            context.nat = parts.nat;
            checked(*context, Focus::Connection, index)
        }),
        None => edit,
    };
    let (edit, marker) = marked(edit, pending);
    let change = gateway.modify(&name, edit).await;
    if let (Err(_), Some(parts)) = (&change, adopted) {
        gateway.detached().put_back(name, parts);
    }
    settle(&marker, &change);
    applied(change, warnings)
}

/// Deletes a connection with its remote subnets and NAT; answers whether it existed.
/// Its remote subnets and NAT are kept in memory for a connection of the same name
/// that this process may create next (a replacement: see [`super::detached`]).
pub async fn delete_connection(
    gateway: &dyn Gateway,
    name: &ConnectionName,
) -> Result<bool, ApplyError> {
    // A file broken by hand can still be deleted; it just leaves nothing to take back.
    let current = gateway.get(name).await.ok().flatten();
    let existed = gateway.delete(name).await?;
    gateway.unanswered().answered(&Object::Connection(name));
    if let Some(context) = current {
        gateway.detached().keep(context);
    }
    Ok(existed)
}

/// Adds a remote subnet to its connection.
pub async fn create_remote_subnet(
    gateway: &dyn Gateway,
    input: &RemoteSubnetInput,
) -> Result<Applied, ApplyError> {
    let ((connection, cidr), warnings) = valid(validate_remote_subnet(input))?;
    let pending = gateway
        .unanswered()
        .pending(&Object::RemoteSubnet(&connection, cidr));
    let edit = adopting_remote_subnet_edit(connection.clone(), cidr, pending.left());
    let (edit, marker) = marked(edit, Some(pending));
    let change = gateway.modify(&connection, edit).await;
    settle(&marker, &change);
    applied(change, warnings)
}

/// Removes a remote subnet; answers whether it existed.
///
/// A NAT translation whose `customer_ip` needs the subnet is judged at plan
/// ([`super::planned::preview_remote_subnet_removal`]): Terraform applies the subnet's
/// destroy before the update of the NAT context that drops the translation, so here
/// the subnet goes even if a translation still names it for a moment.
pub async fn delete_remote_subnet(
    gateway: &dyn Gateway,
    connection: &ConnectionName,
    cidr: Cidr,
) -> Result<bool, ApplyError> {
    let edit: Edit = Box::new(move |current, _| {
        let Some(mut context) = current else {
            return Ok(Change::Keep);
        };
        if !context.remote_subnets.remove(&cidr) {
            return Ok(Change::Keep);
        }
        Ok(Change::Put(Box::new(context)))
    });
    gateway.detached().forget_subnet(connection, cidr);
    let change = gateway.modify(connection, edit).await?;
    gateway
        .unanswered()
        .answered(&Object::RemoteSubnet(connection, cidr));
    Ok(matches!(change, Change::Put(_)))
}

/// Creates or replaces the NAT context of a connection.
pub async fn put_nat_context(
    gateway: &dyn Gateway,
    input: &NatContextInput,
    mode: Mode,
) -> Result<Applied, ApplyError> {
    let ((connection, nat), warnings) = valid(validate_nat_context(input))?;
    let pending = (mode == Mode::Create).then(|| {
        gateway
            .unanswered()
            .pending(&Object::NatContext(&connection))
    });
    let adopt = pending.as_ref().is_some_and(Pending::left);
    let edit = adopting_nat_edit(connection.clone(), nat, mode, adopt);
    let (edit, marker) = marked(edit, pending);
    let change = gateway.modify(&connection, edit).await;
    settle(&marker, &change);
    applied(change, warnings)
}

/// Removes the NAT context of a connection; answers whether it existed.
pub async fn delete_nat_context(
    gateway: &dyn Gateway,
    connection: &ConnectionName,
) -> Result<bool, ApplyError> {
    gateway.detached().forget_nat(connection);
    let edit: Edit = Box::new(|current, _| {
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
    let change = gateway.modify(connection, edit).await?;
    gateway
        .unanswered()
        .answered(&Object::NatContext(connection));
    Ok(matches!(change, Change::Put(_)))
}

/// The diagnostics `edit` would give against what the gateway holds now, without
/// writing. A missing context is judged too: an edit that needs the connection reports
/// it missing at plan rather than at apply. (A connection created in the same run is
/// known through [`super::planned`], as long as its dependents reference it, which they
/// must anyway for Terraform to create it first.)
pub async fn preview(gateway: &dyn Gateway, name: &ConnectionName, edit: Edit) -> Diagnostics {
    match read_with_index(gateway, name).await {
        Ok((current, index)) => edit(current, &index).err().unwrap_or_default(),
        Err(error) => error.to_diagnostic().into(),
    }
}

/// The context `name` and the gateway's index, as a plan-time check sees them.
pub async fn read_with_index(
    gateway: &dyn Gateway,
    name: &ConnectionName,
) -> Result<(Option<Context>, GatewayIndex), GatewayError> {
    Ok((gateway.get(name).await?, gateway.index().await?))
}

/// Runs `operation` again while it is refused only for something another change of the
/// same apply may be about to provide (its connection, a remote subnet for a
/// translation), for at most `patience`.
///
/// Terraform applies resources that do not reference each other in any order, at once;
/// a user who names a connection by a literal string, or forgets a `depends_on`, would
/// otherwise see an apply that fails, then succeeds when run again.
pub async fn patiently<T, F, Fut>(patience: Duration, mut operation: F) -> Result<T, ApplyError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ApplyError>>,
{
    let deadline = Instant::now() + patience;
    let mut pause = Duration::from_millis(20);
    loop {
        match operation().await {
            Err(ApplyError::Rejected(diags))
                if waits_for_another_change(&diags) && Instant::now() + pause < deadline =>
            {
                tracing::debug!(
                    pause_ms = pause.as_millis() as u64,
                    "change refused for now; trying again"
                );
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(500));
            }
            outcome => return outcome,
        }
    }
}

/// Whether every error in `diags` is one that a concurrent change can resolve.
pub fn waits_for_another_change(diags: &Diagnostics) -> bool {
    diags.has_error()
        && diags
            .errors()
            .all(|d| [MISSING_CONNECTION, CUSTOMER_OUTSIDE].contains(&d.summary.as_str()))
}

/// `edit`, judged as if the gateway did not hold what `strip` removes from the context
/// and `forget` from the index: the plan of a replacement, whose old object Terraform
/// destroys before it creates the new one.
pub fn without(
    edit: Edit,
    strip: impl FnOnce(&mut Context) + Send + 'static,
    forget: impl FnOnce(&mut GatewayIndex) + Send + 'static,
) -> Edit {
    Box::new(move |current, index| {
        let mut index = index.clone();
        forget(&mut index);
        edit(
            current.map(|mut context| {
                strip(&mut context);
                context
            }),
            &index,
        )
    })
}

/// The edit that creates (`Mode::Create`) or replaces (`Mode::Update`) a connection.
pub fn connection_edit(connection: Connection, mode: Mode) -> Edit {
    adopting_connection_edit(connection, mode, false)
}

/// [`connection_edit`]; with `adopt`, a create finding the very connection it would
/// write takes it as its own (see [`super::unanswered`]).
fn adopting_connection_edit(connection: Connection, mode: Mode, adopt: bool) -> Edit {
    Box::new(move |current, index| {
        let name = connection.name.clone();
        let context = match (current, mode) {
            (None, Mode::Create) => Context::new(connection),
            (Some(existing), Mode::Create) if adopt && existing.connection == connection => {
                tracing::info!(connection = %name, "adopting the connection a killed create left");
                existing
            }
            // An update also drops remote networks added by hand: the plan that led
            // here showed them going.
            (Some(existing), Mode::Update) => Context {
                connection,
                unmanaged_remote_subnets: BTreeSet::new(),
                ..existing
            },
            (Some(_), Mode::Create) => {
                return Err(Problem::error(
                    CONNECTION_EXISTS,
                    format!(
                        "The gateway already has a connection named \"{name}\". Choose another name, or bring it \
                         under Terraform with `terraform import ipsec_vpn_connection.<label> {name}`. (A replacement \
                         with lifecycle {{ create_before_destroy = true }} cannot keep the name: the gateway holds one \
                         connection per name, so the new one must be created under another name, or without \
                         create_before_destroy.)"
                    ),
                )
                .at(AttributePath::root("name"))
                .into())
            }
            (None, Mode::Update) => return Err(missing_connection(&name, "name", index)),
        };
        checked(context, Focus::Connection, index)
    })
}

/// The edit that adds `cidr` to the remote subnets of `connection`.
pub fn remote_subnet_edit(connection: ConnectionName, cidr: Cidr) -> Edit {
    adopting_remote_subnet_edit(connection, cidr, false)
}

/// [`remote_subnet_edit`]; with `adopt`, a subnet the connection already has is taken
/// as this create's own (see [`super::unanswered`]).
fn adopting_remote_subnet_edit(connection: ConnectionName, cidr: Cidr, adopt: bool) -> Edit {
    Box::new(move |current, index| {
        let mut context =
            current.ok_or_else(|| missing_connection(&connection, "connection_name", index))?;
        // A network added to `remote_ts` by hand becomes managed by being declared.
        context.unmanaged_remote_subnets.remove(&cidr);
        if !context.remote_subnets.insert(cidr) && !adopt {
            return Err(Problem::error(
                REMOTE_SUBNET_EXISTS,
                format!(
                    "Connection {connection} already has remote subnet {cidr}. Bring it under Terraform with \
                     `terraform import ipsec_remote_subnet.<label> {connection}/{cidr}`."
                ),
            )
            .at(AttributePath::root("cidr"))
            .into());
        }
        checked(context, Focus::RemoteSubnet(cidr), index)
    })
}

/// The edit that sets the NAT context of `connection`.
pub fn nat_edit(connection: ConnectionName, nat: NatContext, mode: Mode) -> Edit {
    adopting_nat_edit(connection, nat, mode, false)
}

/// [`nat_edit`]; with `adopt`, a create finding the very NAT context it would write
/// takes it as its own (see [`super::unanswered`]).
fn adopting_nat_edit(connection: ConnectionName, nat: NatContext, mode: Mode, adopt: bool) -> Edit {
    Box::new(move |current, index| {
        let mut context =
            current.ok_or_else(|| missing_connection(&connection, "connection_name", index))?;
        match (&context.nat, mode) {
            (Some(existing), Mode::Create) if adopt && existing == &nat => {}
            (Some(_), Mode::Create) => {
                return Err(Problem::error(
                    NAT_CONTEXT_EXISTS,
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
        checked(context, Focus::Nat, index)
    })
}

/// The connection an edit needs is not on the gateway. When the engine's files still
/// hold it (its index does) while the engine does not run it, charon lost it after the
/// plan (a restart without `swanctl --load-all`, or an unload by hand): no other change
/// of this apply can bring it back, so that is a different error, which
/// [`patiently`] does not wait on.
fn missing_connection(name: &ConnectionName, attribute: &str, index: &GatewayIndex) -> Diagnostics {
    let problem = if index.get(name).is_some() {
        Problem::error(
            CONNECTION_NOT_RUNNING,
            format!(
                "The files in config_dir hold connection \"{name}\", but charon does not run it: charon was \
                 restarted without loading them, or the connection was unloaded by hand, after the plan. Nothing \
                 was changed. Run terraform apply again: its refresh finds the connection gone and plans to create \
                 it again, with its remote subnets and NAT context. (To have charon load the files whenever it \
                 starts, include them from swanctl.conf: see the strongswan engine guide.)"
            ),
        )
    } else {
        Problem::error(
            MISSING_CONNECTION,
            format!("The gateway has no connection named \"{name}\". Create the ipsec_vpn_connection first (reference its name attribute so Terraform orders them)."),
        )
    };
    problem.at(AttributePath::root(attribute)).into()
}

/// Where [`marked`] leaves the marker it wrote.
type MarkerSlot = Arc<Mutex<Option<Marker>>>;

/// `edit`, writing the create's marker (`pending`) once it decides to write: under the
/// engine's lock, before the engine writes, and never for a refused create.
fn marked(edit: Edit, pending: Option<Pending>) -> (Edit, MarkerSlot) {
    let slot = MarkerSlot::default();
    let Some(pending) = pending else {
        return (edit, slot);
    };
    let filled = Arc::clone(&slot);
    let edit: Edit = Box::new(move |current, index| {
        let change = edit(current, index)?;
        if matches!(change, Change::Put(_)) {
            *filled.lock().unwrap_or_else(|e| e.into_inner()) = Some(pending.begin());
        }
        Ok(change)
    });
    (edit, slot)
}

/// Ends the create's marker: kept for Terraform's next read when the create wrote (or
/// adopted) its object, else removed or given back to the process it was inherited from.
/// A create whose future is dropped never gets here, and its marker stays.
fn settle<T>(slot: &MarkerSlot, change: &Result<T, ApplyError>) {
    let marker = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
    match (marker, change) {
        (Some(marker), Ok(_)) => marker.succeeded(),
        (Some(marker), Err(_)) => marker.failed(),
        (None, _) => {}
    }
}

fn checked(context: Context, focus: Focus, index: &GatewayIndex) -> Result<Change, Diagnostics> {
    let mut diags = check_context(&context, focus);
    diags.extend(check_gateway(&context, focus, index));
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
        Ok(Change::Delete | Change::Keep) => {
            Err(ApplyError::Gateway(Inconsistency::NoChangeForPut.into()))
        }
    }
}
