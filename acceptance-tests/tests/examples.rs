//! The examples a user copies: every one is formatted as `terraform fmt` writes it and
//! passes `terraform validate`; the classic example applies through the real binary
//! with a warning at each weak attribute.

mod common;

use std::path::Path;

use acceptance_tests::{terraform, ProviderMode, Step, TestCase, Workspace};
use common::*;

acceptance_tests::suite![
    examples_pass_fmt_and_validate,
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
