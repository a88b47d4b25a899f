//! Placeholder: this suite is being written.

mod common;

fn main() {
    acceptance_tests::run_suite(vec![]);
}
