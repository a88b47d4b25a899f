//! Terraform values on the wire: [`Value`] and [`Type`], and the msgpack and JSON
//! encodings of `DynamicValue`.

pub mod json;
pub mod msgpack;
pub mod value;

pub use value::{semantically_equal, Number, Type, Value};

use crate::proto::tfplugin6::DynamicValue;

/// A value Terraform sent that does not match the schema, or bytes that do not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// The bytes are not valid msgpack or JSON.
    #[error("malformed value: {0}")]
    Syntax(String),
    /// A value of the wrong kind.
    #[error("at {path}: expected {expected}, found {found}")]
    Mismatch {
        /// Where, as `attr[0].sub`.
        path: String,
        /// The type the schema declares.
        expected: String,
        /// What arrived.
        found: String,
    },
    /// An object attribute the schema does not declare.
    #[error("at {path}: unsupported attribute \"{name}\"")]
    UnsupportedAttribute {
        /// The object's path.
        path: String,
        /// The attribute's name.
        name: String,
    },
}

impl CodecError {
    fn mismatch(path: &[String], expected: &Type, found: &str) -> Self {
        CodecError::Mismatch {
            path: msgpack::render_path(path),
            expected: expected.to_json().to_string(),
            found: found.to_owned(),
        }
    }
}

/// Decodes a `DynamicValue` (msgpack preferred, JSON accepted); an absent or empty one
/// is null.
pub fn decode_dynamic(value: Option<&DynamicValue>, ty: &Type) -> Result<Value, CodecError> {
    match value {
        Some(dynamic) if !dynamic.msgpack.is_empty() => msgpack::decode(&dynamic.msgpack, ty),
        Some(dynamic) if !dynamic.json.is_empty() => {
            json::decode(&dynamic.json, ty, json::Extra::Refuse)
        }
        _ => Ok(Value::Null),
    }
}

/// Encodes a value as a msgpack `DynamicValue`.
pub fn encode_dynamic(value: &Value, ty: &Type) -> Result<DynamicValue, CodecError> {
    Ok(DynamicValue {
        msgpack: msgpack::encode(value, ty)?,
        json: Vec::new(),
    })
}
