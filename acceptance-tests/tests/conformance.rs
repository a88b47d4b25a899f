//! SPEC.md's "Lifecycle" and "Import", resource by resource, on a whole site (a
//! connection, two remote subnets, a NAT context whose translation lies in the first
//! subnet): create; update in place of each updatable attribute; a `moved` block that
//! renames the resource's address; `terraform state rm` and import back, by command and
//! by an `import` block; a `plan -refresh-only` that finds no drift; destroy (the case's
//! final check). Every applied step ends in an empty plan (the harness checks it).
//!
//! Then a whole gateway of three sites adopted into an empty state by
//! `examples/import-for-each/main.tf`: `import` blocks with `for_each`.

mod common;

use std::sync::{Arc, Mutex};

use acceptance_tests::{Action, Step, TestCase, Workspace, CONFIG_DIR};
use acceptance_tests::{Gateway, ProviderMode};
use common::*;
use serde_json::Value;

acceptance_tests::suite![
    connection_conformance_create_update_move_reimport_refresh_destroy,
    remote_subnet_conformance_create_move_reimport_refresh_destroy,
    nat_context_conformance_create_update_move_reimport_refresh_destroy,
    a_whole_gateway_is_adopted_by_for_each_import_blocks,
];

/// The site: its connection, the labels of its resources (what a `moved` block changes)
/// and the NAT context's values (what its updates change).
#[derive(Clone)]
struct Site {
    connection: Connection,
    subnet_a: &'static str,
    subnet_b: &'static str,
    nat: &'static str,
    static_nat_subnet: &'static str,
    translations: Vec<(&'static str, &'static str, &'static str)>,
    /// `moved` and `import` blocks.
    extra: String,
}

/// `dc1` with 192.168.10.0/24 (`a`) and 192.168.20.0/24 (`b`), and a NAT context whose
/// translation's customer IP lies in `a` and which depends on `a`.
fn site() -> Site {
    Site {
        connection: connection("dc1"),
        subnet_a: "a",
        subnet_b: "b",
        nat: "dc1",
        static_nat_subnet: "10.1.255.88/29",
        translations: vec![("billing-db", "10.1.255.92", "192.168.10.15")],
        extra: String::new(),
    }
}

impl Site {
    fn hcl(&self) -> String {
        let name = self.connection.name_ref();
        [
            self.connection.hcl(),
            remote_subnet(self.subnet_a, &name, "192.168.10.0/24"),
            remote_subnet(self.subnet_b, &name, "192.168.20.0/24"),
            nat_context(
                self.nat,
                &name,
                self.static_nat_subnet,
                &self.translations,
                &[&self.subnet_a()],
            ),
            self.extra.clone(),
        ]
        .concat()
    }

    fn connection(&self) -> String {
        self.connection.address()
    }

    fn subnet_a(&self) -> String {
        format!("ipsec_remote_subnet.{}", self.subnet_a)
    }

    fn subnet_b(&self) -> String {
        format!("ipsec_remote_subnet.{}", self.subnet_b)
    }

    fn nat(&self) -> String {
        format!("ipsec_nat_context.{}", self.nat)
    }

    fn addresses(&self) -> [String; 4] {
        [
            self.connection(),
            self.subnet_a(),
            self.subnet_b(),
            self.nat(),
        ]
    }

    fn with_extra(mut self, hcl: &str) -> Self {
        self.extra.push_str(hcl);
        self
    }

    /// The site as it is when every resource was just created.
    fn created(&self) -> Step {
        let mut step = Step::apply(self.hcl())
            .check(&self.connection(), "id", "dc1")
            .check(&self.subnet_a(), "id", "dc1/192.168.10.0/24")
            .check(&self.subnet_b(), "id", "dc1/192.168.20.0/24")
            .check(&self.nat(), "id", "dc1")
            .check_gateway(|gateway| {
                assert_eq!(
                    gateway.config_files(),
                    ["nftables/dc1.nft", "swanctl/conf.d/dc1.conf"]
                );
                assert!(gateway
                    .swanctl("dc1")
                    .contains("remote_ts = 192.168.10.0/24,192.168.20.0/24"));
            });
        for address in self.addresses() {
            step = step.expect(&address, Action::Create);
        }
        step
    }

    /// An in-place update of `address` that leaves every other resource alone and writes
    /// `line` to the gateway (in `swanctl` or `nft`).
    fn updated(&self, address: &str, line: impl Into<String>) -> Step {
        let line = line.into();
        let mut step = Step::apply(self.hcl()).check_gateway(move |gateway| {
            let files = gateway.snapshot();
            assert!(
                files.values().any(|text| text.contains(&line)),
                "no `{line}` on the gateway after the update: {files:#?}"
            );
        });
        for other in self.addresses() {
            let action = if other == address {
                Action::Update
            } else {
                Action::NoOp
            };
            step = step.expect(&other, action);
        }
        step
    }

    /// `from` renamed to `to` (this site's address for it) by a `moved` block: the plan
    /// moves it and changes nothing, on it or on the rest of the site. The state of every
    /// resource of the site is kept in `remembered`, for the imports that follow.
    fn moved(self, from: &str, to: &str, remembered: &Remembered) -> (Self, Step) {
        let moved = self.with_extra(&format!("moved {{\n  from = {from}\n  to   = {to}\n}}\n"));
        let (from_owned, to_owned) = (from.to_owned(), to.to_owned());
        let step = Step::apply(moved.hcl())
            .expect(to, Action::NoOp)
            .check_plan(move |plan| {
                let changes = resource_changes(plan);
                let entry = changes
                    .iter()
                    .find(|c| c["address"] == to_owned.as_str())
                    .unwrap_or_else(|| panic!("the plan does not show {to_owned}: {changes:#?}"));
                assert_eq!(
                    entry["previous_address"], from_owned,
                    "the plan does not move {from_owned} to {to_owned}: {entry:#}"
                );
                assert!(
                    !changes.iter().any(|c| c["address"] == from_owned.as_str()),
                    "the plan still holds {from_owned}: {changes:#?}"
                );
                only_no_ops(plan, &[]);
            })
            .check_state(remembered.remember());
        (moved, step)
    }

    /// `terraform state rm ADDRESS`, then `terraform import ADDRESS ID`: the plan leaves
    /// it alone and its state is the one it had.
    fn reimported_by_command(&self, address: &str, id: &str, remembered: &Remembered) -> Step {
        Step::apply(self.hcl())
            .terraform_first(&["state", "rm", address])
            .terraform_first(&["import", "-input=false", address, id])
            .check_plan(|plan| only_no_ops(plan, &[]))
            .check_state(remembered.same_as(address))
    }

    /// `terraform state rm ADDRESS`, then an `import` block: the plan imports it and
    /// does nothing else, and its state is the one it had.
    fn reimported_by_block(&self, address: &str, id: &str, remembered: &Remembered) -> Step {
        let with_block = self.clone().with_extra(&format!(
            "import {{\n  to = {address}\n  id = {}\n}}\n",
            quoted(id)
        ));
        let imported = address.to_owned();
        Step::apply(with_block.hcl())
            .terraform_first(&["state", "rm", address])
            .check_plan(move |plan| only_no_ops(plan, &[imported.as_str()]))
            .check_state(remembered.same_as(address))
    }

    /// `terraform plan -refresh-only` on a gateway nobody touched: no `resource_drift`,
    /// nothing to change. Its exit code with `-detailed-exitcode` is not asserted here.
    fn refreshed(&self) -> Step {
        Step::apply(self.hcl())
            .plan_args(&["-refresh-only"])
            .check_plan(|plan| {
                let drift = plan["resource_drift"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                assert!(
                    drift.is_empty(),
                    "-refresh-only on a clean gateway shows drift: {drift:#?}"
                );
                only_no_ops(plan, &[]);
            })
    }
}

/// `resource_changes` of a saved plan as `show -json` prints it.
fn resource_changes(plan: &Value) -> Vec<Value> {
    plan["resource_changes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Every change of the plan is a no-op; exactly the addresses of `importing` are imported.
fn only_no_ops(plan: &Value, importing: &[&str]) {
    let changes = resource_changes(plan);
    for change in &changes {
        let address = change["address"].as_str().unwrap_or_default();
        let actions = &change["change"]["actions"];
        assert!(
            *actions == serde_json::json!(["no-op"]) || *actions == serde_json::json!(["read"]),
            "the plan does {actions} to {address}: {change:#}"
        );
        assert_eq!(
            !change["change"]["importing"].is_null(),
            importing.contains(&address),
            "{address} is {}imported by the plan",
            if change["change"]["importing"].is_null() {
                "not "
            } else {
                ""
            }
        );
    }
    for address in importing {
        assert!(
            changes.iter().any(|c| c["address"] == *address),
            "the plan does not import {address}: {changes:#?}"
        );
    }
}

/// A state kept by one step for the steps that follow.
#[derive(Clone, Default)]
struct Remembered(Arc<Mutex<Vec<(String, Value)>>>);

impl Remembered {
    /// A state check that keeps the whole state.
    fn remember(&self) -> impl FnOnce(&[(String, Value)]) + Send + 'static {
        let slot = Arc::clone(&self.0);
        move |state| *slot.lock().expect("not poisoned") = state.to_vec()
    }

    /// A state check that requires `address` to hold the values it had when remembered.
    fn same_as(&self, address: &str) -> impl FnOnce(&[(String, Value)]) + Send + 'static {
        let (slot, address) = (Arc::clone(&self.0), address.to_owned());
        move |state| {
            let before = values_of(&slot.lock().expect("not poisoned"), &address);
            assert_eq!(
                values_of(state, &address),
                before,
                "the imported state of {address} differs from the one it had"
            );
        }
    }
}

fn values_of(state: &[(String, Value)], address: &str) -> Value {
    state
        .iter()
        .find(|(a, _)| a == address)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("{address} is not in the state"))
}

/// The site's networks and translation are on the gateway.
fn site_intact(gateway: &Gateway) {
    let swanctl = gateway.swanctl("dc1");
    assert!(
        swanctl.contains("192.168.10.0/24") && swanctl.contains("192.168.20.0/24"),
        "{swanctl}"
    );
    assert!(gateway.nft("dc1").contains("comment \"billing-db\""));
}

fn connection_conformance_create_update_move_reimport_refresh_destroy() {
    let base = site();
    let dc1 = base.connection.clone();
    let with = |connection: Connection| Site {
        connection,
        ..base.clone()
    };
    const DC1: &str = "ipsec_vpn_connection.dc1";
    // One step per group of attributes (lifecycle.rs updates each one alone), each
    // followed by a step back to the base connection.
    let groups: Vec<(Connection, &'static str)> = vec![
        (
            dc1.clone()
                .string("peer_address", "203.0.113.20")
                .string("local_address", "198.51.100.1"),
            "remote_addrs = 203.0.113.20",
        ),
        (
            dc1.clone().string("preshared_key", "a-new-key-for-dc1"),
            "secret = 0x612d6e65772d6b65792d666f722d646331",
        ),
        (
            dc1.clone()
                .unset("preshared_key")
                .string("preshared_key_wo", "a-write-only-key-1")
                .set("preshared_key_wo_version", "1"),
            "secret = 0x612d77726974652d6f6e6c792d6b65792d31",
        ),
        (
            dc1.clone()
                .set("local_subnets", "[\"10.1.0.0/16\", \"10.3.0.0/16\"]"),
            "local_ts = 10.1.0.0/16,10.3.0.0/16",
        ),
        (
            dc1.clone()
                .set("ike_version", "1")
                .set(
                    "phase1",
                    "{ encryption = \"AES128\", dh_group = 19, keylife = 14400 }",
                )
                .set("phase2", "{ dh_group = 0, keylife = 1800 }")
                .set("perfect_forward_secrecy", "false"),
            "proposals = aes128-sha256-ecp256",
        ),
        (
            dc1.clone()
                .string("start_action", "start")
                .string("description", "moved to rack 7"),
            "start_action = start",
        ),
    ];
    let mut case = TestCase::new().step(base.created());
    for (changed, line) in groups {
        case = case
            .step(with(changed).updated(DC1, line))
            .step(base.updated(DC1, format!("secret = 0x{}", hex(KEY))));
    }
    // SPEC.md also lists `local_id`, `peer_id`, `dpd`, `additional_proposals`,
    // `wait_until_established` and `timeouts`: the provider's schema has none of them
    // yet, so there is nothing to update in place here.

    let remembered = Remembered::default();
    let renamed = with(dc1.label("edge"));
    let (moved, step) = renamed.moved(DC1, "ipsec_vpn_connection.edge", &remembered);
    const EDGE: &str = "ipsec_vpn_connection.edge";
    case.step(step.check_gateway(site_intact))
        .step(moved.reimported_by_command(EDGE, "dc1", &remembered))
        .step(moved.reimported_by_block(EDGE, "dc1", &remembered))
        .step(moved.refreshed().check_gateway(site_intact))
        .run();
}

fn remote_subnet_conformance_create_move_reimport_refresh_destroy() {
    let base = site();
    // `ipsec_remote_subnet` has no attribute that changes in place: `connection_name`
    // and `cidr` both replace it (lifecycle.rs), so there is no update step.
    let remembered = Remembered::default();
    let renamed = Site {
        subnet_a: "apps",
        ..base.clone()
    };
    const APPS: &str = "ipsec_remote_subnet.apps";
    let (moved, step) = renamed.moved("ipsec_remote_subnet.a", APPS, &remembered);
    TestCase::new()
        .step(base.created())
        .step(step.check_gateway(site_intact))
        .step(moved.reimported_by_command(APPS, "dc1/192.168.10.0/24", &remembered))
        .step(moved.reimported_by_block(APPS, "dc1/192.168.10.0/24", &remembered))
        // The subnet no translation uses, too.
        .step(moved.reimported_by_command(
            "ipsec_remote_subnet.b",
            "dc1/192.168.20.0/24",
            &remembered,
        ))
        .step(moved.refreshed().check_gateway(site_intact))
        .run();
}

fn nat_context_conformance_create_update_move_reimport_refresh_destroy() {
    let base = site();
    const NAT: &str = "ipsec_nat_context.dc1";
    let with =
        |static_nat_subnet: &'static str,
         translations: Vec<(&'static str, &'static str, &'static str)>| Site {
            static_nat_subnet,
            translations,
            ..base.clone()
        };
    let remembered = Remembered::default();
    let last = with(
        "10.1.255.80/28",
        vec![("billing", "10.1.255.85", "192.168.10.16")],
    );
    let renamed = Site {
        nat: "site",
        ..last.clone()
    };
    const MOVED: &str = "ipsec_nat_context.site";
    let (moved, step) = renamed.moved(NAT, MOVED, &remembered);
    TestCase::new()
        .step(base.created())
        // static_nat_subnet alone (the translation's local_ip stays inside it).
        .step(
            with("10.1.255.80/28", base.translations.clone())
                .updated(NAT, "# @static_nat_subnet 10.1.255.80/28"),
        )
        // A translation added, into the other remote subnet.
        .step(
            with(
                "10.1.255.80/28",
                vec![
                    ("billing-db", "10.1.255.92", "192.168.10.15"),
                    ("crm", "10.1.255.93", "192.168.20.7"),
                ],
            )
            .updated(
                NAT,
                "ip daddr 10.1.255.93 dnat ip to 192.168.20.7 comment \"crm\"",
            ),
        )
        // One's local and customer addresses changed.
        .step(
            with(
                "10.1.255.80/28",
                vec![
                    ("billing-db", "10.1.255.85", "192.168.10.16"),
                    ("crm", "10.1.255.93", "192.168.20.7"),
                ],
            )
            .updated(NAT, "ip saddr 192.168.10.16 snat ip to 10.1.255.85"),
        )
        // One renamed, one removed.
        .step(last.updated(NAT, "comment \"billing\""))
        .step(step)
        .step(moved.reimported_by_command(MOVED, "dc1", &remembered))
        .step(moved.reimported_by_block(MOVED, "dc1", &remembered))
        .step(moved.refreshed())
        .run();
}

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/import-for-each/main.tf"
);

/// The example as a test writes it: on the test's gateway.
fn example() -> String {
    let example = std::fs::read_to_string(EXAMPLE).expect("examples/import-for-each/main.tf");
    let config = example.replace("\".ipsec-gateway\"", &format!("\"{CONFIG_DIR}\""));
    assert_ne!(config, example, "the example no longer sets config_dir");
    config
}

/// The example without its `import` blocks: the configuration whose state was lost.
fn example_without_imports(example: &str) -> String {
    let blocks = regex::Regex::new(r"(?ms)^import \{\n.*?^\}\n").expect("a valid pattern");
    let without = blocks.replace_all(example, "").into_owned();
    assert_eq!(
        example.matches("\nimport {").count(),
        3,
        "the example should hold one import block per resource type"
    );
    assert!(!without.contains("\nimport {"), "{without}");
    without
}

/// A gateway of three sites, created by one configuration whose state is then lost, is
/// adopted in a fresh working directory by the example's `for_each` import blocks: the
/// plan only imports, the apply imports all twelve resources, the state equals the lost
/// one, the gateway does not change, and the next plan is empty.
fn a_whole_gateway_is_adopted_by_for_each_import_blocks() {
    let config = example();
    let original = Workspace::new(ProviderMode::InProcess);
    original.write_config(&example_without_imports(&config));
    original.ok(&["apply", "-auto-approve", "-input=false"]);
    original.assert_plan_empty("after creating the gateway");
    let created = original.state();
    assert_eq!(created.len(), 12, "3 sites of 4 resources: {created:#?}");
    let gateway = original.gateway().clone();
    assert_eq!(
        gateway.config_files(),
        [
            "nftables/dc1.nft",
            "nftables/dc2.nft",
            "nftables/dc3.nft",
            "swanctl/conf.d/dc1.conf",
            "swanctl/conf.d/dc2.conf",
            "swanctl/conf.d/dc3.conf",
        ]
    );
    let before = gateway.snapshot();

    // The state is lost: a fresh working directory on the same gateway.
    let adopted = original.sibling();
    adopted.write_config(&config);
    adopted.ok(&["plan", "-input=false", "-out=tfplan"]);
    let plan: Value =
        serde_json::from_str(&adopted.ok(&["show", "-json", "tfplan"]).stdout).expect("JSON");
    let addresses: Vec<&str> = created.iter().map(|(a, _)| a.as_str()).collect();
    only_no_ops(&plan, &addresses);
    assert_eq!(resource_changes(&plan).len(), 12);
    let applied = adopted.ok(&["apply", "-input=false", "tfplan"]);
    assert!(
        applied
            .stdout
            .contains("12 imported, 0 added, 0 changed, 0 destroyed"),
        "{}",
        applied.stdout
    );
    adopted.remove_file("tfplan");
    assert_eq!(gateway.snapshot(), before, "importing changed the gateway");
    let imported = adopted.state();
    assert_eq!(
        imported, created,
        "the imported state differs from the lost one"
    );
    adopted.assert_plan_empty("after importing the whole gateway");

    // The adopted state now owns the gateway: destroying it empties the gateway.
    adopted.ok(&["destroy", "-auto-approve", "-input=false"]);
    gateway.assert_empty();
}
