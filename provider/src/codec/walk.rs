//! The one walk from a decoded tree (msgpack or JSON) to a [`Value`], directed by the
//! schema's [`Type`]: a format only says what each of its nodes is (`Tree`); what a
//! node must be, where it is, and what a mismatch says are decided here, once.
//!
//! Numbers follow one rule whatever the format: an integer that fits `i64` is
//! [`Number::Int`], any other number a float (an integral one normalised by
//! [`Number::from_f64`]). A decimal string is read the same way, integer first, so that
//! a large integer keeps every digit: `cty` writes a number that fits neither an int64
//! nor a float64 exactly as such a string (and this provider answers every number so,
//! see `msgpack::number_to_msgpack`); JSON state holds numbers as numbers.

use std::collections::BTreeMap;

use ipsec_core::diag::PathStep;
use ipsec_core::AttributePath;

use super::value::{Number, Type, Value};
use super::CodecError;

/// How attributes that the type does not know are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extra {
    /// Refuse them (a `DynamicValue` must match the schema).
    Refuse,
    /// Drop them (raw state written by an older provider may hold removed attributes).
    Drop,
}

/// One node of a format's tree, as far as the walk needs to know it.
pub(super) enum Node<T> {
    /// Null (msgpack nil, JSON null).
    Null,
    /// A value not known until apply (msgpack only).
    Unknown,
    /// A bool.
    Bool(bool),
    /// An integer that fits `i64`.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// A string; where the type is a number, its decimal form.
    String(String),
    /// An array: a list, a set, or (in msgpack) a dynamic value.
    Array(Vec<T>),
    /// A map or an object, with string keys.
    Entries(Vec<(String, T)>),
    /// Anything else, named for the error ("binary data", "invalid UTF-8").
    Other(&'static str),
}

impl<T> Node<T> {
    pub(super) fn kind(&self) -> &'static str {
        match self {
            Node::Null => "null",
            Node::Unknown => "unknown",
            Node::Bool(_) => "a bool",
            Node::Int(_) | Node::Float(_) => "a number",
            Node::String(_) => "a string",
            Node::Array(_) => "an array",
            Node::Entries(_) => "a map",
            Node::Other(what) => what,
        }
    }
}

/// A decoded tree of one format.
pub(super) trait Tree: Sized {
    /// What this tree's top is; `Err` names a map key that is not a string.
    fn into_node(self) -> Result<Node<Self>, &'static str>;

    /// Splits a dynamic value into the type it carries and its value, as this format
    /// pairs them; `Err` names what arrived instead.
    fn into_dynamic(node: Node<Self>) -> Result<(Type, Self), &'static str>;
}

/// Decodes `tree` as a value of type `ty`.
pub(super) fn decode<T: Tree>(tree: T, ty: &Type, extra: Extra) -> Result<Value, CodecError> {
    Walk {
        extra,
        steps: Vec::new(),
    }
    .value(tree, ty)
}

/// The path of `steps`, for an error.
pub(super) fn path_of(steps: &[PathStep]) -> AttributePath {
    steps
        .iter()
        .fold(AttributePath::empty(), |path, step| match step {
            PathStep::Attr(name) => path.attr(name),
            PathStep::Key(key) => path.key(key),
            PathStep::Index(index) => path.index(*index),
        })
}

/// Reads a number's decimal form by the rule of this module.
pub(super) fn parse_number(text: &str) -> Option<Number> {
    if let Ok(n) = text.parse::<i64>() {
        return Some(Number::Int(n));
    }
    text.parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .map(Number::from_f64)
}

/// The walk's state: the path is a stack of steps, made an [`AttributePath`] only for
/// an error.
struct Walk {
    extra: Extra,
    steps: Vec<PathStep>,
}

impl Walk {
    fn value<T: Tree>(&mut self, tree: T, ty: &Type) -> Result<Value, CodecError> {
        let node = tree.into_node().map_err(|found| {
            CodecError::Syntax(format!(
                "a map key at {} is {found}, not a string",
                CodecError::place(&path_of(&self.steps))
            ))
        })?;
        match (node, ty) {
            (Node::Null, _) => Ok(Value::Null),
            (Node::Unknown, _) => Ok(Value::Unknown),
            (node, Type::Dynamic) => {
                let (actual, inner) =
                    T::into_dynamic(node).map_err(|found| self.mismatch(ty, found))?;
                self.value(inner, &actual)
            }
            (Node::Bool(flag), Type::Bool) => Ok(Value::Bool(flag)),
            (Node::Int(n), Type::Number) => Ok(Value::Number(Number::Int(n))),
            // NaN and the infinities are no Terraform number (`cty` cannot hold them), and
            // NaN, unequal to itself, would make a value differ from its own round trip.
            (Node::Float(x), Type::Number) if !x.is_finite() => {
                Err(self.mismatch(ty, "a number that is not finite"))
            }
            (Node::Float(x), Type::Number) => Ok(Value::Number(Number::from_f64(x))),
            (Node::String(text), Type::Number) => parse_number(&text)
                .map(Value::Number)
                .ok_or_else(|| self.mismatch(ty, "a string that is not a number")),
            (Node::String(text), Type::String) => Ok(Value::String(text)),
            (Node::Array(items), Type::List(element)) => {
                Ok(Value::List(self.elements(items, element)?))
            }
            (Node::Array(items), Type::Set(element)) => {
                Ok(Value::Set(self.elements(items, element)?))
            }
            (Node::Entries(entries), Type::Map(element)) => {
                let mut map = BTreeMap::new();
                for (key, item) in entries {
                    let item = self.at(PathStep::Key(key.clone()), item, element)?;
                    map.insert(key, item);
                }
                Ok(Value::Map(map))
            }
            (Node::Entries(entries), Type::Object(attributes)) => self.object(entries, attributes),
            (node, _) => Err(self.mismatch(ty, node.kind())),
        }
    }

    /// An object: every attribute of its type, missing ones null (`cty` leaves none
    /// out, but raw state of an older schema may).
    fn object<T: Tree>(
        &mut self,
        entries: Vec<(String, T)>,
        attributes: &BTreeMap<String, Type>,
    ) -> Result<Value, CodecError> {
        let mut object = BTreeMap::new();
        for (name, item) in entries {
            let Some(attribute_type) = attributes.get(&name) else {
                if self.extra == Extra::Drop {
                    continue;
                }
                return Err(CodecError::UnsupportedAttribute {
                    path: path_of(&self.steps),
                    name,
                });
            };
            let item = self.at(PathStep::Attr(name.clone()), item, attribute_type)?;
            object.insert(name, item);
        }
        for name in attributes.keys() {
            object.entry(name.clone()).or_insert(Value::Null);
        }
        Ok(Value::Object(object))
    }

    fn elements<T: Tree>(
        &mut self,
        items: Vec<T>,
        element: &Type,
    ) -> Result<Vec<Value>, CodecError> {
        items
            .into_iter()
            .enumerate()
            .map(|(index, item)| self.at(PathStep::Index(index), item, element))
            .collect()
    }

    fn at<T: Tree>(&mut self, step: PathStep, tree: T, ty: &Type) -> Result<Value, CodecError> {
        self.steps.push(step);
        let value = self.value(tree, ty);
        self.steps.pop();
        value
    }

    fn mismatch(&self, expected: &Type, found: &str) -> CodecError {
        CodecError::mismatch(path_of(&self.steps), expected, found)
    }
}
