//! Validators: small checks on one configured value, run by `ValidateResourceConfig`
//! and `ValidateProviderConfig` through [`super::Schema::validate`]. They skip null and
//! unknown values, which are not judged until known. IPsec rules are not here: they
//! live in `core`.

use ipsec_core::{AttributePath, Diagnostics, Problem};

use crate::codec::{Number, Value};

/// A check on one attribute's value.
#[derive(Debug, Clone)]
pub enum Validator {
    /// A number must be whole (keylives, groups, versions).
    WholeNumber,
    /// A string must be a duration in Go's syntax (`timeouts`).
    Duration,
}

impl Validator {
    /// Checks `value`, recording a problem at `path`.
    pub fn check(&self, value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
        match self {
            Validator::Duration => super::timeouts::check(value, path, diags),
            Validator::WholeNumber => {
                if let Value::Number(Number::Float(x)) = value {
                    diags.add(
                        Problem::error(
                            "Not a whole number",
                            format!("{x} is not a whole number; use an integer."),
                        ),
                        path.clone(),
                    )
                }
            }
        }
    }
}
