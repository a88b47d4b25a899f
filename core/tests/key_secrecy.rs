//! Keys stay in the 0600 swanctl file and out of logs, errors and debug output.
//!
//! This is its own test binary on purpose: tracing caches per-callsite interest globally,
//! and another test thread hitting a callsite while this test installs its subscriber can
//! leave that callsite disabled, which made the log capture flaky.

use ipsec_test_support::log_capture;

use std::os::unix::fs::PermissionsExt;

use ipsec_core::gateway::ops::{self, Mode};
use ipsec_core::Gateway;
use ipsec_test_support::inputs::*;

#[tokio::test]
async fn keys_live_only_in_the_0600_swanctl_file_and_never_in_logs() {
    let captured = log_capture::Captured::start(tracing::Level::TRACE);

    let dir = tempfile::tempdir().unwrap();
    let gateway = open_local(dir.path());
    create_classic_site(&gateway).await;
    let mut bad = classic_input();
    bad.name = "dc2".into();
    bad.peer_address = "nope".into();
    let error = ops::put_connection(&gateway, &bad, Mode::Create)
        .await
        .unwrap_err();
    assert!(!format!("{error} {error:?}").contains(PSK));
    let context = gateway.get(&name("dc1")).await.unwrap().unwrap();
    assert!(!format!("{context:?}").contains(PSK));

    let hex: String = PSK.bytes().map(|b| format!("{b:02x}")).collect();
    for (path, contents) in snapshot(dir.path()) {
        let text = String::from_utf8_lossy(&contents);
        assert!(!text.contains(PSK), "{path} holds the key in clear");
        let mode = std::fs::metadata(dir.path().join(&path))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        if text.contains(&hex) {
            assert_eq!((path.as_str(), mode), ("swanctl/conf.d/dc1.conf", 0o600));
        } else {
            assert_eq!(
                mode & 0o077 & !0o040,
                0,
                "{path} is readable by others: {mode:o}"
            );
        }
    }
    let logs = captured.text();
    assert!(
        logs.contains("modified context"),
        "the engine logs its work: {logs}"
    );
    assert!(
        !logs.contains(PSK) && !logs.contains(&hex),
        "the key leaked into the logs"
    );
}
