//! The `strongswan` engine against a real charon and nftables, in a private network and
//! mount namespace: what a put loads, what a get reads back (drift), what a refusal
//! restores, and surviving a charon restart.
//!
//! Needs root, nftables and strongSwan (`.ci/run` installs them);
//! `IPSEC_SKIP_SYSTEM_TESTS=1` skips it.

use ipsec_core::engine::strongswan::ViciUri;
use ipsec_core::engine::StrongswanGateway;
use ipsec_core::gateway::ops::{self, Mode};
use ipsec_core::model::{
    Dpd, DpdAction, DpdDelay, DpdTimeout, EndpointAddress, Identity, IkeVersion, Keylife, NatTable,
    StartAction,
};
use ipsec_core::validate::ConnectionInput;
use ipsec_core::{ApplyError, EngineError, Gateway, GatewayError};
use ipsec_test_support::charon::{skip_system_tests, Charon};
use ipsec_test_support::inputs::*;

struct Setup {
    _dir: tempfile::TempDir,
    config: std::path::PathBuf,
    charon: Charon,
    gateway: StrongswanGateway,
}

/// A charon and an engine on it; `None` when system tests are switched off.
async fn setup() -> Option<Setup> {
    if skip_system_tests() {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let charon = Charon::start(dir.path());
    let config = dir.path().join("gw");
    let gateway = open_gateway(&config, &charon).await;
    Some(Setup {
        _dir: dir,
        config,
        charon,
        gateway,
    })
}

/// A `strongswan` engine on `config` for `charon`, as each terraform run opens one.
async fn open_gateway(config: &std::path::Path, charon: &Charon) -> StrongswanGateway {
    StrongswanGateway::open(
        config,
        NatTable::default(),
        ViciUri::parse(&charon.vici_uri()).unwrap(),
        Some(charon.netns().to_owned()),
    )
    .await
    .unwrap()
}

/// A connection, created through the resource operation.
async fn create_connection(gateway: &StrongswanGateway, input: &ConnectionInput) {
    ops::put_connection(gateway, input, Mode::Create)
        .await
        .unwrap();
}

/// A remote subnet of `dc1`, created through the resource operation.
async fn create_subnet(gateway: &StrongswanGateway, cidr: &str) {
    ops::create_remote_subnet(gateway, &subnet("dc1", cidr.into()))
        .await
        .unwrap();
}

/// The NAT table of `charon`'s namespace as `nft list table` prints it (empty when
/// there is none).
fn nat_table(charon: &Charon, table: &str) -> String {
    charon
        .nft(&["list", "table", "inet", table])
        .unwrap_or_default()
}

/// The classic context, created through the resource operations.
async fn create_classic(gateway: &StrongswanGateway) {
    create_connection(gateway, &classic_input()).await;
    for cidr in ["192.168.10.0/24", "192.168.20.0/24"] {
        create_subnet(gateway, cidr).await;
    }
    ops::put_nat_context(gateway, &classic_nat_input("dc1"), Mode::Create)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_put_loads_connection_key_and_nat_and_a_get_reads_them_back() {
    let Some(setup) = setup().await else {
        return;
    };
    create_classic(&setup.gateway).await;

    let conns = setup.charon.swanctl(&["--list-conns"]);
    assert!(conns.contains("dc1: IKEv2"), "{conns}");
    assert!(
        conns.contains("192.168.10.0/24") && conns.contains("192.168.20.0/24"),
        "{conns}"
    );
    let nat = setup
        .charon
        .nft(&["list", "table", "inet", "ipsec_nat"])
        .unwrap();
    assert!(
        nat.contains("ip daddr 10.1.255.92 dnat ip to 192.168.10.15 comment \"billing-db\""),
        "{nat}"
    );
    assert_eq!(
        setup.gateway.get(&name("dc1")).await.unwrap(),
        Some(classic_context())
    );
    // The files are kept too, for `swanctl --load-all` after a restart.
    assert!(setup.config.join("swanctl/conf.d/dc1.conf").exists());
}

#[tokio::test]
async fn hand_changes_to_the_live_gateway_are_drift() {
    let Some(setup) = setup().await else {
        return;
    };
    create_classic(&setup.gateway).await;

    setup
        .charon
        .nft(&["flush", "chain", "inet", "ipsec_nat", "dc1_postrouting"])
        .unwrap();
    let live = setup.gateway.get(&name("dc1")).await.unwrap().unwrap();
    assert!(
        live.nat.unwrap().translations.is_empty(),
        "a half-deleted translation reads as absent"
    );

    // swanctl 5.9.8 has no --unload-conn: by hand, a connection is unloaded by loading
    // a configuration without it.
    let empty = setup.config.join("empty.conf");
    std::fs::write(&empty, "connections {\n}\n").unwrap();
    setup
        .charon
        .swanctl(&["--load-conns", "--file", empty.to_str().unwrap()]);
    assert_eq!(
        setup.gateway.get(&name("dc1")).await.unwrap(),
        None,
        "an unloaded connection is not on the gateway, whatever the files say"
    );
    // Creating it again (what `terraform apply` does for the drift) loads it again.
    create_connection(&setup.gateway, &classic_input()).await;
    assert!(setup
        .charon
        .swanctl(&["--list-conns"])
        .contains("dc1: IKEv2"));
}

/// A hand-written `dc1` of other settings, loaded with `swanctl --load-conns` over the
/// provider's: every field `list-conns` reports differs from the files.
const HAND_WRITTEN_DC1: &str = "connections {
    dc1 {
        version = 1
        local_addrs = 198.51.100.7
        remote_addrs = 203.0.113.20
        proposals = aes128-sha1-modp1024
        rekey_time = 7200s
        dpd_delay = 10s
        dpd_timeout = 60s
        local {
            auth = psk
            id = gw@example.com
        }
        remote {
            auth = psk
            id = branch.example.net
        }
        children {
            dc1 {
                local_ts = 10.1.0.0/16
                remote_ts = 192.168.10.0/24,192.168.20.0/24
                esp_proposals = aes128-sha1
                rekey_time = 1800s
                start_action = none
                dpd_action = clear
            }
        }
    }
}
";

#[tokio::test]
async fn a_connection_reloaded_by_hand_with_other_settings_is_drift_that_a_put_reloads() {
    let Some(setup) = setup().await else {
        return;
    };
    create_classic(&setup.gateway).await;
    let hand = setup.config.join("hand.conf");
    std::fs::write(&hand, HAND_WRITTEN_DC1).unwrap();
    setup
        .charon
        .swanctl(&["--load-conns", "--file", hand.to_str().unwrap()]);

    let live = setup.gateway.get(&name("dc1")).await.unwrap().unwrap();
    let mut expected = classic_context();
    let c = &mut expected.connection;
    c.ike_version = IkeVersion::V1;
    c.local_address = Some(EndpointAddress::parse("198.51.100.7").unwrap());
    c.peer_address = EndpointAddress::parse("203.0.113.20").unwrap();
    c.phase1.keylife = Keylife::from_seconds(7200).unwrap();
    c.phase2.keylife = Keylife::from_seconds(1800).unwrap();
    c.dpd = Dpd {
        delay: DpdDelay::from_seconds(10).unwrap(),
        timeout: DpdTimeout::from_seconds(60).unwrap(),
        action: DpdAction::Clear,
    };
    c.local_id = Some(Identity::parse("gw@example.com").unwrap());
    c.peer_id = Identity::parse("branch.example.net").unwrap();
    c.start_action = StartAction::None;
    assert_eq!(live, expected, "every reported field is read back");

    // What `terraform apply` does for the drift: an update to the configuration.
    ops::put_connection(&setup.gateway, &classic_input(), Mode::Update)
        .await
        .unwrap();
    assert_eq!(
        setup.gateway.get(&name("dc1")).await.unwrap(),
        Some(classic_context()),
        "the update reloaded the provider's connection"
    );
    let conns = setup.charon.swanctl(&["--list-conns"]);
    assert!(conns.contains("dc1: IKEv2"), "{conns}");
}

#[tokio::test]
async fn a_trap_connection_installs_charons_trap_policy() {
    let Some(setup) = setup().await else {
        return;
    };
    // The classic connection keeps the default start action, `trap`.
    create_classic(&setup.gateway).await;
    let policies = setup.charon.swanctl(&["--list-pols"]);
    assert!(policies.contains("dc1/dc1, TUNNEL"), "{policies}");
    assert!(policies.contains("local:  10.1.0.0/16"), "{policies}");
    assert!(
        policies.contains("192.168.10.0/24") && policies.contains("192.168.20.0/24"),
        "{policies}"
    );

    // `none` only answers: no trap.
    let input = ConnectionInput {
        start_action: Some("none".into()),
        ..classic_input()
    };
    ops::put_connection(&setup.gateway, &input, Mode::Update)
        .await
        .unwrap();
    let policies = setup.charon.swanctl(&["--list-pols"]);
    assert!(!policies.contains("dc1/dc1"), "{policies}");
}

#[tokio::test]
async fn a_refused_change_restores_the_files_and_the_live_configuration() {
    let Some(setup) = setup().await else {
        return;
    };
    create_connection(&setup.gateway, &classic_input()).await;
    create_subnet(&setup.gateway, "192.168.10.0/24").await;
    let before = snapshot(&setup.config);
    // A chain of another type under the name this connection's NAT needs: nft refuses.
    setup
        .charon
        .nft(&[
            "add table inet ipsec_nat; add chain inet ipsec_nat dc1_prerouting { type filter hook prerouting priority 0; }",
        ])
        .unwrap();

    let error = ops::put_nat_context(&setup.gateway, &classic_nat_input("dc1"), Mode::Create)
        .await
        .unwrap_err();
    let ApplyError::Gateway(GatewayError::Engine(
        refusal @ EngineError::RestoredAfterRefusal { .. },
    )) = error
    else {
        panic!("expected an engine error, got {error:?}")
    };
    let message = refusal.to_string();
    assert!(message.contains("nft"), "{message}");
    assert!(message.contains("restored"), "{message}");
    assert!(!message.contains(PSK));
    assert_eq!(
        snapshot(&setup.config),
        before,
        "the files were not restored"
    );
    let conns = setup.charon.swanctl(&["--list-conns"]);
    assert!(
        conns.contains("dc1: IKEv2") && conns.contains("192.168.10.0/24"),
        "{conns}"
    );

    // Once the chain in the way is gone, the same change goes through.
    setup
        .charon
        .nft(&["delete chain inet ipsec_nat dc1_prerouting"])
        .unwrap();
    ops::put_nat_context(&setup.gateway, &classic_nat_input("dc1"), Mode::Create)
        .await
        .unwrap();
    assert!(nat_table(&setup.charon, "ipsec_nat").contains("dnat ip to 192.168.10.15"));
}

#[tokio::test]
async fn a_charon_restart_between_operations_is_survived() {
    let Some(mut setup) = setup().await else {
        return;
    };
    create_classic(&setup.gateway).await;
    setup.charon.restart();
    // A fresh charon has nothing loaded: drift, which a create repairs.
    assert_eq!(setup.gateway.get(&name("dc1")).await.unwrap(), None);
    create_connection(&setup.gateway, &classic_input()).await;
    assert!(setup
        .charon
        .swanctl(&["--list-conns"])
        .contains("dc1: IKEv2"));

    setup.charon.stop();
    let error = setup.gateway.get(&name("dc1")).await.unwrap_err();
    let diagnostic = error.to_diagnostic();
    assert_eq!(diagnostic.path.to_string(), "vici_uri", "{diagnostic}");
}

#[tokio::test]
async fn a_delete_leaves_no_connection_secret_or_nat() {
    let Some(setup) = setup().await else {
        return;
    };
    create_classic(&setup.gateway).await;
    assert!(ops::delete_connection(&setup.gateway, &name("dc1"))
        .await
        .unwrap());
    let conns = setup.charon.swanctl(&["--list-conns"]);
    assert!(!conns.contains("dc1"), "{conns}");
    let table = nat_table(&setup.charon, "ipsec_nat");
    assert!(!table.contains("dc1_"), "{table}");
    assert!(!setup.config.join("swanctl/conf.d/dc1.conf").exists());
    assert_eq!(setup.gateway.get(&name("dc1")).await.unwrap(), None);
}

/// A new connection without NAT clears chains an earlier connection of its name left in
/// the table, and a gateway that never had NAT gets no table at all.
#[tokio::test]
async fn a_new_connection_without_nat_clears_leftover_chains_and_adds_no_table() {
    let Some(setup) = setup().await else {
        return;
    };
    create_connection(&setup.gateway, &classic_input()).await;
    assert!(
        setup
            .charon
            .nft(&["list", "table", "inet", "ipsec_nat"])
            .is_err(),
        "a connection without NAT created the NAT table"
    );

    let mut other = classic_input();
    other.name = "dc2".into();
    other.peer_address = "203.0.113.20".into();
    for command in [
        "add table inet ipsec_nat",
        "add chain inet ipsec_nat dc2_prerouting { type nat hook prerouting priority dstnat; policy accept; }",
        "add rule inet ipsec_nat dc2_prerouting ip daddr 10.1.255.92 dnat ip to 192.168.10.15 comment \"stale\"",
    ] {
        let args: Vec<&str> = command.split(' ').collect();
        setup.charon.nft(&args).unwrap();
    }
    // A fresh gateway, as the next terraform run opens it.
    let gateway = open_gateway(&setup.config, &setup.charon).await;
    create_connection(&gateway, &other).await;
    let table = nat_table(&setup.charon, "ipsec_nat");
    assert!(!table.contains("dc2_"), "{table}");
}

/// An IKEv1 connection runs one child per pair of subnets of one IP version, named by
/// the pair: charon loads exactly those, and the live view reads them back as the
/// connection's subnets.
#[tokio::test]
async fn an_ikev1_connection_runs_a_child_per_pair_of_one_ip_version() {
    let Some(setup) = setup().await else {
        return;
    };
    let mut input = classic_input();
    input.ike_version = Some(1);
    input.local_subnets = vec!["10.1.0.0/16".into(), "2001:db8:1::/48".into()];
    create_connection(&setup.gateway, &input).await;
    for cidr in ["192.168.10.0/24", "2001:db8:2::/48"] {
        create_subnet(&setup.gateway, cidr).await;
    }
    let conns = setup.charon.swanctl(&["--list-conns"]);
    assert!(
        conns.contains("dc1_10-1-0-0-16_192-168-10-0-24: TUNNEL"),
        "{conns}"
    );
    assert!(
        conns.contains("dc1_2001-db8-1---48_2001-db8-2---48: TUNNEL"),
        "{conns}"
    );
    assert_eq!(conns.matches(": TUNNEL").count(), 2, "{conns}");
    let expected = context(&input, &["192.168.10.0/24", "2001:db8:2::/48"], None);
    assert_eq!(
        setup.gateway.get(&name("dc1")).await.unwrap(),
        Some(expected)
    );
}

/// A changed `nat_table`: the live view still finds the NAT in the table it was written
/// to, and the next change of the NAT context moves both chains into the new table,
/// leaving none in the old one.
#[tokio::test]
async fn a_changed_nat_table_moves_the_chains() {
    let Some(setup) = setup().await else {
        return;
    };
    create_classic(&setup.gateway).await;
    let moved = StrongswanGateway::open(
        &setup.config,
        NatTable::parse("vpn_nat").unwrap(),
        ViciUri::parse(&setup.charon.vici_uri()).unwrap(),
        Some(setup.charon.netns().to_owned()),
    )
    .await
    .unwrap();
    // Before the change, what runs is read where it is: no NAT lost, no drift.
    assert_eq!(
        moved.get(&name("dc1")).await.unwrap(),
        Some(classic_context())
    );
    assert_eq!(
        moved.stored_nat_table(&name("dc1")).await.unwrap(),
        Some(NatTable::default())
    );

    ops::put_nat_context(&moved, &classic_nat_input("dc1"), Mode::Update)
        .await
        .unwrap();
    let new = setup
        .charon
        .nft(&["list", "table", "inet", "vpn_nat"])
        .unwrap();
    assert!(
        new.contains("dc1_prerouting") && new.contains("dc1_postrouting"),
        "{new}"
    );
    let old = nat_table(&setup.charon, "ipsec_nat");
    assert!(!old.contains("dc1_"), "{old}");
    assert_eq!(
        moved.stored_nat_table(&name("dc1")).await.unwrap(),
        Some(NatTable::parse("vpn_nat").unwrap())
    );
    assert_eq!(
        moved.get(&name("dc1")).await.unwrap(),
        Some(classic_context())
    );
}

/// Issue 13, item 8: when `nft` cannot run (here: its network namespace is gone), a
/// read is an error, never a context without its NAT, which Terraform would take for a
/// deleted `ipsec_nat_context`.
#[tokio::test]
async fn a_read_while_nft_cannot_run_is_an_error_not_a_missing_nat() {
    let Some(setup) = setup().await else {
        return;
    };
    create_classic(&setup.gateway).await;
    let netns = format!("{}-gone", setup.charon.netns());
    let ip = |verb: &str| {
        let status = std::process::Command::new("ip")
            .args(["netns", verb, &netns])
            .status()
            .unwrap();
        assert!(status.success(), "ip netns {verb} {netns}");
    };
    ip("add");
    let gateway = StrongswanGateway::open(
        &setup.config,
        NatTable::default(),
        ViciUri::parse(&setup.charon.vici_uri()).unwrap(),
        Some(netns.clone()),
    )
    .await
    .unwrap();
    ip("del");
    let error = gateway.get(&name("dc1")).await.unwrap_err();
    assert!(
        matches!(error, GatewayError::Engine(EngineError::NftFailed { .. })),
        "{error}"
    );
    assert!(error.to_string().contains(&netns), "{error}");
}

/// Issue 13, item 7: charon killed while a change waits for its answer fails the
/// change at once (the connection's end is an error, not a loop); once charon is back,
/// the change goes through.
#[tokio::test]
async fn charon_killed_during_changes_fails_them_and_a_restart_recovers() {
    let Some(mut setup) = setup().await else {
        return;
    };
    create_classic(&setup.gateway).await;
    let gateway = std::sync::Arc::new(setup.gateway);
    let changes = tokio::spawn({
        let gateway = gateway.clone();
        async move {
            for round in 0.. {
                let mut input = classic_input();
                input.description = Some(format!("round {round}"));
                if let Err(error) = ops::put_connection(&*gateway, &input, Mode::Update).await {
                    return error;
                }
            }
            unreachable!()
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    setup.charon.stop();
    let error = changes.await.unwrap();
    let text = error.to_string();
    assert!(text.contains("charon"), "{text}");
    assert!(
        !matches!(
            error,
            ApplyError::Gateway(GatewayError::Engine(EngineError::ViciDeadline { .. }))
        ),
        "ended by the deadline, not by charon's end: {text}"
    );
    setup.charon.restart();
    create_connection(&gateway, &classic_input()).await;
    assert!(setup
        .charon
        .swanctl(&["--list-conns"])
        .contains("dc1: IKEv2"));
}
