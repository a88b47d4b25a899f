//! `terraform test` on `examples/modules/site` (through the real binary, from the
//! filesystem mirror): its `.tftest.hcl` files (plan assertions, an apply run, the
//! validation blocks' `expect_failures`) pass, leave no connection behind, and never
//! print the key; an assertion that does not hold fails the run.

use std::path::Path;

use acceptance_tests::{provider, terraform, Secret};

acceptance_tests::suite![
    the_site_module_passes_its_terraform_tests,
    a_false_assertion_fails_terraform_test,
];

const MODULE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/modules/site");
const TEST_KEY: &str = "test-only-key-not-secret";

/// A copy of the module (its `.tf` files and `tests/`) in a temporary directory,
/// initialized, and the environment terraform needs there.
fn initialized_copy() -> (tempfile::TempDir, Vec<(String, String)>) {
    let dir = tempfile::tempdir().expect("a working directory");
    for relative in ["", "tests"] {
        std::fs::create_dir_all(dir.path().join(relative)).unwrap();
        for entry in std::fs::read_dir(Path::new(MODULE).join(relative)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                std::fs::copy(
                    &path,
                    dir.path().join(relative).join(path.file_name().unwrap()),
                )
                .unwrap();
            }
        }
    }
    let env = vec![(
        "TF_CLI_CONFIG_FILE".to_owned(),
        provider::mirror_cli_config().display().to_string(),
    )];
    terraform::run(dir.path(), &["init", "-input=false"], &env).success();
    (dir, env)
}

fn the_site_module_passes_its_terraform_tests() {
    let (dir, env) = initialized_copy();
    let run = terraform::run(dir.path(), &["test"], &env);
    let output = run.output();
    assert_eq!(run.code, 0, "terraform test failed:\n{output}");
    assert!(
        output.contains("Success!") && output.contains(" 0 failed"),
        "{output}"
    );
    for name in [
        "plan_shows_the_site_as_declared",
        "apply_writes_the_site_with_defaults_in_state",
        "a_site_without_remote_subnets_is_refused",
        "an_upper_case_name_is_refused",
        "a_translation_outside_every_remote_subnet_is_refused",
    ] {
        assert!(
            output.contains(&format!("run \"{name}\"... pass")),
            "{name}:\n{output}"
        );
    }
    Secret::never_stored(TEST_KEY).assert_not_in(&output, "terraform test's output");
    // The apply run is destroyed at the end: no connection is left on the gateway.
    let conf_d = dir.path().join(".ipsec-gateway-test/swanctl/conf.d");
    let left: Vec<_> = std::fs::read_dir(&conf_d)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "left behind: {left:?}");
}

fn a_false_assertion_fails_terraform_test() {
    let (dir, env) = initialized_copy();
    let site = std::fs::read_to_string(dir.path().join("tests/site.tftest.hcl")).unwrap();
    std::fs::write(
        dir.path().join("tests/site.tftest.hcl"),
        site.replace(
            "ipsec_vpn_connection.this.name == \"branch7\"",
            "ipsec_vpn_connection.this.name == \"branch8\"",
        ),
    )
    .unwrap();
    let run = terraform::run(dir.path(), &["test", "-filter=tests/site.tftest.hcl"], &env);
    assert_eq!(run.code, 1, "{}", run.output());
    assert!(
        run.output().contains("Test assertion failed"),
        "{}",
        run.output()
    );
    assert!(
        run.output()
            .contains("the connection is not named after the site"),
        "{}",
        run.output()
    );
}
