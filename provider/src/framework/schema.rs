//! Schemas, declared once per resource with a small builder (their tfplugin6 form is in
//! [`super::schema_proto`], their descriptions are completed by [`super::description`]).
//!
//! ```ignore
//! Attribute::string("name").required().requires_replace().describe("…")
//! ```
//! A schema answers three questions: what Terraform is told (`GetProviderSchema`), what
//! type values decode as, and how a plan is made ([`super::plan`]).

use std::collections::BTreeMap;

use ipsec_core::{AttributePath, Diagnostics};

use crate::codec::{Type, Value};

use super::plan_modifier::PlanModifier;
use super::validator::Validator;

/// The schema of a resource or of the provider's configuration.
#[derive(Debug, Clone)]
pub struct Schema {
    /// Bumped when the stored state's shape changes; see `UpgradeResourceState`.
    pub version: i64,
    /// The attributes renamed so far, which `Resource::upgrade_raw` moves in the state
    /// of an older version.
    pub renamed: &'static [Renamed],
    /// Markdown description.
    pub description: &'static str,
    /// The top-level attributes.
    pub attributes: Vec<Attribute>,
}

/// The values an attribute accepts, for its description; `core` judges them.
#[derive(Debug, Clone, Default)]
pub struct Choices {
    pub(super) accepted: Vec<String>,
    pub(super) weak: Vec<String>,
}

impl Choices {
    /// Every value in `accepted`, each shown as Terraform spells it.
    pub fn of<T: ToString>(accepted: impl IntoIterator<Item = T>) -> Self {
        Self {
            accepted: accepted.into_iter().map(|v| v.to_string()).collect(),
            weak: Vec::new(),
        }
    }

    /// These choices, of which `weak` are accepted only with a warning.
    pub fn warning_for<T: ToString>(mut self, weak: impl IntoIterator<Item = T>) -> Self {
        self.weak = weak.into_iter().map(|v| v.to_string()).collect();
        self
    }
}

/// An attribute renamed in a schema version: state stored by an earlier version holds
/// its value under the old name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Renamed {
    /// The first schema version with the new name.
    pub version: i64,
    /// The old name.
    pub from: &'static str,
    /// The new name.
    pub to: &'static str,
}

/// Whether an attribute comes from the configuration, the provider, or either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Must be configured.
    Required,
    /// May be configured; null otherwise.
    Optional,
    /// Set by the provider only.
    Computed,
    /// May be configured; otherwise the provider fills it (from its default).
    OptionalComputed,
}

/// What an attribute holds.
#[derive(Debug, Clone)]
pub enum Kind {
    /// A value of a plain type.
    Plain(Type),
    /// A single nested object (`phase1 = { … }`).
    Single(Vec<Attribute>),
    /// A map of nested objects (`translations = { name = { … } }`).
    Map(Vec<Attribute>),
    /// A list of nested objects (a data source's `child_sas`).
    List(Vec<Attribute>),
}

/// One attribute and everything the framework knows about it.
#[derive(Debug, Clone)]
pub struct Attribute {
    /// Its name in HCL.
    pub name: &'static str,
    /// Its type or nesting.
    pub kind: Kind,
    /// Required, optional, computed or both.
    pub presence: Presence,
    /// Shown as `(sensitive value)` by Terraform.
    pub sensitive: bool,
    /// Never stored in plan or state (Terraform 1.11+).
    pub write_only: bool,
    /// Markdown description, without the sentences [`Attribute::documentation`] adds.
    pub description: String,
    /// The values it accepts, for the description.
    pub choices: Option<Choices>,
    /// The value planned when the configuration leaves it null.
    pub default: Option<Value>,
    /// What a null value means, where `core` rather than the plan supplies the
    /// default; for the description.
    pub default_note: Option<String>,
    /// Checks on the configured value.
    pub validators: Vec<Validator>,
    /// Adjustments to the planned value.
    pub plan_modifiers: Vec<PlanModifier>,
}

impl Attribute {
    fn new(name: &'static str, kind: Kind) -> Self {
        Self {
            name,
            kind,
            presence: Presence::Optional,
            sensitive: false,
            write_only: false,
            description: String::new(),
            choices: None,
            default: None,
            default_note: None,
            validators: Vec::new(),
            plan_modifiers: Vec::new(),
        }
    }

    /// A string attribute.
    pub fn string(name: &'static str) -> Self {
        Self::new(name, Kind::Plain(Type::String))
    }

    /// A number attribute holding a whole number.
    pub fn integer(name: &'static str) -> Self {
        Self::new(name, Kind::Plain(Type::Number)).validate(Validator::WholeNumber)
    }

    /// A bool attribute.
    pub fn bool(name: &'static str) -> Self {
        Self::new(name, Kind::Plain(Type::Bool))
    }

    /// A set of strings.
    pub fn string_set(name: &'static str) -> Self {
        Self::new(name, Kind::Plain(Type::Set(Box::new(Type::String))))
    }

    /// A single nested object.
    pub fn single(name: &'static str, attributes: Vec<Attribute>) -> Self {
        Self::new(name, Kind::Single(attributes))
    }

    /// A map of nested objects.
    pub fn map(name: &'static str, attributes: Vec<Attribute>) -> Self {
        Self::new(name, Kind::Map(attributes))
    }

    /// A list of nested objects.
    pub fn list(name: &'static str, attributes: Vec<Attribute>) -> Self {
        Self::new(name, Kind::List(attributes))
    }

    /// A list of strings.
    pub fn string_list(name: &'static str) -> Self {
        Self::new(name, Kind::Plain(Type::List(Box::new(Type::String))))
    }

    /// Must be configured.
    pub fn required(mut self) -> Self {
        self.presence = Presence::Required;
        self
    }

    /// May be configured (the default presence).
    pub fn optional(mut self) -> Self {
        self.presence = Presence::Optional;
        self
    }

    /// Set by the provider only.
    pub fn computed(mut self) -> Self {
        self.presence = Presence::Computed;
        self
    }

    /// May be configured, else takes `default`. A nested object's default is built
    /// from its attributes' defaults, so the state always shows every field.
    pub fn optional_computed(mut self, default: Option<Value>) -> Self {
        self.presence = Presence::OptionalComputed;
        self.default = default;
        self
    }

    /// Shown as `(sensitive value)`.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Never stored in plan or state.
    pub fn write_only(mut self) -> Self {
        self.write_only = true;
        self
    }

    /// A change replaces the resource.
    pub fn requires_replace(self) -> Self {
        self.plan_modifier(PlanModifier::RequiresReplace)
    }

    /// Adds a plan modifier.
    pub fn plan_modifier(mut self, modifier: PlanModifier) -> Self {
        self.plan_modifiers.push(modifier);
        self
    }

    /// Adds a validator.
    pub fn validate(mut self, validator: Validator) -> Self {
        self.validators.push(validator);
        self
    }

    /// Sets the Markdown description; the accepted values and the default are added
    /// to it (see [`Attribute::documentation`]).
    pub fn describe(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Lists the values it accepts in the description.
    pub fn choices(mut self, choices: Choices) -> Self {
        self.choices = Some(choices);
        self
    }

    /// Says in the description what a null value stands for (Markdown, no full stop),
    /// where `core` supplies the default.
    pub fn default_note(mut self, note: impl Into<String>) -> Self {
        self.default_note = Some(note.into());
        self
    }

    /// Whether the configuration may set it.
    pub fn configurable(&self) -> bool {
        self.presence != Presence::Computed
    }

    /// Whether the provider may fill it.
    pub fn is_computed(&self) -> bool {
        matches!(
            self.presence,
            Presence::Computed | Presence::OptionalComputed
        )
    }

    /// The value's type.
    pub fn ty(&self) -> Type {
        match &self.kind {
            Kind::Plain(ty) => ty.clone(),
            Kind::Single(attributes) => object_type(attributes),
            Kind::Map(attributes) => Type::Map(Box::new(object_type(attributes))),
            Kind::List(attributes) => Type::List(Box::new(object_type(attributes))),
        }
    }

    /// The value planned for a null configuration: the declared default, or for a
    /// nested object whose fields all have defaults, the object of those defaults.
    pub fn default_value(&self) -> Option<Value> {
        if let Some(default) = &self.default {
            return Some(default.clone());
        }
        match (&self.kind, self.presence) {
            (Kind::Single(attributes), Presence::OptionalComputed) => Some(Value::Object(
                attributes
                    .iter()
                    .map(|a| (a.name.to_owned(), a.default_value().unwrap_or(Value::Null)))
                    .collect(),
            )),
            _ => None,
        }
    }
}

impl Schema {
    /// The object type of a whole resource.
    pub fn ty(&self) -> Type {
        object_type(&self.attributes)
    }

    /// The top-level attribute `name`.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// Runs every attribute's validators over `config`, nested attributes included.
    pub fn validate(&self, config: &Value) -> Diagnostics {
        validate_attributes(&self.attributes, config, &AttributePath::empty())
    }
}

fn validate_attributes(
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
            (Kind::List(nested), Value::List(items)) => {
                for (index, item) in items.iter().enumerate() {
                    diags.extend(validate_attributes(nested, item, &path.index(index)));
                }
            }
            _ => {}
        }
    }
    diags
}

/// The path of attribute `name` below `base`: `base.name`, or the root attribute
/// `name` when `base` is empty.
pub fn child(base: &AttributePath, name: &str) -> AttributePath {
    if base.is_empty() {
        AttributePath::root(name)
    } else {
        base.attr(name)
    }
}

fn object_type(attributes: &[Attribute]) -> Type {
    Type::Object(
        attributes
            .iter()
            .map(|a| (a.name.to_owned(), a.ty()))
            .collect::<BTreeMap<_, _>>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phase() -> Attribute {
        Attribute::single(
            "phase1",
            vec![
                Attribute::string("encryption")
                    .optional_computed(Some(Value::String("AES256".into()))),
                Attribute::integer("keylife").optional_computed(Some(Value::int(28800))),
            ],
        )
        .optional_computed(None)
    }

    #[test]
    fn a_nested_default_is_the_object_of_its_fields_defaults() {
        let default = phase().default_value().unwrap();
        assert_eq!(default.attr("encryption"), &Value::String("AES256".into()));
        assert_eq!(default.attr("keylife"), &Value::int(28800));
    }

    #[test]
    fn checks_nested_values_and_skips_unknown_ones() {
        let schema = Schema {
            version: 0,
            renamed: &[],
            description: "",
            attributes: vec![
                Attribute::integer("ike_version"),
                Attribute::map("translations", vec![Attribute::integer("port")]),
            ],
        };
        let config = Value::Object(BTreeMap::from([
            ("ike_version".to_owned(), Value::Unknown),
            (
                "translations".to_owned(),
                Value::Map(BTreeMap::from([(
                    "db".to_owned(),
                    Value::Object(BTreeMap::from([(
                        "port".to_owned(),
                        Value::Number(crate::codec::Number::Float(1.5)),
                    )])),
                )])),
            ),
        ]));
        let diags = schema.validate(&config);
        let found: Vec<String> = diags.iter().map(|d| d.path.to_string()).collect();
        assert_eq!(found, [r#"translations["db"].port"#]);
    }
}
