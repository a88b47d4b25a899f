//! The gateway-wide rules of SPEC.md: one gateway holds many connections, and a change
//! of one is judged against all the others (through the engine's index), before
//! anything is written.

use std::time::Duration;

use ipsec_core::engine::local::index::INDEX_FILE;
use ipsec_core::engine::LocalGateway;
use ipsec_core::gateway::ops::{self, patiently, Mode};
use ipsec_core::gateway::planned::{
    preview_planned, preview_remote_subnet_removal, PlannedChanges,
};
use ipsec_core::model::{Cidr, NatContext, NatTable};
use ipsec_core::validate::{ConnectionInput, RemoteSubnetInput};
use ipsec_core::{ApplyError, Diagnostics, Gateway};
use ipsec_test_support::inputs::*;

fn gateway() -> (tempfile::TempDir, LocalGateway) {
    let dir = tempfile::tempdir().unwrap();
    let gateway = LocalGateway::open(dir.path(), NatTable::default()).unwrap();
    (dir, gateway)
}

fn connection(name: &str, peer: &str, local: &[&str]) -> ConnectionInput {
    ConnectionInput {
        name: name.into(),
        peer_address: peer.into(),
        local_subnets: local.iter().map(|s| s.to_string()).collect(),
        ..classic_input()
    }
}

fn remote(connection: &str, cidr: &str) -> RemoteSubnetInput {
    RemoteSubnetInput {
        connection: connection.into(),
        cidr: cidr.into(),
    }
}

/// The rejection's diagnostics; panics if the result was not a rejection.
fn rejected<T: std::fmt::Debug>(result: Result<T, ApplyError>) -> Diagnostics {
    match result {
        Err(ApplyError::Rejected(diags)) => diags,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

/// Asserts one error at `path` whose detail holds every word of `words`.
fn assert_error(diags: &Diagnostics, path: &str, words: &[&str]) {
    assert!(
        diags.errors().any(|d| d.path.to_string() == path
            && words
                .iter()
                .all(|w| d.detail.contains(w) || d.summary.contains(w))),
        "no error at {path} with {words:?} in:\n{diags}"
    );
}

async fn create(gateway: &LocalGateway, input: &ConnectionInput) {
    ops::put_connection(gateway, input, Mode::Create)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

/// A connection `name` to `peer` protecting `local`, created.
async fn create_site(gateway: &LocalGateway, name: &str, peer: &str, local: &[&str]) {
    create(gateway, &connection(name, peer, local)).await;
}

/// The diagnostics of creating the connection `name` to `peer` protecting `local`, which
/// must be refused.
async fn refused_site(
    gateway: &LocalGateway,
    name: &str,
    peer: &str,
    local: &[&str],
) -> Diagnostics {
    rejected(ops::put_connection(gateway, &connection(name, peer, local), Mode::Create).await)
}

async fn add_remote(gateway: &LocalGateway, connection: &str, cidr: &str) {
    ops::create_remote_subnet(gateway, &remote(connection, cidr))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test]
async fn a_second_connection_to_one_peer_needs_another_identity() {
    let (dir, gateway) = gateway();
    let site_a = ConnectionInput {
        local_address: Some("198.51.100.1".into()),
        ..connection("site-a", "203.0.113.10", &["10.1.0.0/16"])
    };
    create(&gateway, &site_a).await;
    let named = |name: &str, local_id: Option<&str>, peer_id: &str| ConnectionInput {
        local_id: local_id.map(Into::into),
        peer_id: Some(peer_id.into()),
        ..connection(name, "203.0.113.10", &["10.2.0.0/16"])
    };
    let site_c = named("site-c", Some("gw@example.com"), "branch.example.net");
    create(&gateway, &site_c).await;
    let before = snapshot(dir.path());

    // The same identities by default: local_id is local_address, peer_id peer_address.
    let same = ConnectionInput {
        local_address: Some("198.51.100.1".into()),
        ..connection("site-b", "203.0.113.10", &["10.2.0.0/16"])
    };
    let diags = rejected(ops::put_connection(&gateway, &same, Mode::Create).await);
    assert_error(
        &diags,
        "peer_address",
        &[
            "\"site-a\"",
            "203.0.113.10",
            "local_id 198.51.100.1",
            "peer_id",
        ],
    );
    // Explicitly the same, in another case: charon compares names without case.
    let again = named("site-d", Some("GW@example.com"), "Branch.example.net");
    let diags = rejected(ops::put_connection(&gateway, &again, Mode::Create).await);
    assert_error(
        &diags,
        "peer_address",
        &["\"site-c\"", "the same identities"],
    );
    // Without a local identity a connection matches any, so it cannot stand beside one
    // with the same peer_id that has one.
    let anonymous = named("site-e", None, "branch.example.net");
    let diags = rejected(ops::put_connection(&gateway, &anonymous, Mode::Create).await);
    assert_error(&diags, "peer_address", &["\"site-c\"", "one side only"]);
    assert_eq!(
        snapshot(dir.path()),
        before,
        "a rejected change writes nothing"
    );

    // Another local endpoint is another IKE identity; so is another peer identity (a
    // second site behind the same NAT address) and another local identity on both.
    let other_local = ConnectionInput {
        local_address: Some("198.51.100.2".into()),
        ..same
    };
    create(&gateway, &other_local).await;
    create(
        &gateway,
        &named("site-f", Some("gw@example.com"), "other.example.net"),
    )
    .await;
    create(
        &gateway,
        &named("site-g", Some("gw-2@example.com"), "branch.example.net"),
    )
    .await;
}

#[tokio::test]
async fn changing_a_peer_onto_another_connections_peer_is_refused_too() {
    let (_dir, gateway) = gateway();
    create_site(&gateway, "site-a", "203.0.113.10", &["10.1.0.0/16"]).await;
    create_site(&gateway, "site-b", "203.0.113.20", &["10.2.0.0/16"]).await;
    let moved = connection("site-b", "203.0.113.10", &["10.2.0.0/16"]);
    let diags = rejected(ops::put_connection(&gateway, &moved, Mode::Update).await);
    assert_error(&diags, "peer_address", &["\"site-a\""]);
    // Updating a connection never conflicts with itself.
    let unchanged = connection("site-a", "203.0.113.10", &["10.1.0.0/16"]);
    ops::put_connection(&gateway, &unchanged, Mode::Update)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_nat_address_belongs_to_one_connection() {
    let (dir, gateway) = gateway();
    create_site(&gateway, "site-a", "203.0.113.10", &["10.1.0.0/16"]).await;
    create_site(&gateway, "site-b", "203.0.113.20", &["10.2.0.0/16"]).await;
    add_remote(&gateway, "site-a", "192.168.10.0/24").await;
    add_remote(&gateway, "site-b", "192.168.20.0/24").await;
    ops::put_nat_context(
        &gateway,
        &nat_input(
            "site-a",
            "10.9.0.0/29",
            &[("db", "10.9.0.2", "192.168.10.15")],
        ),
        Mode::Create,
    )
    .await
    .unwrap();
    let before = snapshot(dir.path());

    let same_ip = nat_input(
        "site-b",
        "10.9.0.0/28",
        &[("web", "10.9.0.2", "192.168.20.5")],
    );
    let diags = rejected(ops::put_nat_context(&gateway, &same_ip, Mode::Create).await);
    assert_error(
        &diags,
        "translations[\"web\"].local_ip",
        &["\"db\"", "\"site-a\"", "10.9.0.2"],
    );
    assert_error(&diags, "static_nat_subnet", &["10.9.0.0/29", "\"site-a\""]);

    let overlapping_subnet = nat_input(
        "site-b",
        "10.9.0.0/30",
        &[("web", "10.9.0.1", "192.168.20.5")],
    );
    let diags = rejected(ops::put_nat_context(&gateway, &overlapping_subnet, Mode::Create).await);
    assert_error(&diags, "static_nat_subnet", &["\"site-a\""]);
    assert_eq!(snapshot(dir.path()), before);

    let disjoint = nat_input(
        "site-b",
        "10.9.0.8/29",
        &[("web", "10.9.0.10", "192.168.20.5")],
    );
    ops::put_nat_context(&gateway, &disjoint, Mode::Create)
        .await
        .unwrap();
}

#[tokio::test]
async fn connections_may_share_remote_networks_but_not_both_directions() {
    let (dir, gateway) = gateway();
    create_site(&gateway, "site-a", "203.0.113.10", &["10.1.0.0/16"]).await;
    add_remote(&gateway, "site-a", "192.168.10.0/24").await;

    // Overlapping remote networks, disjoint local ones: two distinct policies.
    create_site(&gateway, "site-b", "203.0.113.20", &["10.2.0.0/16"]).await;
    add_remote(&gateway, "site-b", "192.168.0.0/16").await;

    // Overlapping local networks, disjoint remote ones: also fine.
    create_site(&gateway, "site-c", "203.0.113.30", &["10.1.1.0/24"]).await;
    add_remote(&gateway, "site-c", "172.16.0.0/12").await;
    let before = snapshot(dir.path());

    // Both directions overlap site-a: refused at the subnet being added...
    let diags =
        rejected(ops::create_remote_subnet(&gateway, &remote("site-c", "192.168.10.128/25")).await);
    assert_error(
        &diags,
        "cidr",
        &[
            "\"site-c\"",
            "\"site-a\"",
            "192.168.10.128/25",
            "192.168.10.0/24",
        ],
    );
    // ...and at local_subnets when the connection's change makes them overlap.
    create_site(&gateway, "site-d", "203.0.113.40", &["10.3.0.0/16"]).await;
    add_remote(&gateway, "site-d", "192.168.10.0/25").await;
    let before_d = snapshot(dir.path());
    let moved = connection("site-d", "203.0.113.40", &["10.1.0.0/16"]);
    let diags = rejected(ops::put_connection(&gateway, &moved, Mode::Update).await);
    assert_error(&diags, "local_subnets", &["\"site-d\"", "\"site-a\""]);
    assert_eq!(snapshot(dir.path()), before_d);
    assert_ne!(before, before_d);
}

/// The plan of dc1's NAT context as `nat`: recorded, and judged.
async fn plan_nat(
    gateway: &LocalGateway,
    planned: &PlannedChanges,
    nat: &NatContext,
) -> Diagnostics {
    planned.plan_nat(&name("dc1"), Some(nat.clone()));
    preview_planned(gateway, planned, &name("dc1"), None, || {
        ops::nat_edit(name("dc1"), nat.clone(), Mode::Update)
    })
    .await
}

/// The plan of dc1's NAT context when its translations stay as they are.
async fn plan_nat_unchanged(gateway: &LocalGateway, planned: &PlannedChanges) -> Diagnostics {
    plan_nat(gateway, planned, &classic_context().nat.unwrap()).await
}

#[tokio::test]
async fn a_remote_subnet_a_translation_uses_cannot_be_planned_away_alone() {
    let (dir, gateway) = gateway();
    gateway.put(&classic_context()).await.unwrap();
    let before = snapshot(dir.path());
    let used = Cidr::parse("192.168.10.0/24").unwrap();

    // The NAT context planned first, unchanged: the subnet's removal is refused.
    let planned = PlannedChanges::default();
    assert!(plan_nat_unchanged(&gateway, &planned).await.is_empty());
    let diags = preview_remote_subnet_removal(&gateway, &planned, &name("dc1"), used).await;
    assert_error(
        &diags,
        "cidr",
        &["\"billing-db\"", "192.168.10.15", "192.168.10.0/24"],
    );

    // The removal planned first (the NAT context depends on its subnets): the NAT
    // context's plan refuses the translation that lost its subnet.
    let planned = PlannedChanges::default();
    let diags = preview_remote_subnet_removal(&gateway, &planned, &name("dc1"), used).await;
    assert!(diags.is_empty(), "{diags}");
    let diags = plan_nat_unchanged(&gateway, &planned).await;
    assert_error(
        &diags,
        "translations[\"billing-db\"].customer_ip",
        &["192.168.10.15"],
    );

    // A subnet no translation uses may go.
    let unused = Cidr::parse("192.168.20.0/24").unwrap();
    let diags = preview_remote_subnet_removal(&gateway, &planned, &name("dc1"), unused).await;
    assert!(diags.is_empty(), "{diags}");
    assert_eq!(snapshot(dir.path()), before, "a plan writes nothing");
}

#[tokio::test]
async fn removing_a_subnet_and_its_translation_in_one_run_plans_in_either_order() {
    let (_dir, gateway) = gateway();
    gateway.put(&classic_context()).await.unwrap();
    let used = Cidr::parse("192.168.10.0/24").unwrap();
    let dc1 = name("dc1");
    let mut without = classic_context().nat.unwrap();
    without.translations.clear();

    let nat_first = PlannedChanges::default();
    assert!(plan_nat(&gateway, &nat_first, &without).await.is_empty());
    let diags = preview_remote_subnet_removal(&gateway, &nat_first, &dc1, used).await;
    assert!(diags.is_empty(), "{diags}");

    let removal_first = PlannedChanges::default();
    let diags = preview_remote_subnet_removal(&gateway, &removal_first, &dc1, used).await;
    assert!(diags.is_empty(), "{diags}");
    assert!(plan_nat(&gateway, &removal_first, &without)
        .await
        .is_empty());

    // The NAT context destroyed.
    let destroyed = PlannedChanges::default();
    destroyed.plan_nat(&dc1, None);
    let diags = preview_remote_subnet_removal(&gateway, &destroyed, &dc1, used).await;
    assert!(diags.is_empty(), "{diags}");

    // At apply Terraform removes the subnet first, then changes the NAT context.
    assert!(ops::delete_remote_subnet(&gateway, &dc1, used)
        .await
        .unwrap());
    assert!(ops::delete_nat_context(&gateway, &dc1).await.unwrap());
    let stored = gateway.get(&dc1).await.unwrap().unwrap();
    assert!(!stored.remote_subnets.contains(&used) && stored.nat.is_none());
}

#[tokio::test]
async fn patience_has_an_end_and_keeps_the_reason() {
    let (_dir, gateway) = gateway();
    let subnet = remote("dc1", "192.168.10.0/24");
    let diags = rejected(
        patiently(Duration::from_millis(300), || {
            ops::create_remote_subnet(&gateway, &subnet)
        })
        .await,
    );
    assert_error(&diags, "connection_name", &["\"dc1\""]);
    // A rejection no other change can cure is not retried.
    gateway.put(&classic_context()).await.unwrap();
    let started = std::time::Instant::now();
    let bad = connection("dc1", "203.0.113.10", &["10.1.0.0/16"]);
    rejected(
        patiently(Duration::from_secs(30), || {
            ops::put_connection(&gateway, &bad, Mode::Create)
        })
        .await,
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_remote_subnet_applied_before_its_connection_waits_for_it() {
    let (_dir, gateway) = gateway();
    let input = remote("dc1", "192.168.10.0/24");
    let subnet = patiently(Duration::from_secs(10), || {
        ops::create_remote_subnet(&gateway, &input)
    });
    let connection = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        ops::put_connection(&gateway, &classic_input(), Mode::Create).await
    };
    let (subnet, connection) = tokio::join!(subnet, connection);
    connection.unwrap();
    subnet.unwrap();
}

#[tokio::test]
async fn a_nat_context_applied_before_its_remote_subnet_waits_for_it() {
    let (_dir, gateway) = gateway();
    create(&gateway, &classic_input()).await;
    let nat_input = classic_nat_input("dc1");
    let nat = patiently(Duration::from_secs(10), || {
        ops::put_nat_context(&gateway, &nat_input, Mode::Create)
    });
    let subnet = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        ops::create_remote_subnet(&gateway, &remote("dc1", "192.168.10.0/24")).await
    };
    let (nat, subnet) = tokio::join!(nat, subnet);
    subnet.unwrap();
    nat.unwrap();
}

#[tokio::test]
async fn the_index_follows_files_written_behind_its_back() {
    let (dir, gateway) = gateway();
    create_site(&gateway, "site-a", "203.0.113.10", &["10.1.0.0/16"]).await;
    assert!(dir.path().join(INDEX_FILE).exists());

    assert_eq!(gateway.index().await.unwrap().len(), 1);
    // Another process (a second engine on the same dir) adds a connection: even the
    // plan-time index, cached while the file dirs stay as they were, sees it.
    let other = LocalGateway::open(dir.path(), NatTable::default()).unwrap();
    create_site(&other, "site-b", "203.0.113.20", &["10.2.0.0/16"]).await;
    let diags = refused_site(&gateway, "site-c", "203.0.113.20", &["10.3.0.0/16"]).await;
    assert_error(&diags, "peer_address", &["\"site-b\""]);

    // A hand edit of a peer address, made in place (no file dir changes), is seen
    // without the index being told, within the second an index checked against every
    // file is trusted.
    let path = gateway.swanctl_path(&name("site-b"));
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("203.0.113.20", "203.0.113.21")).unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    create_site(&gateway, "site-c", "203.0.113.20", &["10.3.0.0/16"]).await;
    let diags = refused_site(&gateway, "site-d", "203.0.113.21", &["10.4.0.0/16"]).await;
    assert_error(&diags, "peer_address", &["\"site-b\""]);

    // A lost or broken index is rebuilt from the files.
    std::fs::write(dir.path().join(INDEX_FILE), b"{ not json").unwrap();
    let fresh = LocalGateway::open(dir.path(), NatTable::default()).unwrap();
    let index = fresh.index().await.unwrap();
    assert_eq!(index.len(), 3);
    std::fs::remove_file(dir.path().join(INDEX_FILE)).unwrap();
    let diags = refused_site(&fresh, "site-e", "203.0.113.10", &["10.5.0.0/16"]).await;
    assert_error(&diags, "peer_address", &["\"site-a\""]);
}

#[tokio::test]
async fn a_conflict_with_many_connections_is_one_diagnostic_counting_the_rest() {
    let (_dir, gateway) = gateway();
    for i in 0..5 {
        let site = format!("site-{i}");
        create_site(
            &gateway,
            &site,
            &format!("203.0.113.{}", 10 + i),
            &["10.1.0.0/16"],
        )
        .await;
        add_remote(&gateway, &site, &format!("192.168.{i}.0/24")).await;
    }
    create_site(&gateway, "wide", "203.0.113.99", &["10.1.0.0/16"]).await;
    let diags =
        rejected(ops::create_remote_subnet(&gateway, &remote("wide", "192.168.0.0/16")).await);
    assert_eq!(diags.errors().count(), 1, "{diags}");
    assert_error(
        &diags,
        "cidr",
        &["\"site-0\"", "4 other connections conflict"],
    );
}

#[test]
fn the_planned_overlay_kept_across_plans_equals_one_built_from_scratch() {
    let site = |n: &str, peer: &str, local: &str, remote: &[&str]| {
        context(&connection(n, peer, &[local]), remote, None)
    };
    let mut base = ipsec_core::gateway::GatewayIndex::new();
    base.insert(&site(
        "a",
        "203.0.113.1",
        "10.1.0.0/16",
        &["192.168.1.0/24"],
    ));
    base.insert(&site(
        "b",
        "203.0.113.2",
        "10.2.0.0/16",
        &["192.168.2.0/24"],
    ));
    let cidr = |c: &str| Cidr::parse(c).unwrap();

    let kept = PlannedChanges::default();
    type PlanStep<'a> = Box<dyn Fn(&PlannedChanges) + 'a>;
    let steps: Vec<PlanStep> = vec![
        Box::new(|p| p.plan_remote_subnet(&name("a"), cidr("192.168.11.0/24"))),
        Box::new(|p| p.plan_connection(site("c", "203.0.113.3", "10.3.0.0/16", &[]).connection)),
        Box::new(|p| p.plan_remote_subnet(&name("c"), cidr("192.168.3.0/24"))),
        Box::new(|p| {
            p.plan_remote_subnet_removal(&name("b"), cidr("192.168.2.0/24"));
        }),
        Box::new(|p| p.plan_connection(site("a", "203.0.113.9", "10.9.0.0/16", &[]).connection)),
    ];
    for (i, step) in steps.iter().enumerate() {
        step(&kept);
        let fresh = PlannedChanges::default();
        steps[..=i].iter().for_each(|step| step(&fresh));
        assert_eq!(
            kept.overlay_index(base.clone()),
            fresh.overlay_index(base.clone()),
            "after step {i}"
        );
    }
    let overlaid = kept.overlay_index(base.clone());
    assert_eq!(overlaid.len(), 3);
    let a = overlaid.get(&name("a")).unwrap();
    assert_eq!(a.peer_address.to_string(), "203.0.113.9");
    assert!(a.remote_subnets.contains(&cidr("192.168.11.0/24")));
    assert!(overlaid.get(&name("b")).unwrap().remote_subnets.is_empty());
    // The gateway's own index is untouched by what is laid over it.
    assert_eq!(
        base.get(&name("a")).unwrap().peer_address.to_string(),
        "203.0.113.1"
    );
}
