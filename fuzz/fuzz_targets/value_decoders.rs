//! Any bytes as a `DynamicValue` of each resource's, data source's, ephemeral resource's
//! and the provider's schema, in msgpack and in JSON: a value or an error, never a panic; a decoded value
//! encodes to msgpack and decodes back to itself.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use terraform_provider_ipsec::codec::{json, msgpack, Extra, Type};
use terraform_provider_ipsec::{data_sources, ephemeral_resources, provider_config, resources};

/// The types of every schema, built once: building them for each input took most of
/// the time of an execution.
static TYPES: LazyLock<Vec<Type>> = LazyLock::new(|| {
    let mut types: Vec<Type> = resources::all().iter().map(|r| r.schema().ty()).collect();
    types.extend(data_sources::all().iter().map(|d| d.schema().ty()));
    types.extend(ephemeral_resources::all().iter().map(|e| e.schema().ty()));
    types.push(provider_config::SCHEMA.ty());
    types
});

fuzz_target!(|input: (u8, bool, &[u8])| {
    let (which, as_json, bytes) = input;
    let ty = &TYPES[usize::from(which) % TYPES.len()];
    let decoded = if as_json {
        json::decode(bytes, ty, Extra::Refuse)
    } else {
        msgpack::decode(bytes, ty)
    };
    let Ok(value) = decoded else {
        return;
    };
    let encoded = msgpack::encode(&value, ty).expect("a decoded value encodes");
    let again = msgpack::decode(&encoded, ty).expect("an encoded value decodes");
    assert_eq!(again, value);
});
