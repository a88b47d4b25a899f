//! Crashes in the middle of an apply: the provider killed with SIGKILL at random moments
//! of an apply of 100 resources, again and again, never leaves a file that strongSwan or
//! nftables cannot load, nor a context the engine cannot read, and the next apply always
//! converges to an empty plan; `terraform` itself killed leaves no provider running.
//!
//! Terraform starts the real provider binary (the one that can be killed on its own).
//! The files are checked with charon and `nft -c` when system tests are on (root);
//! `IPSEC_SKIP_SYSTEM_TESTS=1` keeps the loop and the engine's reads, without them.
//! `IPSEC_CRASH_SEED=<n>` repeats a run's kill moments (each run prints its seed).

mod common;

use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

use acceptance_tests::{Gateway, ProviderMode, Workspace};
use common::*;
use ipsec_core::engine::LocalGateway;
use ipsec_core::model::NatTable;
use ipsec_core::Gateway as _;
use ipsec_test_support::charon::{skip_system_tests, Charon};

acceptance_tests::suite![
    the_provider_killed_twenty_times_mid_apply_leaves_loadable_files_and_converges,
    a_create_written_and_never_answered_is_adopted_by_the_next_apply_of_the_same_object,
    terraform_killed_mid_apply_takes_its_provider_with_it_and_a_rerun_converges,
];

/// Connections; each has two remote subnets and a NAT context: 100 resources.
const SITES: usize = 25;
/// How many times the provider is killed.
const KILLS: usize = 20;
/// How long a process may take to be gone after what it depends on was killed.
const GONE_WITHIN: Duration = Duration::from_secs(10);

/// The 100 resources of round `round`: every round changes each connection's
/// description and moves its second remote subnet (a replacement), so that every apply
/// has changes of every kind to make.
fn sites(round: usize) -> String {
    let shift = round % 2;
    format!(
        r#"
resource "ipsec_vpn_connection" "site" {{
  count         = {SITES}
  name          = "site-${{count.index}}"
  peer_address  = "203.0.113.${{count.index + 1}}"
  preshared_key = "{KEY}"
  local_subnets = ["10.${{count.index}}.0.0/16"]
  description   = "round {round}"
}}

resource "ipsec_remote_subnet" "first" {{
  count           = {SITES}
  connection_name = ipsec_vpn_connection.site[count.index].name
  cidr            = "192.168.${{count.index}}.0/24"
}}

resource "ipsec_remote_subnet" "second" {{
  count           = {SITES}
  connection_name = ipsec_vpn_connection.site[count.index].name
  cidr            = "172.16.${{count.index * 2 + {shift}}}.0/24"
}}

resource "ipsec_nat_context" "site" {{
  count             = {SITES}
  connection_name   = ipsec_vpn_connection.site[count.index].name
  static_nat_subnet = "10.200.${{count.index}}.0/24"
  translations = {{
    host = {{
      local_ip    = "10.200.${{count.index}}.10"
      customer_ip = "192.168.${{count.index}}.10"
    }}
  }}
  depends_on = [ipsec_remote_subnet.first]
}}
"#
    )
}

/// Issue 16, item 2: `kill -9` of the provider at a random moment of an apply, 20 times.
fn the_provider_killed_twenty_times_mid_apply_leaves_loadable_files_and_converges() {
    let ws = Workspace::new(ProviderMode::Binary);
    let checker = FileChecker::new();
    let mut random = Random::seeded();
    eprintln!("crash loop: IPSEC_CRASH_SEED={}", random.seed);

    // Everything created, then one round's changes applied whole: how long that takes
    // bounds the moments to kill at.
    ws.write_config(&sites(0));
    ws.ok(&["apply", "-input=false", "-auto-approve"]);
    checker.check(ws.gateway(), SITES);
    ws.write_config(&sites(KILLS * 3 + 1));
    let started = Instant::now();
    ws.ok(&["apply", "-input=false", "-auto-approve"]);
    let mut full_apply = started.elapsed();

    // Until 20 kills have interrupted an apply: a kill drawn after the apply ended
    // interrupts nothing (the first measure may be long, taken while other tests ran),
    // and teaches how long an apply takes.
    let mut interrupted = 0;
    let mut round = 0;
    while interrupted < KILLS {
        round += 1;
        assert!(
            round <= KILLS * 3,
            "only {interrupted} of {round} kills landed inside an apply"
        );
        ws.write_config(&sites(round));
        let started = Instant::now();
        let mut terraform = ws.spawn(&["apply", "-input=false", "-auto-approve"]);
        // Terraform starts a provider process for the plan and another for the apply:
        // whichever runs at the chosen moment is killed.
        std::thread::sleep(full_apply.mul_f64(random.fraction()));
        if let Some(provider) = wait_for_provider(&mut terraform) {
            kill(provider);
        }
        let status = wait_within(&mut terraform, Duration::from_secs(60));
        if status.success() {
            full_apply = full_apply.min(started.elapsed());
        } else {
            interrupted += 1;
        }
        // What the crash left, before anything recovers it: every file whole.
        checker.check(ws.gateway(), SITES);
        // A create the killed provider wrote and never answered is adopted by the
        // create that plans it again: a plain apply is enough.
        ws.ok(&["apply", "-input=false", "-auto-approve"]);
        ws.assert_plan_empty(&format!("the apply after kill {round}"));
        checker.check(ws.gateway(), SITES);
    }
    eprintln!(
        "{interrupted} of {round} kills interrupted the apply (shortest full apply: \
         {full_apply:?}, seed {})",
        random.seed
    );
}

/// The deterministic case of the loop above: the provider killed after a create was
/// written and before Terraform had its answer. Another working directory's apply
/// writes the objects; marking them as a killed provider's (a marker of a process that
/// no longer runs, as the killed create left it) makes them what a crash leaves.
fn a_create_written_and_never_answered_is_adopted_by_the_next_apply_of_the_same_object() {
    let ws = Workspace::new(ProviderMode::Binary);
    let config = lost_site("lost");
    let writer = ws.sibling();
    writer.write_config(&config);
    writer.ok(&["apply", "-input=false", "-auto-approve"]);
    let markers = ws.gateway().root().join(".unanswered");
    let leftover = |dir: &Path| std::fs::read_dir(dir).map_or(0, |entries| entries.count());
    assert_eq!(
        leftover(&markers),
        3,
        "each create is marked until its next read"
    );
    // The writer's next plan reads the objects: they are in its state.
    writer.assert_plan_empty("the writer's configuration");
    assert_eq!(leftover(&markers), 0, "read objects leave no marker");

    // Without a marker the objects are someone else's: refused, naming the import.
    ws.write_config(&config);
    let run = ws.run(&["apply", "-input=false", "-auto-approve"]);
    assert_ne!(run.code, 0);
    assert!(
        run.output().contains("Connection already exists")
            && run.output().contains("terraform import"),
        "{}",
        run.output()
    );

    let dead = dead_pid().to_string();
    for marker in [
        "connection-lost",
        "remote_subnet-lost-192.168.77.0_24",
        "nat_context-lost",
    ] {
        std::fs::write(markers.join(marker), &dead).unwrap();
    }
    // A different configuration of the same name is still refused, at apply, and the
    // trace stays for the configuration that was being applied.
    ws.write_config(&config.replace("written before the crash", "another one"));
    let run = ws.run(&["apply", "-input=false", "-auto-approve"]);
    assert!(
        run.code != 0 && run.output().contains("Connection already exists"),
        "{}",
        run.output()
    );
    assert_eq!(leftover(&markers), 3);

    ws.write_config(&config);
    let before = ws.gateway().snapshot();
    ws.ok(&["apply", "-input=false", "-auto-approve"]);
    ws.assert_plan_empty("the apply that adopted what the crash left");
    assert_eq!(ws.state().len(), 3, "all three objects are in the state");
    assert_eq!(ws.gateway().snapshot(), before, "adopting rewrote nothing");
    assert_eq!(
        leftover(&markers),
        0,
        "the plan read them: every trace ended"
    );
}

/// One connection with a remote subnet and a NAT context.
fn lost_site(name: &str) -> String {
    format!(
        r#"
resource "ipsec_vpn_connection" "lost" {{
  name          = "{name}"
  peer_address  = "203.0.113.77"
  preshared_key = "{KEY}"
  local_subnets = ["10.77.0.0/16"]
  description   = "written before the crash"
}}

resource "ipsec_remote_subnet" "lost" {{
  connection_name = ipsec_vpn_connection.lost.name
  cidr            = "192.168.77.0/24"
}}

resource "ipsec_nat_context" "lost" {{
  connection_name   = ipsec_vpn_connection.lost.name
  static_nat_subnet = "10.200.77.0/24"
  translations = {{
    host = {{
      local_ip    = "10.200.77.10"
      customer_ip = "192.168.77.10"
    }}
  }}
  depends_on = [ipsec_remote_subnet.lost]
}}
"#
    )
}

/// The ID of a process that has exited.
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

/// Issue 16, item 2: `kill -9` of `terraform` midway; the provider notices that its
/// parent is gone and exits, the state lock is free again, and an apply converges.
fn terraform_killed_mid_apply_takes_its_provider_with_it_and_a_rerun_converges() {
    let ws = Workspace::new(ProviderMode::Binary);
    ws.write_config(&sites(0));
    let mut terraform = ws.spawn(&["apply", "-input=false", "-auto-approve"]);
    // Some resources in, most to come.
    let deadline = Instant::now() + Duration::from_secs(120);
    while ws.gateway().config_files().len() < 4 {
        assert!(Instant::now() < deadline, "the apply wrote nothing");
        std::thread::sleep(Duration::from_millis(20));
    }
    let provider = wait_for_provider(&mut terraform).expect("the provider of the apply");
    let _ = terraform.kill();
    let _ = terraform.wait();
    let deadline = Instant::now() + GONE_WITHIN;
    while process_runs(provider) {
        assert!(
            Instant::now() < deadline,
            "the provider outlived terraform by {GONE_WITHIN:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    FileChecker::new().check(ws.gateway(), SITES);

    // Terraform died before it saved the state: the gateway holds objects the state
    // does not, each still marked as created by a provider that no longer runs, so
    // the next apply adopts them.
    let markers = std::fs::read_dir(ws.gateway().root().join(".unanswered"))
        .map_or(0, |entries| entries.count());
    assert!(markers > 0, "the killed apply left no marked create");
    ws.ok(&["apply", "-input=false", "-auto-approve"]);
    ws.assert_plan_empty("the apply after terraform was killed");
}

/// Checks that every file of a gateway is whole: charon loads every connection and
/// `nft -c` accepts every NAT fragment (with system tests on), and the engine reads
/// every context.
struct FileChecker {
    /// The charon that loads the files, and the directory of its own files.
    charon: Option<(Charon, tempfile::TempDir)>,
}

impl FileChecker {
    fn new() -> Self {
        let charon = (!skip_system_tests()).then(|| {
            let dir = tempfile::tempdir().unwrap();
            (Charon::start(dir.path()), dir)
        });
        Self { charon }
    }

    /// Checks the files of `gateway`, which holds at most `sites` connections.
    fn check(&self, gateway: &Gateway, sites: usize) {
        let root = gateway.root();
        let conns = count_files(&root.join("swanctl/conf.d"), ".conf");
        let nfts = count_files(&root.join("nftables"), ".nft");
        assert!(conns <= sites && nfts <= sites, "{conns} conf, {nfts} nft");
        if let Some((charon, dir)) = &self.charon {
            if conns > 0 {
                let main = dir.path().join("swanctl.conf");
                std::fs::write(
                    &main,
                    format!("include {}/swanctl/conf.d/*.conf\n", root.display()),
                )
                .unwrap();
                let main = main.display().to_string();
                // Unloads what the previous check loaded and is gone now.
                let loaded = charon.swanctl(&["--load-conns", "--file", &main]);
                assert!(
                    loaded.contains(&format!("successfully loaded {conns} connections")),
                    "{loaded}"
                );
                let secrets = charon.swanctl(&["--load-creds", "--noprompt", "--file", &main]);
                assert_eq!(
                    secrets.matches("loaded ike secret").count(),
                    conns,
                    "charon refused a secret: {secrets}"
                );
            }
            if nfts > 0 {
                let all = dir.path().join("all.nft");
                let mut includes = String::new();
                for entry in std::fs::read_dir(root.join("nftables")).unwrap().flatten() {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    if name.ends_with(".nft") && !name.starts_with('.') {
                        includes.push_str(&format!("include \"{}\"\n", entry.path().display()));
                    }
                }
                std::fs::write(&all, includes).unwrap();
                if let Err(error) = charon.nft(&["-c", "-f", &all.display().to_string()]) {
                    panic!("nft -c refused a fragment: {error}");
                }
            }
        }
        // The engine reads every context: a torn file would be a parse error here.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let engine = LocalGateway::open(root, NatTable::default()).unwrap();
            let names = engine.list().await.unwrap();
            for name in names {
                engine
                    .get(&name)
                    .await
                    .unwrap_or_else(|e| panic!("context {name}: {e}"))
                    .unwrap_or_else(|| panic!("context {name} listed but unreadable"));
            }
        });
    }
}

/// How many files in `dir` end with `suffix` (the engine's temporaries start with a dot
/// and are no configuration).
fn count_files(dir: &Path, suffix: &str) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.ends_with(suffix) && !name.starts_with('.')
                })
                .count()
        })
        .unwrap_or(0)
}

/// The pid of the provider process `terraform` runs now, or as soon as it starts one;
/// `None` once terraform has ended.
fn wait_for_provider(terraform: &mut Child) -> Option<u32> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(pid) = child_named(terraform.id(), "terraform-provi") {
            return Some(pid);
        }
        if let Ok(Some(_)) = terraform.try_wait() {
            return None;
        }
        assert!(Instant::now() < deadline, "terraform started no provider");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A child of `parent` whose command name (at most 15 bytes) starts with `prefix`.
fn child_named(parent: u32, prefix: &str) -> Option<u32> {
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            let (head, rest) = stat.rsplit_once(')')?;
            let name = head.split_once('(')?.1;
            let ppid: u32 = rest.split_whitespace().nth(1)?.parse().ok()?;
            (ppid == parent && name.starts_with(prefix)).then_some(pid)
        })
}

/// Whether `pid` runs (a zombie nobody reaped yet does not).
fn process_runs(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let state = stat.rsplit_once(')')?.1.split_whitespace().next()?;
            Some(state != "Z" && state != "X")
        })
        .unwrap_or(false)
}

/// `kill -9 pid`.
fn kill(pid: u32) {
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status();
}

/// Waits for `child` to end, killing it and failing after `limit`.
fn wait_within(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("terraform did not end within {limit:?} after its provider was killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A small xorshift generator: the kill moments need spread, not quality.
struct Random {
    seed: u64,
    state: u64,
}

impl Random {
    /// Seeded from `IPSEC_CRASH_SEED`, else from the clock.
    fn seeded() -> Self {
        let seed = std::env::var("IPSEC_CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(1)
            })
            | 1;
        Self { seed, state: seed }
    }

    /// A number in `[0, 1)`.
    fn fraction(&mut self) -> f64 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        (self.state >> 11) as f64 / (1u64 << 53) as f64
    }
}
