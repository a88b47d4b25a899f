//! A `start` tunnel that apply brings up and, if it cannot, says why, on the live lab
//! (`hostA ── gwA ══ wan ══ gwB ── hostB/custB`, both ends in one configuration with one
//! provider alias per gateway):
//!
//! - `wait_until_established`: a wrong key, a proposal the peer refuses, networks the
//!   peer does not protect, and one it does not protect beside one it does (the peer
//!   narrows the tunnel, which comes up without it) each fail apply with their own
//!   reason; the right configuration then succeeds and the status data source shows
//!   `established`.
//! - Both ends changed in one apply, with no dependency between them (so Terraform
//!   changes them at the same time): charon gives up on an initiation the peer refuses
//!   while it still has the old settings, and the tunnel stayed down for good. Every
//!   flip of phase 1, of the key and of phase 2 must come back up; the pings lost per
//!   flip are printed (`--nocapture`); IKEv1 phase 1 flips too.
//!
//! Needs root, network namespaces, strongSwan, nftables and `terraform`;
//! `IPSEC_SKIP_SYSTEM_TESTS=1` skips these tests. `IPSEC_FLIPS` sets the flips per kind
//! (default 20).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use acceptance_tests::lab::checks::assert_host_b_through_tunnel;
use acceptance_tests::lab::config::{both_ends, Ends, PSK};
use acceptance_tests::lab::{run_lab_suite, LabWorkspace};
use acceptance_tests::{test, ProviderMode};
use ipsec_test_support::lab::*;

fn main() {
    run_lab_suite(vec![
        test(
            "wait_until_established_fails_with_the_reason_charon_saw",
            wait_until_established_fails_with_the_reason_charon_saw,
        ),
        test(
            "both_ends_changed_in_one_apply_always_come_back_up",
            both_ends_changed_in_one_apply_always_come_back_up,
        ),
        test(
            "ikev1_both_ends_changed_in_one_apply_always_come_back_up",
            ikev1_both_ends_changed_in_one_apply_always_come_back_up,
        ),
    ]);
}

/// gwA's connection as `both_ends` writes it, from its `start_action` line.
const A_START: &str = "  start_action  = \"start\"\n";
/// The dependency that makes gwB change first; the flips remove it.
const A_AFTER_B: &str = "  depends_on    = [ipsec_remote_subnet.b_site_a]\n";
/// gwA's status, read after its connection and subnets.
const STATUS_A: &str = "
data \"ipsec_connection_status\" \"a\" {
  provider   = ipsec.gwA
  name       = ipsec_vpn_connection.a.name
  depends_on = [ipsec_remote_subnet.a_lan_b, ipsec_remote_subnet.a_lan_cust]
}
";

/// Both ends, gwA waiting for its tunnel (10 s at most), with `fault` (from, to) made
/// to gwA's side only.
fn waiting_config(rig: &LabWorkspace, fault: Option<(&str, &str)>) -> String {
    let hcl = both_ends(&rig.lab, rig.workspace().path(), Ends::INITIAL).replace(
        A_START,
        &format!(
            "{A_START}  wait_until_established = true\n  timeouts = {{ create = \"10s\", update = \"10s\" }}\n"
        ),
    );
    let (a, b) = hcl.split_at(hcl.find("resource \"ipsec_vpn_connection\" \"b\"").unwrap());
    let a = match fault {
        Some((from, to)) => {
            assert!(a.contains(from), "no {from:?} in gwA's side:\n{a}");
            a.replace(from, to)
        }
        None => a.to_owned(),
    };
    format!("{a}{b}{STATUS_A}")
}

/// 4. Each fault fails apply with its own reason, and the tunnel is not up; the right
///    configuration then succeeds (replacing what the failed apply left tainted) and
///    the status shows `established`.
fn wait_until_established_fails_with_the_reason_charon_saw() {
    if skip_system_tests() {
        return;
    }
    let rig = LabWorkspace::new("tf-wait", ProviderMode::Binary, PSK);
    // (fault, gwA's edit, the reason apply must give, whether hostA still reaches hostB)
    let site_a_and_more = format!("local_subnets = [\"{SITE_A}\", \"10.2.0.0/16\"]");
    let faults = [
        (
            "a wrong key",
            (
                "preshared_key = local.psk",
                "preshared_key = \"not-the-lab-key-0451\"",
            ),
            "authentication failed",
            false,
        ),
        (
            "a proposal gwB refuses",
            (
                "phase1        = { encryption = \"AES256\" }",
                "phase1        = { encryption = \"AES128\" }",
            ),
            "no proposal chosen in phase 1",
            false,
        ),
        (
            "a network gwB does not protect",
            // gwB's only remote network is site A's: nothing is left to narrow to.
            (
                &format!("local_subnets = [\"{SITE_A}\"]"),
                "local_subnets = [\"10.2.0.0/16\"]",
            ),
            "traffic selectors unacceptable",
            false,
        ),
        (
            "a network gwB does not protect beside one it does",
            // IKEv2: gwB narrows the CHILD SA to site A, which still passes.
            (
                &format!("local_subnets = [\"{SITE_A}\"]"),
                site_a_and_more.as_str(),
            ),
            "leaves out 10.2.0.0/16 (here) and (none) (there)",
            true,
        ),
    ];
    for (fault, edit, reason, carries) in faults {
        rig.write_config(&waiting_config(&rig, Some((edit.0, edit.1))));
        let run = rig.run(&["apply", "-input=false", "-auto-approve", "-no-color"]);
        let output = run.output();
        assert_ne!(run.code, 0, "apply with {fault} succeeded:\n{output}");
        // Terraform wraps a diagnostic's lines.
        let flat = output.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains("Tunnel not established") && flat.contains(reason),
            "apply with {fault} does not say {reason:?}:\n{output}\n{}",
            rig.lab.report()
        );
        assert_eq!(
            rig.lab.ping("hostA", HOST_B),
            carries,
            "hostA reaching hostB with {fault}\n{}",
            rig.lab.report()
        );
    }
    rig.write_config(&waiting_config(&rig, None));
    rig.apply();
    assert_host_b_through_tunnel(&rig.lab, "once the configuration is right");
    let status = rig.workspace().resource("data.ipsec_connection_status.a");
    assert_eq!(status["state"], "established", "{status:#}");
    rig.converged("the right configuration");
}

/// 6. Both ends in one apply, no dependency between them: every flip of phase 1, of the
///    key and of phase 2 comes back up (IKEv2).
fn both_ends_changed_in_one_apply_always_come_back_up() {
    flips(
        "tf-flips",
        Ends::INITIAL,
        &[
            Flip {
                kind: "phase 1",
                change: (PHASE1_AES256, "phase1        = { encryption = \"AES128\" }"),
            },
            Flip {
                kind: "key",
                change: ("psk = \"", "psk = \"flipped-"),
            },
            Flip {
                kind: "phase 2",
                change: (PHASE2_AES256, "phase2        = { encryption = \"AES192\" }"),
            },
        ],
    );
}

/// 6b. The same with IKEv1, whose main mode fails differently (a wrong key shows as an
///     undecryptable message, not a notify): phase 1 flips come back up.
fn ikev1_both_ends_changed_in_one_apply_always_come_back_up() {
    flips(
        "tf-flips1",
        Ends {
            ike_version: 1,
            ..Ends::INITIAL
        },
        &[Flip {
            kind: "IKEv1 phase 1",
            change: (PHASE1_AES256, "phase1        = { encryption = \"AES128\" }"),
        }],
    );
}

const PHASE1_AES256: &str = "phase1        = { encryption = \"AES256\" }";
const PHASE2_AES256: &str = "phase2        = { encryption = \"AES256\" }";

/// One kind of change made to both ends: the (from, to) edit of the configuration that
/// each flip applies or takes back.
struct Flip {
    kind: &'static str,
    change: (&'static str, &'static str),
}

/// Applies each kind of flip `IPSEC_FLIPS` times (default 20) to both ends of `ends` in
/// one apply, requires the tunnel back up after each, and prints the pings lost.
fn flips(name: &str, ends: Ends, kinds: &[Flip]) {
    if skip_system_tests() {
        return;
    }
    let flips: usize = std::env::var("IPSEC_FLIPS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20);
    let rig = LabWorkspace::new(name, ProviderMode::Binary, PSK);
    let base = both_ends(&rig.lab, rig.workspace().path(), ends).replace(A_AFTER_B, "");
    rig.write_config(&base);
    rig.apply();
    // IKEv1 runs a CHILD SA per pair of subnets: judged by traffic, not by SA counts.
    rig.lab.wait_until("the tunnel to carry hostA's pings", || {
        rig.lab.ping("hostA", HOST_B)
    });
    let mut report = Vec::new();
    for flip in kinds {
        for n in 0..flips {
            let (from, to) = flip.change;
            let config = if n % 2 == 0 {
                base.replace(from, to)
            } else {
                base.clone()
            };
            rig.write_config(&config);
            let ping = Pings::start(&rig.lab);
            let started = Instant::now();
            rig.apply();
            let applied = started.elapsed();
            // Not at once: give it the time a healthy renegotiation takes, no more.
            let limit = Instant::now() + Duration::from_secs(15);
            let up = loop {
                if rig.lab.ping("hostA", HOST_B) {
                    break true;
                }
                if Instant::now() > limit {
                    break false;
                }
            };
            let recovered = started.elapsed();
            let (sent, received) = ping.stop();
            assert!(
                up,
                "{} flip {}: the tunnel did not come back up within 15 s of the apply\n{}",
                flip.kind,
                n + 1,
                rig.lab.report()
            );
            report.push((flip.kind, n + 1, applied, recovered, sent - received));
        }
    }
    eprintln!("kind           flip  apply s  up after s  pings lost (5/s)");
    for (kind, n, applied, recovered, lost) in &report {
        eprintln!(
            "{kind:<14} {n:>4}  {:>7.1}  {:>10.1}  {lost:>4}",
            applied.as_secs_f32(),
            recovered.as_secs_f32()
        );
    }
    rig.converged("the flips");
}

/// `ping -i 0.2` from hostA to hostB, running while a flip is applied.
struct Pings {
    child: Child,
}

impl Pings {
    fn start(lab: &Lab) -> Self {
        let child = Command::new("ip")
            .args(["netns", "exec", &lab.netns("hostA")])
            .args(["ping", "-n", "-q", "-i", "0.2", "-W", "1", HOST_B])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("ping runs");
        Self { child }
    }

    /// Stops it (SIGINT, so that it prints its summary): (sent, received).
    fn stop(self) -> (u64, u64) {
        let pid = self.child.id().to_string();
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .expect("kill runs");
        let output = self.child.wait_with_output().expect("ping ends");
        let text = String::from_utf8_lossy(&output.stdout);
        let summary = text
            .lines()
            .find(|l| l.contains("packets transmitted"))
            .unwrap_or_else(|| panic!("no ping summary in {text}"));
        let number = |word: &str| -> u64 {
            summary
                .split(", ")
                .find(|part| part.contains(word))
                .and_then(|part| part.split_whitespace().next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no {word} in {summary}"))
        };
        (number("transmitted"), number("received"))
    }
}
