//! The anchor: `swanctl --load-all` of the files the engine wrote, into a fresh charon
//! (cold), into one with everything loaded (warm), and after changing one file.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::measure::{percentile, secs, CpuMark};
use crate::report::Anchor;
use crate::setup::{self, conn_name};
use crate::Result;
use ipsec_test_support::charon::Charon;

/// Runs of each `swanctl --load-all` figure.
pub const ANCHOR_RUNS: usize = 3;
/// Runs of `swanctl --load-all` after changing one file.
pub const ANCHOR_CHANGE_RUNS: usize = 5;

/// Copies the n swanctl files the engine wrote under `engine_dir` into `dir` and times
/// swanctl loading them into `charon`.
pub async fn anchor(
    charon: &mut Charon,
    engine_dir: &Path,
    dir: &Path,
    n: usize,
) -> Result<Anchor> {
    let swanctl = Swanctl::copy_from(engine_dir, dir, n, charon.vici_uri())?;

    let mut cold = Vec::new();
    let mut cold_cpu = Vec::new();
    for _ in 0..ANCHOR_RUNS {
        setup::restart_clean(charon)?;
        let cpu = CpuMark::new(charon);
        let run = swanctl.load_all(n)?;
        cold_cpu.push(cpu.finish(charon, run));
        cold.push(run);
        setup::check_loaded(charon, n).await?;
    }
    let mut warm = Vec::new();
    for _ in 0..ANCHOR_RUNS {
        warm.push(swanctl.load_all(n)?);
    }
    let changed_file = swanctl
        .dir
        .join("conf.d")
        .join(format!("{}.conf", conn_name(setup::changed(n))));
    let mut after_change = Vec::new();
    for round in 0..ANCHOR_CHANGE_RUNS {
        toggle_keylife(&changed_file, setup::keylife_toggle(round))?;
        after_change.push(swanctl.load_all(n)?);
    }
    let mut load_conns_after_change = Vec::new();
    for round in 0..ANCHOR_CHANGE_RUNS {
        toggle_keylife(
            &changed_file,
            setup::keylife_toggle(ANCHOR_CHANGE_RUNS + round),
        )?;
        load_conns_after_change.push(swanctl.run(&["--load-conns"], None)?);
    }
    cold_cpu.sort_by_key(|cpu| cpu.wall);
    let cold_cpu = &cold_cpu[cold_cpu.len() / 2];
    Ok(Anchor {
        cold_s: secs(percentile(&mut cold, 50)),
        cold_charon_cpu_s: cold_cpu.charon,
        cold_swanctl_cpu_s: cold_cpu.children,
        warm_s: secs(percentile(&mut warm, 50)),
        load_all_change_one_s: secs(percentile(&mut after_change, 50)),
        load_conns_change_one_s: secs(percentile(&mut load_conns_after_change, 50)),
    })
}

/// swanctl on its own swanctl dir, against the benchmark's charon.
struct Swanctl {
    dir: PathBuf,
    conf: PathBuf,
    uri: String,
}

impl Swanctl {
    /// A swanctl dir `dir` holding a copy of the n connection files under `engine_dir`.
    fn copy_from(engine_dir: &Path, dir: &Path, n: usize, uri: String) -> Result<Self> {
        let conf_d = dir.join("conf.d");
        std::fs::create_dir_all(&conf_d)?;
        let mut copied = 0;
        for entry in std::fs::read_dir(engine_dir.join("swanctl/conf.d"))? {
            let entry = entry?;
            if entry.file_name().to_string_lossy().ends_with(".conf") {
                std::fs::copy(entry.path(), conf_d.join(entry.file_name()))?;
                copied += 1;
            }
        }
        if copied != n {
            return Err(format!("the engine wrote {copied} swanctl files, not {n}").into());
        }
        let conf = dir.join("swanctl.conf");
        std::fs::write(&conf, "include conf.d/*.conf\n")?;
        Ok(Swanctl {
            dir: dir.to_path_buf(),
            conf,
            uri,
        })
    }

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

/// Changes the phase 2 keylife in `file` from `from` to `to`.
fn toggle_keylife(file: &Path, (from, to): (i64, i64)) -> Result<()> {
    let text = std::fs::read_to_string(file)?;
    let old = format!("rekey_time = {from}s");
    if !text.contains(&old) {
        return Err(format!("{} has no {old:?}", file.display()).into());
    }
    std::fs::write(file, text.replace(&old, &format!("rekey_time = {to}s")))?;
    Ok(())
}
