//! The resource operations on a gateway: what each keeps, what it refuses, and the
//! plan-time preview that runs the same rules without writing.

use ipsec_core::engine::LocalGateway;
use ipsec_core::gateway::ops::{self, preview, Mode};
use ipsec_core::model::{Cidr, NatTable};
use ipsec_core::validate::{validate_connection, RemoteSubnetInput};
use ipsec_core::{ApplyError, Gateway};
use ipsec_test_support::inputs::*;

fn gateway() -> (tempfile::TempDir, LocalGateway) {
    let dir = tempfile::tempdir().unwrap();
    let gateway = LocalGateway::open(dir.path(), NatTable::default()).unwrap();
    (dir, gateway)
}

fn remote(cidr: &str) -> RemoteSubnetInput {
    RemoteSubnetInput {
        connection: "dc1".into(),
        cidr: cidr.into(),
    }
}

#[tokio::test]
async fn updating_a_connection_keeps_its_remote_subnets_and_nat() {
    let (_dir, gateway) = gateway();
    gateway.put(&classic_context()).await.unwrap();
    let mut input = classic_input();
    input.phase2.keylife = Some(1800);
    let applied = ops::put_connection(&gateway, &input, Mode::Update)
        .await
        .unwrap();
    assert_eq!(applied.context.connection.phase2.keylife.seconds(), 1800);
    let stored = gateway.get(&name("dc1")).await.unwrap().unwrap();
    assert_eq!(stored, applied.context);
    assert_eq!(stored.remote_subnets, classic_context().remote_subnets);
    assert_eq!(stored.nat, classic_context().nat);
}

#[tokio::test]
async fn updating_or_extending_a_missing_connection_is_refused() {
    let (dir, gateway) = gateway();
    let before = snapshot(dir.path());
    for result in [
        ops::put_connection(&gateway, &classic_input(), Mode::Update)
            .await
            .map(|_| ()),
        ops::create_remote_subnet(&gateway, &remote("192.168.10.0/24"))
            .await
            .map(|_| ()),
        ops::put_nat_context(&gateway, &classic_nat_input("dc1"), Mode::Create)
            .await
            .map(|_| ()),
    ] {
        let Err(ApplyError::Rejected(diags)) = result else {
            panic!("expected a rejection")
        };
        assert!(
            diags.errors().any(|d| d.summary == "Connection not found"),
            "{diags}"
        );
    }
    assert_eq!(snapshot(dir.path()), before);
}

#[tokio::test]
async fn weak_choices_are_applied_with_their_warnings_and_a_rejection_keeps_them() {
    let (_dir, gateway) = gateway();
    let mut input = classic_input();
    input.phase1.encryption = Some("3DES".into());
    let applied = ops::put_connection(&gateway, &input, Mode::Create)
        .await
        .unwrap();
    assert_eq!(applied.warnings.warnings().count(), 1);
    let Err(ApplyError::Rejected(diags)) =
        ops::put_connection(&gateway, &input, Mode::Create).await
    else {
        panic!("a second create must be refused")
    };
    assert_eq!(
        (diags.errors().count(), diags.warnings().count()),
        (1, 1),
        "{diags}"
    );
}

#[tokio::test]
async fn preview_reports_what_apply_would_refuse_without_writing() {
    let (dir, gateway) = gateway();
    gateway.put(&classic_context()).await.unwrap();
    let before = snapshot(dir.path());
    let overlapping = Cidr::parse("10.1.128.0/17").unwrap();
    let diags = preview(
        &gateway,
        &name("dc1"),
        ops::remote_subnet_edit(name("dc1"), overlapping),
    )
    .await;
    let found: Vec<String> = diags
        .errors()
        .map(|d| format!("{}: {}", d.path, d.summary))
        .collect();
    assert_eq!(
        found,
        [
            "cidr: Remote subnet overlaps a local subnet",
            "cidr: static_nat_subnet overlaps a remote subnet",
        ]
    );
    let fine = Cidr::parse("172.16.0.0/24").unwrap();
    assert!(preview(
        &gateway,
        &name("dc1"),
        ops::remote_subnet_edit(name("dc1"), fine)
    )
    .await
    .is_empty());
    assert_eq!(snapshot(dir.path()), before, "preview wrote to the gateway");
}

#[tokio::test]
async fn preview_reports_a_missing_connection_at_plan_time() {
    let (_dir, gateway) = gateway();
    let cidr = Cidr::parse("192.168.10.0/24").unwrap();
    let diags = preview(
        &gateway,
        &name("dc1"),
        ops::remote_subnet_edit(name("dc1"), cidr),
    )
    .await;
    assert!(diags.has_error());
    assert!(diags
        .iter()
        .any(|d| d.summary == "Connection not found" && d.path.to_string() == "connection_name"));
    // Creating the connection itself needs nothing that exists.
    let connection = validate_connection(&classic_input()).0.unwrap();
    assert!(preview(
        &gateway,
        &name("dc1"),
        ops::connection_edit(connection, Mode::Create)
    )
    .await
    .is_empty());
}

#[tokio::test]
async fn a_nat_context_is_created_updated_and_removed_in_place() {
    let (_dir, gateway) = gateway();
    let mut context = classic_context();
    context.nat = None;
    gateway.put(&context).await.unwrap();
    ops::put_nat_context(&gateway, &classic_nat_input("dc1"), Mode::Create)
        .await
        .unwrap();
    let mut changed = classic_nat_input("dc1");
    changed
        .translations
        .get_mut("billing-db")
        .unwrap()
        .customer_ip = "192.168.20.15".into();
    let applied = ops::put_nat_context(&gateway, &changed, Mode::Update)
        .await
        .unwrap();
    let translation = applied
        .context
        .nat
        .unwrap()
        .translations
        .into_values()
        .next()
        .unwrap();
    assert_eq!(translation.customer_ip.to_string(), "192.168.20.15");
    assert!(ops::delete_nat_context(&gateway, &name("dc1"))
        .await
        .unwrap());
    let Err(ApplyError::Rejected(diags)) =
        ops::put_nat_context(&gateway, &changed, Mode::Update).await
    else {
        panic!("updating a NAT context removed behind Terraform's back must be refused")
    };
    assert_eq!(
        diags.errors().next().unwrap().summary,
        "NAT context not found"
    );
}

mod planned_in_the_same_run {
    //! Plan-time checks see what earlier plans of the same run create.

    use super::*;
    use ipsec_core::gateway::planned::{preview_planned, PlannedChanges};
    use ipsec_core::validate::{validate_connection, validate_nat_context};

    fn nat_with_new_translation() -> ipsec_core::model::NatContext {
        let mut input = classic_nat_input("dc1");
        input.translations.insert(
            "new-host".into(),
            ipsec_core::validate::TranslationInput {
                local_ip: "10.1.255.93".into(),
                customer_ip: "192.168.30.5".into(),
            },
        );
        validate_nat_context(&input).0.unwrap().1
    }

    #[tokio::test]
    async fn a_translation_into_a_subnet_planned_earlier_passes() {
        let (_dir, gateway) = gateway();
        gateway.put(&classic_context()).await.unwrap();
        let planned = PlannedChanges::default();
        let edit = || ops::nat_edit(name("dc1"), nat_with_new_translation(), Mode::Update);

        let alone = preview_planned(&gateway, &planned, &name("dc1"), None, edit).await;
        assert!(
            alone
                .errors()
                .any(|d| d.summary == "customer_ip outside every remote subnet"),
            "{alone}"
        );
        planned.plan_remote_subnet(&name("dc1"), Cidr::parse("192.168.30.0/24").unwrap());
        let with_subnet = preview_planned(&gateway, &planned, &name("dc1"), None, edit).await;
        assert!(with_subnet.is_empty(), "{with_subnet}");
    }

    #[tokio::test]
    async fn a_connection_created_in_the_same_run_is_judged_as_planned() {
        let (_dir, gateway) = gateway();
        let planned = PlannedChanges::default();
        planned.plan_connection(validate_connection(&classic_input()).0.unwrap());
        let overlapping = Cidr::parse("10.1.128.0/17").unwrap();
        let diags = preview_planned(&gateway, &planned, &name("dc1"), Some(overlapping), || {
            ops::remote_subnet_edit(name("dc1"), overlapping)
        })
        .await;
        assert!(
            diags
                .errors()
                .any(|d| d.summary == "Remote subnet overlaps a local subnet"),
            "{diags}"
        );
    }

    #[tokio::test]
    async fn a_subnet_is_not_judged_against_its_own_earlier_plan() {
        let (_dir, gateway) = gateway();
        gateway.put(&classic_context()).await.unwrap();
        let planned = PlannedChanges::default();
        let cidr = Cidr::parse("192.168.30.0/24").unwrap();
        planned.plan_remote_subnet(&name("dc1"), cidr);
        let diags = preview_planned(&gateway, &planned, &name("dc1"), Some(cidr), || {
            ops::remote_subnet_edit(name("dc1"), cidr)
        })
        .await;
        assert!(diags.is_empty(), "{diags}");
    }
}

/// A network added to `remote_ts` by hand survives edits that do not concern it, goes
/// with an update of the connection, and becomes managed when it is declared.
#[tokio::test]
async fn networks_added_by_hand_are_kept_dropped_by_a_connection_update_or_adopted() {
    let hand_added = Cidr::parse("192.168.99.0/24").unwrap();
    let with_hand_edit = || {
        let mut context = classic_context();
        context.unmanaged_remote_subnets.insert(hand_added);
        context
    };

    let (_dir, gateway) = gateway();
    gateway.put(&with_hand_edit()).await.unwrap();
    ops::create_remote_subnet(&gateway, &remote("192.168.30.0/24"))
        .await
        .unwrap();
    let context = gateway.get(&name("dc1")).await.unwrap().unwrap();
    assert_eq!(context.unmanaged_remote_subnets, [hand_added].into());

    ops::put_connection(&gateway, &classic_input(), Mode::Update)
        .await
        .unwrap();
    let context = gateway.get(&name("dc1")).await.unwrap().unwrap();
    assert!(context.unmanaged_remote_subnets.is_empty());
    assert!(context
        .remote_subnets
        .contains(&Cidr::parse("192.168.30.0/24").unwrap()));

    gateway.put(&with_hand_edit()).await.unwrap();
    ops::create_remote_subnet(&gateway, &remote("192.168.99.0/24"))
        .await
        .unwrap();
    let context = gateway.get(&name("dc1")).await.unwrap().unwrap();
    assert!(context.unmanaged_remote_subnets.is_empty());
    assert!(context.remote_subnets.contains(&hand_added));
}
