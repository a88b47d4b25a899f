//! The generic part of `PlanResourceChange`: from Terraform's proposed new state to the
//! planned state, by the schema.
//!
//! Terraform checks the answer (FIELD-NOTES): a configured value must be planned as
//! configured, only null-in-config computed values may be filled in, write-only values
//! are always null. So this fills defaults and nothing else; a resource then sets the
//! computed values it can derive (its `id`) in its own `plan`.

use std::collections::BTreeMap;

use ipsec_core::AttributePath;

use crate::codec::{semantically_equal, Value};

use super::plan_modifier::PlanModifier;
use super::schema::{child, Attribute, Kind, Schema};

/// A planned state and the attributes whose change forces replacement.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    /// The planned new state; null when the resource is destroyed.
    pub state: Value,
    /// Paths that differ from the prior state and require replacement.
    pub requires_replace: Vec<AttributePath>,
}

/// Plans a change of one resource.
pub fn plan(schema: &Schema, prior: &Value, proposed: &Value, config: &Value) -> Planned {
    let mut requires_replace = Vec::new();
    if proposed.is_null() {
        return Planned {
            state: Value::Null,
            requires_replace,
        };
    }
    let state = plan_object(
        &schema.attributes,
        prior,
        proposed,
        config,
        &AttributePath::empty(),
        &mut requires_replace,
    );
    Planned {
        state,
        requires_replace,
    }
}

fn plan_object(
    attributes: &[Attribute],
    prior: &Value,
    proposed: &Value,
    config: &Value,
    base: &AttributePath,
    requires_replace: &mut Vec<AttributePath>,
) -> Value {
    let mut planned = BTreeMap::new();
    for attribute in attributes {
        let path = child(base, attribute.name);
        let prior_value = prior.attr(attribute.name);
        let value = plan_attribute(
            attribute,
            prior,
            prior_value,
            proposed.attr(attribute.name),
            config.attr(attribute.name),
            &path,
            requires_replace,
        );
        let replaces = attribute
            .plan_modifiers
            .contains(&PlanModifier::RequiresReplace);
        if replaces && !prior.is_null() && !semantically_equal(&value, prior_value) {
            requires_replace.push(path);
        }
        planned.insert(attribute.name.to_owned(), value);
    }
    Value::Object(planned)
}

fn plan_attribute(
    attribute: &Attribute,
    prior_object: &Value,
    prior: &Value,
    proposed: &Value,
    config: &Value,
    path: &AttributePath,
    requires_replace: &mut Vec<AttributePath>,
) -> Value {
    if attribute.write_only {
        return Value::Null;
    }
    if config.is_null() {
        if let Some(default) = attribute.default_value() {
            return default;
        }
        if !attribute.is_computed() {
            return Value::Null;
        }
        let keep = attribute
            .plan_modifiers
            .contains(&PlanModifier::UseStateForUnknown);
        return if prior_object.is_null() {
            // Being created: the provider knows it only after apply, unless the
            // resource derives it in its own plan.
            Value::Unknown
        } else if keep {
            prior.clone()
        } else {
            proposed.clone()
        };
    }
    match (&attribute.kind, config) {
        (Kind::Single(nested), Value::Object(_)) => {
            plan_object(nested, prior, proposed, config, path, requires_replace)
        }
        (Kind::Map(nested), Value::Map(entries)) => Value::Map(
            entries
                .iter()
                .map(|(key, entry)| {
                    let planned = plan_object(
                        nested,
                        prior
                            .as_entries()
                            .and_then(|m| m.get(key))
                            .unwrap_or(&Value::Null),
                        proposed
                            .as_entries()
                            .and_then(|m| m.get(key))
                            .unwrap_or(entry),
                        entry,
                        &path.key(key),
                        requires_replace,
                    );
                    (key.clone(), planned)
                })
                .collect(),
        ),
        _ => proposed.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Value as V;

    fn schema() -> Schema {
        Schema {
            version: 0,
            renamed: &[],
            description: "",
            attributes: vec![
                Attribute::string("id")
                    .computed()
                    .plan_modifier(PlanModifier::UseStateForUnknown),
                Attribute::string("name").required().requires_replace(),
                Attribute::string("secret").optional().write_only(),
                Attribute::integer("ike_version").optional_computed(Some(V::int(2))),
                Attribute::single(
                    "phase1",
                    vec![
                        Attribute::string("encryption")
                            .optional_computed(Some(V::String("AES256".into()))),
                        Attribute::integer("keylife").optional_computed(Some(V::int(28800))),
                    ],
                )
                .optional_computed(None),
                Attribute::string("description").optional(),
            ],
        }
    }

    fn object(pairs: &[(&str, V)]) -> V {
        V::object(pairs.iter().map(|(k, v)| (*k, v.clone())))
    }

    fn s(text: &str) -> V {
        V::String(text.into())
    }

    #[test]
    fn create_fills_defaults_nulls_write_only_and_leaves_id_unknown() {
        let config = object(&[
            ("name", s("dc")),
            ("secret", s("hunter2hunter2")),
            ("phase1", object(&[("encryption", s("AES128"))])),
        ]);
        let planned = plan(&schema(), &V::Null, &config, &config);
        assert_eq!(planned.state.attr("id"), &V::Unknown);
        assert_eq!(planned.state.attr("secret"), &V::Null);
        assert_eq!(planned.state.attr("ike_version"), &V::int(2));
        assert_eq!(
            planned.state.attr("phase1").attr("encryption"),
            &s("AES128")
        );
        assert_eq!(planned.state.attr("phase1").attr("keylife"), &V::int(28800));
        assert_eq!(planned.state.attr("description"), &V::Null);
        assert!(planned.requires_replace.is_empty());
    }

    #[test]
    fn an_omitted_nested_object_plans_all_its_defaults() {
        let config = object(&[("name", s("dc"))]);
        let planned = plan(&schema(), &V::Null, &config, &config);
        assert_eq!(
            planned.state.attr("phase1"),
            &object(&[("encryption", s("AES256")), ("keylife", V::int(28800))])
        );
    }

    #[test]
    fn update_keeps_the_id_and_reports_replacing_changes() {
        let prior = plan(
            &schema(),
            &V::Null,
            &object(&[("name", s("dc"))]),
            &object(&[("name", s("dc"))]),
        )
        .state;
        let mut prior = prior;
        prior.set_attr("id", s("dc"));
        let config = object(&[("name", s("dc2")), ("ike_version", V::int(1))]);
        let mut proposed = config.clone();
        proposed.set_attr("id", s("dc"));
        let planned = plan(&schema(), &prior, &proposed, &config);
        assert_eq!(planned.state.attr("id"), &s("dc"));
        assert_eq!(planned.state.attr("ike_version"), &V::int(1));
        let paths: Vec<String> = planned
            .requires_replace
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(paths, ["name"]);
    }

    #[test]
    fn unknown_configuration_stays_unknown() {
        let config = object(&[("name", V::Unknown), ("phase1", V::Unknown)]);
        let planned = plan(&schema(), &V::Null, &config, &config);
        assert_eq!(planned.state.attr("name"), &V::Unknown);
        assert_eq!(planned.state.attr("phase1"), &V::Unknown);
    }

    #[test]
    fn destroy_plans_null() {
        let prior = object(&[("name", s("dc"))]);
        assert_eq!(plan(&schema(), &prior, &V::Null, &V::Null).state, V::Null);
    }
}
