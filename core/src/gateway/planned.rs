//! What earlier plans of the same Terraform run intend to create, so that plan-time
//! checks judge a change against the gateway as it will be when the change is applied.
//!
//! Terraform plans a resource after the resources it depends on, in one provider
//! process. Without this, adding a remote subnet and a NAT translation into it in one
//! run would fail at plan ("customer_ip outside every remote subnet"), although the
//! apply, in dependency order, succeeds. Only creations and the planned connection are
//! recorded: they can only make a plan-time check see more of what apply will see.
//! Apply always checks again against what is stored, under the lock.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use super::{Edit, Gateway};
use crate::diag::Diagnostics;
use crate::model::{Cidr, Connection, ConnectionName, Context};

/// The changes planned so far in this process.
#[derive(Debug, Default)]
pub struct PlannedChanges {
    contexts: Mutex<BTreeMap<ConnectionName, Planned>>,
}

#[derive(Debug, Default)]
struct Planned {
    connection: Option<Connection>,
    remote_subnets: BTreeSet<Cidr>,
}

impl PlannedChanges {
    /// Records the connection as a plan will leave it.
    pub fn plan_connection(&self, connection: Connection) {
        self.with(&connection.name.clone(), |planned| {
            planned.connection = Some(connection)
        });
    }

    /// Records a remote subnet a plan creates.
    pub fn plan_remote_subnet(&self, connection: &ConnectionName, cidr: Cidr) {
        self.with(connection, |planned| {
            planned.remote_subnets.insert(cidr);
        });
    }

    /// `current` (what the gateway holds) with the planned connection and remote
    /// subnets laid over it, leaving out `except` (the subnet being planned itself).
    pub fn overlay(
        &self,
        name: &ConnectionName,
        current: Option<Context>,
        except: Option<Cidr>,
    ) -> Option<Context> {
        let contexts = self.contexts.lock().unwrap_or_else(|e| e.into_inner());
        let Some(planned) = contexts.get(name) else {
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
        Some(context)
    }

    fn with(&self, name: &ConnectionName, change: impl FnOnce(&mut Planned)) {
        // A poisoned lock only means a panic elsewhere; the map itself is whole.
        let mut contexts = self.contexts.lock().unwrap_or_else(|e| e.into_inner());
        change(contexts.entry(name.clone()).or_default());
    }
}

/// Like [`super::ops::preview`], against the gateway with `planned` laid over it.
pub async fn preview_planned(
    gateway: &dyn Gateway,
    planned: &PlannedChanges,
    name: &ConnectionName,
    except: Option<Cidr>,
    edit: Edit,
) -> Diagnostics {
    match gateway.get(name).await {
        Ok(current) => edit(planned.overlay(name, current, except))
            .err()
            .unwrap_or_default(),
        Err(error) => error.to_diagnostic().into(),
    }
}
