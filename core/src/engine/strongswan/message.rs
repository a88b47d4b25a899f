//! A context as the VICI messages that load it: `load-conn` from the same swanctl.conf
//! text the files hold (as `swanctl --load-all` would send it), and the pre-shared key
//! for `load-shared`.

use std::collections::BTreeMap;

use super::vici::Node;
use crate::gateway::GatewayError;
use crate::model::{ConnectionName, Context};
use crate::parse::settings::{parse_settings, Section};
use crate::render::render_swanctl;

/// Settings that VICI takes as lists; swanctl.conf writes them comma-separated.
const LIST_KEYS: [&str; 6] = [
    "local_addrs",
    "remote_addrs",
    "proposals",
    "esp_proposals",
    "local_ts",
    "remote_ts",
];

/// The id under which a connection's key is loaded, as in its `secrets` section.
pub fn secret_id(name: &ConnectionName) -> String {
    format!("ike-{name}")
}

/// The `load-conn` message of `context`: `{ <name> = { … } }`.
pub fn load_conn_message(context: &Context) -> Result<BTreeMap<String, Node>, GatewayError> {
    let text = render_swanctl(context);
    let (root, _) = parse_settings(&text).map_err(|error| {
        // Rendering and parsing are tested to round-trip; this would be a bug of ours.
        GatewayError::Engine(format!(
            "rendered configuration did not parse back: {}",
            error.message
        ))
    })?;
    let connection = root
        .sections
        .iter()
        .find(|s| s.name == "connections")
        .and_then(|connections| {
            connections
                .sections
                .iter()
                .find(|s| s.name == context.name().as_str())
        })
        .ok_or_else(|| {
            GatewayError::Engine(format!(
                "rendered configuration has no connection {}",
                context.name()
            ))
        })?;
    Ok(BTreeMap::from([(
        connection.name.clone(),
        section_node(connection),
    )]))
}

/// The identities that own the connection's key, from its `secrets` section.
pub fn secret_owners(context: &Context) -> Vec<String> {
    let text = render_swanctl(context);
    let Ok((root, _)) = parse_settings(&text) else {
        return Vec::new();
    };
    let id = secret_id(context.name());
    root.sections
        .iter()
        .filter(|s| s.name == "secrets")
        .flat_map(|s| s.sections.iter())
        .filter(|s| s.name == id)
        .flat_map(|s| s.settings.iter())
        .filter(|setting| setting.key == "id" || setting.key.starts_with("id-"))
        .map(|setting| setting.value.clone())
        .collect()
}

fn section_node(section: &Section) -> Node {
    let mut entries = BTreeMap::new();
    for setting in &section.settings {
        let node = if LIST_KEYS.contains(&setting.key.as_str()) {
            Node::List(
                setting
                    .value
                    .split(',')
                    .map(|item| item.trim().to_owned())
                    .collect(),
            )
        } else {
            Node::Value(setting.value.clone())
        };
        entries.insert(setting.key.clone(), node);
    }
    for sub in &section.sections {
        entries.insert(sub.name.clone(), section_node(sub));
    }
    Node::Section(entries)
}
