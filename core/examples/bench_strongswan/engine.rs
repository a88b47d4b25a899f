//! The engine's runs: N connections loaded the way an apply does it, sequentially and
//! with concurrent tasks, and one connection changed among them.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ipsec_core::engine::StrongswanGateway;
use ipsec_core::gateway::ops::{self, Mode};
use ipsec_core::validate::RemoteSubnetInput;
use ipsec_core::Gateway;

use crate::measure::{ms, percentile, secs, CpuMark, CpuUse};
use crate::report::{ChangeOne, EngineLoad};
use crate::setup::{self, conn_name, connection_input, remote_subnets, KEYLIFE};
use crate::steps::StepTimes;
use crate::{steps, BoxError, Result};
use ipsec_test_support::charon::Charon;

/// Changes of one connection through the engine.
pub const CHANGES: usize = 20;

/// What the sequential run measured: the load, then (on the same charon) the change of
/// one connection and the steps of one operation.
pub struct Sequential {
    pub load: EngineLoad,
    pub change_one: ChangeOne,
    pub steps: StepTimes,
}

/// Loads n connections one after the other into `charon` through an engine on `dir`,
/// then changes one of them and times the steps of one operation.
pub async fn sequential(charon: &Charon, dir: &Path, n: usize) -> Result<Sequential> {
    let gateway = setup::open(dir, charon).await?;
    let cpu = CpuMark::new(charon);
    let load = load_sequential(&gateway, n).await?;
    let cpu = cpu.finish(charon, load.wall);
    setup::check_loaded(charon, n).await?;
    let load = load.summary(n, &cpu, true);
    let change_one = change_one(&gateway, n).await?;
    // Where one operation's time goes (on the charon with n connections loaded).
    let steps = steps::breakdown(&gateway, charon, n).await?;
    Ok(Sequential {
        load,
        change_one,
        steps,
    })
}

/// Loads n connections with `tasks` concurrent tasks, on a fresh charon and config dir
/// `dir`.
pub async fn parallel(
    charon: &mut Charon,
    dir: &Path,
    n: usize,
    tasks: usize,
) -> Result<EngineLoad> {
    setup::restart_clean(charon)?;
    let gateway = Arc::new(setup::open(dir, charon).await?);
    let cpu = CpuMark::new(charon);
    let load = load_parallel(&gateway, n, tasks).await?;
    let cpu = cpu.finish(charon, load.wall);
    setup::check_loaded(charon, n).await?;
    Ok(load.summary(n, &cpu, false))
}

/// What loading n connections took: the whole, and each operation.
struct Load {
    wall: Duration,
    connection_ops: Vec<Duration>,
    subnet_ops: Vec<Duration>,
}

impl Load {
    fn new(n: usize) -> Self {
        Load {
            wall: Duration::ZERO,
            connection_ops: Vec::with_capacity(n),
            subnet_ops: Vec::with_capacity(2 * n),
        }
    }

    fn push(&mut self, (connection, subnets): (Duration, [Duration; 2])) {
        self.connection_ops.push(connection);
        self.subnet_ops.extend(subnets);
    }

    /// The figures of this load; `in_order` when the operations ran one after the other
    /// (then whether they get slower as charon fills up says something).
    fn summary(&self, n: usize, cpu: &CpuUse, in_order: bool) -> EngineLoad {
        let mut connection_ops = self.connection_ops.clone();
        let mut subnet_ops = self.subnet_ops.clone();
        let last_tenth_over_first = in_order.then(|| {
            let tenth = (2 * n / 10).max(1);
            let early: Duration = self.subnet_ops.iter().take(tenth).sum();
            let late: Duration = self.subnet_ops.iter().rev().take(tenth).sum();
            secs(late) / secs(early)
        });
        EngineLoad {
            wall_s: secs(self.wall),
            per_connection_ms: ms(self.wall) / n as f64,
            put_connection_median_ms: ms(percentile(&mut connection_ops, 50)),
            put_connection_p90_ms: ms(percentile(&mut connection_ops, 90)),
            create_remote_subnet_median_ms: ms(percentile(&mut subnet_ops, 50)),
            create_remote_subnet_p90_ms: ms(percentile(&mut subnet_ops, 90)),
            subnet_op_last_tenth_over_first_tenth: last_tenth_over_first,
            bench_cpu_s: cpu.own,
            child_processes_cpu_s: cpu.children,
            charon_cpu_s: cpu.charon,
        }
    }
}

/// What a Terraform apply does for connection `i`: the connection, then its subnets.
async fn create_one(gateway: &dyn Gateway, i: usize) -> Result<(Duration, [Duration; 2])> {
    let started = Instant::now();
    ops::put_connection(gateway, &connection_input(i, KEYLIFE), Mode::Create).await?;
    let connection = started.elapsed();
    let mut subnets = [Duration::ZERO; 2];
    for (slot, cidr) in subnets.iter_mut().zip(remote_subnets(i)) {
        let started = Instant::now();
        let input = RemoteSubnetInput {
            connection: conn_name(i),
            cidr,
        };
        ops::create_remote_subnet(gateway, &input).await?;
        *slot = started.elapsed();
    }
    Ok((connection, subnets))
}

async fn load_sequential(gateway: &dyn Gateway, n: usize) -> Result<Load> {
    let mut load = Load::new(n);
    let started = Instant::now();
    for i in 0..n {
        load.push(create_one(gateway, i).await?);
    }
    load.wall = started.elapsed();
    Ok(load)
}

async fn load_parallel(gateway: &Arc<StrongswanGateway>, n: usize, tasks: usize) -> Result<Load> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut handles = Vec::with_capacity(tasks);
    for _ in 0..tasks {
        let gateway = Arc::clone(gateway);
        let next = Arc::clone(&next);
        handles.push(tokio::spawn(async move {
            let mut ops = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return Ok::<_, BoxError>(ops);
                }
                ops.push(create_one(gateway.as_ref(), i).await?);
            }
        }));
    }
    let mut load = Load::new(n);
    for handle in handles {
        for op in handle.await?? {
            load.push(op);
        }
    }
    load.wall = started.elapsed();
    Ok(load)
}

/// Changes the phase 2 keylife of one connection among n, [`CHANGES`] times, and checks
/// that the last change is what charon runs.
async fn change_one(gateway: &StrongswanGateway, n: usize) -> Result<ChangeOne> {
    let changed = setup::changed(n);
    let mut changes = Vec::with_capacity(CHANGES);
    let mut keylife = KEYLIFE;
    for round in 0..CHANGES {
        keylife = setup::keylife_toggle(round).1;
        let started = Instant::now();
        ops::put_connection(gateway, &connection_input(changed, keylife), Mode::Update).await?;
        changes.push(started.elapsed());
    }
    let live = gateway
        .get(&setup::name(&conn_name(changed)))
        .await?
        .ok_or("the changed connection is gone")?;
    if i64::from(live.connection.phase2.keylife.seconds()) != keylife {
        return Err("the change of one connection did not stick".into());
    }
    Ok(ChangeOne {
        median_ms: ms(percentile(&mut changes, 50)),
        p90_ms: ms(percentile(&mut changes, 90)),
    })
}
