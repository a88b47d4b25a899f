//! The `strongswan` engine when the machine around it fails: a full disk, a read-only
//! `config_dir`, charon restarted between plan and apply, and a charon that accepts
//! VICI connections and never answers. Each fault ends the change with an error that
//! says what failed, leaves the previous configuration in the files and in charon, and
//! the same change goes through once the fault is gone. (charon killed mid-change and
//! nft refusing a transaction are in `strongswan_engine.rs`.)
//!
//! Needs root (tmpfs mounts), nftables and strongSwan; `IPSEC_SKIP_SYSTEM_TESTS=1`
//! skips it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use ipsec_core::engine::strongswan::ViciUri;
use ipsec_core::engine::StrongswanGateway;
use ipsec_core::gateway::ops::{self, Mode};
use ipsec_core::model::NatTable;
use ipsec_core::validate::ConnectionInput;
use ipsec_core::{ApplyError, EngineError, Gateway, GatewayError};
use ipsec_test_support::charon::{skip_system_tests, Charon};
use ipsec_test_support::inputs::*;

/// A small tmpfs mounted at a fresh directory; unmounted on drop.
struct Tmpfs {
    path: PathBuf,
}

impl Tmpfs {
    fn mount(path: &Path, size: &str) -> Self {
        std::fs::create_dir_all(path).unwrap();
        mount(
            &[
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ],
            path,
        );
        Self {
            path: path.to_owned(),
        }
    }

    /// Remounts it read-only (`true`) or read-write.
    fn read_only(&self, read_only: bool) {
        let options = if read_only {
            "remount,ro"
        } else {
            "remount,rw"
        };
        mount(&["-o", options], &self.path);
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

fn mount(args: &[&str], target: &Path) {
    let status = Command::new("mount")
        .args(args)
        .arg(target)
        .status()
        .unwrap();
    assert!(status.success(), "mount {args:?} {}", target.display());
}

/// A charon and, on a tmpfs of its own, the config dir of an engine with the classic
/// context.
struct Rig {
    _dir: tempfile::TempDir,
    charon: Charon,
    disk: Tmpfs,
    gateway: StrongswanGateway,
}

impl Rig {
    async fn new() -> Option<Self> {
        if skip_system_tests() {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let charon = Charon::start(dir.path());
        let disk = Tmpfs::mount(&dir.path().join("gw"), "512k");
        let gateway = StrongswanGateway::open(
            &disk.path,
            NatTable::default(),
            ViciUri::parse(&charon.vici_uri()).unwrap(),
            Some(charon.netns().to_owned()),
        )
        .await
        .unwrap();
        ops::put_connection(&gateway, &classic_input(), Mode::Create)
            .await
            .unwrap();
        ops::create_remote_subnet(&gateway, &subnet("dc1", "192.168.10.0/24".into()))
            .await
            .unwrap();
        ops::put_nat_context(&gateway, &classic_nat_input("dc1"), Mode::Create)
            .await
            .unwrap();
        Some(Self {
            _dir: dir,
            charon,
            disk,
            gateway,
        })
    }

    /// What must survive a failed change: every file (names and contents) and what
    /// charon and nftables run.
    fn configuration(&self) -> (std::collections::BTreeMap<String, Vec<u8>>, String, String) {
        let nat = self
            .charon
            .nft(&["list", "table", "inet", "ipsec_nat"])
            .unwrap_or_default();
        (
            snapshot(&self.disk.path),
            self.charon.swanctl(&["--list-conns"]),
            nat,
        )
    }
}

/// The classic connection with another local subnet: a change charon shows.
fn changed() -> ConnectionInput {
    let mut input = classic_input();
    input.local_subnets = vec!["10.77.0.0/16".into()];
    input
}

/// Checks that `changed()` is what the gateway holds, in the files and in charon.
async fn assert_changed(rig: &Rig) {
    let context = rig.gateway.get(&name("dc1")).await.unwrap().unwrap();
    let expected = context_of(
        &changed(),
        &["192.168.10.0/24"],
        Some(&classic_nat_input("dc1")),
    );
    assert_eq!(context, expected);
    assert!(rig
        .charon
        .swanctl(&["--list-conns"])
        .contains("10.77.0.0/16"));
}

/// The context `input`, `remote` and `nat` describe.
fn context_of(
    input: &ConnectionInput,
    remote: &[&str],
    nat: Option<&ipsec_core::validate::NatContextInput>,
) -> ipsec_core::model::Context {
    context(input, remote, nat)
}

/// The update of [`changed`] fails with a file error at `config_dir` that says
/// `os_message` and names the file under the disk; answers the diagnostic's text.
async fn update_fails_on_a_file(rig: &Rig, os_message: &str) -> String {
    let error = ops::put_connection(&rig.gateway, &changed(), Mode::Update)
        .await
        .unwrap_err();
    let ApplyError::Gateway(error @ GatewayError::Io { .. }) = error else {
        panic!("expected a file error, got {error:?}")
    };
    let diagnostic = error.to_diagnostic();
    assert_eq!(diagnostic.path.to_string(), "config_dir");
    let text = diagnostic.to_string();
    assert!(text.contains(os_message), "{text}");
    assert!(
        text.contains(&rig.disk.path.display().to_string()),
        "{text}"
    );
    text
}

#[tokio::test]
async fn a_full_disk_fails_the_change_keeps_the_previous_configuration_and_then_converges() {
    let Some(rig) = Rig::new().await else {
        return;
    };
    let before = rig.configuration();
    // Fill the tmpfs to the last block.
    let filler = rig.disk.path.join("filler");
    let mut file = std::fs::File::create(&filler).unwrap();
    let block = vec![0u8; 4096];
    while std::io::Write::write_all(&mut file, &block).is_ok() {}
    drop(file);

    let text = update_fails_on_a_file(&rig, "No space left on device").await;
    assert!(!text.contains(PSK), "{text}");
    std::fs::remove_file(&filler).unwrap();
    assert_eq!(
        rig.configuration(),
        before,
        "a full disk changed the configuration"
    );

    ops::put_connection(&rig.gateway, &changed(), Mode::Update)
        .await
        .unwrap();
    assert_changed(&rig).await;
}

#[tokio::test]
async fn a_read_only_config_dir_fails_the_change_keeps_the_previous_configuration_and_then_converges(
) {
    let Some(rig) = Rig::new().await else {
        return;
    };
    let before = rig.configuration();
    rig.disk.read_only(true);

    update_fails_on_a_file(&rig, "Read-only file system").await;
    // Reading still works on a read-only disk: plans go on showing the gateway.
    assert_eq!(
        rig.gateway.get(&name("dc1")).await.unwrap(),
        Some(context_of(
            &classic_input(),
            &["192.168.10.0/24"],
            Some(&classic_nat_input("dc1"))
        ))
    );
    rig.disk.read_only(false);
    assert_eq!(
        rig.configuration(),
        before,
        "a read-only disk changed the configuration"
    );

    ops::put_connection(&rig.gateway, &changed(), Mode::Update)
        .await
        .unwrap();
    assert_changed(&rig).await;
}

/// A plan sees charon with the connection loaded; charon restarts (with nothing
/// loaded) before the apply. The apply's update finds no connection in charon (which
/// is the gateway's truth) though the files hold it, and says that charon lost it
/// (not that it was never created) at `name`, changing nothing; the next plan shows the
/// connection gone, and its create loads it again, as it is configured.
#[tokio::test]
async fn charon_restarted_between_plan_and_apply_fails_the_update_and_the_next_apply_converges() {
    let Some(mut rig) = Rig::new().await else {
        return;
    };
    let plan = ops::preview(
        &rig.gateway,
        &name("dc1"),
        ops::connection_edit(
            ipsec_core::validate::validate_connection(&changed())
                .0
                .unwrap(),
            Mode::Update,
        ),
    )
    .await;
    assert!(!plan.has_error(), "{plan}");
    let files = snapshot(&rig.disk.path);

    rig.charon.restart();
    let error = ops::put_connection(&rig.gateway, &changed(), Mode::Update)
        .await
        .unwrap_err();
    let ApplyError::Rejected(diagnostics) = error else {
        panic!("expected a diagnostic, got {error:?}")
    };
    let diagnostic = diagnostics.iter().next().unwrap();
    assert_eq!(diagnostic.path.to_string(), "name", "{diagnostic}");
    assert_eq!(diagnostic.summary, ops::CONNECTION_NOT_RUNNING);
    assert!(
        diagnostic.detail.contains("charon does not run it")
            && diagnostic.detail.contains("Run terraform apply again"),
        "{diagnostic}"
    );
    // A remote subnet added in the same apply is told the same, at its own attribute,
    // at once (not after waiting for a connection no other change will bring).
    let started = Instant::now();
    let added = subnet("dc1", "192.168.30.0/24".into());
    let error = ops::patiently(Duration::from_secs(10), || {
        ops::create_remote_subnet(&rig.gateway, &added)
    })
    .await
    .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    let ApplyError::Rejected(diagnostics) = error else {
        panic!("expected a diagnostic, got {error:?}")
    };
    assert!(
        diagnostics
            .errors()
            .any(|d| d.summary == ops::CONNECTION_NOT_RUNNING
                && d.path.to_string() == "connection_name"),
        "{diagnostics}"
    );
    assert_eq!(snapshot(&rig.disk.path), files, "a refused update wrote");

    // The refreshed plan: gone from charon with its remote subnet and NAT, so
    // Terraform plans to create all three.
    assert_eq!(rig.gateway.get(&name("dc1")).await.unwrap(), None);
    ops::put_connection(&rig.gateway, &changed(), Mode::Create)
        .await
        .unwrap();
    ops::create_remote_subnet(&rig.gateway, &subnet("dc1", "192.168.10.0/24".into()))
        .await
        .unwrap();
    ops::put_nat_context(&rig.gateway, &classic_nat_input("dc1"), Mode::Create)
        .await
        .unwrap();
    assert_changed(&rig).await;
}

/// charon stopped (SIGSTOP) keeps its VICI socket: connections are accepted and never
/// answered. The change ends at the engine's deadline with an error at `vici_uri`; the
/// files are back as they were, and once charon runs again it still holds the previous
/// configuration and the change goes through.
#[tokio::test]
async fn a_vici_socket_that_never_answers_ends_the_change_at_vici_uri_and_keeps_the_configuration()
{
    let Some(rig) = Rig::new().await else {
        return;
    };
    let before = rig.configuration();
    rig.charon.signal("STOP");
    let started = Instant::now();
    let result = ops::put_connection(&rig.gateway, &changed(), Mode::Update).await;
    let waited = started.elapsed();
    let files_meanwhile = snapshot(&rig.disk.path);
    rig.charon.signal("CONT");

    let error = result.unwrap_err();
    let ApplyError::Gateway(error @ GatewayError::Engine(EngineError::ViciDeadline { .. })) = error
    else {
        panic!("expected the VICI deadline, got {error:?}")
    };
    let diagnostic = error.to_diagnostic();
    assert_eq!(diagnostic.path.to_string(), "vici_uri", "{diagnostic}");
    // One deadline for the load, at most one more for putting the old one back.
    assert!(waited < Duration::from_secs(100), "waited {waited:?}");
    assert_eq!(files_meanwhile, before.0, "the files were not restored");
    assert_eq!(
        rig.configuration(),
        before,
        "charon's configuration changed"
    );

    ops::put_connection(&rig.gateway, &changed(), Mode::Update)
        .await
        .unwrap();
    assert_changed(&rig).await;
}
