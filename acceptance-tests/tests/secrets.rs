//! Secrets: the pre-shared key is a sensitive value in every plan and apply output, a
//! `TF_LOG=TRACE` log of a whole lifecycle (Terraform's and the real provider
//! process's lines) never holds it, a `preshared_key_wo` never reaches the state or the
//! plan, errors never echo a key, and the only file holding it is the gateway's 0600
//! swanctl file, hex-encoded. The harness's leak check (`no_leak_of` a [`Secret`], on a
//! case or a step) searches every command's output, Terraform's trace log and every
//! file of the working directory and the gateway.

mod common;

use acceptance_tests::leaks::{self, Secret};
use acceptance_tests::{Action, Gateway, Phase, Step, TestCase};
use common::*;

acceptance_tests::suite![
    plan_and_apply_show_the_key_only_as_sensitive,
    a_trace_log_of_a_whole_lifecycle_never_holds_the_key,
    provider_logs_reach_terraform_and_never_hold_the_key,
    a_write_only_key_never_reaches_state_or_plan,
    a_rejected_key_is_not_echoed_in_the_error,
];

const DC1: &str = "ipsec_vpn_connection.dc1";
const SECRET: &str = "s3cret-Tr4ce-Key-0xFEED";
const NEW_SECRET: &str = "an0ther-S3cret-After-Rotation";

fn with_key(key: &str) -> String {
    format!(
        "{}{}",
        connection("dc1").string("preshared_key", key).hcl(),
        remote_subnet("apps", "ipsec_vpn_connection.dc1.name", "192.168.10.0/24")
    )
}

/// A gateway check: dc1's swanctl file holds `key` as its secret, and no other file of
/// the gateway holds it (the harness requires that file to be mode 0600).
fn only_the_swanctl_file_holds(key: &'static str) -> impl FnOnce(&Gateway) + Send {
    move |gateway| {
        let conf = gateway.swanctl("dc1");
        assert!(conf.contains(&format!("secret = 0x{}", hex(key))), "{conf}");
        let holders = leaks::check_files(&[Secret::never_stored(key)], gateway.root());
        assert_eq!(holders, [gateway.root().join(Gateway::swanctl_path("dc1"))]);
    }
}

fn plan_and_apply_show_the_key_only_as_sensitive() {
    TestCase::new()
        .no_leak_of(Secret::stored(SECRET))
        .no_leak_of(Secret::stored(NEW_SECRET))
        .step(Step::apply(with_key(SECRET)).shows(r"\+ preshared_key\s+= \(sensitive value\)"))
        // Rotating the key: an update whose plan still shows no key (nor does
        // `terraform show` of the state before it).
        .step(
            Step::apply(with_key(NEW_SECRET))
                .terraform_first(&["show"])
                .shows(r"~ preshared_key")
                .shows(r"\(sensitive value\)")
                .check_gateway(only_the_swanctl_file_holds(NEW_SECRET)),
        )
        .run();
}

/// The real binary, so that the provider's own log lines (sent to Terraform's plugin
/// logger on stderr) are in the log too. An update, an import and a failed plan are
/// logged as well.
fn a_trace_log_of_a_whole_lifecycle_never_holds_the_key() {
    let bad_subnet =
        with_key(NEW_SECRET).replace("local_subnets = [", "local_subnets = [\"10.1.0.1/16\", ");
    TestCase::new()
        .with_real_binary()
        .no_leak_of(Secret::stored(SECRET))
        .no_leak_of(Secret::stored(NEW_SECRET))
        .step(Step::apply(with_key(SECRET)))
        .step(Step::apply(with_key(NEW_SECRET)).expect(DC1, Action::Update))
        .step(
            Step::apply(with_key(NEW_SECRET))
                .terraform_first(&["state", "rm", DC1])
                .terraform_first(&["import", "-input=false", DC1, "dc1"]),
        )
        .step(Step::fails(Phase::Plan, bad_subnet, "Non-canonical CIDR").at("local_subnets"))
        .step(Step::apply(with_key(NEW_SECRET)).check_log(|log| {
            assert!(
                log.contains("plugin.terraform-provider-ipsec")
                    || log.contains("provider.terraform-provider-ipsec"),
                "the log holds no provider line, so it proves nothing"
            );
            assert!(
                log.contains("PlanResourceChange") && log.contains("ApplyResourceChange"),
                "the log does not trace the provider calls"
            );
            assert!(
                log.contains("modified context"),
                "the log holds none of the engine's own lines"
            );
        }))
        .run();
}

/// `TF_LOG_PROVIDER` alone brings the provider's lines into Terraform's log.
fn provider_logs_reach_terraform_and_never_hold_the_key() {
    TestCase::new()
        .with_real_binary()
        .trace_log("TF_LOG_PROVIDER")
        .no_leak_of(Secret::stored(EXAMPLE_KEY))
        .step(Step::apply(quickstart()).check_log(|log| {
            assert!(
                log.lines()
                    .any(|line| line.contains("provider.terraform-provider-ipsec")
                        && line.contains("gateway ready")),
                "the provider's log lines did not reach Terraform's log"
            );
        }))
        .run();
}

/// Through the real binary. A new key is applied only with a new version; neither key
/// reaches the state, the saved plan's values, the output or the log.
fn a_write_only_key_never_reaches_state_or_plan() {
    let config = |key: &str, version: u32| {
        connection("dc1")
            .unset("preshared_key")
            .string("preshared_key_wo", key)
            .set("preshared_key_wo_version", &version.to_string())
            .hcl()
    };
    TestCase::new()
        .with_real_binary()
        .no_leak_of(Secret::never_stored(SECRET))
        .no_leak_of(Secret::never_stored(NEW_SECRET))
        .step(
            Step::apply(config(SECRET, 1))
                // The plan file also keeps a copy of the configuration, literal
                // included; what the provider planned is what must not hold the key.
                .check_plan(|plan| {
                    for part in ["planned_values", "resource_changes", "prior_state"] {
                        for key in [SECRET, NEW_SECRET] {
                            Secret::never_stored(key).assert_not_in(
                                &plan[part].to_string(),
                                &format!("the saved plan's {part}"),
                            );
                        }
                    }
                })
                .check(DC1, "preshared_key_wo", serde_json::Value::Null)
                .check(DC1, "preshared_key", serde_json::Value::Null)
                .check(DC1, "preshared_key_wo_version", 1)
                .check_gateway(only_the_swanctl_file_holds(SECRET)),
        )
        // A new key under the same version is not applied: the version says when.
        .step(
            Step::apply(config(NEW_SECRET, 1))
                .expect(DC1, Action::NoOp)
                .check_gateway(only_the_swanctl_file_holds(SECRET)),
        )
        .step(
            Step::apply(config(NEW_SECRET, 2))
                .expect(DC1, Action::Update)
                .check_gateway(only_the_swanctl_file_holds(NEW_SECRET)),
        )
        .run();
}

fn a_rejected_key_is_not_echoed_in_the_error() {
    let mut case = TestCase::new().without_destroy_check();
    for key in ["k3y!x".to_owned(), "Zk".repeat(130)] {
        let echoed = key.clone();
        case = case
            // The provider's own diagnostic never repeats the key…
            .step(
                Step::fails(
                    Phase::Validate,
                    connection("dc1").string("preshared_key", &key).hcl(),
                    "",
                )
                .at("preshared_key")
                .check_diagnostics(move |diagnostics| {
                    let error = diagnostics
                        .iter()
                        .find(|d| d.is_at("preshared_key"))
                        .expect("an error at preshared_key");
                    assert!(
                        !error.text().contains(&echoed),
                        "the error echoes the key: {error:#?}"
                    );
                }),
            )
            // …so with the key in a sensitive variable, as users keep keys, nothing
            // Terraform prints holds it. (With a literal, Terraform itself shows the
            // source line.)
            .step(
                Step::fails(
                    Phase::Plan,
                    format!(
                        "variable \"psk\" {{\n  type      = string\n  sensitive = true\n  default   = {}\n}}\n{}",
                        quoted(&key),
                        connection("dc1").set("preshared_key", "var.psk").hcl()
                    ),
                    "",
                )
                .at("preshared_key")
                .no_leak_of(Secret::never_stored(&key))
                .check_gateway(|gateway| gateway.assert_empty()),
            );
    }
    case.run();
}
