//! The JSON encoding of values: the protocol's fallback in `DynamicValue.json`, and
//! the encoding of raw state in `UpgradeResourceState`. JSON has no unknown values.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::msgpack::render_path;
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
    from_json(json, ty, extra, &mut Vec::new())
}

fn from_json(
    json: Json,
    ty: &Type,
    extra: Extra,
    path: &mut Vec<String>,
) -> Result<Value, CodecError> {
    let mismatch = |path: &Vec<String>, found: &str| CodecError::mismatch(path, ty, found);
    match (json, ty) {
        (Json::Null, _) => Ok(Value::Null),
        (Json::Bool(flag), Type::Bool) => Ok(Value::Bool(flag)),
        (Json::Number(n), Type::Number) => Ok(Value::Number(match n.as_i64() {
            Some(n) => Number::Int(n),
            None => Number::from_f64(n.as_f64().unwrap_or(f64::NAN)),
        })),
        (Json::String(text), Type::Number) => text
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map(|x| Value::Number(Number::from_f64(x)))
            .ok_or_else(|| mismatch(path, "a string that is not a number")),
        (Json::String(text), Type::String) => Ok(Value::String(text)),
        (Json::Array(items), Type::List(element)) => {
            Ok(Value::List(elements(items, element, extra, path)?))
        }
        (Json::Array(items), Type::Set(element)) => {
            Ok(Value::Set(elements(items, element, extra, path)?))
        }
        (Json::Object(entries), Type::Map(element)) => {
            let mut map = BTreeMap::new();
            for (key, item) in entries {
                path.push(format!("[{key:?}]"));
                let item = from_json(item, element, extra, path)?;
                path.pop();
                map.insert(key, item);
            }
            Ok(Value::Map(map))
        }
        (Json::Object(entries), Type::Object(attributes)) => {
            let mut object = BTreeMap::new();
            for (key, item) in entries {
                let Some(attribute_type) = attributes.get(&key) else {
                    if extra == Extra::Drop {
                        continue;
                    }
                    return Err(CodecError::UnsupportedAttribute {
                        path: render_path(path),
                        name: key,
                    });
                };
                path.push(format!(".{key}"));
                let item = from_json(item, attribute_type, extra, path)?;
                path.pop();
                object.insert(key, item);
            }
            for name in attributes.keys() {
                object.entry(name.clone()).or_insert(Value::Null);
            }
            Ok(Value::Object(object))
        }
        (Json::Object(mut entries), Type::Dynamic) => {
            let actual = entries
                .get("type")
                .and_then(Type::from_json)
                .ok_or_else(|| mismatch(path, "a dynamic value with an unreadable type"))?;
            from_json(
                entries.remove("value").unwrap_or(Json::Null),
                &actual,
                extra,
                path,
            )
        }
        (other, _) => Err(mismatch(path, kind_of(&other))),
    }
}

fn elements(
    items: Vec<Json>,
    element: &Type,
    extra: Extra,
    path: &mut Vec<String>,
) -> Result<Vec<Value>, CodecError> {
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            path.push(format!("[{index}]"));
            let value = from_json(item, element, extra, path);
            path.pop();
            value
        })
        .collect()
}

fn kind_of(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "a bool",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
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
}
