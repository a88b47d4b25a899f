//! Validators: small checks on one configured value, run by `ValidateResourceConfig`
//! and `ValidateProviderConfig`. They skip null and unknown values, which are not
//! judged until known. IPsec rules are not here: they live in `core`.

use ipsec_core::diag::quote;
use ipsec_core::{AttributePath, Diagnostics, Problem};

use crate::codec::{Number, Value};

use super::schema::{Attribute, Kind};

/// A check on one attribute's value.
#[derive(Debug, Clone)]
pub enum Validator {
    /// A number must be whole (keylives, groups, versions).
    WholeNumber,
    /// A string must be one of these.
    OneOf(&'static [&'static str]),
}

impl Validator {
    /// Checks `value`, recording a problem at `path`.
    pub fn check(&self, value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
        match (self, value) {
            (Validator::WholeNumber, Value::Number(Number::Float(x))) => diags.add(
                Problem::error(
                    "Not a whole number",
                    format!("{x} is not a whole number; use an integer."),
                ),
                path.clone(),
            ),
            (Validator::OneOf(allowed), Value::String(given))
                if !allowed.contains(&given.as_str()) =>
            {
                let list = allowed
                    .iter()
                    .map(|a| quote(a))
                    .collect::<Vec<_>>()
                    .join(", ");
                diags.add(
                    Problem::error(
                        "Unsupported value",
                        format!("{} is not supported; use one of {list}.", quote(given)),
                    ),
                    path.clone(),
                )
            }
            _ => {}
        }
    }
}

/// Runs every attribute's validators over `config`, nested attributes included.
pub fn validate_attributes(
    attributes: &[Attribute],
    config: &Value,
    base: &AttributePath,
) -> Diagnostics {
    let mut diags = Diagnostics::new();
    for attribute in attributes {
        let path = child(base, attribute.name);
        let value = config.attr(attribute.name);
        for validator in &attribute.validators {
            validator.check(value, &path, &mut diags);
        }
        match (&attribute.kind, value) {
            (Kind::Single(nested), Value::Object(_)) => {
                diags.extend(validate_attributes(nested, value, &path))
            }
            (Kind::Map(nested), Value::Map(entries)) => {
                for (key, entry) in entries {
                    diags.extend(validate_attributes(nested, entry, &path.key(key)));
                }
            }
            _ => {}
        }
    }
    diags
}

/// `base.name`, or the root attribute `name` when `base` is empty.
pub fn child(base: &AttributePath, name: &str) -> AttributePath {
    if base.is_empty() {
        AttributePath::root(name)
    } else {
        base.attr(name)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn checks_nested_values_and_skips_unknown_ones() {
        let attributes = vec![
            Attribute::integer("ike_version"),
            Attribute::map("translations", vec![Attribute::integer("port")]),
            Attribute::string("engine").validate(Validator::OneOf(&["local", "strongswan"])),
        ];
        let config = Value::Object(BTreeMap::from([
            ("ike_version".to_owned(), Value::Unknown),
            (
                "translations".to_owned(),
                Value::Map(BTreeMap::from([(
                    "db".to_owned(),
                    Value::Object(BTreeMap::from([(
                        "port".to_owned(),
                        Value::Number(Number::Float(1.5)),
                    )])),
                )])),
            ),
            ("engine".to_owned(), Value::String("remote".into())),
        ]));
        let diags = validate_attributes(&attributes, &config, &AttributePath::empty());
        let found: Vec<String> = diags.iter().map(|d| d.path.to_string()).collect();
        assert_eq!(found, [r#"translations["db"].port"#, "engine"]);
        assert!(diags
            .iter()
            .nth(1)
            .unwrap()
            .detail
            .contains("\"local\", \"strongswan\""));
    }
}
