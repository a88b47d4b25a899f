//! Import on the `local` engine: each resource by `terraform import` and by an `import`
//! block, with the IDs of SPEC.md (connection: its name; remote subnet:
//! `<connection>/<cidr>`; NAT context: the connection's name). The imported state equals
//! the created one and the plan after it is empty; something that is not on the gateway,
//! or an ID of the wrong form, is a clear error that changes nothing.

mod common;

use acceptance_tests::{Action, ImportBy, ProviderMode, Secret, Step, TestCase, Workspace};
use common::*;

acceptance_tests::suite![
    connection_imports_by_command_and_by_block,
    remote_subnet_imports_by_command_and_by_block,
    nat_context_imports_by_command_and_by_block,
    import_all_by_command_gives_the_same_state_and_an_empty_plan,
    import_all_by_block_gives_the_same_state_and_an_empty_plan,
    importing_what_the_gateway_does_not_hold_is_a_clear_error,
    malformed_import_ids_are_errors_naming_the_expected_form,
    connection_with_write_only_key_imports_and_converges_without_the_key_in_state,
];

const DC1: &str = "ipsec_vpn_connection.dc1";
const DC2: &str = "ipsec_vpn_connection.dc2";
const NAT: &str = "ipsec_nat_context.dc1";

/// dc1: every attribute away from its default (AEAD in both phases, a local address,
/// `start`, a description that needs quoting, two local subnets, identities of their
/// own, DPD with another delay and action).
fn dc1() -> Connection {
    connection("dc1")
        .string("local_address", "198.51.100.1")
        .set(
            "phase1",
            "{\n    encryption     = \"AES128GCM16\"\n    authentication = \"SHA384\"\n    dh_group       = 19\n    keylife        = 14400\n  }",
        )
        .set(
            "phase2",
            "{\n    encryption = \"AES256GCM16\"\n    dh_group   = 20\n    keylife    = 1800\n  }",
        )
        .set("local_subnets", "[\"10.1.0.0/16\", \"10.2.0.0/16\"]")
        .string("start_action", "start")
        .string("description", "primary \"DC\" = rack 7 # not a comment")
        .string("local_id", "gw-1@example.com")
        .string("peer_id", "dc1.example.net")
        .set("dpd", "{ delay = 15, action = \"clear\" }")
}

/// dc2: IPv6 endpoints, IKEv1 without PFS and two local subnets (with its IPv6 remote
/// subnet, an IKEv1 child per pair on the gateway), no NAT.
fn dc2() -> Connection {
    connection("dc2")
        .string("peer_address", "2001:db8::10")
        .string("local_address", "2001:db8:ffff::1")
        .string("preshared_key", "another-key-for-dc2")
        .set("ike_version", "1")
        .set("perfect_forward_secrecy", "false")
        .set("phase2", "{ dh_group = 0 }")
        .set("local_subnets", "[\"10.3.0.0/16\", \"fd00:3::/64\"]")
        .string("start_action", "none")
        .set("dpd", "{ timeout = 90 }")
}

/// dc1's NAT context, for `connection` (an expression).
fn dc1_nat(connection: &str, depends_on: &[&str]) -> String {
    nat_context(
        "dc1",
        connection,
        "10.1.255.88/29",
        &[
            ("billing-db", "10.1.255.92", "192.168.10.15"),
            ("crm", "10.1.255.93", "192.168.20.7"),
        ],
        depends_on,
    )
}

/// Both connections, three remote subnets and a NAT context.
fn site() -> String {
    format!(
        "{}{}{}{}{}{}",
        dc1().hcl(),
        dc2().hcl(),
        remote_subnet("apps", "ipsec_vpn_connection.dc1.name", "192.168.10.0/24"),
        remote_subnet("users", "ipsec_vpn_connection.dc1.name", "192.168.20.0/24"),
        remote_subnet("v6", "ipsec_vpn_connection.dc2.name", "fd00:20::/64"),
        dc1_nat(
            "ipsec_vpn_connection.dc1.name",
            &["ipsec_remote_subnet.apps", "ipsec_remote_subnet.users"],
        )
    )
}

/// The site is created and its values are the ones written above, so that the imports
/// are compared with a state that holds every attribute.
fn created_site() -> Step {
    Step::apply(site())
        .expect(DC1, Action::Create)
        .check(DC1, "phase2.authentication", serde_json::Value::Null)
        .check(DC1, "start_action", "start")
        .check(DC2, "ike_version", 1)
        .check(DC2, "perfect_forward_secrecy", false)
        .check("ipsec_remote_subnet.v6", "id", "dc2/fd00:20::/64")
        .check_gateway(|gw| {
            let dc2 = gw.swanctl("dc2");
            // IKEv1: one child per pair of networks of one IP version, named by the pair.
            assert!(
                dc2.contains("dc2_fd00-3---64_fd00-20---64 {"),
                "dc2 should have a child per pair:\n{dc2}"
            );
        })
}

// Importing one resource into a fresh state takes a configuration of that resource
// alone: with the whole site, the fresh state's plan would also create the other
// resources a second time, which the provider rightly refuses at plan time ("Connection
// already exists"). The whole site is imported by `import_all` below.

fn connection_imports_by_command_and_by_block() {
    TestCase::new()
        .step(created_site())
        .step(Step::import(DC1, "dc1", ImportBy::Command).config(dc1().hcl()))
        .step(Step::import(DC1, "dc1", ImportBy::Block).config(dc1().hcl()))
        .step(Step::import(DC2, "dc2", ImportBy::Command).config(dc2().hcl()))
        .step(Step::import(DC2, "dc2", ImportBy::Block).config(dc2().hcl()))
        .run();
}

fn remote_subnet_imports_by_command_and_by_block() {
    let subnet = |label: &str, connection: &str, cidr: &str| {
        remote_subnet(label, &format!("\"{connection}\""), cidr)
    };
    TestCase::new()
        .step(created_site())
        .step(
            Step::import(
                "ipsec_remote_subnet.apps",
                "dc1/192.168.10.0/24",
                ImportBy::Command,
            )
            .config(subnet("apps", "dc1", "192.168.10.0/24")),
        )
        .step(
            Step::import(
                "ipsec_remote_subnet.users",
                "dc1/192.168.20.0/24",
                ImportBy::Block,
            )
            .config(subnet("users", "dc1", "192.168.20.0/24")),
        )
        .step(
            Step::import(
                "ipsec_remote_subnet.v6",
                "dc2/fd00:20::/64",
                ImportBy::Command,
            )
            .config(subnet("v6", "dc2", "fd00:20::/64")),
        )
        .step(
            Step::import(
                "ipsec_remote_subnet.v6",
                "dc2/fd00:20::/64",
                ImportBy::Block,
            )
            .config(subnet("v6", "dc2", "fd00:20::/64")),
        )
        .run();
}

fn nat_context_imports_by_command_and_by_block() {
    TestCase::new()
        .step(created_site())
        .step(Step::import(NAT, "dc1", ImportBy::Command).config(dc1_nat("\"dc1\"", &[])))
        .step(Step::import(NAT, "dc1", ImportBy::Block).config(dc1_nat("\"dc1\"", &[])))
        // Back to the whole site: `terraform destroy` plans the configuration first, and
        // a NAT context whose remote subnets the configuration drops is refused.
        .step(Step::apply(site()))
        .run();
}

fn import_all_by_command_gives_the_same_state_and_an_empty_plan() {
    TestCase::new()
        .step(created_site())
        .step(Step::import_all(ImportBy::Command))
        .run();
}

fn import_all_by_block_gives_the_same_state_and_an_empty_plan() {
    TestCase::new()
        .step(created_site())
        .step(Step::import_all(ImportBy::Block))
        .run();
}

fn importing_what_the_gateway_does_not_hold_is_a_clear_error() {
    // Each configuration holds only the resource imported (see above). Address, ID,
    // configuration and the error's pattern.
    let missing = [
        (
            "ipsec_vpn_connection.ghost",
            "ghost",
            connection("ghost").hcl(),
            r#"Cannot import a missing connection(?s:.)*no connection\s+named\s+"ghost""#,
        ),
        (
            "ipsec_remote_subnet.ghost",
            "dc1/192.168.99.0/24",
            remote_subnet("ghost", "\"dc1\"", "192.168.99.0/24"),
            r#"Cannot import a missing remote subnet(?s:.)*Connection\s+"dc1"\s+has\s+no\s+remote\s+subnet\s+192\.168\.99\.0/24"#,
        ),
        (
            "ipsec_remote_subnet.ghost",
            "ghost/192.168.99.0/24",
            remote_subnet("ghost", "\"ghost\"", "192.168.99.0/24"),
            r#"Cannot import a missing remote subnet(?s:.)*no\s+connection\s+named\s+"ghost""#,
        ),
        (
            "ipsec_nat_context.dc2",
            "dc2",
            nat_context(
                "dc2",
                "\"dc2\"",
                "fd00:3:ffff::/120",
                &[("db", "fd00:3:ffff::1", "fd00:20::15")],
                &[],
            ),
            r#"Cannot import a missing NAT context(?s:.)*Connection\s+"dc2"\s+has\s+no\s+NAT\s+context"#,
        ),
        (
            "ipsec_nat_context.ghost",
            "ghost",
            nat_context(
                "ghost",
                "\"ghost\"",
                "10.3.255.0/29",
                &[("db", "10.3.255.1", "192.168.99.15")],
                &[],
            ),
            r#"Cannot import a missing NAT context(?s:.)*no\s+connection\s+named\s+"ghost""#,
        ),
    ];
    let case = failing_imports(TestCase::new().step(created_site()), &missing);
    // Nothing was imported or changed: the site still plans as it was.
    case.step(unchanged_site()).run();
}

fn malformed_import_ids_are_errors_naming_the_expected_form() {
    let subnet = remote_subnet("apps", "\"dc1\"", "192.168.10.0/24");
    let nat = dc1_nat("\"dc1\"", &[]);
    let malformed = [
        (
            "ipsec_remote_subnet.apps",
            "dc1",
            subnet.clone(),
            r#"Invalid import ID(?s:.)*<connection>/<cidr>(?s:.)*dc1/192\.168\.10\.0/24"#,
        ),
        (
            "ipsec_remote_subnet.apps",
            "dc1/not-a-cidr",
            subnet.clone(),
            r#"Invalid import ID(?s:.)*"not-a-cidr" is not a network in CIDR\s+notation such as"#,
        ),
        (
            "ipsec_remote_subnet.apps",
            "dc1/192.168.10.5/24",
            subnet,
            r#"Invalid import ID(?s:.)*192\.168\.10\.0/24"#,
        ),
        (
            DC1,
            "Bad Name",
            dc1().hcl(),
            r#"Invalid import ID(?s:.)*"Bad Name"(?s:.)*lowercase letter(?s:.)*Did you mean\s+"bad-name"\?"#,
        ),
        (
            NAT,
            "Bad Name",
            nat,
            r#"Invalid import ID(?s:.)*"Bad Name"(?s:.)*connection name"#,
        ),
    ];
    let case = failing_imports(TestCase::new().step(created_site()), &malformed);
    case.step(unchanged_site()).run();
}

/// `case` with, by command and then by block, one import step per row (address, ID,
/// configuration, pattern) that must fail with an error matching the pattern.
fn failing_imports(mut case: TestCase, rows: &[(&str, &str, String, &str)]) -> TestCase {
    for by in [ImportBy::Command, ImportBy::Block] {
        for (address, id, config, pattern) in rows {
            case = case.step(
                Step::import(address, id, by)
                    .config(config.clone())
                    .import_fails(pattern),
            );
        }
    }
    case
}

/// Back to the whole site, which must plan no change for any of its resources.
fn unchanged_site() -> Step {
    let mut step = Step::apply(site());
    for address in [
        DC1,
        DC2,
        "ipsec_remote_subnet.apps",
        "ipsec_remote_subnet.users",
        "ipsec_remote_subnet.v6",
        NAT,
    ] {
        step = step.expect(address, Action::NoOp);
    }
    step
}

/// A connection whose key is write-only. Import cannot know `preshared_key_wo_version`
/// (it is not on the gateway) nor that the configuration uses the write-only key, so it
/// reads the key as `preshared_key`, as for any imported connection. The first plan is
/// therefore an in-place update, and only that: `preshared_key` goes to null and
/// `preshared_key_wo_version` to 1, never showing the key. Applying it writes the same
/// key to the gateway (no change there), leaves no key in the state, and the next plan is
/// empty. Both by `terraform import` and by an `import` block.
fn connection_with_write_only_key_imports_and_converges_without_the_key_in_state() {
    let workspace = Workspace::new(ProviderMode::InProcess);
    // Every command's output, Terraform's log and every file of this working directory
    // and its siblings are searched for the key. A state may hold it only as
    // `preshared_key`, which is where `terraform import` puts it until the first apply
    // (kept in `terraform.tfstate.backup`); that the state holds null there is checked
    // below.
    workspace.watch_for_leaks(&[Secret::stored(KEY)]);
    let config = connection("dc1")
        .unset("preshared_key")
        .string("preshared_key_wo", KEY)
        .set("preshared_key_wo_version", "1")
        .hcl();
    workspace.write_config(&config);
    workspace.ok(&["apply", "-auto-approve", "-input=false"]);
    let created = workspace.resource(DC1);
    assert_eq!(created["preshared_key"], serde_json::Value::Null);
    workspace.assert_no_leaks();
    let gateway = workspace.gateway().snapshot();

    for by in [ImportBy::Command, ImportBy::Block] {
        let label = format!("import by {by:?}");
        let fresh = workspace.sibling();
        fresh.write_config(&config);
        let summary = match by {
            ImportBy::Command => {
                let run = fresh.run(&["import", "-input=false", DC1, "dc1"]);
                assert_eq!(run.code, 0, "{label} failed:\n{}", run.output());
                "Plan: 0 to add, 1 to change, 0 to destroy"
            }
            ImportBy::Block => {
                fresh.write_file(
                    "import.tf",
                    "import {\n  to = ipsec_vpn_connection.dc1\n  id = \"dc1\"\n}\n",
                );
                "Plan: 1 to import, 0 to add, 1 to change, 0 to destroy"
            }
        };

        let (code, plan) = fresh.plan_exit_code();
        assert_eq!(
            code, 2,
            "{label}: the first plan should update the version:\n{plan}"
        );
        for pattern in [
            r"# ipsec_vpn_connection\.dc1 will be updated in-place",
            r"- preshared_key\s+= \(sensitive value\) -> null",
            r"\+ preshared_key_wo_version = 1",
            &regex::escape(summary),
        ] {
            assert_shows(&plan, pattern, &label);
        }
        // Nothing else about the connection differs from the gateway.
        assert_eq!(
            attribute_changes(&plan),
            2,
            "{label}: the plan changes more than the key and its version:\n{plan}"
        );

        fresh.ok(&["apply", "-auto-approve", "-input=false"]);
        assert_eq!(
            workspace.gateway().snapshot(),
            gateway,
            "{label}: applying the import changed the gateway"
        );
        let imported = fresh.resource(DC1);
        assert_eq!(
            imported, created,
            "{label}: the state differs from the created one"
        );
        fresh.assert_no_leaks();
        fresh.assert_plan_empty(&format!("{label}, after the first apply"));
        fresh.remove_file("import.tf");
    }

    workspace.ok(&["destroy", "-auto-approve", "-input=false"]);
    workspace.gateway().assert_empty();
}

/// How many attributes a rendered plan adds, removes or changes.
fn attribute_changes(plan: &str) -> usize {
    regex::Regex::new(r"(?m)^\s*[-+~] [a-z_0-9]+\s+=")
        .expect("a valid pattern")
        .find_iter(plan)
        .count()
}
