//! After a change to a connection or its remote subnets: bringing a `start` tunnel up
//! (`Gateway::establish`) and telling the user, as an error with
//! `wait_until_established` and as a warning without it, when it did not come up.
//!
//! A connection has no CHILD SA to wait for until it has a remote subnet, and its
//! remote subnets are created after it (they refer to its name). So the wait of a
//! connection is remembered here, in this provider process (one per provider
//! configuration, for one apply), and the remote subnets created or removed in the same
//! apply wait with it. A remote subnet changed in a later apply, without its
//! connection, waits only [`SETTLE`] and warns.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use ipsec_core::model::ConnectionName;

use ipsec_core::gateway::{Establishment, NotEstablished};
use ipsec_core::model::Context;
use ipsec_core::{AttributePath, Diagnostic, Diagnostics, Gateway, Problem};

use crate::codec::Value;
use crate::framework::timeouts;

/// The default of each `timeouts` entry, as in terraform-plugin-framework resources
/// that wait for something remote.
pub const TIMEOUT: Duration = Duration::from_secs(120);

/// How long a change waits for a `start` tunnel without `wait_until_established`.
/// Long enough for the other end changed in the same apply (through another provider
/// alias) to load its side, which takes well under a second; short enough that a
/// change whose peer is configured later costs little.
pub const SETTLE: Duration = Duration::from_secs(20);

/// Which operation changed the connection.
#[derive(Debug, Clone, Copy)]
pub enum Operation {
    /// `create`.
    Create,
    /// `update`.
    Update,
}

impl Operation {
    fn name(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Update => "update",
        }
    }
}

/// The connections of this apply that wait to be established, with how long.
static WAITING: LazyLock<Mutex<HashMap<ConnectionName, Duration>>> =
    LazyLock::new(Default::default);

fn waiting() -> std::sync::MutexGuard<'static, HashMap<ConnectionName, Duration>> {
    WAITING.lock().unwrap_or_else(|poison| poison.into_inner())
}

/// Brings the connection of `context`, just changed by `operation` under `config`, up
/// if it is a `start` one, and says what came of it.
pub async fn after_change(
    gateway: &dyn Gateway,
    context: &Context,
    config: &Value,
    operation: Operation,
) -> Diagnostics {
    let wait = config.attr("wait_until_established").as_bool() == Some(true);
    let limit = timeouts::of(config, operation.name(), TIMEOUT);
    if wait {
        waiting().insert(context.name().clone(), limit);
    } else {
        waiting().remove(context.name());
    }
    establish(gateway, context, wait.then_some(limit), operation).await
}

/// After a remote subnet of `connection` was added or removed: brings the connection
/// up as its own change would (with its wait, if it waits in this apply).
pub async fn after_subnet_change(
    gateway: &dyn Gateway,
    connection: &ConnectionName,
) -> Diagnostics {
    let context = match gateway.get(connection).await {
        Ok(Some(context)) => context,
        // Gone meanwhile (a destroy of the whole connection): nothing to bring up.
        Ok(None) => return Diagnostics::new(),
        Err(error) => return error.to_diagnostic().into(),
    };
    let limit = waiting().get(connection).copied();
    establish(gateway, &context, limit, Operation::Update).await
}

/// Waits for the tunnel of `context`: up to `limit` and failing when it is set, else up
/// to [`SETTLE`] and warning.
async fn establish(
    gateway: &dyn Gateway,
    context: &Context,
    limit: Option<Duration>,
    operation: Operation,
) -> Diagnostics {
    let wait = limit.is_some();
    let within = limit.unwrap_or(SETTLE);
    let mut diags = Diagnostics::new();
    match gateway.establish(context, within).await {
        Ok(Establishment::Up { after, initiations }) => {
            tracing::debug!(connection = %context.name(), ?after, initiations, "tunnel up");
        }
        // The `local` engine's case was a warning at plan.
        Ok(Establishment::NotApplicable) => {}
        Ok(Establishment::Down(down)) if wait => diags.push(Diagnostic::error(
            "Tunnel not established",
            format!(
                "{} Connection {} is configured on the gateway; {}",
                down,
                context.name(),
                match operation {
                    Operation::Create =>
                        "Terraform keeps it as tainted, so the next apply replaces it.",
                    Operation::Update => "fix the configuration (or the peer) and apply again.",
                }
            ),
        )),
        Ok(Establishment::Down(down)) => diags.push(not_up_yet(context, &down)),
        Err(error) => diags.push(error.to_diagnostic()),
    }
    diags
}

/// The warning at plan for a connection that waits on an engine without an IKE daemon.
pub fn nothing_to_wait_for(gateway: &dyn Gateway, planned: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    if planned.attr("wait_until_established").as_bool() == Some(true) && gateway.engine() == "local"
    {
        diags.push(
            Problem::warning(
                "Nothing to wait for",
                "wait_until_established has no effect on the local engine: it runs no IKE daemon whose \
                 tunnel could be waited for. It takes effect with engine = \"strongswan\".",
            )
            .at(AttributePath::root("wait_until_established")),
        );
    }
    diags
}

fn not_up_yet(context: &Context, down: &NotEstablished) -> Diagnostic {
    Diagnostic::warning(
        "Tunnel not up yet",
        format!(
            "{down} charon does not initiate again after a refusal: once the peer accepts, run `swanctl \
             --initiate --ike {name}` on the gateway, or set wait_until_established = true to make apply wait \
             and fail on this.",
            name = context.name()
        ),
    )
}
