//! Benchmark: the `strongswan` engine on a live charon against `swanctl --load-all`.
//!
//! 1. Starts a charon in a private network and mount namespace and, through the engine,
//!    creates N connections (`c0000`, …) the way a Terraform apply does: one
//!    `put_connection`, then two `create_remote_subnet`, per connection; sequentially,
//!    and (on a fresh charon and config dir) with 10 concurrent tasks.
//! 2. Changes one connection's phase 2 keylife through the engine, 20 times.
//! 3. Breaks one engine operation into its steps (files, VICI commands, nft) and times
//!    each, to show where the time goes.
//! 4. The anchor: the same generated files loaded by `swanctl --load-all` into a fresh
//!    charon (cold), again with everything loaded (warm), and after changing one file.
//!
//! Figures go to stdout as JSON lines (`{"figure":…,"value":…}`), a summary to stderr.
//!
//! `CARGO_TARGET_DIR=/work/target-h4 cargo run --release -p ipsec-core --example bench_strongswan`
//!
//! Needs root, strongSwan (charon, swanctl) and nftables. `BENCH_CONNECTIONS` changes N
//! (default 1000).

#[allow(dead_code)] // the benchmark uses part of the test helper
#[path = "../tests/common/charon.rs"]
mod charon;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use charon::Charon;
use ipsec_core::engine::strongswan::message::{load_messages, secret_id};
use ipsec_core::engine::strongswan::nft::Nft;
use ipsec_core::engine::strongswan::vici::Vici;
use ipsec_core::engine::strongswan::ViciUri;
use ipsec_core::engine::StrongswanGateway;
use ipsec_core::gateway::ops::{self, Mode};
use ipsec_core::model::{Cidr, ConnectionName, Context, NatTable};
use ipsec_core::validate::{validate_connection, ConnectionInput, PhaseInput, RemoteSubnetInput};
use ipsec_core::Gateway;

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Result<T, E = BoxError> = std::result::Result<T, E>;

/// Terraform's default parallelism.
const PARALLELISM: usize = 10;
/// Changes of one connection through the engine.
const CHANGES: usize = 20;
/// Samples per step of the breakdown.
const STEP_SAMPLES: usize = 20;
/// Runs of each `swanctl --load-all` figure.
const ANCHOR_RUNS: usize = 3;
/// Runs of `swanctl --load-all` after changing one file.
const ANCHOR_CHANGE_RUNS: usize = 5;
/// Phase 2 keylives the changed connection alternates between.
const KEYLIFE: i64 = 3600;
const CHANGED_KEYLIFE: i64 = 1800;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bench_strongswan failed: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<()> {
    let n: usize = match std::env::var("BENCH_CONNECTIONS") {
        Ok(raw) => raw.parse()?,
        Err(_) => 1000,
    };
    if !(2..=16000).contains(&n) {
        return Err(format!("BENCH_CONNECTIONS must be 2..=16000, not {n}").into());
    }
    // Dropped (namespace, charon and files removed) on every way out, panics included.
    let tmp = tempfile::Builder::new()
        .prefix("bench-strongswan-")
        .tempdir()?;
    let charon_dir = tmp.path().join("charon");
    std::fs::create_dir(&charon_dir)?;
    let mut charon = Charon::start(&charon_dir);
    let mut figures = Figures::default();
    // Other work on the host skews every figure: say how busy it was.
    figures.add("host_loadavg_1m_at_start", loadavg());

    // 1a. Sequential load through the engine.
    let seq_dir = tmp.path().join("engine-seq");
    let gateway = Arc::new(open(&seq_dir, &charon).await?);
    let cpu = CpuMark::new(&charon);
    let load = load_sequential(gateway.as_ref(), n).await?;
    let cpu = cpu.finish(&charon, load.wall);
    check_loaded(&charon, n).await?;
    figures.load("sequential", n, &load, &cpu);

    // 2. Change one connection among n.
    let changed = n / 2;
    let mut changes = Vec::with_capacity(CHANGES);
    for round in 0..CHANGES {
        let keylife = if round % 2 == 0 {
            CHANGED_KEYLIFE
        } else {
            KEYLIFE
        };
        let started = Instant::now();
        ops::put_connection(
            gateway.as_ref(),
            &connection_input(changed, keylife),
            Mode::Update,
        )
        .await?;
        changes.push(started.elapsed());
    }
    let live = gateway
        .get(&name(&conn_name(changed)))
        .await?
        .ok_or("the changed connection is gone")?;
    if i64::from(live.connection.phase2.keylife.seconds()) != keylife_after(CHANGES) {
        return Err("the change of one connection did not stick".into());
    }
    let change_median = percentile(&mut changes, 50);
    let change_p90 = percentile(&mut changes, 90);
    figures.add("engine_change_one_median_ms", ms(change_median));
    figures.add("engine_change_one_p90_ms", ms(change_p90));

    // 3. Where one operation's time goes (on the charon with n connections loaded).
    let steps = breakdown(&gateway, &charon, n).await?;
    for (step, duration) in &steps {
        figures.add(&format!("step_{step}_median_ms"), ms(*duration));
    }
    // What the engine does per operation (mod.rs: modify, put_live, load), from the steps.
    let step = |names: &[&str]| -> f64 {
        steps
            .iter()
            .filter(|(s, _)| names.contains(s))
            .map(|(_, d)| ms(*d))
            .sum()
    };
    let common = [
        "files_get_parse",
        "files_put_fsync",
        "render_and_parse_messages",
        "vici_load_shared",
        "vici_load_conn",
    ];
    figures.add(
        "model_put_connection_create_ms",
        step(&common) + step(&["nft_replace_none"]),
    );
    figures.add(
        "model_create_remote_subnet_or_change_one_ms",
        step(&common) + step(&["vici_list_conn", "vici_terminate_child"]),
    );
    drop(gateway);

    // 1b. Parallel load through the engine, on a fresh charon and config dir.
    restart_clean(&mut charon)?;
    let par_dir = tmp.path().join("engine-par");
    let gateway = Arc::new(open(&par_dir, &charon).await?);
    let cpu = CpuMark::new(&charon);
    let load = load_parallel(&gateway, n, PARALLELISM).await?;
    let cpu = cpu.finish(&charon, load.wall);
    check_loaded(&charon, n).await?;
    figures.load(&format!("parallel{PARALLELISM}"), n, &load, &cpu);
    drop(gateway);

    // 4. The anchor: swanctl --load-all on the same generated files.
    let swanctl_dir = tmp.path().join("swanctl");
    let conf_d = swanctl_dir.join("conf.d");
    std::fs::create_dir_all(&conf_d)?;
    let mut copied = 0;
    for entry in std::fs::read_dir(par_dir.join("swanctl/conf.d"))? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().ends_with(".conf") {
            std::fs::copy(entry.path(), conf_d.join(entry.file_name()))?;
            copied += 1;
        }
    }
    if copied != n {
        return Err(format!("the engine wrote {copied} swanctl files, not {n}").into());
    }
    let swanctl_conf = swanctl_dir.join("swanctl.conf");
    std::fs::write(&swanctl_conf, "include conf.d/*.conf\n")?;
    let swanctl = Swanctl {
        dir: swanctl_dir,
        conf: swanctl_conf,
        uri: charon.vici_uri(),
    };

    let mut cold = Vec::new();
    let mut cold_cpu = Vec::new();
    for _ in 0..ANCHOR_RUNS {
        restart_clean(&mut charon)?;
        let cpu = CpuMark::new(&charon);
        let run = swanctl.load_all(n)?;
        cold_cpu.push(cpu.finish(&charon, run));
        cold.push(run);
        check_loaded(&charon, n).await?;
    }
    let mut warm = Vec::new();
    for _ in 0..ANCHOR_RUNS {
        warm.push(swanctl.load_all(n)?);
    }
    let changed_file = swanctl
        .dir
        .join("conf.d")
        .join(format!("{}.conf", conn_name(changed)));
    let mut after_change = Vec::new();
    for round in 0..ANCHOR_CHANGE_RUNS {
        let (from, to) = if round % 2 == 0 {
            (KEYLIFE, CHANGED_KEYLIFE)
        } else {
            (CHANGED_KEYLIFE, KEYLIFE)
        };
        toggle_keylife(&changed_file, from, to)?;
        after_change.push(swanctl.load_all(n)?);
    }
    let mut load_conns_after_change = Vec::new();
    for round in 0..ANCHOR_CHANGE_RUNS {
        let (from, to) = if (ANCHOR_CHANGE_RUNS + round) % 2 == 0 {
            (KEYLIFE, CHANGED_KEYLIFE)
        } else {
            (CHANGED_KEYLIFE, KEYLIFE)
        };
        toggle_keylife(&changed_file, from, to)?;
        load_conns_after_change.push(swanctl.run(&["--load-conns"], None)?);
    }
    let cold_median = percentile(&mut cold, 50);
    let warm_median = percentile(&mut warm, 50);
    let change_all_median = percentile(&mut after_change, 50);
    let change_conns_median = percentile(&mut load_conns_after_change, 50);
    cold_cpu.sort_by_key(|cpu| cpu.wall);
    let cold_cpu = &cold_cpu[cold_cpu.len() / 2];
    figures.add(&format!("swanctl_load_all_{n}_cold_s"), secs(cold_median));
    figures.add(
        &format!("swanctl_load_all_{n}_cold_charon_cpu_s"),
        cold_cpu.charon,
    );
    figures.add(
        &format!("swanctl_load_all_{n}_cold_swanctl_cpu_s"),
        cold_cpu.children,
    );
    figures.add(&format!("swanctl_load_all_{n}_warm_s"), secs(warm_median));
    figures.add("swanctl_load_all_change_one_s", secs(change_all_median));
    figures.add("swanctl_load_conns_change_one_s", secs(change_conns_median));

    // Ratios and targets.
    let speedup = secs(change_all_median) / secs(change_median);
    let seq = figures.value(&format!("engine_load_{n}_sequential_s"));
    let par = figures.value(&format!("engine_load_{n}_parallel{PARALLELISM}_s"));
    let cold_s = secs(cold_median);
    figures.add("ratio_change_one_swanctl_over_engine", speedup);
    figures.add(
        "ratio_load_engine_sequential_over_swanctl_cold",
        seq / cold_s,
    );
    figures.add(
        &format!("ratio_load_engine_parallel{PARALLELISM}_over_swanctl_cold"),
        par / cold_s,
    );
    figures.add(
        "ratio_load_engine_sequential_over_swanctl_warm",
        seq / secs(warm_median),
    );

    figures.add("host_loadavg_1m_at_end", loadavg());
    charon.stop();
    drop(charon);
    figures.summary(n, &steps);
    eprintln!(
        "targets: change one >= 10x faster than swanctl --load-all: {:.1}x ({}); \
         load all no slower than swanctl --load-all (cold): sequential {:.2}x ({}), parallel {:.2}x ({})",
        speedup,
        met(speedup >= 10.0),
        seq / cold_s,
        met(seq <= cold_s),
        par / cold_s,
        met(par <= cold_s),
    );
    Ok(())
}

fn met(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "MISSED"
    }
}

// ---------------------------------------------------------------------------------
// Inputs

fn conn_name(i: usize) -> String {
    format!("c{i:04}")
}

fn name(raw: &str) -> ConnectionName {
    ConnectionName::parse(raw).expect("benchmark names are valid")
}

fn phase(keylife: i64) -> PhaseInput {
    PhaseInput {
        encryption: Some("AES256".into()),
        authentication: Some("SHA256".into()),
        dh_group: Some(14),
        keylife: Some(keylife),
    }
}

/// Connection `i`: its own peer (198.18.0.0/15) and local subnet (10.0.0.0/8).
fn connection_input(i: usize, phase2_keylife: i64) -> ConnectionInput {
    ConnectionInput {
        name: conn_name(i),
        peer_address: format!("198.18.{}.{}", i / 250, i % 250 + 1),
        preshared_key: Some(format!("bench-only-key-{i:04}-not-a-secret")),
        phase1: phase(28800),
        phase2: phase(phase2_keylife),
        perfect_forward_secrecy: Some(true),
        local_subnets: vec![format!("10.{}.{}.0/24", i / 256, i % 256)],
        start_action: Some("trap".into()),
        ..ConnectionInput::default()
    }
}

/// The two remote subnets of connection `i` (in 100.64.0.0/10).
fn remote_subnets(i: usize) -> [String; 2] {
    let (a, b) = (64 + i / 256, i % 256);
    [format!("100.{a}.{b}.0/25"), format!("100.{a}.{b}.128/25")]
}

/// The whole context of connection `i`, as the operations leave it.
fn context(i: usize, phase2_keylife: i64) -> Result<Context> {
    let (connection, diags) = validate_connection(&connection_input(i, phase2_keylife));
    let connection = connection.ok_or_else(|| format!("invalid benchmark input:\n{diags}"))?;
    let mut context = Context::new(connection);
    for cidr in remote_subnets(i) {
        context
            .remote_subnets
            .insert(Cidr::parse(&cidr).map_err(|p| p.detail)?);
    }
    Ok(context)
}

fn keylife_after(changes: usize) -> i64 {
    if changes % 2 == 1 {
        CHANGED_KEYLIFE
    } else {
        KEYLIFE
    }
}

// ---------------------------------------------------------------------------------
// The engine

async fn open(dir: &Path, charon: &Charon) -> Result<StrongswanGateway> {
    let uri = ViciUri::parse(&charon.vici_uri()).ok_or("bad VICI URI")?;
    Ok(StrongswanGateway::open(
        dir,
        NatTable::default(),
        uri,
        Some(charon.netns().to_owned()),
    )
    .await?)
}

/// What loading n connections took: the whole, and each operation.
struct Load {
    wall: Duration,
    connection_ops: Vec<Duration>,
    subnet_ops: Vec<Duration>,
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
    let mut load = Load {
        wall: Duration::ZERO,
        connection_ops: Vec::with_capacity(n),
        subnet_ops: Vec::with_capacity(2 * n),
    };
    let started = Instant::now();
    for i in 0..n {
        let (connection, subnets) = create_one(gateway, i).await?;
        load.connection_ops.push(connection);
        load.subnet_ops.extend(subnets);
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
    let mut load = Load {
        wall: Duration::ZERO,
        connection_ops: Vec::with_capacity(n),
        subnet_ops: Vec::with_capacity(2 * n),
    };
    for handle in handles {
        for (connection, subnets) in handle.await?? {
            load.connection_ops.push(connection);
            load.subnet_ops.extend(subnets);
        }
    }
    load.wall = started.elapsed();
    Ok(load)
}

async fn check_loaded(charon: &Charon, n: usize) -> Result<()> {
    let vici = Vici::new(ViciUri::parse(&charon.vici_uri()).ok_or("bad VICI URI")?);
    let loaded = vici.loaded_conns().await?.len();
    if loaded != n {
        return Err(format!("charon has {loaded} connections loaded, not {n}").into());
    }
    Ok(())
}

/// The steps of one engine operation, timed in [`breakdown`].
const STEPS: [&str; 12] = [
    "vici_connect_version",
    "files_get_parse",
    "vici_list_conn",
    "vici_get_conns",
    "files_put_fsync",
    "render_and_parse_messages",
    "vici_load_shared",
    "vici_load_conn",
    "vici_terminate_child",
    "nft_replace_none",
    "spawn_ip_netns_exec_true",
    "write_fsync_rename_syncdir",
];

/// The steps of one engine operation, each timed on its own against the live charon
/// (n connections loaded), with the same public pieces the engine is built from. The
/// steps take turns (round by round) so that a busy moment of the host or the disk
/// falls on all of them alike. Every VICI step includes opening its connection, as the
/// engine opens one per command.
async fn breakdown(
    gateway: &StrongswanGateway,
    charon: &Charon,
    n: usize,
) -> Result<Vec<(&'static str, Duration)>> {
    let i = n / 2 + 1;
    let conn = name(&conn_name(i));
    let contexts = [context(i, CHANGED_KEYLIFE)?, context(i, KEYLIFE)?];
    let messages = [load_messages(&contexts[0])?, load_messages(&contexts[1])?];
    let key = contexts[0].connection.preshared_key.expose().to_owned();
    let vici = Vici::new(ViciUri::parse(&charon.vici_uri()).ok_or("bad VICI URI")?);
    let nft = Nft::new(Some(charon.netns().to_owned()), NatTable::default());
    let files = gateway.files();
    let scratch = files
        .config_dir()
        .parent()
        .ok_or("config dir has no parent")?
        .join("fsync-probe");
    std::fs::create_dir_all(&scratch)?;
    let mut times = vec![Vec::with_capacity(STEP_SAMPLES); STEPS.len()];
    for round in 0..STEP_SAMPLES {
        let variant = round % 2;
        for (k, step) in STEPS.iter().enumerate() {
            let started = Instant::now();
            match *step {
                "vici_connect_version" => vici.ping().await?,
                "files_get_parse" => drop(files.get(&conn).await?),
                "vici_list_conn" => drop(vici.list_conn(conn.as_str()).await?),
                "vici_get_conns" => drop(vici.loaded_conns().await?),
                "files_put_fsync" => files.put(&contexts[variant]).await?,
                "render_and_parse_messages" => drop(load_messages(&contexts[variant])?),
                "vici_load_shared" => {
                    let owners = &messages[variant].owners;
                    vici.load_shared(&secret_id(&conn), &key, owners).await?
                }
                "vici_load_conn" => vici.load_conn(&messages[variant].conn).await?,
                "vici_terminate_child" => {
                    vici.terminate(conn.as_str(), Some(conn.as_str()), false)
                        .await?
                }
                "nft_replace_none" => nft.replace(&conn, None).await?,
                "spawn_ip_netns_exec_true" => {
                    let status = tokio::process::Command::new("ip")
                        .args(["netns", "exec", charon.netns(), "true"])
                        .status()
                        .await?;
                    if !status.success() {
                        return Err("ip netns exec true failed".into());
                    }
                }
                "write_fsync_rename_syncdir" => {
                    let scratch = scratch.clone();
                    tokio::task::spawn_blocking(move || fsync_probe(&scratch, round)).await??
                }
                other => return Err(format!("no step {other}").into()),
            }
            times[k].push(started.elapsed());
        }
    }
    // Leave the files and charon as they were (the stored and the live context agree).
    files.put(&contexts[1]).await?;
    vici.load_conn(&messages[1].conn).await?;
    Ok(STEPS
        .iter()
        .zip(&mut times)
        .map(|(step, times)| (*step, percentile(times, 50)))
        .collect())
}

/// What committing one file costs on this disk: write, fsync, rename, fsync the dir.
fn fsync_probe(dir: &Path, round: usize) -> std::io::Result<()> {
    use std::io::Write;
    let temp = dir.join(".probe.tmp");
    let mut file = std::fs::File::create(&temp)?;
    file.write_all(format!("probe {round}\n").repeat(40).as_bytes())?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&temp, dir.join("probe.conf"))?;
    std::fs::File::open(dir)?.sync_all()
}

// ---------------------------------------------------------------------------------
// charon and swanctl

/// Stops charon, drops the kernel policies it left (a killed charon does not remove its
/// trap policies) and starts an empty charon in the same namespace.
fn restart_clean(charon: &mut Charon) -> Result<()> {
    charon.stop();
    for what in ["policy", "state"] {
        let status = Command::new("ip")
            .args(["netns", "exec", charon.netns(), "ip", "xfrm", what, "flush"])
            .status()?;
        if !status.success() {
            return Err(format!("ip xfrm {what} flush failed").into());
        }
    }
    charon.restart();
    Ok(())
}

struct Swanctl {
    dir: PathBuf,
    conf: PathBuf,
    uri: String,
}

impl Swanctl {
    /// `swanctl --load-all` of the n files; answers its wall time.
    fn load_all(&self, n: usize) -> Result<Duration> {
        self.run(
            &["--load-all"],
            Some(&format!("successfully loaded {n} connections")),
        )
    }

    /// Runs swanctl on the benchmark's swanctl.conf (and swanctl dir, for credentials);
    /// requires success and, if given, `expect` in its output.
    fn run(&self, args: &[&str], expect: Option<&str>) -> Result<Duration> {
        let conf = self.conf.to_str().ok_or("non-UTF-8 temp path")?;
        let started = Instant::now();
        let output = Command::new("swanctl")
            .args(args)
            .args(["--file", conf, "--uri", &self.uri])
            .env("SWANCTL_DIR", &self.dir)
            .output()?;
        let elapsed = started.elapsed();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        if !output.status.success() || expect.is_some_and(|e| !text.contains(e)) {
            let tail: String = text.lines().rev().take(10).collect::<Vec<_>>().join("\n");
            return Err(
                format!("swanctl {args:?} failed or did not load everything:\n{tail}").into(),
            );
        }
        Ok(elapsed)
    }
}

fn toggle_keylife(file: &Path, from: i64, to: i64) -> Result<()> {
    let text = std::fs::read_to_string(file)?;
    let old = format!("rekey_time = {from}s");
    if !text.contains(&old) {
        return Err(format!("{} has no {old:?}", file.display()).into());
    }
    std::fs::write(file, text.replace(&old, &format!("rekey_time = {to}s")))?;
    Ok(())
}

// ---------------------------------------------------------------------------------
// CPU accounting

/// CPU seconds (user + system) from /proc: this process, its waited-for children (nft,
/// ip, swanctl) and charon.
struct CpuMark {
    own: f64,
    children: f64,
    charon: f64,
}

struct CpuUse {
    wall: Duration,
    own: f64,
    children: f64,
    charon: f64,
}

impl CpuMark {
    fn new(charon: &Charon) -> Self {
        let (own, children) = proc_cpu("self").unwrap_or_default();
        Self {
            own,
            children,
            charon: charon_cpu(charon),
        }
    }

    fn finish(self, charon: &Charon, wall: Duration) -> CpuUse {
        let (own, children) = proc_cpu("self").unwrap_or_default();
        CpuUse {
            wall,
            own: own - self.own,
            children: children - self.children,
            charon: charon_cpu(charon) - self.charon,
        }
    }
}

/// (own, waited-for children) CPU seconds of /proc/<pid>.
fn proc_cpu(pid: &str) -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<f64> = stat
        .rsplit_once(')')?
        .1
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0.0))
        .collect();
    // After the command: state is field 3, utime 14, stime 15, cutime 16, cstime 17.
    let tick = 100.0;
    Some((
        (fields.get(11)? + fields.get(12)?) / tick,
        (fields.get(13)? + fields.get(14)?) / tick,
    ))
}

/// The host's 1-minute load average (2 cores here: above 2, the benchmark shares them).
fn loadavg() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

/// CPU seconds of the processes in charon's namespace (charon itself).
fn charon_cpu(charon: &Charon) -> f64 {
    let Ok(output) = Command::new("ip")
        .args(["netns", "pids", charon.netns()])
        .output()
    else {
        return 0.0;
    };
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .filter_map(|pid| proc_cpu(pid).map(|(own, _)| own))
        .sum()
}

// ---------------------------------------------------------------------------------
// Figures

#[derive(Default)]
struct Figures {
    values: Vec<(String, f64)>,
}

impl Figures {
    fn add(&mut self, figure: &str, value: f64) {
        let value = (value * 10_000.0).round() / 10_000.0;
        println!(
            "{}",
            serde_json::json!({ "figure": figure, "value": value })
        );
        self.values.push((figure.to_owned(), value));
    }

    fn value(&self, figure: &str) -> f64 {
        self.values
            .iter()
            .find(|(f, _)| f == figure)
            .map_or(f64::NAN, |(_, v)| *v)
    }

    fn load(&mut self, how: &str, n: usize, load: &Load, cpu: &CpuUse) {
        let mut connection_ops = load.connection_ops.clone();
        let mut subnet_ops = load.subnet_ops.clone();
        self.add(&format!("engine_load_{n}_{how}_s"), secs(load.wall));
        self.add(
            &format!("engine_load_{how}_per_connection_ms"),
            ms(load.wall) / n as f64,
        );
        self.add(
            &format!("engine_load_{how}_put_connection_median_ms"),
            ms(percentile(&mut connection_ops, 50)),
        );
        self.add(
            &format!("engine_load_{how}_put_connection_p90_ms"),
            ms(percentile(&mut connection_ops, 90)),
        );
        self.add(
            &format!("engine_load_{how}_create_remote_subnet_median_ms"),
            ms(percentile(&mut subnet_ops, 50)),
        );
        self.add(
            &format!("engine_load_{how}_create_remote_subnet_p90_ms"),
            ms(percentile(&mut subnet_ops, 90)),
        );
        // Sequentially the operations are in order: do they get slower as charon fills up?
        if how == "sequential" {
            let tenth = (2 * n / 10).max(1);
            let early: Duration = load.subnet_ops.iter().take(tenth).sum();
            let late: Duration = load.subnet_ops.iter().rev().take(tenth).sum();
            self.add(
                "engine_load_sequential_subnet_op_last_tenth_over_first_tenth",
                secs(late) / secs(early),
            );
        }
        self.add(&format!("engine_load_{how}_bench_cpu_s"), cpu.own);
        self.add(
            &format!("engine_load_{how}_child_processes_cpu_s"),
            cpu.children,
        );
        self.add(&format!("engine_load_{how}_charon_cpu_s"), cpu.charon);
    }

    fn summary(&self, n: usize, steps: &[(&str, Duration)]) {
        let v = |f: &str| self.value(f);
        let p = PARALLELISM;
        eprintln!("\n== strongswan engine vs swanctl --load-all, {n} connections (1 local, 2 remote subnets, trap) ==");
        eprintln!(
            "host load average (1 min): {:.2} at start, {:.2} at end",
            v("host_loadavg_1m_at_start"),
            v("host_loadavg_1m_at_end")
        );
        for how in ["sequential".to_owned(), format!("parallel{p}")] {
            eprintln!(
                "engine load {n} ({how}): {:.2} s = {:.2} ms/connection; put_connection median {:.2} ms, \
                 create_remote_subnet median {:.2} ms (p90 {:.2})",
                v(&format!("engine_load_{n}_{how}_s")),
                v(&format!("engine_load_{how}_per_connection_ms")),
                v(&format!("engine_load_{how}_put_connection_median_ms")),
                v(&format!("engine_load_{how}_create_remote_subnet_median_ms")),
                v(&format!("engine_load_{how}_create_remote_subnet_p90_ms")),
            );
            eprintln!(
                "    cpu: bench {:.2} s, nft/ip children {:.2} s, charon {:.2} s",
                v(&format!("engine_load_{how}_bench_cpu_s")),
                v(&format!("engine_load_{how}_child_processes_cpu_s")),
                v(&format!("engine_load_{how}_charon_cpu_s")),
            );
        }
        eprintln!(
            "sequential subnet ops, last tenth / first tenth: {:.2}x",
            v("engine_load_sequential_subnet_op_last_tenth_over_first_tenth")
        );
        eprintln!(
            "engine change one (of {n}): median {:.2} ms, p90 {:.2} ms ({CHANGES} runs)",
            v("engine_change_one_median_ms"),
            v("engine_change_one_p90_ms"),
        );
        eprintln!(
            "one engine operation, step by step (median of {STEP_SAMPLES}, {n} loaded); modelled: \
             put_connection (create) {:.2} ms, create_remote_subnet / change one {:.2} ms",
            v("model_put_connection_create_ms"),
            v("model_create_remote_subnet_or_change_one_ms"),
        );
        for (step, duration) in steps {
            eprintln!("    {step:<28} {:>8.3} ms", ms(*duration));
        }
        eprintln!(
            "swanctl --load-all of {n}: cold (fresh charon) {:.3} s [charon cpu {:.2} s, swanctl cpu {:.2} s], \
             warm (all loaded) {:.3} s (median of {ANCHOR_RUNS})",
            v(&format!("swanctl_load_all_{n}_cold_s")),
            v(&format!("swanctl_load_all_{n}_cold_charon_cpu_s")),
            v(&format!("swanctl_load_all_{n}_cold_swanctl_cpu_s")),
            v(&format!("swanctl_load_all_{n}_warm_s")),
        );
        eprintln!(
            "swanctl after changing one file: --load-all {:.3} s, --load-conns {:.3} s (median of {ANCHOR_CHANGE_RUNS})",
            v("swanctl_load_all_change_one_s"),
            v("swanctl_load_conns_change_one_s"),
        );
        eprintln!(
            "ratios: change one swanctl/engine {:.1}x; load engine/swanctl-cold sequential {:.2}x, parallel{p} {:.2}x; \
             sequential/swanctl-warm {:.2}x",
            v("ratio_change_one_swanctl_over_engine"),
            v("ratio_load_engine_sequential_over_swanctl_cold"),
            v(&format!("ratio_load_engine_parallel{p}_over_swanctl_cold")),
            v("ratio_load_engine_sequential_over_swanctl_warm"),
        );
    }
}

/// Nearest-rank percentile (sorts `times`).
fn percentile(times: &mut [Duration], pct: usize) -> Duration {
    if times.is_empty() {
        return Duration::ZERO;
    }
    times.sort();
    let rank = (pct * times.len()).div_ceil(100).max(1);
    times[rank - 1]
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
