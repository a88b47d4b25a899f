//! The `strongswan` engine logs each action it takes on charon and nftables at debug
//! level, with the connection and the outcome, and never the key (issue 13, item 11:
//! `TF_LOG_PROVIDER=DEBUG` said nothing of what was loaded or terminated).
//!
//! Its own test binary, as `key_secrecy.rs`: tracing caches per-callsite interest
//! globally. Needs root, nftables and strongSwan; `IPSEC_SKIP_SYSTEM_TESTS=1` skips it.

use ipsec_test_support::log_capture;

use ipsec_core::engine::strongswan::ViciUri;
use ipsec_core::engine::StrongswanGateway;
use ipsec_core::gateway::ops;
use ipsec_core::model::NatTable;
use ipsec_test_support::charon::{skip_system_tests, Charon};
use ipsec_test_support::inputs::*;

#[tokio::test]
async fn each_engine_action_is_logged_with_its_connection_and_outcome_never_the_key() {
    if skip_system_tests() {
        return;
    }
    let captured = log_capture::Captured::start(tracing::Level::DEBUG);

    let dir = tempfile::tempdir().unwrap();
    let charon = Charon::start(dir.path());
    let gateway = StrongswanGateway::open(
        dir.path().join("gw"),
        NatTable::default(),
        ViciUri::parse(&charon.vici_uri()).unwrap(),
        Some(charon.netns().to_owned()),
    )
    .await
    .unwrap();
    // Its remote subnet renegotiates the CHILD_SA of the `trap` connection: a terminate.
    create_classic_site(&gateway).await;
    ops::delete_connection(&gateway, &name("dc1"))
        .await
        .unwrap();

    let logs = captured.text();
    for action in [
        "load-shared",
        "load-conn",
        "terminate",
        "unload-conn",
        "unload-shared",
        "nft transaction applied",
    ] {
        let line = logs
            .lines()
            .find(|line| line.contains(action) && line.contains("dc1"))
            .unwrap_or_else(|| panic!("no {action:?} line naming dc1 in:\n{logs}"));
        // The outcome: done, or (a terminate without an SA to close) charon's reason.
        assert!(
            ["succeeded", "done", "applied", "did not complete"]
                .iter()
                .any(|outcome| line.contains(outcome)),
            "{line}"
        );
    }
    let hex: String = PSK.bytes().map(|b| format!("{b:02x}")).collect();
    assert!(
        !logs.contains(PSK) && !logs.to_ascii_lowercase().contains(&hex),
        "the key leaked into the logs"
    );
}
