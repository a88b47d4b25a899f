//! The msgpack encoding of values, as Terraform's `cty` library writes it.
//!
//! Null is msgpack nil; an unknown value is an extension (type 0, or 12 when Terraform
//! refined it; any extension type reads as unknown). Objects are maps keyed by
//! attribute name; a dynamic value is a two-element array of its type's JSON and the
//! value. Numbers are written as decimal strings (see `number_to_msgpack`).

use ipsec_core::diag::PathStep;
use rmpv::Value as Msgpack;

use super::value::{Number, Type, Value};
use super::walk::{self, path_of, Extra, Node, Tree};
use super::CodecError;

/// The bytes `cty` writes for an unknown value: fixext1, type 0, one zero byte.
const UNKNOWN_EXTENSION: i8 = 0;

/// Decodes `bytes` as a value of type `ty`.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let mut reader = bytes;
    let raw = rmpv::decode::read_value(&mut reader)
        .map_err(|error| CodecError::Syntax(error.to_string()))?;
    if !reader.is_empty() {
        return Err(CodecError::Syntax(format!(
            "{} bytes after the value",
            reader.len()
        )));
    }
    walk::decode(raw, ty, Extra::Refuse)
}

/// Encodes `value` as type `ty`.
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let raw = to_msgpack(value, ty, &mut Vec::new())?;
    let mut bytes = Vec::new();
    // Writing into a Vec cannot fail.
    rmpv::encode::write_value(&mut bytes, &raw)
        .map_err(|error| CodecError::Syntax(error.to_string()))?;
    Ok(bytes)
}

impl Tree for Msgpack {
    fn into_node(self) -> Result<Node<Self>, &'static str> {
        Ok(match self {
            Msgpack::Nil => Node::Null,
            // Any extension: type 0, or 12 when Terraform refined the unknown.
            Msgpack::Ext(_, _) => Node::Unknown,
            Msgpack::Boolean(flag) => Node::Bool(flag),
            Msgpack::Integer(n) => match n.as_i64() {
                Some(n) => Node::Int(n),
                None => Node::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Msgpack::F32(x) => Node::Float(f64::from(x)),
            Msgpack::F64(x) => Node::Float(x),
            Msgpack::String(text) => match text.into_str() {
                Some(text) => Node::String(text),
                None => Node::Other("invalid UTF-8"),
            },
            Msgpack::Binary(_) => Node::Other("binary data"),
            Msgpack::Array(items) => Node::Array(items),
            Msgpack::Map(entries) => Node::Entries(
                entries
                    .into_iter()
                    .map(|(key, item)| Ok((map_key(key)?, item)))
                    .collect::<Result<_, &'static str>>()?,
            ),
        })
    }

    /// A dynamic value is a pair: its type's JSON (as bytes or a string), then the value.
    fn into_dynamic(node: Node<Self>) -> Result<(Type, Self), &'static str> {
        let Node::Array(mut pair) = node else {
            return Err(node.kind());
        };
        if pair.len() != 2 {
            return Err("an array that is not a dynamic value's pair");
        }
        let value = pair.pop().unwrap_or(Msgpack::Nil);
        let type_json = match pair.pop() {
            Some(Msgpack::Binary(bytes)) => bytes,
            Some(Msgpack::String(text)) => text.into_bytes(),
            _ => return Err("a dynamic value without its type"),
        };
        serde_json::from_slice(&type_json)
            .ok()
            .and_then(|json| Type::from_json(&json))
            .map(|ty| (ty, value))
            .ok_or("a dynamic value with an unreadable type")
    }
}

fn map_key(key: Msgpack) -> Result<String, &'static str> {
    match key {
        Msgpack::String(text) => text.into_str().ok_or("invalid UTF-8"),
        Msgpack::Nil => Err("nil"),
        Msgpack::Boolean(_) => Err("a bool"),
        Msgpack::Integer(_) | Msgpack::F32(_) | Msgpack::F64(_) => Err("a number"),
        Msgpack::Binary(_) => Err("binary data"),
        Msgpack::Array(_) => Err("an array"),
        Msgpack::Map(_) => Err("a map"),
        Msgpack::Ext(_, _) => Err("an extension"),
    }
}

fn to_msgpack(value: &Value, ty: &Type, path: &mut Vec<PathStep>) -> Result<Msgpack, CodecError> {
    Ok(match (value, ty) {
        (Value::Null, _) => Msgpack::Nil,
        (Value::Unknown, _) => Msgpack::Ext(UNKNOWN_EXTENSION, vec![0]),
        (Value::Bool(flag), Type::Bool) => Msgpack::Boolean(*flag),
        (Value::Number(number), Type::Number) => number_to_msgpack(*number),
        (Value::String(text), Type::String) => Msgpack::from(text.as_str()),
        (Value::List(items), Type::List(element)) | (Value::Set(items), Type::Set(element)) => {
            let items = items.iter().enumerate();
            Msgpack::Array(
                items
                    .map(|(index, item)| at(path, PathStep::Index(index), item, element))
                    .collect::<Result<_, _>>()?,
            )
        }
        (Value::Map(entries), Type::Map(element)) => Msgpack::Map(
            entries
                .iter()
                .map(|(key, item)| {
                    let raw = at(path, PathStep::Key(key.clone()), item, element)?;
                    Ok((Msgpack::from(key.as_str()), raw))
                })
                .collect::<Result<_, CodecError>>()?,
        ),
        (Value::Object(attributes), Type::Object(types)) => {
            if let Some(extra) = attributes.keys().find(|name| !types.contains_key(*name)) {
                return Err(CodecError::UnsupportedAttribute {
                    path: path_of(path),
                    name: extra.clone(),
                });
            }
            Msgpack::Map(
                types
                    .iter()
                    .map(|(name, attribute_type)| {
                        let item = attributes.get(name).unwrap_or(&Value::Null);
                        let raw = at(path, PathStep::Attr(name.clone()), item, attribute_type)?;
                        Ok((Msgpack::from(name.as_str()), raw))
                    })
                    .collect::<Result<_, CodecError>>()?,
            )
        }
        (other, _) => {
            return Err(CodecError::mismatch(
                path_of(path),
                ty,
                kind_of_value(other),
            ))
        }
    })
}

fn at(
    path: &mut Vec<PathStep>,
    step: PathStep,
    item: &Value,
    ty: &Type,
) -> Result<Msgpack, CodecError> {
    path.push(step);
    let raw = to_msgpack(item, ty, path);
    path.pop();
    raw
}

/// A number as a decimal string, the form `cty` itself writes for a number that fits
/// neither an int64 nor a float64, and which Terraform reads with `cty.ParseNumberVal`,
/// exactly as it reads a number from the state file or from the configuration: the
/// same 512-bit `big.Float`. An msgpack int (or float) would become a 64-bit (or
/// 53-bit) one instead: the same number, but not the same Go value. Terraform 1.11
/// decides that `plan -refresh-only` has something to apply by comparing the refreshed
/// objects with the previous run's (decoded from the state file's JSON) with
/// `reflect.DeepEqual`, cached decoded values included, so a single integer attribute
/// answered as an msgpack int made every `plan -refresh-only -detailed-exitcode` exit
/// 2 with "No changes". A float that is not finite has no decimal form (and cannot be a
/// Terraform number); it keeps the float encoding.
fn number_to_msgpack(number: Number) -> Msgpack {
    match number {
        Number::Int(n) => Msgpack::from(n.to_string().as_str()),
        // Rust prints a finite f64 as the shortest decimal that reads back as the same
        // f64, without an exponent: what cty's JSON encoding writes for it too.
        Number::Float(x) if x.is_finite() => Msgpack::from(x.to_string().as_str()),
        Number::Float(x) => Msgpack::F64(x),
    }
}

fn kind_of_value(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Unknown => "unknown",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::List(_) => "a list",
        Value::Set(_) => "a set",
        Value::Map(_) => "a map",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn object_type() -> Type {
        Type::Object(BTreeMap::from([
            ("name".to_owned(), Type::String),
            ("keylife".to_owned(), Type::Number),
            ("pfs".to_owned(), Type::Bool),
            ("subnets".to_owned(), Type::Set(Box::new(Type::String))),
            ("order".to_owned(), Type::List(Box::new(Type::Number))),
            (
                "translations".to_owned(),
                Type::Map(Box::new(Type::Object(BTreeMap::from([
                    ("local_ip".to_owned(), Type::String),
                    ("customer_ip".to_owned(), Type::String),
                ])))),
            ),
        ]))
    }

    fn sample() -> Value {
        Value::Object(BTreeMap::from([
            ("name".to_owned(), Value::String("dc".into())),
            ("keylife".to_owned(), Value::int(3600)),
            ("pfs".to_owned(), Value::Unknown),
            (
                "subnets".to_owned(),
                Value::Set(vec![Value::String("10.0.0.0/8".into()), Value::Unknown]),
            ),
            (
                "order".to_owned(),
                Value::List(vec![Value::Number(Number::Float(0.5)), Value::Null]),
            ),
            (
                "translations".to_owned(),
                Value::Map(BTreeMap::from([(
                    "db".to_owned(),
                    Value::Object(BTreeMap::from([
                        ("local_ip".to_owned(), Value::String("10.1.255.92".into())),
                        ("customer_ip".to_owned(), Value::Unknown),
                    ])),
                )])),
            ),
        ]))
    }

    #[test]
    fn values_round_trip_with_nulls_and_unknowns_at_any_depth() {
        let bytes = encode(&sample(), &object_type()).unwrap();
        assert_eq!(decode(&bytes, &object_type()).unwrap(), sample());
    }

    #[test]
    fn unknown_is_written_as_cty_writes_it() {
        assert_eq!(
            encode(&Value::Unknown, &Type::String).unwrap(),
            [0xd4, 0x00, 0x00]
        );
    }

    #[test]
    fn refined_unknowns_read_as_unknown() {
        // Terraform 1.6+ sends refinements (extension 12) for values with known bounds.
        let refined = Msgpack::Ext(12, vec![0x81, 0x01, 0xc3]);
        let mut bytes = Vec::new();
        rmpv::encode::write_value(&mut bytes, &refined).unwrap();
        assert_eq!(decode(&bytes, &Type::String).unwrap(), Value::Unknown);
    }

    #[test]
    fn missing_attributes_read_as_null_and_extra_ones_are_refused() {
        let mut bytes = Vec::new();
        rmpv::encode::write_value(&mut bytes, &Msgpack::Map(vec![("name".into(), "x".into())]))
            .unwrap();
        let value = decode(&bytes, &object_type()).unwrap();
        assert_eq!(value.attr("keylife"), &Value::Null);

        let mut bytes = Vec::new();
        rmpv::encode::write_value(&mut bytes, &Msgpack::Map(vec![("nope".into(), "x".into())]))
            .unwrap();
        let error = decode(&bytes, &object_type()).unwrap_err();
        assert!(error.to_string().contains("nope"), "{error}");
    }

    #[test]
    fn numbers_arrive_as_ints_floats_or_strings() {
        for raw in [
            Msgpack::from(3600),
            Msgpack::F64(3600.0),
            Msgpack::from("3600"),
        ] {
            let mut bytes = Vec::new();
            rmpv::encode::write_value(&mut bytes, &raw).unwrap();
            assert_eq!(decode(&bytes, &Type::Number).unwrap(), Value::int(3600));
        }
    }

    /// Found by the `value_decoders` fuzz target: an msgpack float NaN was decoded as a
    /// number, and a value holding it is unequal to itself after a round trip.
    #[test]
    fn a_float_that_is_not_finite_is_no_number() {
        for raw in [
            Msgpack::F64(f64::NAN),
            Msgpack::F64(f64::INFINITY),
            Msgpack::F64(f64::NEG_INFINITY),
            Msgpack::F32(f32::NAN),
        ] {
            let mut bytes = Vec::new();
            rmpv::encode::write_value(&mut bytes, &raw).unwrap();
            let error = decode(&bytes, &Type::Number).unwrap_err().to_string();
            assert!(error.contains("not finite"), "{raw:?}: {error}");
        }
        let mut bytes = Vec::new();
        let raw = Msgpack::Map(vec![("keylife".into(), Msgpack::F64(f64::NAN))]);
        rmpv::encode::write_value(&mut bytes, &raw).unwrap();
        let error = decode(&bytes, &object_type()).unwrap_err().to_string();
        assert!(error.contains("keylife"), "{error}");
    }

    /// Terraform must read each number as it reads the same number from the state
    /// file's JSON: from a decimal string (see `number_to_msgpack`).
    #[test]
    fn numbers_are_written_as_decimal_strings() {
        for (number, text) in [
            (Number::Int(3600), "3600"),
            (Number::Int(0), "0"),
            (Number::Int(-14), "-14"),
            (Number::Int(i64::MAX), "9223372036854775807"),
            (Number::Float(0.5), "0.5"),
            (Number::Float(0.1), "0.1"),
            (Number::Float(1e21), "1000000000000000000000"),
        ] {
            let bytes = encode(&Value::Number(number), &Type::Number).unwrap();
            let mut expected = Vec::new();
            rmpv::encode::write_value(&mut expected, &Msgpack::from(text)).unwrap();
            assert_eq!(bytes, expected, "{number:?}");
            assert_eq!(
                decode(&bytes, &Type::Number).unwrap(),
                Value::Number(number)
            );
        }
    }

    #[test]
    fn a_type_mismatch_names_where_it_is() {
        let mut bytes = Vec::new();
        let raw = Msgpack::Map(vec![(
            "subnets".into(),
            Msgpack::Array(vec![Msgpack::from(5)]),
        )]);
        rmpv::encode::write_value(&mut bytes, &raw).unwrap();
        let error = decode(&bytes, &object_type()).unwrap_err().to_string();
        assert!(
            error.contains("subnets[0]") && error.contains("string"),
            "{error}"
        );
    }

    #[test]
    fn dynamic_values_carry_their_type() {
        let type_json = br#"["list","string"]"#.to_vec();
        let raw = Msgpack::Array(vec![
            Msgpack::Binary(type_json),
            Msgpack::Array(vec!["a".into()]),
        ]);
        let mut bytes = Vec::new();
        rmpv::encode::write_value(&mut bytes, &raw).unwrap();
        assert_eq!(
            decode(&bytes, &Type::Dynamic).unwrap(),
            Value::List(vec![Value::String("a".into())])
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bytes in [
            &[0xd4, 0x00][..],
            &[0x92, 0x01][..],
            &[0xa3, b'a'][..],
            &[0x01, 0x02][..],
        ] {
            assert!(decode(bytes, &object_type()).is_err(), "{bytes:x?}");
        }
    }
}
