//! Measuring: CPU seconds from /proc, the host's load, percentiles and units.

use std::process::Command;
use std::time::Duration;

use ipsec_test_support::charon::Charon;

/// CPU seconds (user + system) from /proc: this process, its waited-for children (nft,
/// ip, swanctl) and charon.
pub struct CpuMark {
    own: f64,
    children: f64,
    charon: f64,
}

/// The CPU seconds spent since a [`CpuMark`], over `wall`.
pub struct CpuUse {
    pub wall: Duration,
    pub own: f64,
    pub children: f64,
    pub charon: f64,
}

impl CpuMark {
    pub fn new(charon: &Charon) -> Self {
        let (own, children) = proc_cpu("self").unwrap_or_default();
        Self {
            own,
            children,
            charon: charon_cpu(charon),
        }
    }

    pub fn finish(self, charon: &Charon, wall: Duration) -> CpuUse {
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

/// The host's 1-minute load average (2 cores here: above 2, the benchmark shares them).
pub fn loadavg() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

/// Nearest-rank percentile (sorts `times`).
pub fn percentile(times: &mut [Duration], pct: usize) -> Duration {
    if times.is_empty() {
        return Duration::ZERO;
    }
    times.sort();
    let rank = (pct * times.len()).div_ceil(100).max(1);
    times[rank - 1]
}

pub fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
