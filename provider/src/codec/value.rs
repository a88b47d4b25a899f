//! Terraform's values and types, as the plugin protocol carries them.
//!
//! A [`Value`] is what Terraform sends in a `DynamicValue`: it may be null or unknown
//! at any depth. Its [`Type`] is not in the bytes; it comes from the schema, which is
//! why decoding always takes one.

use std::collections::BTreeMap;

use ipsec_core::AttributePath;

/// A Terraform value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Null: not set.
    Null,
    /// Not known until apply (possibly refined by Terraform; refinements are ignored).
    Unknown,
    /// A bool.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string.
    String(String),
    /// A list, in order.
    List(Vec<Value>),
    /// A set; the order carries no meaning.
    Set(Vec<Value>),
    /// A map with string keys.
    Map(BTreeMap<String, Value>),
    /// An object: the attributes of its type.
    Object(BTreeMap<String, Value>),
}

/// A Terraform number. Integral values are always held as [`Number::Int`], so that
/// equal numbers compare equal whatever the wire encoding was.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// A whole number.
    Int(i64),
    /// A number with a fraction, or beyond `i64`.
    Float(f64),
}

impl Number {
    /// Normalises a float: integral values within `i64` become [`Number::Int`].
    pub fn from_f64(value: f64) -> Self {
        // The range check keeps the cast exact; `fract` rejects NaN and infinities too.
        if value.fract() == 0.0 && value >= i64::MIN as f64 && value < i64::MAX as f64 {
            Number::Int(value as i64)
        } else {
            Number::Float(value)
        }
    }
}

impl std::fmt::Display for Number {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Number::Int(n) => write!(f, "{n}"),
            Number::Float(x) => write!(f, "{x}"),
        }
    }
}

/// A Terraform type, as schemas declare them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    /// `bool`.
    Bool,
    /// `number`.
    Number,
    /// `string`.
    String,
    /// `dynamic`: the value carries its own type on the wire.
    Dynamic,
    /// `list(T)`.
    List(Box<Type>),
    /// `set(T)`.
    Set(Box<Type>),
    /// `map(T)`.
    Map(Box<Type>),
    /// `object({...})`.
    Object(BTreeMap<String, Type>),
}

impl Type {
    /// The compact JSON spelling the protocol uses in `Schema.Attribute.type`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::{json, Value as Json};
        match self {
            Type::Bool => json!("bool"),
            Type::Number => json!("number"),
            Type::String => json!("string"),
            Type::Dynamic => json!("dynamic"),
            Type::List(element) => json!(["list", element.to_json()]),
            Type::Set(element) => json!(["set", element.to_json()]),
            Type::Map(element) => json!(["map", element.to_json()]),
            Type::Object(attributes) => {
                let attributes: serde_json::Map<String, Json> = attributes
                    .iter()
                    .map(|(name, ty)| (name.clone(), ty.to_json()))
                    .collect();
                json!(["object", attributes])
            }
        }
    }

    /// Reads the compact JSON spelling back (dynamic values carry their type this way).
    pub fn from_json(json: &serde_json::Value) -> Option<Type> {
        use serde_json::Value as Json;
        match json {
            Json::String(name) => match name.as_str() {
                "bool" => Some(Type::Bool),
                "number" => Some(Type::Number),
                "string" => Some(Type::String),
                "dynamic" => Some(Type::Dynamic),
                _ => None,
            },
            Json::Array(parts) if parts.len() == 2 => {
                let kind = parts[0].as_str()?;
                if kind == "object" {
                    let attributes = parts[1]
                        .as_object()?
                        .iter()
                        .map(|(name, ty)| Some((name.clone(), Type::from_json(ty)?)))
                        .collect::<Option<BTreeMap<_, _>>>()?;
                    return Some(Type::Object(attributes));
                }
                let element = Box::new(Type::from_json(&parts[1])?);
                match kind {
                    "list" => Some(Type::List(element)),
                    "set" => Some(Type::Set(element)),
                    "map" => Some(Type::Map(element)),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

impl Value {
    /// Whether the value is null.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Whether the value itself is unknown (not counting unknowns inside it).
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }

    /// Whether the value and everything inside it is known.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(items) | Value::Set(items) => items.iter().all(Value::is_wholly_known),
            Value::Map(entries) | Value::Object(entries) => {
                entries.values().all(Value::is_wholly_known)
            }
            _ => true,
        }
    }

    /// The attribute `name` of an object; null for anything else (a null or unknown
    /// object has no known attributes, and callers check the object first).
    pub fn attr(&self, name: &str) -> &Value {
        match self {
            Value::Object(attributes) => attributes.get(name).unwrap_or(&Value::Null),
            Value::Unknown => &Value::Unknown,
            _ => &Value::Null,
        }
    }

    /// A mutable attribute of an object, inserted as null if missing; `None` when the
    /// value is not an object.
    pub fn attr_mut(&mut self, name: &str) -> Option<&mut Value> {
        match self {
            Value::Object(attributes) => {
                Some(attributes.entry(name.to_owned()).or_insert(Value::Null))
            }
            _ => None,
        }
    }

    /// Sets attribute `name` of an object; does nothing to other values.
    pub fn set_attr(&mut self, name: &str, value: Value) {
        if let Value::Object(attributes) = self {
            attributes.insert(name.to_owned(), value);
        }
    }

    /// The string, if this is a known string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// The number, if this is a known number.
    pub fn as_number(&self) -> Option<Number> {
        match self {
            Value::Number(number) => Some(*number),
            _ => None,
        }
    }

    /// The bool, if this is a known bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(flag) => Some(*flag),
            _ => None,
        }
    }

    /// The elements of a known list or set.
    pub fn as_elements(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) | Value::Set(items) => Some(items),
            _ => None,
        }
    }

    /// The entries of a known map or object.
    pub fn as_entries(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(entries) | Value::Object(entries) => Some(entries),
            _ => None,
        }
    }

    /// A string value, or null for `None`.
    pub fn string_or_null(text: Option<impl Into<String>>) -> Value {
        text.map_or(Value::Null, |text| Value::String(text.into()))
    }

    /// A string value: `text` as it displays.
    pub fn text(text: impl ToString) -> Value {
        Value::String(text.to_string())
    }

    /// An object of these attributes.
    pub fn object<'a>(attributes: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
        Value::Object(
            attributes
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect(),
        )
    }

    /// An integer value.
    pub fn int(number: i64) -> Value {
        Value::Number(Number::Int(number))
    }

    /// Every path below `base` whose value is unknown (the outermost one only).
    pub fn unknown_paths(&self, base: &AttributePath) -> Vec<AttributePath> {
        let mut found = Vec::new();
        self.collect_unknown(base, &mut found);
        found
    }

    fn collect_unknown(&self, path: &AttributePath, found: &mut Vec<AttributePath>) {
        match self {
            Value::Unknown => found.push(path.clone()),
            Value::List(items) => {
                for (index, item) in items.iter().enumerate() {
                    item.collect_unknown(&path.index(index), found);
                }
            }
            // A set element has no stable address; an unknown element makes the whole
            // set unknown for validation.
            Value::Set(items) if !items.iter().all(Value::is_wholly_known) => {
                found.push(path.clone())
            }
            Value::Map(entries) => {
                for (key, item) in entries {
                    item.collect_unknown(&path.key(key), found);
                }
            }
            Value::Object(attributes) => {
                for (name, item) in attributes {
                    let child = if path.is_empty() {
                        AttributePath::root(name)
                    } else {
                        path.attr(name)
                    };
                    item.collect_unknown(&child, found);
                }
            }
            _ => {}
        }
    }
}

/// Sets compare without regard to order; everything else structurally.
pub fn semantically_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Set(x), Value::Set(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|item| y.iter().any(|other| semantically_equal(item, other)))
        }
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| semantically_equal(p, q))
        }
        (Value::Map(x), Value::Map(y)) | (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter().all(|(key, item)| {
                    y.get(key)
                        .is_some_and(|other| semantically_equal(item, other))
                })
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integral_floats_are_integers() {
        assert_eq!(Number::from_f64(3600.0), Number::Int(3600));
        assert_eq!(Number::from_f64(0.5), Number::Float(0.5));
        assert!(matches!(Number::from_f64(f64::NAN), Number::Float(_)));
        assert!(matches!(Number::from_f64(1e300), Number::Float(_)));
    }

    #[test]
    fn types_round_trip_through_json() {
        let ty = Type::Object(BTreeMap::from([
            ("a".to_owned(), Type::Set(Box::new(Type::String))),
            (
                "b".to_owned(),
                Type::Map(Box::new(Type::Object(BTreeMap::from([(
                    "c".to_owned(),
                    Type::Number,
                )])))),
            ),
        ]));
        assert_eq!(
            ty.to_json().to_string(),
            r#"["object",{"a":["set","string"],"b":["map",["object",{"c":"number"}]]}]"#
        );
        assert_eq!(Type::from_json(&ty.to_json()), Some(ty));
    }

    #[test]
    fn unknown_paths_name_the_outermost_unknown() {
        let value = Value::Object(BTreeMap::from([
            ("name".to_owned(), Value::String("x".into())),
            ("peer_address".to_owned(), Value::Unknown),
            (
                "phase1".to_owned(),
                Value::Object(BTreeMap::from([("keylife".to_owned(), Value::Unknown)])),
            ),
            (
                "local_subnets".to_owned(),
                Value::Set(vec![Value::String("10.0.0.0/8".into()), Value::Unknown]),
            ),
        ]));
        let paths: Vec<String> = value
            .unknown_paths(&AttributePath::empty())
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(paths, ["local_subnets", "peer_address", "phase1.keylife"]);
    }

    #[test]
    fn sets_compare_without_order() {
        let a = Value::Set(vec![Value::String("a".into()), Value::String("b".into())]);
        let b = Value::Set(vec![Value::String("b".into()), Value::String("a".into())]);
        assert!(semantically_equal(&a, &b));
        assert!(!semantically_equal(
            &a,
            &Value::Set(vec![Value::String("a".into())])
        ));
    }
}
