//! The config dir of the `local` engine: what opening it accepts, that opening and
//! reading create nothing (`terraform plan` does both), that the first change creates
//! it privately, and that a file under it linking elsewhere is refused unread.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use ipsec_core::engine::LocalGateway;
use ipsec_core::gateway::ops::{self, Mode};
use ipsec_core::model::NatTable;
use ipsec_core::{ApplyError, Gateway, GatewayError};
use ipsec_test_support::inputs::*;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn opening_and_reading_a_missing_config_dir_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("gateway");
    let gateway = open_local(&root);
    assert_eq!(gateway.get(&name("dc1")).await.unwrap(), None);
    assert!(gateway.list().await.unwrap().is_empty());
    assert!(!gateway.delete(&name("dc1")).await.unwrap());
    let verdict = ops::preview(
        &gateway,
        &name("dc1"),
        ops::connection_edit(classic_context().connection, Mode::Create),
    )
    .await;
    assert!(verdict.is_empty(), "{verdict}");
    // A rejected change writes nothing, not even the dir.
    let update = ops::put_connection(&gateway, &classic_input(), Mode::Update).await;
    assert!(matches!(update, Err(ApplyError::Rejected(_))), "{update:?}");
    let subnet =
        ops::create_remote_subnet(&gateway, &subnet("dc1", "192.168.10.0/24".into())).await;
    assert!(matches!(subnet, Err(ApplyError::Rejected(_))), "{subnet:?}");
    assert!(!root.exists(), "a plan's work created {}", root.display());
}

#[tokio::test]
async fn reading_an_existing_dir_no_writer_touched_creates_no_lock_file() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = open_local(dir.path());
    assert_eq!(gateway.get(&name("dc1")).await.unwrap(), None);
    assert!(gateway.list().await.unwrap().is_empty());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[tokio::test]
async fn the_first_change_creates_the_config_dir_mode_0700() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("deep/gateway");
    let gateway = open_local(&root);
    ops::put_connection(&gateway, &classic_input(), Mode::Create)
        .await
        .unwrap();
    for path in ["", "swanctl", "swanctl/conf.d", "nftables"] {
        assert_eq!(mode(&root.join(path)), 0o700, "{path}");
    }
    assert_eq!(
        gateway.get(&name("dc1")).await.unwrap().unwrap().connection,
        classic_context().connection
    );
}

#[tokio::test]
async fn a_config_dir_that_is_a_file_is_an_error_naming_config_dir() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gateway");
    std::fs::write(&file, "not a directory\n").unwrap();
    let error = LocalGateway::open(&file, NatTable::default()).unwrap_err();
    let diagnostic = error.to_diagnostic();
    assert_eq!(diagnostic.path.to_string(), "config_dir");
    assert!(
        diagnostic
            .detail
            .contains(&format!("{} is a file, not a directory", file.display())),
        "{}",
        diagnostic.detail
    );
}

#[tokio::test]
async fn a_config_dir_that_cannot_be_written_is_an_error_naming_config_dir() {
    let dir = tempfile::tempdir().unwrap();
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o500)).unwrap();
    if std::fs::write(locked.join("probe"), "").is_ok() {
        eprintln!("skipped: this process writes where the mode says it cannot (root)");
        return;
    }
    for root in [locked.clone(), locked.join("gateway")] {
        let error = LocalGateway::open(&root, NatTable::default()).unwrap_err();
        let diagnostic = error.to_diagnostic();
        assert_eq!(diagnostic.path.to_string(), "config_dir");
        assert!(
            diagnostic.detail.contains("is not writable"),
            "{}",
            diagnostic.detail
        );
    }
}

/// A file under the config dir that is a symbolic link to a file elsewhere (say, one
/// with secrets) is neither read nor quoted; a link inside the config dir is read.
#[tokio::test]
async fn a_file_linking_outside_the_config_dir_is_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("gateway");
    let gateway = open_local(&root);
    gateway.put(&classic_context()).await.unwrap();
    let secret = dir.path().join("shadow");
    std::fs::write(&secret, "root:$6$SECRET-HASH:19000:0:99999:7:::\n").unwrap();
    let conf = gateway.swanctl_path(&name("dc1"));
    let inside = root.join("dc1.conf.orig");
    std::fs::rename(&conf, &inside).unwrap();

    std::os::unix::fs::symlink(&secret, &conf).unwrap();
    let error = gateway.get(&name("dc1")).await.unwrap_err();
    assert!(
        matches!(error, GatewayError::OutsideLink { .. }),
        "{error:?}"
    );
    let diagnostic = error.to_diagnostic();
    assert!(
        diagnostic.detail.contains("symbolic link"),
        "{}",
        diagnostic.detail
    );
    assert!(
        diagnostic.detail.contains("dc1.conf"),
        "{}",
        diagnostic.detail
    );
    assert!(
        !diagnostic.detail.contains("SECRET"),
        "{}",
        diagnostic.detail
    );
    let update = ops::put_connection(&gateway, &classic_input(), Mode::Update).await;
    assert!(update.is_err(), "an update read through the link");
    assert_eq!(
        std::fs::read_to_string(&secret).unwrap(),
        "root:$6$SECRET-HASH:19000:0:99999:7:::\n"
    );

    std::fs::remove_file(&conf).unwrap();
    std::os::unix::fs::symlink(&inside, &conf).unwrap();
    assert_eq!(
        gateway.get(&name("dc1")).await.unwrap(),
        Some(classic_context())
    );
}
