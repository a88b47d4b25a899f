//! Secrets: the pre-shared key is a sensitive value in every plan and apply output, a
//! `TF_LOG=TRACE` log of a whole lifecycle (Terraform's and the real provider
//! process's lines) never holds it, a `preshared_key_wo` never reaches the state or the
//! plan, errors never echo a key, and the only file holding it is the gateway's 0600
//! swanctl file, hex-encoded.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use acceptance_tests::{run_suite, test, Action, ProviderMode, Step, TestCase, Workspace};
use common::*;

fn main() {
    run_suite(vec![
        test(
            "plan_and_apply_show_the_key_only_as_sensitive",
            plan_and_apply_show_the_key_only_as_sensitive,
        ),
        test(
            "a_trace_log_of_a_whole_lifecycle_never_holds_the_key",
            a_trace_log_of_a_whole_lifecycle_never_holds_the_key,
        ),
        test(
            "a_write_only_key_never_reaches_state_or_plan",
            a_write_only_key_never_reaches_state_or_plan,
        ),
        test(
            "a_rejected_key_is_not_echoed_in_the_error",
            a_rejected_key_is_not_echoed_in_the_error,
        ),
    ]);
}

const SECRET: &str = "s3cret-Tr4ce-Key-0xFEED";
const NEW_SECRET: &str = "an0ther-S3cret-After-Rotation";

/// Panics if `text` holds either key, in clear or in the gateway's hex encoding.
fn assert_no_key(text: &str, what: &str) {
    for key in [SECRET, NEW_SECRET] {
        assert!(!text.contains(key), "{what} holds the key {key:?}");
        assert!(
            !text.contains(&hex(key)),
            "{what} holds the key {key:?} hex-encoded"
        );
    }
}

fn with_key(key: &str) -> String {
    format!(
        "{}{}",
        connection("dc1").string("preshared_key", key).hcl(),
        remote_subnet("apps", "ipsec_vpn_connection.dc1.name", "192.168.10.0/24")
    )
}

fn plan_and_apply_show_the_key_only_as_sensitive() {
    let workspace = Workspace::new(ProviderMode::InProcess);
    workspace.write_config(&with_key(SECRET));
    let plan = workspace.ok(&["plan", "-input=false"]).output();
    let sensitive = regex::Regex::new(r"\+ preshared_key\s+= \(sensitive value\)").unwrap();
    assert!(sensitive.is_match(&plan), "{plan}");
    assert_no_key(&plan, "the plan");
    let apply = workspace
        .ok(&["apply", "-auto-approve", "-input=false"])
        .output();
    assert_no_key(&apply, "apply's output");
    assert_no_key(&workspace.ok(&["show"]).output(), "terraform show");

    // Rotating the key: an update whose plan still shows no key.
    workspace.write_config(&with_key(NEW_SECRET));
    let plan = workspace.ok(&["plan", "-input=false"]).output();
    assert!(plan.contains("~ preshared_key"), "{plan}");
    assert!(plan.contains("(sensitive value)"), "{plan}");
    assert_no_key(&plan, "the rotation's plan");
    let apply = workspace
        .ok(&["apply", "-auto-approve", "-input=false"])
        .output();
    assert_no_key(&apply, "the rotation's apply");
    let conf = workspace.gateway().swanctl("dc1");
    assert!(conf.contains(&format!("secret = 0x{}", hex(NEW_SECRET))));
    assert_only_the_gateway_file_holds_the_key(&workspace, NEW_SECRET, true);
    workspace.ok(&["destroy", "-auto-approve", "-input=false"]);
}

/// The real binary, so that the provider's own log lines (sent to Terraform's plugin
/// logger on stderr) are in the log too.
fn a_trace_log_of_a_whole_lifecycle_never_holds_the_key() {
    let workspace = Workspace::new(ProviderMode::Binary);
    let log = workspace.path().join("trace.log");
    let log_path = log.display().to_string();
    let trace = [("TF_LOG", "TRACE"), ("TF_LOG_PATH", log_path.as_str())];
    let run = |args: &[&str]| workspace.run_with(args, &trace);

    workspace.write_config(&with_key(SECRET));
    run(&["plan", "-input=false"]).success();
    run(&["apply", "-auto-approve", "-input=false"]).success();
    run(&["plan", "-input=false", "-detailed-exitcode"]).success();
    // An update, an import and a failed plan are logged too.
    workspace.write_config(&with_key(NEW_SECRET));
    run(&["apply", "-auto-approve", "-input=false"]).success();
    run(&["state", "rm", "ipsec_vpn_connection.dc1"]).success();
    run(&["import", "-input=false", "ipsec_vpn_connection.dc1", "dc1"]).success();
    workspace.write_config(
        &with_key(NEW_SECRET).replace("local_subnets = [", "local_subnets = [\"10.1.0.1/16\", "),
    );
    assert_ne!(run(&["plan", "-input=false"]).code, 0);
    workspace.write_config(&with_key(NEW_SECRET));
    run(&["destroy", "-auto-approve", "-input=false"]).success();

    let text = std::fs::read_to_string(&log).expect("terraform wrote the trace log");
    assert!(
        text.contains("plugin.terraform-provider-ipsec")
            || text.contains("provider.terraform-provider-ipsec"),
        "the log holds no provider line, so it proves nothing"
    );
    assert!(
        text.contains("PlanResourceChange") && text.contains("ApplyResourceChange"),
        "the log does not trace the provider calls"
    );
    assert!(
        text.contains("modified context"),
        "the log holds none of the engine's own lines"
    );
    assert_no_key(&text, "the TF_LOG=TRACE log");
    workspace.gateway().assert_empty();
}

fn a_write_only_key_never_reaches_state_or_plan() {
    const DC1: &str = "ipsec_vpn_connection.dc1";
    let config = |key: &str, version: u32| {
        connection("dc1")
            .unset("preshared_key")
            .string("preshared_key_wo", key)
            .set("preshared_key_wo_version", &version.to_string())
            .hcl()
    };
    TestCase::new()
        .step(
            Step::apply(config(SECRET, 1))
                .check(DC1, "preshared_key_wo", serde_json::Value::Null)
                .check(DC1, "preshared_key", serde_json::Value::Null)
                .check(DC1, "preshared_key_wo_version", 1)
                .check_gateway(|gateway| {
                    let conf = gateway.swanctl("dc1");
                    assert!(
                        conf.contains(&format!("secret = 0x{}", hex(SECRET))),
                        "{conf}"
                    );
                }),
        )
        // A new key under the same version is not applied: the version says when.
        .step(Step::apply(config(NEW_SECRET, 1)).check_gateway(|gateway| {
            let conf = gateway.swanctl("dc1");
            assert!(conf.contains(&hex(SECRET)), "{conf}");
        }))
        .step(
            Step::apply(config(NEW_SECRET, 2))
                .expect(DC1, Action::Update)
                .check_gateway(|gateway| {
                    let conf = gateway.swanctl("dc1");
                    assert!(
                        conf.contains(&format!("secret = 0x{}", hex(NEW_SECRET))),
                        "{conf}"
                    );
                }),
        )
        .run();

    // The same, looking at the raw files terraform keeps.
    let workspace = Workspace::new(ProviderMode::InProcess);
    workspace.write_config(&config(SECRET, 1));
    workspace.ok(&["plan", "-input=false", "-out=tfplan"]);
    // The plan file also keeps a copy of the configuration, literal included; what the
    // provider planned is what must not hold the key.
    let plan: serde_json::Value =
        serde_json::from_str(&workspace.ok(&["show", "-json", "tfplan"]).stdout).unwrap();
    for part in ["planned_values", "resource_changes", "prior_state"] {
        assert_no_key(&plan[part].to_string(), &format!("the saved plan's {part}"));
    }
    workspace.ok(&["apply", "-input=false", "tfplan"]);
    assert_no_key(&workspace.state_file(), "terraform.tfstate");
    workspace.write_config(&config(NEW_SECRET, 2));
    workspace.ok(&["apply", "-auto-approve", "-input=false"]);
    assert_no_key(&workspace.state_file(), "terraform.tfstate after rotation");
    assert_only_the_gateway_file_holds_the_key(&workspace, NEW_SECRET, false);
    workspace.ok(&["destroy", "-auto-approve", "-input=false"]);
}

fn a_rejected_key_is_not_echoed_in_the_error() {
    let workspace = Workspace::new(ProviderMode::InProcess);
    for key in ["k3y!x", &"Zk".repeat(130)] {
        // The provider's own diagnostic never repeats the key…
        workspace.write_config(&connection("dc1").string("preshared_key", key).hcl());
        let run = workspace.run(&["validate", "-json"]);
        let diagnostics = acceptance_tests::json::validate_diagnostics(&run.stdout);
        let error = diagnostics
            .iter()
            .find(|d| d.is_at("preshared_key"))
            .unwrap_or_else(|| panic!("no error at preshared_key: {diagnostics:#?}"));
        assert!(
            !error.text().contains(key),
            "the error echoes the key: {error:#?}"
        );

        // …so with the key in a sensitive variable, as users keep keys, nothing Terraform
        // prints holds it. (With a literal, Terraform itself shows the source line.)
        workspace.write_config(&format!(
            "variable \"psk\" {{\n  type      = string\n  sensitive = true\n  default   = {}\n}}\n{}",
            quoted(key),
            connection("dc1").set("preshared_key", "var.psk").hcl()
        ));
        let run = workspace.run(&["plan", "-input=false"]);
        assert_ne!(run.code, 0, "a bad key was accepted");
        assert!(run.output().contains("preshared_key"), "{}", run.output());
        assert!(
            !run.output().contains(key),
            "the error echoes the key:\n{}",
            run.output()
        );
    }
    workspace.gateway().assert_empty();
}

/// Every file of the working directory and the gateway but the configuration itself
/// (and the state, when the key is the sensitive `preshared_key` that Terraform keeps
/// there by design): the key is nowhere in clear, and hex-encoded only in the
/// connection's swanctl file, which is private.
fn assert_only_the_gateway_file_holds_the_key(
    workspace: &Workspace,
    key: &str,
    state_holds_it: bool,
) {
    let holders: Vec<String> = files_under(workspace.path())
        .into_iter()
        .filter(|path| !path.ends_with("main.tf"))
        .filter(|path| {
            let state = path
                .file_name()
                .is_some_and(|name| name.to_string_lossy().starts_with("terraform.tfstate"));
            !(state && state_holds_it)
        })
        .filter(|path| {
            let bytes = std::fs::read(path).unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains(key),
                "{} holds the key in clear",
                path.display()
            );
            text.contains(&hex(key))
        })
        .map(|path| path.display().to_string())
        .collect();
    let conf = workspace.gateway().root().join("swanctl/conf.d/dc1.conf");
    assert_eq!(holders, [conf.display().to_string()]);
    let mode = std::fs::metadata(&conf).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the key file is mode {mode:o}");
}

fn files_under(root: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}
