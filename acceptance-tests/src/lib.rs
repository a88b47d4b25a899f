//! Acceptance tests for terraform-provider-ipsec, driving the real `terraform` CLI.
//!
//! The harness arrives with the acceptance-test issue; this crate reserves its place in
//! the workspace so the layout of SPEC.md holds from the start.
