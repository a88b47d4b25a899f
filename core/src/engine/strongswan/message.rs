//! A context as the VICI messages that load it: `load-conn` from the same swanctl.conf
//! text the files hold (as `swanctl --load-all` would send it), and the pre-shared key
//! for `load-shared`.

use std::collections::BTreeMap;

use super::vici::Node;
use crate::gateway::{GatewayError, Inconsistency};
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

/// What loading a context sends: the `load-conn` message (`{ <name> = { … } }`) and
/// the identities that own its key (from its `secrets` section). Both come from one
/// rendering and one parse of the swanctl.conf the files hold.
pub struct LoadMessages {
    /// The `load-conn` message.
    pub conn: BTreeMap<String, Node>,
    /// The `owners` of the `load-shared` message.
    pub owners: Vec<String>,
}

/// The messages that load `context`.
pub fn load_messages(context: &Context) -> Result<LoadMessages, GatewayError> {
    let text = render_swanctl(context);
    let (root, _) = parse_settings(&text).map_err(|error| {
        // Rendering and parsing are tested to round-trip; this would be a bug of ours.
        Inconsistency::RenderedUnparsable {
            message: error.message,
        }
    })?;
    let name = context.name().as_str();
    let connection = subsections(&root, "connections")
        .find(|s| s.name == name)
        .ok_or_else(|| Inconsistency::RenderedWithoutConnection {
            connection: context.name().clone(),
        })?;
    let id = secret_id(context.name());
    let owners = subsections(&root, "secrets")
        .filter(|s| s.name == id)
        .flat_map(|s| s.settings.iter())
        .filter(|setting| setting.key == "id" || setting.key.starts_with("id-"))
        .map(|setting| setting.value.clone())
        .collect();
    Ok(LoadMessages {
        conn: BTreeMap::from([(connection.name.clone(), section_node(connection))]),
        owners,
    })
}

/// The sections inside every top-level section `name` of `root`.
fn subsections<'a>(root: &'a Section, name: &'a str) -> impl Iterator<Item = &'a Section> {
    root.sections
        .iter()
        .filter(move |s| s.name == name)
        .flat_map(|s| s.sections.iter())
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
