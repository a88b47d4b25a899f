//! The JSON encoding of values: the protocol's fallback in `DynamicValue.json`, and
//! the encoding of raw state in `UpgradeResourceState`. JSON has no unknown values.

use serde_json::Value as Json;

use super::value::{Type, Value};
use super::walk::{self, Node, Tree};
use super::CodecError;

pub use super::walk::Extra;

/// Decodes JSON `bytes` as a value of type `ty`.
pub fn decode(bytes: &[u8], ty: &Type, extra: Extra) -> Result<Value, CodecError> {
    decode_json(parse(bytes)?, ty, extra)
}

/// Parses JSON `bytes` without a type, for callers that rework the JSON before
/// decoding it (raw state of an older schema version).
pub fn parse(bytes: &[u8]) -> Result<Json, CodecError> {
    serde_json::from_slice(bytes).map_err(|error| CodecError::Syntax(error.to_string()))
}

/// Decodes parsed `json` as a value of type `ty`.
pub fn decode_json(json: Json, ty: &Type, extra: Extra) -> Result<Value, CodecError> {
    walk::decode(json, ty, extra)
}

impl Tree for Json {
    fn into_node(self) -> Result<Node<Self>, &'static str> {
        Ok(match self {
            Json::Null => Node::Null,
            Json::Bool(flag) => Node::Bool(flag),
            Json::Number(n) => match n.as_i64() {
                Some(n) => Node::Int(n),
                None => Node::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Json::String(text) => Node::String(text),
            Json::Array(items) => Node::Array(items),
            Json::Object(entries) => Node::Entries(entries.into_iter().collect()),
        })
    }

    /// A dynamic value is `{"type": <type JSON>, "value": <value>}`.
    fn into_dynamic(node: Node<Self>) -> Result<(Type, Self), &'static str> {
        let Node::Entries(entries) = node else {
            return Err(node.kind());
        };
        let (mut ty, mut value) = (None, Json::Null);
        for (key, item) in entries {
            match key.as_str() {
                "type" => ty = Type::from_json(&item),
                "value" => value = item,
                _ => {}
            }
        }
        ty.map(|ty| (ty, value))
            .ok_or("a dynamic value with an unreadable type")
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn ty() -> Type {
        Type::Object(BTreeMap::from([
            ("name".to_owned(), Type::String),
            ("keylife".to_owned(), Type::Number),
            ("subnets".to_owned(), Type::Set(Box::new(Type::String))),
        ]))
    }

    #[test]
    fn reads_state_json_and_fills_missing_attributes_with_null() {
        let value = decode(
            br#"{"name":"dc","subnets":["10.0.0.0/8"]}"#,
            &ty(),
            Extra::Refuse,
        )
        .unwrap();
        assert_eq!(value.attr("name"), &Value::String("dc".into()));
        assert_eq!(value.attr("keylife"), &Value::Null);
        assert_eq!(
            value.attr("subnets"),
            &Value::Set(vec![Value::String("10.0.0.0/8".into())])
        );
    }

    #[test]
    fn extra_attributes_are_refused_or_dropped_as_asked() {
        let bytes = br#"{"name":"dc","removed_long_ago":1}"#;
        assert!(decode(bytes, &ty(), Extra::Refuse).is_err());
        assert_eq!(
            decode(bytes, &ty(), Extra::Drop).unwrap().attr("name"),
            &Value::String("dc".into())
        );
    }

    #[test]
    fn wrong_types_are_errors() {
        let error = decode(br#"{"keylife":"soon"}"#, &ty(), Extra::Refuse)
            .unwrap_err()
            .to_string();
        assert!(error.contains("keylife"), "{error}");
    }

    /// The number rule of `walk`, which msgpack follows too: a decimal string is read
    /// integer first, so a large integer keeps every digit.
    #[test]
    fn a_number_given_as_a_string_keeps_every_digit() {
        let value = decode(br#"{"keylife":"9007199254740993"}"#, &ty(), Extra::Refuse).unwrap();
        assert_eq!(value.attr("keylife"), &Value::int(9_007_199_254_740_993));
    }

    #[test]
    fn errors_carry_the_attribute_path() {
        let error = decode(br#"{"subnets":["a",5]}"#, &ty(), Extra::Refuse).unwrap_err();
        let CodecError::Mismatch { path, .. } = error else {
            panic!("{error}");
        };
        assert_eq!(path, ipsec_core::AttributePath::root("subnets").index(1));
    }
}
