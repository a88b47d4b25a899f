//! A create whose provider was killed after writing and before answering Terraform: the
//! next create of the very same object adopts it; anything else that already exists is
//! still refused (see `ipsec_core::gateway::unanswered`).

use std::path::{Path, PathBuf};

use ipsec_core::gateway::ops::REMOTE_SUBNET_EXISTS;
use ipsec_core::gateway::ops::{self, Mode, CONNECTION_EXISTS, NAT_CONTEXT_EXISTS};
use ipsec_core::gateway::unanswered::Object;
use ipsec_core::model::Cidr;
use ipsec_core::{ApplyError, Gateway};
use ipsec_test_support::inputs::*;

/// The marker files a killed provider (a process that no longer runs) leaves.
struct KilledProvider {
    dir: PathBuf,
    pid: String,
}

impl KilledProvider {
    fn of(config_dir: &Path) -> Self {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id().to_string();
        child.wait().unwrap();
        let dir = config_dir.join(".unanswered");
        std::fs::create_dir_all(&dir).unwrap();
        Self { dir, pid }
    }

    fn left(&self, marker: &str) {
        std::fs::write(self.dir.join(marker), &self.pid).unwrap();
    }

    fn markers(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }
}

/// The gateway's configuration files, without the engine's own bookkeeping (the index,
/// the lock, the markers).
fn configuration(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut files = snapshot(dir);
    files.retain(|path, _| !path.starts_with('.'));
    files
}

fn refused_with(result: Result<(), ApplyError>, summary: &str) {
    let Err(ApplyError::Rejected(diags)) = result else {
        panic!("expected {summary:?}, got {result:?}")
    };
    assert!(diags.errors().any(|d| d.summary == summary), "{diags}");
}

/// What a killed apply left: the objects of [`create_classic_site`], each written by
/// its create and never answered.
async fn killed_apply(dir: &Path) -> KilledProvider {
    create_classic_site(&open_local(dir)).await;
    let killed = KilledProvider::of(dir);
    assert_eq!(
        killed.markers().len(),
        3,
        "a create is marked until Terraform reads its object"
    );
    for marker in [
        "connection-dc1",
        "remote_subnet-dc1-192.168.10.0_24",
        "nat_context-dc1",
    ] {
        killed.left(marker);
    }
    killed
}

#[tokio::test]
async fn the_next_create_of_the_same_objects_adopts_what_a_killed_provider_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let killed = killed_apply(dir.path()).await;
    let files = configuration(dir.path());

    // The next apply, in another process, plans the same three creates.
    let gateway = open_local(dir.path());
    create_classic_site(&gateway).await;
    assert_eq!(configuration(dir.path()), files, "adopting changes nothing");

    // Adopted once, the objects are this process's: another create is refused.
    refused_with(
        ops::put_connection(&gateway, &classic_input(), Mode::Create)
            .await
            .map(drop),
        CONNECTION_EXISTS,
    );
    // Terraform's next refresh reads them: no create of them is unanswered any more.
    let name = name("dc1");
    let cidr = Cidr::parse("192.168.10.0/24").unwrap();
    for object in [
        Object::Connection(&name),
        Object::RemoteSubnet(&name, cidr),
        Object::NatContext(&name),
    ] {
        gateway.unanswered().answered(&object);
    }
    assert!(killed.markers().is_empty());
}

#[tokio::test]
async fn a_create_that_differs_from_what_the_killed_provider_wrote_is_refused_and_keeps_the_trace()
{
    let dir = tempfile::tempdir().unwrap();
    let killed = killed_apply(dir.path()).await;
    let files = configuration(dir.path());
    let gateway = open_local(dir.path());

    let mut other = classic_input();
    other.description = Some("another configuration".into());
    refused_with(
        ops::put_connection(&gateway, &other, Mode::Create)
            .await
            .map(drop),
        CONNECTION_EXISTS,
    );
    let other_nat = nat_input(
        "dc1",
        "10.1.255.88/29",
        &[("billing-db", "10.1.255.93", "192.168.10.15")],
    );
    refused_with(
        ops::put_nat_context(&gateway, &other_nat, Mode::Create)
            .await
            .map(drop),
        NAT_CONTEXT_EXISTS,
    );
    assert_eq!(configuration(dir.path()), files);
    assert_eq!(
        killed.markers().len(),
        3,
        "a refused create keeps the trace"
    );

    // The configuration that was being applied still adopts it.
    ops::put_connection(&gateway, &classic_input(), Mode::Create)
        .await
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(killed.dir.join("connection-dc1")).unwrap(),
        std::process::id().to_string()
    );
}

#[tokio::test]
async fn without_a_killed_providers_marker_an_existing_object_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let killed = killed_apply(dir.path()).await;
    for marker in killed.markers() {
        std::fs::remove_file(killed.dir.join(marker)).unwrap();
    }
    // A marker of a process that still runs is a create in progress, not a crash.
    let mut running = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .unwrap();
    std::fs::write(
        killed.dir.join("remote_subnet-dc1-192.168.10.0_24"),
        running.id().to_string(),
    )
    .unwrap();

    let gateway = open_local(dir.path());
    refused_with(
        ops::put_connection(&gateway, &classic_input(), Mode::Create)
            .await
            .map(drop),
        CONNECTION_EXISTS,
    );
    refused_with(
        ops::create_remote_subnet(&gateway, &subnet("dc1", "192.168.10.0/24".into()))
            .await
            .map(drop),
        REMOTE_SUBNET_EXISTS,
    );
    refused_with(
        ops::put_nat_context(&gateway, &classic_nat_input("dc1"), Mode::Create)
            .await
            .map(drop),
        NAT_CONTEXT_EXISTS,
    );
    running.kill().unwrap();
    running.wait().unwrap();
}

/// A gateway that writes each change and then never answers, as a provider that was
/// stopped (its futures dropped at shutdown, or a timeout) between writing and answering.
struct WritesThenStalls(ipsec_core::engine::LocalGateway);

#[async_trait::async_trait]
impl Gateway for WritesThenStalls {
    fn engine(&self) -> &'static str {
        self.0.engine()
    }
    async fn get(
        &self,
        name: &ipsec_core::model::ConnectionName,
    ) -> Result<Option<ipsec_core::model::Context>, ipsec_core::GatewayError> {
        self.0.get(name).await
    }
    async fn list(
        &self,
    ) -> Result<Vec<ipsec_core::model::ConnectionName>, ipsec_core::GatewayError> {
        self.0.list().await
    }
    async fn index(&self) -> Result<ipsec_core::gateway::GatewayIndex, ipsec_core::GatewayError> {
        self.0.index().await
    }
    fn detached(&self) -> &ipsec_core::gateway::detached::Detached {
        self.0.detached()
    }
    fn unanswered(&self) -> &ipsec_core::gateway::unanswered::Unanswered {
        self.0.unanswered()
    }
    fn nat_table(&self) -> &ipsec_core::model::NatTable {
        self.0.nat_table()
    }
    async fn stored_nat_table(
        &self,
        name: &ipsec_core::model::ConnectionName,
    ) -> Result<Option<ipsec_core::model::NatTable>, ipsec_core::GatewayError> {
        self.0.stored_nat_table(name).await
    }
    async fn modify(
        &self,
        name: &ipsec_core::model::ConnectionName,
        edit: ipsec_core::gateway::Edit,
    ) -> Result<ipsec_core::gateway::Change, ApplyError> {
        let _ = self.0.modify(name, edit).await;
        std::future::pending().await
    }
}

#[tokio::test]
async fn a_create_cut_short_after_writing_keeps_its_marker_and_is_adopted_later() {
    let dir = tempfile::tempdir().unwrap();
    let stalling = WritesThenStalls(open_local(dir.path()));
    let cut_short = tokio::time::timeout(
        std::time::Duration::from_millis(200),
        ops::put_connection(&stalling, &classic_input(), Mode::Create),
    )
    .await;
    assert!(cut_short.is_err(), "the create answered");
    drop(stalling);
    let marker = dir.path().join(".unanswered/connection-dc1");
    assert!(marker.exists(), "the create wrote and lost its marker");

    // Once the process is gone (here: its marker names a process that no longer runs),
    // the next apply's create adopts the connection.
    let killed = KilledProvider::of(dir.path());
    killed.left("connection-dc1");
    ops::put_connection(&open_local(dir.path()), &classic_input(), Mode::Create)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_config_dir_that_cannot_hold_markers_only_costs_the_adoption() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".unanswered"), "a file in the way").unwrap();
    create_classic_site(&open_local(dir.path())).await;
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".unanswered")).unwrap(),
        "a file in the way"
    );
}

#[tokio::test]
async fn deleting_an_object_ends_its_marker() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = open_local(dir.path());
    create_classic_site(&gateway).await;
    let markers = KilledProvider::of(dir.path());
    assert_eq!(markers.markers().len(), 3);
    let name = name("dc1");
    let cidr = Cidr::parse("192.168.10.0/24").unwrap();
    assert!(ops::delete_nat_context(&gateway, &name).await.unwrap());
    assert!(ops::delete_remote_subnet(&gateway, &name, cidr)
        .await
        .unwrap());
    assert_eq!(markers.markers(), ["connection-dc1"]);
    assert!(ops::delete_connection(&gateway, &name).await.unwrap());
    assert!(markers.markers().is_empty());
}
