//! The `strongswan` engine on a gateway of the live lab (`scripts/lab`), against a
//! hand-written peer: what only a negotiating peer shows, such as the SAs a change of
//! start action leaves.
//!
//! Needs root, network namespaces, Debian's strongSwan and nftables; see
//! `ipsec_test_support::lab`. `IPSEC_SKIP_SYSTEM_TESTS=1` skips these tests.

use std::time::Duration;

use ipsec_core::engine::strongswan::ViciUri;
use ipsec_core::engine::StrongswanGateway;
use ipsec_core::gateway::ops::{self, Mode};
use ipsec_core::model::NatTable;
use ipsec_core::validate::{ConnectionInput, RemoteSubnetInput};
use ipsec_test_support::lab::*;

/// gwA's side of [`Tunnel::DEFAULT`] (connection `lab`), as the engine writes it.
fn lab_input(start_action: &str) -> ConnectionInput {
    ConnectionInput {
        name: Tunnel::DEFAULT.name.into(),
        peer_address: GW_B.into(),
        local_address: Some(GW_A.into()),
        preshared_key: Some(LAB_PSK.into()),
        local_subnets: vec![SITE_A.into()],
        start_action: Some(start_action.into()),
        ..ConnectionInput::default()
    }
}

/// The IKE SAs and the installed CHILD SAs a gateway lists.
fn sa_counts(lab: &Lab, gw: &str) -> (usize, usize) {
    let sas = lab.list_sas(gw);
    let ike = sas
        .lines()
        .filter(|line| !line.starts_with(' ') && line.contains(": #"))
        .count();
    let children = sas
        .lines()
        .filter(|line| line.contains("INSTALLED"))
        .count();
    (ike, children)
}

/// Issue 13 item 11: an SA up under `trap` (here the peer brought it up), then the
/// connection changed to `start`: charon kept the old SA and initiated a second one.
/// The engine closes the old one first, so exactly one IKE SA and one CHILD SA remain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trap_to_start_leaves_one_ike_sa_and_one_child_sa() {
    if skip_system_tests() {
        return;
    }
    let lab = Lab::up("trapstart");
    lab.load_swanctl_conf("gwB", &Tunnel::DEFAULT.swanctl_conf("gwB"));
    let config = tempfile::tempdir().unwrap();
    let gateway = StrongswanGateway::open(
        config.path(),
        NatTable::default(),
        ViciUri::parse(&lab.vici_uri("gwA")).unwrap(),
        Some(lab.netns("gwA")),
    )
    .await
    .unwrap();
    ops::put_connection(&gateway, &lab_input("trap"), Mode::Create)
        .await
        .unwrap();
    ops::create_remote_subnet(
        &gateway,
        &RemoteSubnetInput {
            connection: Tunnel::DEFAULT.name.into(),
            cidr: LAN_B.into(),
        },
    )
    .await
    .unwrap();
    lab.initiate("gwB", "net");
    assert_eq!(sa_counts(&lab, "gwA"), (1, 1), "{}", lab.report());

    ops::put_connection(&gateway, &lab_input("start"), Mode::Update)
        .await
        .unwrap();
    lab.wait_until("gwA to install the started CHILD SA", || {
        sa_counts(&lab, "gwA").1 >= 1
    });
    // A second initiation would show within a moment of the first.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        sa_counts(&lab, "gwA"),
        (1, 1),
        "duplicate SAs after trap -> start:\n{}",
        lab.report()
    );
    assert!(lab.ping("hostA", HOST_B), "{}", lab.report());
}
