//! What earlier plans of the same Terraform run intend to create, so that plan-time
//! checks judge a change against the gateway as it will be when the change is applied.
//!
//! Terraform plans a resource after the resources it depends on, in one provider
//! process. Without this, adding a remote subnet and a NAT translation into it in one
//! run would fail at plan ("customer_ip outside every remote subnet"), although the
//! apply, in dependency order, succeeds. Creations, the planned connection, removals of
//! remote subnets and the planned NAT context are recorded. Apply checks again against
//! what is stored, under the lock.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::index::Summary;
use super::ops::{read_with_index, waits_for_another_change};
use super::{Edit, Gateway, GatewayIndex};
use crate::diag::Diagnostics;
use crate::model::{Cidr, Connection, ConnectionName, Context, NatContext};
use crate::validate::check_remote_subnet_removal;

/// How long a plan-time check that misses its connection or a remote subnet waits for
/// a concurrent plan of the same run to provide it. Terraform plans resources that do
/// not reference each other at once, so without this the outcome would depend on which
/// plan came first: the same configuration would give different plans.
pub const PLAN_PATIENCE: Duration = Duration::from_secs(2);

/// The changes planned so far in this process.
#[derive(Debug, Default)]
pub struct PlannedChanges {
    state: Mutex<State>,
    /// Woken whenever a plan is recorded.
    recorded: Notify,
}

#[derive(Debug, Default)]
struct State {
    contexts: BTreeMap<ConnectionName, Planned>,
    /// The last index [`PlannedChanges::overlay_index`] made, kept up to date one
    /// connection at a time: every plan of a run lays the run over the same gateway
    /// index, and rebuilding it whole at each plan made a plan of N resources cost N²
    /// map operations.
    overlaid: Option<Overlaid>,
}

#[derive(Debug)]
struct Overlaid {
    /// The gateway's index it was laid over.
    base: GatewayIndex,
    /// `base` with the run laid over it, as of the last call.
    result: GatewayIndex,
    /// Connections whose plan changed since.
    stale: BTreeSet<ConnectionName>,
}

#[derive(Debug, Default)]
struct Planned {
    connection: Option<Connection>,
    remote_subnets: BTreeSet<Cidr>,
    /// Remote subnets whose removal is planned.
    removed_subnets: BTreeSet<Cidr>,
    /// The NAT context as planned: `Some(None)` when it is destroyed.
    nat: Option<Option<NatContext>>,
    /// The summary [`PlannedChanges::overlay_index`] made of this, with the gateway's
    /// summary it was laid over: a plan per resource must not rebuild every planned
    /// connection's summary (that made a plan of N resources quadratic).
    summary: Option<(Option<Arc<Summary>>, Arc<Summary>)>,
}

impl PlannedChanges {
    /// Records the connection as a plan will leave it.
    pub fn plan_connection(&self, connection: Connection) {
        self.with(&connection.name.clone(), |planned| {
            planned.connection = Some(connection)
        });
        self.recorded.notify_waiters();
    }

    /// Records a remote subnet a plan creates.
    pub fn plan_remote_subnet(&self, connection: &ConnectionName, cidr: Cidr) {
        self.with(connection, |planned| {
            planned.remote_subnets.insert(cidr);
        });
        self.recorded.notify_waiters();
    }

    /// Records the NAT context of `connection` as a plan leaves it (`None`: destroyed).
    pub fn plan_nat(&self, connection: &ConnectionName, nat: Option<NatContext>) {
        self.with(connection, |planned| planned.nat = Some(nat));
        self.recorded.notify_waiters();
    }

    /// Records that a plan removes remote subnet `cidr` of `connection`, and answers the
    /// NAT context as planned so far (`None` if its plan has not come yet).
    pub fn plan_remote_subnet_removal(
        &self,
        connection: &ConnectionName,
        cidr: Cidr,
    ) -> Option<Option<NatContext>> {
        let mut nat = None;
        self.with(connection, |planned| {
            planned.removed_subnets.insert(cidr);
            nat = planned.nat.clone();
        });
        nat
    }

    /// `current` (what the gateway holds) with the planned connection and remote
    /// subnets laid over it, leaving out `except` (the subnet being planned itself).
    pub fn overlay(
        &self,
        name: &ConnectionName,
        current: Option<Context>,
        except: Option<Cidr>,
    ) -> Option<Context> {
        let state = self.state();
        let Some(planned) = state.contexts.get(name) else {
            return current;
        };
        let mut context = match (current, &planned.connection) {
            (Some(context), Some(connection)) => Context {
                connection: connection.clone(),
                ..context
            },
            (None, Some(connection)) => Context::new(connection.clone()),
            (current, None) => current?,
        };
        context.remote_subnets.extend(
            planned
                .remote_subnets
                .iter()
                .filter(|cidr| Some(**cidr) != except),
        );
        context
            .remote_subnets
            .retain(|cidr| !planned.removed_subnets.contains(cidr));
        Some(context)
    }

    /// `index` with the planned connections and remote subnets laid over it.
    pub fn overlay_index(&self, index: GatewayIndex) -> GatewayIndex {
        let mut state = self.state();
        let State { contexts, overlaid } = &mut *state;
        if let Some(overlaid) = overlaid.as_mut().filter(|o| o.base.is_copy_of(&index)) {
            for name in std::mem::take(&mut overlaid.stale) {
                let known = index.get_shared(&name);
                let planned = contexts.get_mut(&name);
                match planned
                    .and_then(|p| p.summary_over_shared(known.clone()))
                    .or(known)
                {
                    Some(summary) => overlaid.result.set_shared(name, summary),
                    None => overlaid.result.remove(&name),
                }
            }
            return overlaid.result.clone();
        }
        let mut result = index.clone();
        for (name, planned) in contexts.iter_mut() {
            if let Some(summary) = planned.summary_over_shared(index.get_shared(name)) {
                result.set_shared(name.clone(), summary);
            }
        }
        *overlaid = Some(Overlaid {
            base: index,
            result: result.clone(),
            stale: BTreeSet::new(),
        });
        result
    }

    fn with(&self, name: &ConnectionName, change: impl FnOnce(&mut Planned)) {
        let mut state = self.state();
        let planned = state.contexts.entry(name.clone()).or_default();
        change(planned);
        planned.summary = None;
        if let Some(overlaid) = state.overlaid.as_mut() {
            overlaid.stale.insert(name.clone());
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned lock only means a panic elsewhere; the state itself is whole.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Planned {
    /// [`Planned::summary_over`] the gateway's shared summary `known`, reusing the one
    /// made last time while `known` is the same.
    fn summary_over_shared(&mut self, known: Option<Arc<Summary>>) -> Option<Arc<Summary>> {
        let cached = self
            .summary
            .as_ref()
            .filter(|(base, _)| match (base, &known) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            });
        if let Some((_, summary)) = cached {
            return Some(Arc::clone(summary));
        }
        let summary = Arc::new(self.summary_over(known.as_deref())?);
        self.summary = Some((known, Arc::clone(&summary)));
        Some(summary)
    }

    /// The gateway's summary `known` of this connection with what is planned laid over
    /// it; `None` when there is neither.
    fn summary_over(&self, known: Option<&Summary>) -> Option<Summary> {
        let mut summary = match (&self.connection, known) {
            (Some(connection), Some(known)) => Summary {
                peer_address: connection.peer_address,
                local_address: connection.local_address,
                local_id: connection.local_id.clone(),
                peer_id: connection.peer_id.clone(),
                local_subnets: connection.local_subnets.clone(),
                ..known.clone()
            },
            (Some(connection), None) => Summary {
                peer_address: connection.peer_address,
                local_address: connection.local_address,
                local_id: connection.local_id.clone(),
                peer_id: connection.peer_id.clone(),
                local_subnets: connection.local_subnets.clone(),
                remote_subnets: BTreeSet::new(),
                static_nat_subnet: None,
                local_ips: Default::default(),
            },
            (None, Some(known)) => known.clone(),
            (None, None) => return None,
        };
        summary
            .remote_subnets
            .extend(self.remote_subnets.iter().copied());
        summary
            .remote_subnets
            .retain(|cidr| !self.removed_subnets.contains(cidr));
        Some(summary)
    }
}

/// Like [`super::ops::preview`], against the gateway with `planned` laid over it. When
/// the edit misses its connection or a remote subnet, it waits up to [`PLAN_PATIENCE`]
/// for another plan of the run to record it, so that the answer does not depend on the
/// order in which Terraform plans independent resources.
pub async fn preview_planned(
    gateway: &dyn Gateway,
    planned: &PlannedChanges,
    name: &ConnectionName,
    except: Option<Cidr>,
    edit: impl Fn() -> Edit,
) -> Diagnostics {
    let (current, index) = match read_with_index(gateway, name).await {
        Ok(read) => read,
        Err(error) => return error.to_diagnostic().into(),
    };
    let deadline = Instant::now() + PLAN_PATIENCE;
    loop {
        let recorded = planned.recorded.notified();
        tokio::pin!(recorded);
        // Registered before the check, so a plan recorded during it is not missed.
        recorded.as_mut().enable();
        let diags = edit()(
            planned.overlay(name, current.clone(), except),
            &planned.overlay_index(index.clone()),
        )
        .err()
        .unwrap_or_default();
        let now = Instant::now();
        if !waits_for_another_change(&diags) || now >= deadline {
            return diags;
        }
        let _ = tokio::time::timeout(deadline - now, recorded).await;
    }
}

/// The diagnostics of `edit` (a change of the connection itself) against what the
/// gateway holds for it, and every other connection as planned so far: the
/// connection's own remote subnets and NAT are planned after it.
pub async fn preview_connection(
    gateway: &dyn Gateway,
    planned: &PlannedChanges,
    name: &ConnectionName,
    edit: Edit,
) -> Diagnostics {
    match read_with_index(gateway, name).await {
        Ok((current, index)) => edit(current, &planned.overlay_index(index))
            .err()
            .unwrap_or_default(),
        Err(error) => error.to_diagnostic().into(),
    }
}

/// The diagnostics of removing remote subnet `cidr` of `connection`, planned now,
/// which it records for the other plans of the run. The removal is refused while a NAT
/// translation's `customer_ip` needs the subnet: here when the NAT context's plan came
/// first, or at that plan (its `customer_ip`) when it comes later, as it does when the
/// NAT context depends on its subnets. Nothing waits, so neither order stalls the other.
///
/// Judged at plan, not at apply: Terraform applies a dependency's destroy before the
/// update of what depends on it, so at apply the subnet goes first, and the
/// translation's change follows.
pub async fn preview_remote_subnet_removal(
    gateway: &dyn Gateway,
    planned: &PlannedChanges,
    connection: &ConnectionName,
    cidr: Cidr,
) -> Diagnostics {
    let Some(nat) = planned.plan_remote_subnet_removal(connection, cidr) else {
        return Diagnostics::new();
    };
    let mut context = match gateway.get(connection).await {
        Ok(Some(context)) => context,
        Ok(None) => return Diagnostics::new(),
        Err(error) => return error.to_diagnostic().into(),
    };
    context.remote_subnets.remove(&cidr);
    context.nat = nat;
    check_remote_subnet_removal(&context, cidr)
}
