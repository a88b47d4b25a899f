//! The live test lab from Rust: `scripts/lab` builds two strongSwan gateways with hosts
//! behind them in network namespaces on this host; [`Lab`] brings one up under a name of
//! its own and tears it down when dropped, also when a test panics.
//!
//! ```text
//! hostA ── gwA ══ wan ══ gwB ── hostB
//!                           └── custB   (a customer host for NAT tests)
//! ```
//! Addresses are the constants below. There is no clear-text path between the sites:
//! hostA reaches gwB's networks only through a tunnel.
//!
//! Needs root, network namespaces and Debian's strongSwan and nftables
//! (`apt-get install -y strongswan-charon strongswan-swanctl libstrongswan-standard-plugins
//! libstrongswan-extra-plugins libcharon-extra-plugins nftables iproute2 iputils-ping`).
//! A test that cannot run fails saying what is missing; `IPSEC_SKIP_SYSTEM_TESTS=1` skips
//! it ([`skip_system_tests`]).
//! `IPSEC_LAB_KEEP=1` leaves a test's lab up for a look by hand (`IPSEC_LAB=<name>
//! scripts/lab status`); `scripts/lab down` with that name removes it.
//!
//! The kernel has no ESP, so the charons use kernel-libipsec, which sends charon no
//! acquire: a `start_action = "trap"` connection never comes up here (matching traffic
//! is dropped, `could not find an outbound IPsec SA for reqid` in the log). Test `trap`
//! by its files and charon's trap policy (`swanctl --list-pols`), and traffic with
//! `start` (or `none` and an initiating peer).

mod tunnel;
mod vici;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub use crate::skip_system_tests;
pub use tunnel::Tunnel;

/// The two gateways.
pub const GATEWAYS: [&str; 2] = ["gwA", "gwB"];
/// Every node of the lab, each a network namespace.
pub const NODES: [&str; 6] = ["hostA", "gwA", "gwB", "hostB", "custB", "natB"];

/// gwA's WAN address (the IKE endpoint of site A).
pub const GW_A: &str = "198.51.100.1";
/// gwB's WAN address (the IKE endpoint of site B).
pub const GW_B: &str = "198.51.100.2";
/// hostA, on gwA's LAN 10.1.0.0/24 (gateway 10.1.0.1).
pub const HOST_A: &str = "10.1.0.10";
/// hostB, on gwB's first LAN 192.168.10.0/24 (gateway 192.168.10.1).
pub const HOST_B: &str = "192.168.10.10";
/// custB, a customer host on gwB's second LAN 192.168.20.0/24 (gateway 192.168.20.1).
pub const CUST_B: &str = "192.168.20.15";
/// Site A as a tunnel protects it: hostA's LAN and room for static NAT addresses.
pub const SITE_A: &str = "10.1.0.0/16";
/// gwB's first LAN, hostB's.
pub const LAN_B: &str = "192.168.10.0/24";
/// gwB's second LAN, custB's.
pub const LAN_CUST: &str = "192.168.20.0/24";

/// The pre-shared key of the hand-written tunnels ([`Tunnel`]).
pub const LAB_PSK: &str = "lab pre-shared key";

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/lab");

/// natB's public address, in a lab built [`Lab::up_behind_nat`]: gwB's traffic reaches gwA
/// from here.
pub const NAT_B: &str = "198.51.100.2";
/// gwB's private address behind natB, in a lab built [`Lab::up_behind_nat`].
pub const GW_B_PRIVATE: &str = "172.16.0.2";

/// A running lab; `scripts/lab down` on drop.
pub struct Lab {
    name: String,
    dir: PathBuf,
}

impl Lab {
    /// Builds a fresh lab. `name` (at most 16 of `[A-Za-z0-9_-]`) is made unique to this
    /// process, so that parallel tests and parallel `cargo test` runs never collide.
    /// Panics, saying what is missing, when this machine cannot run the lab.
    pub fn up(name: &str) -> Lab {
        Self::build(name, "direct")
    }

    /// Like [`Lab::up`], but gwB sits behind natB, a masquerading router: gwB has the
    /// private address [`GW_B_PRIVATE`] and reaches gwA from [`NAT_B`]
    /// (`IPSEC_LAB_TOPOLOGY=nat`).
    pub fn up_behind_nat(name: &str) -> Lab {
        Self::build(name, "nat")
    }

    fn build(name: &str, topology: &str) -> Lab {
        assert!(
            !name.is_empty()
                && name.len() <= 16
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "lab name {name:?}: use 1-16 of [A-Za-z0-9_-]"
        );
        assert!(
            is_root(),
            "the lab needs root (network namespaces, veth pairs, charon); run the tests as \
             root or set IPSEC_SKIP_SYSTEM_TESTS=1 to skip them"
        );
        let name = format!("{name}-{}", std::process::id());
        let lab = Lab {
            dir: PathBuf::from(format!("/tmp/ipsec-lab-{name}")),
            name,
        };
        let output = Command::new(SCRIPT)
            .arg("up")
            .env("IPSEC_LAB", &lab.name)
            .env("IPSEC_LAB_DIR", &lab.dir)
            .env("IPSEC_LAB_TOPOLOGY", topology)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {SCRIPT}: {e}"));
        assert!(
            output.status.success(),
            "`scripts/lab up` failed for lab {} (it needs root, network namespaces, \
             iproute2, nftables and strongSwan; set IPSEC_SKIP_SYSTEM_TESTS=1 to skip):\n{}",
            lab.name,
            text(&output)
        );
        lab
    }

    /// The lab's unique name (`IPSEC_LAB`), the prefix of its namespaces.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The lab's directory (`IPSEC_LAB_DIR`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The network namespace of a node (`hostA`, `gwA`, `gwB`, `hostB`, `custB`).
    pub fn netns(&self, node: &str) -> String {
        assert!(NODES.contains(&node), "no node {node} in the lab");
        format!("{}-{node}", self.name)
    }

    /// The VICI socket of a gateway's charon: `unix://<dir>/<gw>/charon.vici`.
    pub fn vici_uri(&self, gw: &str) -> String {
        format!(
            "unix://{}",
            self.gateway_dir(gw).join("charon.vici").display()
        )
    }

    /// A gateway's configuration directory, laid out like the provider's `config_dir`:
    /// `swanctl/swanctl.conf` (`include conf.d/*.conf`), `swanctl/conf.d/`, `nftables/`.
    /// charon's own files (strongswan.conf, log, socket) sit next to them.
    pub fn config_dir(&self, gw: &str) -> PathBuf {
        self.gateway_dir(gw)
    }

    /// A gateway's charon log.
    pub fn charon_log(&self, gw: &str) -> PathBuf {
        self.gateway_dir(gw).join("charon.log")
    }

    /// Runs a command in a node's network namespace.
    pub fn exec(&self, node: &str, args: &[&str]) -> Output {
        let mut all = vec!["exec", node];
        all.extend_from_slice(args);
        self.script(&all)
    }

    /// Like [`Lab::exec`], panicking with the command's output unless it succeeds.
    pub fn exec_ok(&self, node: &str, args: &[&str]) -> String {
        stdout_of_success(self.exec(node, args), |output| {
            format!("{node}: {args:?} failed:\n{output}")
        })
    }

    /// Whether `from` gets echo replies from `to` (three pings 0.2 s apart, 2 s wait
    /// each: true when any answer arrives, as with ping's exit status). A destination
    /// without a route fails at once (gwA answers "network unreachable").
    pub fn ping(&self, from: &str, to: &str) -> bool {
        self.exec(
            from,
            &["ping", "-n", "-q", "-c", "3", "-i", "0.2", "-W", "2", to],
        )
        .status
        .success()
    }

    /// swanctl against a gateway's charon (through its VICI socket).
    pub fn swanctl(&self, gw: &str, args: &[&str]) -> Output {
        assert!(GATEWAYS.contains(&gw), "no gateway {gw} in the lab");
        let mut all = vec!["swanctl", gw];
        all.extend_from_slice(args);
        self.script(&all)
    }

    /// Like [`Lab::swanctl`], panicking with swanctl's output and the charon log's tail
    /// unless it succeeds; returns stdout.
    pub fn swanctl_ok(&self, gw: &str, args: &[&str]) -> String {
        stdout_of_success(self.swanctl(gw, args), |output| {
            format!(
                "{gw}: swanctl {args:?} failed:\n{output}\n{}",
                self.log_tail(gw, 30)
            )
        })
    }

    /// Writes a gateway's `swanctl/swanctl.conf` and loads it (`swanctl --load-all`):
    /// charon then holds exactly its connections and secrets.
    pub fn load_swanctl_conf(&self, gw: &str, conf: &str) {
        let path = self.config_dir(gw).join("swanctl/swanctl.conf");
        std::fs::write(&path, conf).unwrap();
        let file = path.display().to_string();
        self.swanctl_ok(gw, &["--load-all", "--noprompt", "--file", &file]);
    }

    /// Brings a child SA up from `gw` and waits until both gateways show it INSTALLED.
    pub fn initiate(&self, gw: &str, child: &str) {
        self.swanctl_ok(gw, &["--initiate", "--child", child, "--timeout", "20"]);
        let peer = if gw == "gwA" { "gwB" } else { "gwA" };
        self.wait_until(&format!("{peer} to install {child}"), || {
            self.list_sas(peer).contains("INSTALLED")
        });
    }

    /// Closes an IKE SA from `gw` and waits until neither gateway lists an SA.
    pub fn terminate(&self, gw: &str, ike: &str) {
        self.swanctl_ok(gw, &["--terminate", "--ike", ike, "--timeout", "20"]);
        self.wait_until("both gateways to drop their SAs", || {
            GATEWAYS.iter().all(|gw| !self.list_sas(gw).contains(": #"))
        });
    }

    /// Stops a gateway's charon (`scripts/lab stop`): its namespace, addresses, nftables
    /// and files stay, its VICI socket goes away, as on a gateway whose daemon died.
    pub fn stop(&self, gw: &str) {
        self.charon_script("stop", gw, false);
    }

    /// Starts a stopped gateway's charon again (`scripts/lab start`) and waits for its
    /// VICI socket; it has nothing loaded, as after a reboot.
    pub fn start(&self, gw: &str) {
        self.charon_script("start", gw, true);
    }

    /// The ids of the shared keys a gateway's charon holds from VICI `load-shared`, asked
    /// with VICI `get-shared`. swanctl 5.9.8 has no command that lists shared keys
    /// (`--list-creds` does not exist, `--list-certs` shows certificates only), so this
    /// speaks the VICI wire protocol itself.
    pub fn shared_keys(&self, gw: &str) -> Vec<String> {
        let socket = self.gateway_dir(gw).join("charon.vici");
        vici::vici_get_shared(&socket).unwrap_or_else(|e| {
            panic!(
                "{gw}: VICI get-shared at {} failed: {e}\n{}",
                socket.display(),
                self.log_tail(gw, 30)
            )
        })
    }

    /// `swanctl --list-sas` of a gateway, as printed.
    pub fn list_sas(&self, gw: &str) -> String {
        self.swanctl_ok(gw, &["--list-sas"])
    }

    /// Bytes (in, out) over every child SA of a gateway, from `swanctl --list-sas --raw`.
    pub fn child_bytes(&self, gw: &str) -> (u64, u64) {
        let raw = self.swanctl_ok(gw, &["--list-sas", "--raw"]);
        (sum_of(&raw, "bytes-in="), sum_of(&raw, "bytes-out="))
    }

    /// Loads an nftables ruleset into a node's namespace, checking it with `nft -c` first.
    pub fn nft(&self, node: &str, ruleset: &str) {
        let path = self.dir.join(format!("{node}-{}.nft", unique()));
        std::fs::write(&path, ruleset).unwrap();
        let file = path.display().to_string();
        self.exec_ok(node, &["nft", "-c", "-f", &file]);
        self.exec_ok(node, &["nft", "-f", &file]);
    }

    /// Packets counted by every `counter` of an nftables chain in a node's namespace,
    /// e.g. `lab.counted("hostA", "inet seen", "input")`.
    pub fn counted(&self, node: &str, table: &str, chain: &str) -> u64 {
        let mut args = vec!["nft", "list", "chain"];
        args.extend(table.split_whitespace());
        args.push(chain);
        sum_of(&self.exec_ok(node, &args), "counter packets ")
    }

    /// Polls `done` every 50 ms for up to 20 s; panics naming what did not happen, with
    /// both gateways' SAs and log tails.
    pub fn wait_until(&self, what: &str, done: impl FnMut() -> bool) {
        self.wait_until_within(what, Duration::from_secs(20), done);
    }

    /// Like [`Lab::wait_until`], for up to `limit`.
    pub fn wait_until_within(&self, what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
        let start = Instant::now();
        while !done() {
            if start.elapsed() > limit {
                panic!(
                    "timed out after {limit:?} waiting for {what}\n{}",
                    self.report()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The last `lines` lines of a gateway's charon log.
    /// The VICI session chatter (`vici client N connected`, `... requests: list-sas`,
    /// `... disconnected`) that polling produces is left out, so that the tail shows
    /// what charon did; the commands that change something (`vici initiate`, `vici
    /// terminate`, `added vici connection`, ...) stay.
    pub fn log_tail(&self, gw: &str, lines: usize) -> String {
        let log = std::fs::read_to_string(self.charon_log(gw)).unwrap_or_default();
        let all: Vec<&str> = log
            .lines()
            .filter(|line| !line.contains("vici client"))
            .collect();
        let tail = all[all.len().saturating_sub(lines)..].join("\n");
        format!("--- {gw} charon.log (last {lines} lines, VICI sessions left out)\n{tail}")
    }

    /// Both gateways' SAs and log tails, for failure messages.
    pub fn report(&self) -> String {
        let mut out = String::new();
        for gw in GATEWAYS {
            let sas = self.swanctl(gw, &["--list-sas"]);
            let _ = writeln!(out, "--- {gw} SAs\n{}", text(&sas));
            let _ = writeln!(out, "{}", self.log_tail(gw, 40));
        }
        out
    }

    fn gateway_dir(&self, gw: &str) -> PathBuf {
        assert!(GATEWAYS.contains(&gw), "no gateway {gw} in the lab");
        self.dir.join(gw)
    }

    /// `scripts/lab stop|start <gw>`, required to succeed; a failure shows the charon
    /// log's tail when `with_log`.
    fn charon_script(&self, verb: &str, gw: &str, with_log: bool) {
        assert!(GATEWAYS.contains(&gw), "no gateway {gw} in the lab");
        stdout_of_success(self.script(&[verb, gw]), |output| {
            let log = if with_log {
                self.log_tail(gw, 30)
            } else {
                String::new()
            };
            format!("`scripts/lab {verb} {gw}` failed:\n{output}\n{log}")
        });
    }

    fn script(&self, args: &[&str]) -> Output {
        Command::new(SCRIPT)
            .args(args)
            .env("IPSEC_LAB", &self.name)
            .env("IPSEC_LAB_DIR", &self.dir)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {SCRIPT}: {e}"))
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("lab {} at the failure:\n{}", self.name, self.report());
        }
        if std::env::var_os("IPSEC_LAB_KEEP").is_some() {
            eprintln!(
                "IPSEC_LAB_KEEP is set: lab {} stays up; remove it with \
                 IPSEC_LAB={} IPSEC_LAB_DIR={} scripts/lab down",
                self.name,
                self.name,
                self.dir.display()
            );
            return;
        }
        let output = self.script(&["down"]);
        if !output.status.success() {
            eprintln!(
                "`scripts/lab down` failed for lab {}:\n{}",
                self.name,
                text(&output)
            );
        }
    }
}

/// stdout and stderr of a finished command, for messages.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}{}",
        output.status,
        prefixed("\nstdout: ", &output.stdout),
        prefixed("\nstderr: ", &output.stderr)
    )
}

/// stdout of a command that must have succeeded; else panics with the message `failure`
/// makes of the command's [`text`].
fn stdout_of_success(output: Output, failure: impl FnOnce(String) -> String) -> String {
    if !output.status.success() {
        panic!("{}", failure(text(&output)));
    }
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn prefixed(prefix: &str, bytes: &[u8]) -> String {
    if bytes.is_empty() {
        String::new()
    } else {
        format!("{prefix}{}", String::from_utf8_lossy(bytes).trim_end())
    }
}

/// The sum of the numbers following each occurrence of `key` in `text`.
fn sum_of(text: &str, key: &str) -> u64 {
    text.match_indices(key)
        .map(|(at, _)| {
            let digits: String = text[at + key.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse::<u64>().unwrap_or(0)
        })
        .sum()
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
