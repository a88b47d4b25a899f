//! The examples a user copies: every one is formatted as `terraform fmt` writes it and
//! passes `terraform validate` (the documentation's per-type examples together); the classic example applies through the real binary
//! with a warning at each weak attribute.

mod common;

use std::path::Path;

use acceptance_tests::{terraform, ProviderMode, Step, TestCase, Workspace};
use common::*;

acceptance_tests::suite![
    examples_pass_fmt_and_validate,
    the_documentation_examples_validate_together,
    the_classic_example_applies_with_a_warning_at_each_weak_attribute,
];

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples");

fn examples_pass_fmt_and_validate() {
    let fmt = terraform::run(Path::new(EXAMPLES), &["fmt", "-check", "-recursive"], &[]);
    assert_eq!(fmt.code, 0, "terraform fmt -check: {}", fmt.output());
    for name in ["quickstart", "classic-ibm", "import", "connection-status"] {
        let path = Path::new(EXAMPLES).join(name).join("main.tf");
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let workspace = Workspace::new(ProviderMode::Binary);
        workspace.write_file("main.tf", &text);
        workspace.ok(&["init", "-input=false", "-backend=false"]);
        let validate = workspace.ok(&["validate"]).stdout;
        assert!(
            validate.contains("The configuration is valid"),
            "{name}: {validate}"
        );
    }
}

/// The per-type examples the docs show (`examples/provider`, `resources`, `data-sources`,
/// `ephemeral-resources`) are fragments of one configuration: together they validate.
fn the_documentation_examples_validate_together() {
    let mut config = String::new();
    for dir in [
        "provider",
        "resources",
        "data-sources",
        "ephemeral-resources",
    ] {
        let mut stack = vec![Path::new(EXAMPLES).join(dir)];
        let mut files = Vec::new();
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "tf") {
                    files.push(path);
                }
            }
        }
        files.sort();
        for file in files {
            config.push_str(&std::fs::read_to_string(&file).unwrap());
            config.push('\n');
        }
    }
    assert!(config.contains("ephemeral \"ipsec_preshared_key\""));
    let workspace = Workspace::new(ProviderMode::Binary);
    workspace.write_file("main.tf", &config);
    workspace.ok(&["init", "-input=false", "-backend=false"]);
    let validate = workspace.ok(&["validate"]).stdout;
    assert!(
        validate.contains("The configuration is valid"),
        "{validate}"
    );
}

fn the_classic_example_applies_with_a_warning_at_each_weak_attribute() {
    TestCase::new()
        .with_real_binary()
        .step(
            Step::apply(example("classic-ibm"))
                .shows("3DES")
                .shows("MD5")
                .shows("Warning"),
        )
        .run();
}
