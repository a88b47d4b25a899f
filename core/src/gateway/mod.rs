//! The gateway: where contexts are stored, and the operations each resource performs on
//! it.
//!
//! An engine implements [`Gateway`]: get, list and an atomic read-modify-write
//! ([`Gateway::modify`]) of one context under the engine's writer lock. The resource
//! operations in [`ops`] are built on `modify`, so that adding a remote subnet never loses
//! a concurrent change to the same context, and a rejected change writes nothing.

use async_trait::async_trait;

use crate::diag::Diagnostics;
use crate::model::{ConnectionName, Context, NatTable};

pub mod detached;
mod error;
pub mod establish;
pub mod index;
pub mod ops;
pub mod planned;
pub mod status;
pub mod unanswered;

pub use error::{ApplyError, EngineError, GatewayError, Inconsistency, NftStep};
pub use establish::{Establishment, NotEstablished, Phase, Reason};
pub use index::GatewayIndex;
pub use status::{ChildSaStatus, ConnectionStatus, IkeSaStatus, TunnelState};

/// What an edit decides to do with a context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Store this context (create or replace).
    Put(Box<Context>),
    /// Remove the context and all its files.
    Delete,
    /// Leave the gateway as it is.
    Keep,
}

/// A read-modify-write step: given the context as stored now (or `None`) and the
/// gateway's index of every context (for the gateway-wide rules), decide the change, or
/// reject it with diagnostics (then nothing is written).
pub type Edit =
    Box<dyn FnOnce(Option<Context>, &GatewayIndex) -> Result<Change, Diagnostics> + Send + 'static>;

/// A gateway engine: the one I/O boundary of `core`.
#[async_trait]
pub trait Gateway: Send + Sync {
    /// The engine's name as the provider's `engine` setting spells it.
    fn engine(&self) -> &'static str;

    /// The context named `name` as the gateway holds it now, or `None` if it has none.
    async fn get(&self, name: &ConnectionName) -> Result<Option<Context>, GatewayError>;

    /// The names of every context on the gateway, sorted.
    async fn list(&self) -> Result<Vec<ConnectionName>, GatewayError>;

    /// The summary of every context on the gateway, as the gateway-wide rules see it.
    async fn index(&self) -> Result<GatewayIndex, GatewayError>;

    /// The remote subnets and NAT of connections this process deleted, for a
    /// replacement to take back.
    fn detached(&self) -> &detached::Detached;

    /// The markers of creates begun and not answered (see [`unanswered`]). By default,
    /// for a gateway without a directory of its own: none, so nothing is ever adopted.
    fn unanswered(&self) -> &unanswered::Unanswered {
        static NONE: unanswered::Unanswered = unanswered::Unanswered::none();
        &NONE
    }

    /// The nftables table this engine writes NAT to (the provider's `nat_table`).
    fn nat_table(&self) -> &NatTable;

    /// The table that holds the stored NAT of connection `name`, which differs from
    /// [`Gateway::nat_table`] after the setting changed; `None` without NAT.
    async fn stored_nat_table(
        &self,
        name: &ConnectionName,
    ) -> Result<Option<NatTable>, GatewayError>;

    /// Reads the context `name`, applies `edit` and stores the result, all under the
    /// engine's writer lock so that concurrent edits of one context serialize.
    async fn modify(&self, name: &ConnectionName, edit: Edit) -> Result<Change, ApplyError>;

    /// The tunnel of connection `name` as the gateway's daemon reports it. By default,
    /// for an engine without a daemon: loaded when the gateway holds the connection,
    /// state [`TunnelState::Unknown`] ([`TunnelState::NoRemoteSubnets`] without a child).
    async fn status(&self, name: &ConnectionName) -> Result<ConnectionStatus, GatewayError> {
        Ok(ConnectionStatus::without_daemon(
            self.get(name).await?.as_ref(),
        ))
    }

    /// Brings the `start` connection `context`, just stored, up within `within`: waits
    /// for the daemon's own initiation and initiates again while the peer refuses (see
    /// [`establish`]). By default, for an engine without a daemon: nothing to wait for.
    async fn establish(
        &self,
        context: &Context,
        within: std::time::Duration,
    ) -> Result<Establishment, GatewayError> {
        let _ = (context, within);
        Ok(Establishment::NotApplicable)
    }

    /// Stores `context`, replacing what the gateway holds under its name.
    async fn put(&self, context: &Context) -> Result<(), GatewayError> {
        let context = context.clone();
        let name = context.name().clone();
        match self
            .modify(
                &name,
                Box::new(move |_, _| Ok(Change::Put(Box::new(context)))),
            )
            .await
        {
            Ok(_) => Ok(()),
            // The edit above never rejects.
            Err(error) => Err(error.into_gateway_error()),
        }
    }

    /// Removes the context `name`; answers whether there was one.
    async fn delete(&self, name: &ConnectionName) -> Result<bool, GatewayError> {
        let existed = Box::new(|current: Option<Context>, _: &GatewayIndex| {
            Ok(if current.is_some() {
                Change::Delete
            } else {
                Change::Keep
            })
        });
        match self.modify(name, existed).await {
            Ok(change) => Ok(change == Change::Delete),
            Err(error) => Err(error.into_gateway_error()),
        }
    }
}
