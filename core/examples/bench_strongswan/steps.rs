//! One engine operation broken into its steps (files, VICI commands, nft), each timed
//! on its own against the live charon, to show where an operation's time goes.

use std::path::Path;
use std::time::Instant;

use ipsec_core::engine::strongswan::bench::EngineSteps;
use ipsec_core::engine::StrongswanGateway;
use ipsec_core::Gateway;
use serde::{Serialize, Serializer};

use crate::measure::{ms, percentile};
use crate::setup::{self, conn_name, CHANGED_KEYLIFE, KEYLIFE};
use crate::Result;
use ipsec_test_support::charon::Charon;

/// Samples per step.
pub const STEP_SAMPLES: usize = 20;

/// A step of one engine operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    ViciConnectVersion,
    FilesGetParse,
    ViciListConn,
    ViciGetConns,
    FilesPutFsync,
    RenderAndParseMessages,
    ViciLoadShared,
    ViciLoadConn,
    ViciTerminateChild,
    NftReplaceNone,
    SpawnIpNetnsExecTrue,
    WriteFsyncRenameSyncdir,
}

impl Step {
    /// Every step, in the order they are timed and reported.
    pub const ALL: [Step; 12] = [
        Step::ViciConnectVersion,
        Step::FilesGetParse,
        Step::ViciListConn,
        Step::ViciGetConns,
        Step::FilesPutFsync,
        Step::RenderAndParseMessages,
        Step::ViciLoadShared,
        Step::ViciLoadConn,
        Step::ViciTerminateChild,
        Step::NftReplaceNone,
        Step::SpawnIpNetnsExecTrue,
        Step::WriteFsyncRenameSyncdir,
    ];

    /// The name as the figures (`step_<name>_median_ms`) spell it.
    pub fn name(self) -> &'static str {
        match self {
            Step::ViciConnectVersion => "vici_connect_version",
            Step::FilesGetParse => "files_get_parse",
            Step::ViciListConn => "vici_list_conn",
            Step::ViciGetConns => "vici_get_conns",
            Step::FilesPutFsync => "files_put_fsync",
            Step::RenderAndParseMessages => "render_and_parse_messages",
            Step::ViciLoadShared => "vici_load_shared",
            Step::ViciLoadConn => "vici_load_conn",
            Step::ViciTerminateChild => "vici_terminate_child",
            Step::NftReplaceNone => "nft_replace_none",
            Step::SpawnIpNetnsExecTrue => "spawn_ip_netns_exec_true",
            Step::WriteFsyncRenameSyncdir => "write_fsync_rename_syncdir",
        }
    }
}

impl Serialize for Step {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// The median time of one step.
#[derive(Debug, Serialize)]
pub struct StepTime {
    pub step: Step,
    pub median_ms: f64,
}

/// The median time of every step, in the order of [`Step::ALL`].
#[derive(Debug, Default, Serialize)]
pub struct StepTimes(pub Vec<StepTime>);

impl StepTimes {
    /// The sum of the medians of `steps`, in ms: what an operation made of them costs.
    pub fn sum_ms(&self, steps: &[Step]) -> f64 {
        self.0
            .iter()
            .filter(|t| steps.contains(&t.step))
            .map(|t| t.median_ms)
            .sum()
    }
}

/// The steps of one engine operation, each timed on its own against the live charon
/// (n connections loaded), with the engine's own pieces. The steps take turns (round by
/// round) so that a busy moment of the host or the disk falls on all of them alike.
/// Every VICI step includes opening its connection, as the engine opens one per command.
pub async fn breakdown(
    gateway: &StrongswanGateway,
    charon: &Charon,
    n: usize,
) -> Result<StepTimes> {
    let i = n / 2 + 1;
    let conn = setup::name(&conn_name(i));
    let contexts = [
        setup::context(i, CHANGED_KEYLIFE)?,
        setup::context(i, KEYLIFE)?,
    ];
    let messages = [
        EngineSteps::messages(&contexts[0])?,
        EngineSteps::messages(&contexts[1])?,
    ];
    let engine = setup::engine_steps(charon)?;
    let files = gateway.files();
    let scratch = files
        .config_dir()
        .parent()
        .ok_or("config dir has no parent")?
        .join("fsync-probe");
    std::fs::create_dir_all(&scratch)?;
    let mut times = vec![Vec::with_capacity(STEP_SAMPLES); Step::ALL.len()];
    for round in 0..STEP_SAMPLES {
        let variant = round % 2;
        let (context, messages) = (&contexts[variant], &messages[variant]);
        for (k, step) in Step::ALL.into_iter().enumerate() {
            let started = Instant::now();
            match step {
                Step::ViciConnectVersion => engine.connect().await?,
                Step::FilesGetParse => drop(files.get(&conn).await?),
                Step::ViciListConn => drop(engine.list_conn(&conn).await?),
                Step::ViciGetConns => drop(engine.loaded_conns().await?),
                Step::FilesPutFsync => files.put(context).await?,
                Step::RenderAndParseMessages => drop(EngineSteps::messages(context)?),
                Step::ViciLoadShared => engine.load_shared(context, messages).await?,
                Step::ViciLoadConn => engine.load_conn(messages).await?,
                Step::ViciTerminateChild => engine.terminate_child(&conn).await?,
                Step::NftReplaceNone => engine.remove_nat(&conn).await?,
                Step::SpawnIpNetnsExecTrue => spawn_true(charon).await?,
                Step::WriteFsyncRenameSyncdir => {
                    let scratch = scratch.clone();
                    tokio::task::spawn_blocking(move || fsync_probe(&scratch, round)).await??
                }
            }
            times[k].push(started.elapsed());
        }
    }
    // Leave the files and charon as they were (the stored and the live context agree).
    files.put(&contexts[1]).await?;
    engine.load_conn(&messages[1]).await?;
    Ok(StepTimes(
        Step::ALL
            .into_iter()
            .zip(&mut times)
            .map(|(step, times)| StepTime {
                step,
                median_ms: ms(percentile(times, 50)),
            })
            .collect(),
    ))
}

/// What starting a process in charon's namespace costs (as `nft` is started).
async fn spawn_true(charon: &Charon) -> Result<()> {
    let status = tokio::process::Command::new("ip")
        .args(["netns", "exec", charon.netns(), "true"])
        .status()
        .await?;
    if !status.success() {
        return Err("ip netns exec true failed".into());
    }
    Ok(())
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
