//! The `local` engine under load and under failure: parallel writers lose nothing, two
//! processes on one config dir lose nothing, a writer killed at any moment leaves the old
//! or the new configuration, broken files are errors naming file and line. (Keys staying
//! in the 0600 file is `key_secrecy.rs`.)

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use ipsec_core::engine::LocalGateway;
use ipsec_core::gateway::ops::{self, Mode};
use ipsec_core::model::NatTable;
use ipsec_core::validate::ConnectionInput;
use ipsec_core::{Gateway, GatewayError};
use ipsec_test_support::inputs::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_tasks_adding_remote_subnets_to_one_connection_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = Arc::new(open_local(dir.path()));
    ops::put_connection(&*gateway, &classic_input(), Mode::Create)
        .await
        .unwrap();
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let gateway = Arc::clone(&gateway);
            tokio::spawn(async move {
                ops::create_remote_subnet(&*gateway, &subnet("dc1", format!("172.16.{i}.0/24")))
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let context = gateway.get(&name("dc1")).await.unwrap().unwrap();
    assert_eq!(context.remote_subnets.len(), 50);
    // A second gateway over the same dir (a second provider instance) sees the same.
    assert_eq!(
        open_local(dir.path())
            .get(&name("dc1"))
            .await
            .unwrap()
            .unwrap(),
        context
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_subnet_nat_and_connection_changes_all_land() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = Arc::new(open_local(dir.path()));
    ops::put_connection(&*gateway, &classic_input(), Mode::Create)
        .await
        .unwrap();
    ops::create_remote_subnet(&*gateway, &subnet("dc1", "192.168.10.0/24".into()))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let g = Arc::clone(&gateway);
        tasks.push(tokio::spawn(async move {
            ops::create_remote_subnet(&*g, &subnet("dc1", format!("172.17.{i}.0/24")))
                .await
                .map(|_| ())
        }));
    }
    let g = Arc::clone(&gateway);
    tasks.push(tokio::spawn(async move {
        ops::put_nat_context(&*g, &classic_nat_input("dc1"), Mode::Create)
            .await
            .map(|_| ())
    }));
    let g = Arc::clone(&gateway);
    tasks.push(tokio::spawn(async move {
        let mut input = classic_input();
        input.description = Some("changed while subnets were added".into());
        ops::put_connection(&*g, &input, Mode::Update)
            .await
            .map(|_| ())
    }));
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let context = gateway.get(&name("dc1")).await.unwrap().unwrap();
    assert_eq!(context.remote_subnets.len(), 21);
    assert!(context.nat.is_some());
    assert_eq!(
        context.connection.description.as_deref(),
        Some("changed while subnets were added")
    );
}

/// Runs this test binary again as a child process executing `test` with `env` set.
fn child(test: &str, env: &[(&str, String)]) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.args(["--exact", test, "--nocapture", "--test-threads=1"]);
    command.env("IPSEC_TEST_CHILD", "1");
    for (key, value) in env {
        command.env(key, value);
    }
    command.stdout(Stdio::null()).stderr(Stdio::inherit());
    command
}

fn in_child() -> bool {
    std::env::var_os("IPSEC_TEST_CHILD").is_some()
}

/// Runs the child test `test` in two processes at once (ids 1 and 2) on the config dir
/// `dir`, and requires both to succeed.
fn run_two_writer_processes(test: &str, dir: &Path) {
    let dir_env = dir.display().to_string();
    let children: Vec<_> = (1..=2)
        .map(|id| {
            child(
                test,
                &[
                    ("IPSEC_TEST_DIR", dir_env.clone()),
                    ("IPSEC_TEST_ID", id.to_string()),
                ],
            )
            .spawn()
            .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success(), "a writer process failed");
    }
}

/// What a child process was given: its `local` engine's config dir and its id.
fn child_gateway() -> (LocalGateway, u8) {
    let dir = std::env::var("IPSEC_TEST_DIR").unwrap();
    let id: u8 = std::env::var("IPSEC_TEST_ID").unwrap().parse().unwrap();
    (open_local(Path::new(&dir)), id)
}

/// Creates the classic connection under another name, peer and local subnet.
async fn create_own_connection(gateway: &LocalGateway, name: String, peer: String, local: String) {
    let own = ConnectionInput {
        name,
        peer_address: peer,
        local_subnets: vec![local],
        ..classic_input()
    };
    ops::put_connection(gateway, &own, Mode::Create)
        .await
        .unwrap();
}

/// Child side of the two-process test: adds 25 subnets (in its own range) to dc1 and
/// creates its own connection.
#[tokio::test]
async fn child_adds_subnets() {
    if !in_child() {
        return;
    }
    let (gateway, id) = child_gateway();
    create_own_connection(
        &gateway,
        format!("proc{id}"),
        format!("203.0.113.{}", 100 + id),
        format!("10.{}.0.0/16", 100 + id),
    )
    .await;
    for i in 0..25 {
        ops::create_remote_subnet(
            &gateway,
            &subnet("dc1", format!("172.{}.{i}.0/24", 20 + id)),
        )
        .await
        .unwrap();
    }
}

/// Child side of the first-writers test: creates ten connections of its own in a
/// config dir that may not exist yet.
#[tokio::test]
async fn child_creates_connections() {
    if !in_child() {
        return;
    }
    let (gateway, id) = child_gateway();
    for i in 0..10u8 {
        create_own_connection(
            &gateway,
            format!("proc{id}-{i}"),
            format!("203.0.{id}.{}", 10 + i),
            format!("10.{}.{i}.0/24", 100 + id),
        )
        .await;
    }
}

/// The config dir is created by the first change: two processes that both find it
/// missing and write at once lose nothing.
#[tokio::test]
async fn two_processes_creating_the_config_dir_at_once_lose_nothing() {
    if in_child() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("gateway");
    run_two_writer_processes("child_creates_connections", &root);
    assert_eq!(open_local(&root).list().await.unwrap().len(), 20);
}

#[tokio::test]
async fn two_processes_writing_one_config_dir_lose_nothing() {
    if in_child() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let gateway = open_local(dir.path());
    ops::put_connection(&gateway, &classic_input(), Mode::Create)
        .await
        .unwrap();
    run_two_writer_processes("child_adds_subnets", dir.path());
    let context = gateway.get(&name("dc1")).await.unwrap().unwrap();
    assert_eq!(context.remote_subnets.len(), 50);
    let names: Vec<String> = gateway
        .list()
        .await
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(names, ["dc1", "proc1", "proc2"]);
}

/// Two contexts that differ in both files, so a mix of them is detectable.
fn old_and_new() -> (ipsec_core::model::Context, ipsec_core::model::Context) {
    let old = classic_context();
    let mut input = classic_input();
    input.description = Some("new".into());
    let mut nat = classic_nat_input("dc1");
    nat.translations.get_mut("billing-db").unwrap().local_ip = "10.1.255.93".into();
    let new = context(&input, &["192.168.10.0/24", "192.168.30.0/24"], Some(&nat));
    (old, new)
}

/// Child side of the crash test: writes the old and new context alternately until killed.
#[tokio::test]
async fn child_writes_forever() {
    if !in_child() {
        return;
    }
    let gateway = open_local(Path::new(&std::env::var("IPSEC_TEST_DIR").unwrap()));
    let (old, new) = old_and_new();
    loop {
        gateway.put(&new).await.unwrap();
        gateway.put(&old).await.unwrap();
    }
}

#[tokio::test]
async fn a_writer_killed_mid_write_leaves_the_old_or_the_new_configuration() {
    if in_child() {
        return;
    }
    let (old, new) = old_and_new();
    let dir = tempfile::tempdir().unwrap();
    open_local(dir.path()).put(&old).await.unwrap();
    let dir_env = dir.path().display().to_string();
    let mut seen_new = 0;
    for round in 0..25u64 {
        let mut writer = child(
            "child_writes_forever",
            &[("IPSEC_TEST_DIR", dir_env.clone())],
        )
        .spawn()
        .unwrap();
        // Varying delays land the kill at different points of the write cycle.
        std::thread::sleep(Duration::from_millis(40 + (round * 7919) % 60));
        writer.kill().unwrap(); // SIGKILL: no destructor, no cleanup
        writer.wait().unwrap();
        let found = open_local(dir.path())
            .get(&name("dc1"))
            .await
            .unwrap()
            .unwrap();
        assert!(
            found == old || found == new,
            "round {round}: a mix of old and new: {found:?}"
        );
        seen_new += usize::from(found == new);
        // The next writer finishes or discards whatever the killed one left behind.
        open_local(dir.path()).put(&found).await.unwrap();
        let leftovers: Vec<_> = snapshot(dir.path())
            .into_keys()
            .filter(|p| p.contains(".tmp-") || p.ends_with(".journal"))
            .collect();
        assert!(leftovers.is_empty(), "round {round}: {leftovers:?}");
    }
    eprintln!("{seen_new} of 25 kills left the new configuration");
}

#[tokio::test]
async fn a_read_waits_for_a_writer_of_another_process_and_sees_its_commit() {
    use ipsec_core::engine::local::lock::{DirLock, LockKind};
    let dir = tempfile::tempdir().unwrap();
    let gateway = open_local(dir.path());
    // Another process's writer, as far as the engine can tell: the dir's flock, held
    // while the files change underneath.
    let writer = DirLock::acquire(dir.path(), LockKind::Exclusive).unwrap();
    write_bypassing_the_lock(dir.path(), &classic_context()).await;
    let reader = tokio::spawn({
        let gateway = gateway.clone();
        async move { gateway.get(&name("dc1")).await }
    });
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(
        !reader.is_finished(),
        "read while another process held the writer lock"
    );
    drop(writer);
    let found = reader.await.unwrap().unwrap();
    assert_eq!(found, Some(classic_context()));
}

/// Writes `context`'s files into `dir` as a writer holding the lock would: rendered
/// by the engine in a scratch dir, then copied in without taking the lock.
async fn write_bypassing_the_lock(dir: &Path, context: &ipsec_core::model::Context) {
    let staging = tempfile::tempdir().unwrap();
    open_local(staging.path()).put(context).await.unwrap();
    for sub in ["swanctl/conf.d", "nftables"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        for entry in std::fs::read_dir(staging.path().join(sub)).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.join(sub).join(entry.file_name())).unwrap();
        }
    }
}

#[tokio::test]
async fn a_file_broken_by_hand_is_an_error_naming_file_and_line_and_can_still_be_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = open_local(dir.path());
    gateway.put(&classic_context()).await.unwrap();
    let path = gateway.swanctl_path(&name("dc1"));
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "rekey_time = 3600s",
        "rekey_time = 3600s\n                mobike = no",
    );
    std::fs::write(&path, &text).unwrap();
    let line = text.lines().position(|l| l.contains("mobike")).unwrap() + 1;
    match gateway.get(&name("dc1")).await {
        Err(error @ GatewayError::Parse { .. }) => {
            let message = error.to_diagnostic().detail;
            assert!(
                message.contains(&format!("{}, line {line}:", path.display())),
                "{message}"
            );
            assert!(message.contains("mobike"), "{message}");
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
    // An update must not overwrite what it cannot read.
    let error = ops::put_connection(&gateway, &classic_input(), Mode::Update)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("mobike"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    // Destroy still works.
    assert!(gateway.delete(&name("dc1")).await.unwrap());
    assert!(
        snapshot(dir.path())
            .keys()
            .all(|p| p == ".lock" || p == ipsec_core::engine::local::index::INDEX_FILE),
        "{:?}",
        snapshot(dir.path()).keys()
    );
}

#[tokio::test]
async fn deleting_removes_both_files_and_missing_things_are_none() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = open_local(dir.path());
    assert_eq!(gateway.get(&name("dc1")).await.unwrap(), None);
    assert!(!gateway.delete(&name("dc1")).await.unwrap());
    gateway.put(&classic_context()).await.unwrap();
    assert!(gateway.nftables_path(&name("dc1")).exists());
    assert!(ops::delete_nat_context(&gateway, &name("dc1"))
        .await
        .unwrap());
    assert!(!gateway.nftables_path(&name("dc1")).exists());
    assert!(!ops::delete_nat_context(&gateway, &name("dc1"))
        .await
        .unwrap());
    let cidr = ipsec_core::model::Cidr::parse("192.168.10.0/24").unwrap();
    assert!(ops::delete_remote_subnet(&gateway, &name("dc1"), cidr)
        .await
        .unwrap());
    assert!(!ops::delete_remote_subnet(&gateway, &name("dc1"), cidr)
        .await
        .unwrap());
    assert!(ops::delete_connection(&gateway, &name("dc1"))
        .await
        .unwrap());
    assert!(!gateway.swanctl_path(&name("dc1")).exists());
    assert!(gateway.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_unusable_config_dir_is_an_error_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "").unwrap();
    let error = LocalGateway::open(file.join("gw"), NatTable::default()).unwrap_err();
    let diagnostic = error.to_diagnostic();
    assert_eq!(diagnostic.path.to_string(), "config_dir");
    assert!(
        diagnostic.detail.contains("not-a-dir/gw cannot be created"),
        "{}",
        diagnostic.detail
    );
}

#[tokio::test]
async fn a_put_restores_the_mode_of_a_file_opened_up_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = open_local(dir.path());
    gateway.put(&classic_context()).await.unwrap();
    let path = gateway.swanctl_path(&name("dc1"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    gateway.put(&classic_context()).await.unwrap();
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[tokio::test]
async fn an_unchanged_put_does_not_rewrite_files() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = open_local(dir.path());
    gateway.put(&classic_context()).await.unwrap();
    let path = gateway.swanctl_path(&name("dc1"));
    let before = std::fs::metadata(&path).unwrap().modified().unwrap();
    std::thread::sleep(Duration::from_millis(20));
    gateway.put(&classic_context()).await.unwrap();
    assert_eq!(
        std::fs::metadata(&path).unwrap().modified().unwrap(),
        before
    );
}
