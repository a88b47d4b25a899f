//! The results of a run, as one serializable value; the figures `scripts/bench` reads
//! (one JSON line each on stdout) and the summary for a person (stderr).

use serde::Serialize;

use crate::engine::CHANGES;
use crate::steps::{Step, StepTimes, STEP_SAMPLES};
use crate::swanctl::{ANCHOR_CHANGE_RUNS, ANCHOR_RUNS};

/// Everything a run measured. Times in seconds (`_s`) or milliseconds (`_ms`).
#[derive(Debug, Default, Serialize)]
pub struct Results {
    /// N.
    pub connections: usize,
    /// The concurrent tasks of the parallel load.
    pub parallelism: usize,
    pub host: HostLoad,
    pub sequential: EngineLoad,
    pub change_one: ChangeOne,
    pub steps: StepTimes,
    pub parallel: EngineLoad,
    pub swanctl: Anchor,
}

/// How busy the host was: other work skews every figure.
#[derive(Debug, Default, Serialize)]
pub struct HostLoad {
    pub loadavg_1m_at_start: f64,
    pub loadavg_1m_at_end: f64,
}

/// N connections loaded through the engine.
#[derive(Debug, Default, Serialize)]
pub struct EngineLoad {
    pub wall_s: f64,
    pub per_connection_ms: f64,
    pub put_connection_median_ms: f64,
    pub put_connection_p90_ms: f64,
    pub create_remote_subnet_median_ms: f64,
    pub create_remote_subnet_p90_ms: f64,
    /// Sequential only: do the operations get slower as charon fills up?
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet_op_last_tenth_over_first_tenth: Option<f64>,
    pub bench_cpu_s: f64,
    pub child_processes_cpu_s: f64,
    pub charon_cpu_s: f64,
}

/// One connection among N changed through the engine.
#[derive(Debug, Default, Serialize)]
pub struct ChangeOne {
    pub median_ms: f64,
    pub p90_ms: f64,
}

/// `swanctl` on the files the engine wrote.
#[derive(Debug, Default, Serialize)]
pub struct Anchor {
    /// `--load-all` into a fresh charon.
    pub cold_s: f64,
    pub cold_charon_cpu_s: f64,
    pub cold_swanctl_cpu_s: f64,
    /// `--load-all` with everything loaded.
    pub warm_s: f64,
    /// `--load-all` after changing one file.
    pub load_all_change_one_s: f64,
    /// `--load-conns` after changing one file.
    pub load_conns_change_one_s: f64,
}

/// What the engine does per operation (`modify`, `put_live`, `load` of the engine),
/// modelled from the steps.
struct Modelled {
    put_connection_create_ms: f64,
    create_remote_subnet_or_change_one_ms: f64,
}

/// The ratios the targets are about.
struct Ratios {
    change_one_swanctl_over_engine: f64,
    load_sequential_over_swanctl_cold: f64,
    load_parallel_over_swanctl_cold: f64,
    load_sequential_over_swanctl_warm: f64,
}

impl Results {
    pub fn new(connections: usize, parallelism: usize) -> Self {
        Self {
            connections,
            parallelism,
            ..Self::default()
        }
    }

    fn modelled(&self) -> Modelled {
        let common = [
            Step::FilesGetParse,
            Step::FilesPutFsync,
            Step::RenderAndParseMessages,
            Step::ViciLoadShared,
            Step::ViciLoadConn,
        ];
        let common = self.steps.sum_ms(&common);
        Modelled {
            put_connection_create_ms: common + self.steps.sum_ms(&[Step::NftReplaceNone]),
            create_remote_subnet_or_change_one_ms: common
                + self
                    .steps
                    .sum_ms(&[Step::ViciListConn, Step::ViciTerminateChild]),
        }
    }

    fn ratios(&self) -> Ratios {
        let cold = self.swanctl.cold_s;
        Ratios {
            change_one_swanctl_over_engine: self.swanctl.load_all_change_one_s
                / (self.change_one.median_ms / 1000.0),
            load_sequential_over_swanctl_cold: self.sequential.wall_s / cold,
            load_parallel_over_swanctl_cold: self.parallel.wall_s / cold,
            load_sequential_over_swanctl_warm: self.sequential.wall_s / self.swanctl.warm_s,
        }
    }

    /// Every figure by the name `scripts/bench` and `docs/benchmarks.md` know it, in the
    /// order of the run.
    pub fn figures(&self) -> Vec<(String, f64)> {
        let (n, par) = (self.connections, format!("parallel{}", self.parallelism));
        let mut figures = vec![(
            "host_loadavg_1m_at_start".to_owned(),
            self.host.loadavg_1m_at_start,
        )];
        self.sequential.figures(n, "sequential", &mut figures);
        figures.extend([
            (
                "engine_change_one_median_ms".to_owned(),
                self.change_one.median_ms,
            ),
            (
                "engine_change_one_p90_ms".to_owned(),
                self.change_one.p90_ms,
            ),
        ]);
        for time in &self.steps.0 {
            figures.push((
                format!("step_{}_median_ms", time.step.name()),
                time.median_ms,
            ));
        }
        let modelled = self.modelled();
        figures.extend([
            (
                "model_put_connection_create_ms".to_owned(),
                modelled.put_connection_create_ms,
            ),
            (
                "model_create_remote_subnet_or_change_one_ms".to_owned(),
                modelled.create_remote_subnet_or_change_one_ms,
            ),
        ]);
        self.parallel.figures(n, &par, &mut figures);
        let anchor = &self.swanctl;
        let ratios = self.ratios();
        figures.extend([
            (format!("swanctl_load_all_{n}_cold_s"), anchor.cold_s),
            (
                format!("swanctl_load_all_{n}_cold_charon_cpu_s"),
                anchor.cold_charon_cpu_s,
            ),
            (
                format!("swanctl_load_all_{n}_cold_swanctl_cpu_s"),
                anchor.cold_swanctl_cpu_s,
            ),
            (format!("swanctl_load_all_{n}_warm_s"), anchor.warm_s),
            (
                "swanctl_load_all_change_one_s".to_owned(),
                anchor.load_all_change_one_s,
            ),
            (
                "swanctl_load_conns_change_one_s".to_owned(),
                anchor.load_conns_change_one_s,
            ),
            (
                "ratio_change_one_swanctl_over_engine".to_owned(),
                ratios.change_one_swanctl_over_engine,
            ),
            (
                "ratio_load_engine_sequential_over_swanctl_cold".to_owned(),
                ratios.load_sequential_over_swanctl_cold,
            ),
            (
                format!("ratio_load_engine_{par}_over_swanctl_cold"),
                ratios.load_parallel_over_swanctl_cold,
            ),
            (
                "ratio_load_engine_sequential_over_swanctl_warm".to_owned(),
                ratios.load_sequential_over_swanctl_warm,
            ),
            (
                "host_loadavg_1m_at_end".to_owned(),
                self.host.loadavg_1m_at_end,
            ),
        ]);
        figures
    }

    /// The figures on stdout, one `{"figure":…,"value":…}` line each, to 4 decimals.
    pub fn print_figures(&self) {
        #[derive(Serialize)]
        struct Figure<'a> {
            figure: &'a str,
            value: f64,
        }
        for (figure, value) in self.figures() {
            let value = (value * 10_000.0).round() / 10_000.0;
            let line = serde_json::to_string(&Figure {
                figure: &figure,
                value,
            })
            .expect("a figure serializes");
            println!("{line}");
        }
    }

    /// The summary on stderr, with the targets and whether they were met.
    pub fn print_summary(&self) {
        let n = self.connections;
        let p = self.parallelism;
        let host = &self.host;
        eprintln!("\n== strongswan engine vs swanctl --load-all, {n} connections (1 local, 2 remote subnets, trap) ==");
        eprintln!(
            "host load average (1 min): {:.2} at start, {:.2} at end",
            host.loadavg_1m_at_start, host.loadavg_1m_at_end
        );
        for (how, load) in [
            ("sequential".to_owned(), &self.sequential),
            (format!("parallel{p}"), &self.parallel),
        ] {
            eprintln!(
                "engine load {n} ({how}): {:.2} s = {:.2} ms/connection; put_connection median {:.2} ms, \
                 create_remote_subnet median {:.2} ms (p90 {:.2})",
                load.wall_s,
                load.per_connection_ms,
                load.put_connection_median_ms,
                load.create_remote_subnet_median_ms,
                load.create_remote_subnet_p90_ms,
            );
            eprintln!(
                "    cpu: bench {:.2} s, nft/ip children {:.2} s, charon {:.2} s",
                load.bench_cpu_s, load.child_processes_cpu_s, load.charon_cpu_s,
            );
        }
        eprintln!(
            "sequential subnet ops, last tenth / first tenth: {:.2}x",
            self.sequential
                .subnet_op_last_tenth_over_first_tenth
                .unwrap_or(f64::NAN)
        );
        eprintln!(
            "engine change one (of {n}): median {:.2} ms, p90 {:.2} ms ({CHANGES} runs)",
            self.change_one.median_ms, self.change_one.p90_ms,
        );
        let modelled = self.modelled();
        eprintln!(
            "one engine operation, step by step (median of {STEP_SAMPLES}, {n} loaded); modelled: \
             put_connection (create) {:.2} ms, create_remote_subnet / change one {:.2} ms",
            modelled.put_connection_create_ms, modelled.create_remote_subnet_or_change_one_ms,
        );
        for time in &self.steps.0 {
            eprintln!("    {:<28} {:>8.3} ms", time.step.name(), time.median_ms);
        }
        self.print_anchor_summary();
    }

    fn print_anchor_summary(&self) {
        let (n, p, anchor, ratios) = (
            self.connections,
            self.parallelism,
            &self.swanctl,
            self.ratios(),
        );
        eprintln!(
            "swanctl --load-all of {n}: cold (fresh charon) {:.3} s [charon cpu {:.2} s, swanctl cpu {:.2} s], \
             warm (all loaded) {:.3} s (median of {ANCHOR_RUNS})",
            anchor.cold_s, anchor.cold_charon_cpu_s, anchor.cold_swanctl_cpu_s, anchor.warm_s,
        );
        eprintln!(
            "swanctl after changing one file: --load-all {:.3} s, --load-conns {:.3} s (median of {ANCHOR_CHANGE_RUNS})",
            anchor.load_all_change_one_s, anchor.load_conns_change_one_s,
        );
        eprintln!(
            "ratios: change one swanctl/engine {:.1}x; load engine/swanctl-cold sequential {:.2}x, parallel{p} {:.2}x; \
             sequential/swanctl-warm {:.2}x",
            ratios.change_one_swanctl_over_engine,
            ratios.load_sequential_over_swanctl_cold,
            ratios.load_parallel_over_swanctl_cold,
            ratios.load_sequential_over_swanctl_warm,
        );
        let speedup = ratios.change_one_swanctl_over_engine;
        let (seq, par) = (
            ratios.load_sequential_over_swanctl_cold,
            ratios.load_parallel_over_swanctl_cold,
        );
        eprintln!(
            "targets: change one >= 10x faster than swanctl --load-all: {:.1}x ({}); \
             load all no slower than swanctl --load-all (cold): sequential {:.2}x ({}), parallel {:.2}x ({})",
            speedup,
            met(speedup >= 10.0),
            seq,
            met(seq <= 1.0),
            par,
            met(par <= 1.0),
        );
    }
}

impl EngineLoad {
    /// This load's figures, `how` being `sequential` or `parallel<tasks>`.
    fn figures(&self, n: usize, how: &str, figures: &mut Vec<(String, f64)>) {
        figures.extend([
            (format!("engine_load_{n}_{how}_s"), self.wall_s),
            (
                format!("engine_load_{how}_per_connection_ms"),
                self.per_connection_ms,
            ),
            (
                format!("engine_load_{how}_put_connection_median_ms"),
                self.put_connection_median_ms,
            ),
            (
                format!("engine_load_{how}_put_connection_p90_ms"),
                self.put_connection_p90_ms,
            ),
            (
                format!("engine_load_{how}_create_remote_subnet_median_ms"),
                self.create_remote_subnet_median_ms,
            ),
            (
                format!("engine_load_{how}_create_remote_subnet_p90_ms"),
                self.create_remote_subnet_p90_ms,
            ),
        ]);
        if let Some(ratio) = self.subnet_op_last_tenth_over_first_tenth {
            figures.push((
                format!("engine_load_{how}_subnet_op_last_tenth_over_first_tenth"),
                ratio,
            ));
        }
        figures.extend([
            (format!("engine_load_{how}_bench_cpu_s"), self.bench_cpu_s),
            (
                format!("engine_load_{how}_child_processes_cpu_s"),
                self.child_processes_cpu_s,
            ),
            (format!("engine_load_{how}_charon_cpu_s"), self.charon_cpu_s),
        ]);
    }
}

fn met(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "MISSED"
    }
}
