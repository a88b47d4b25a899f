//! Terraform values on the wire: [`Value`] and [`Type`], and the msgpack and JSON
//! encodings of `DynamicValue`, both decoded by the one type-directed walk of [`walk`].

pub mod json;
pub mod msgpack;
pub mod value;
pub mod walk;

pub use value::{semantically_equal, Number, Type, Value};
pub use walk::Extra;

use ipsec_core::AttributePath;

use crate::proto::tfplugin6::DynamicValue;

/// A value Terraform sent that does not match the schema, or bytes that do not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// The bytes are not valid msgpack or JSON.
    #[error("malformed value: {0}")]
    Syntax(String),
    /// A value of the wrong kind.
    #[error("at {}: expected {expected}, found {found}", Self::place(.path))]
    Mismatch {
        /// Where.
        path: AttributePath,
        /// The type the schema declares.
        expected: String,
        /// What arrived.
        found: String,
    },
    /// An object attribute the schema does not declare.
    #[error("at {}: unsupported attribute \"{name}\"", Self::place(.path))]
    UnsupportedAttribute {
        /// The object's path.
        path: AttributePath,
        /// The attribute's name.
        name: String,
    },
}

impl CodecError {
    fn mismatch(path: AttributePath, expected: &Type, found: &str) -> Self {
        CodecError::Mismatch {
            path,
            expected: expected.to_json().to_string(),
            found: found.to_owned(),
        }
    }

    /// `path` in a message; the empty path is the value as a whole.
    fn place(path: &AttributePath) -> String {
        if path.is_empty() {
            "the top level".to_owned()
        } else {
            path.to_string()
        }
    }
}

/// Decodes a `DynamicValue` (msgpack preferred, JSON accepted); an absent or empty one
/// is null.
pub fn decode_dynamic(value: Option<&DynamicValue>, ty: &Type) -> Result<Value, CodecError> {
    match value {
        Some(dynamic) if !dynamic.msgpack.is_empty() => msgpack::decode(&dynamic.msgpack, ty),
        Some(dynamic) if !dynamic.json.is_empty() => json::decode(&dynamic.json, ty, Extra::Refuse),
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
