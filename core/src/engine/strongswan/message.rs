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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::{validate_connection, ConnectionInput, DpdInput};

    /// What charon is sent is what the file says: DPD on the connection and its child,
    /// both identities, and the key owned by both.
    #[test]
    fn load_conn_carries_dpd_and_identities_and_the_key_both_owners() {
        let input = ConnectionInput {
            name: "dc1".into(),
            peer_address: "203.0.113.10".into(),
            preshared_key: Some("correct horse battery staple".into()),
            local_subnets: vec!["10.1.0.0/16".into()],
            local_id: Some("gw@example.com".into()),
            peer_id: Some("branch.example.net".into()),
            dpd: DpdInput {
                delay: Some(10),
                timeout: None,
                action: Some("restart".into()),
            },
            ..ConnectionInput::default()
        };
        let (connection, diags) = validate_connection(&input);
        let mut context = Context::new(connection.unwrap_or_else(|| panic!("{diags}")));
        let without_remote_subnets = load_messages(&context).unwrap();
        let Some(Node::Section(bare)) = without_remote_subnets.conn.get("dc1") else {
            panic!("no dc1 section");
        };
        assert!(!bare.contains_key("children"), "{bare:?}");
        context
            .remote_subnets
            .insert(crate::model::Cidr::parse("192.168.10.0/24").unwrap());
        let messages = load_messages(&context).unwrap();
        let Some(Node::Section(conn)) = messages.conn.get("dc1") else {
            panic!("no dc1 section");
        };
        let value = |node: Option<&Node>| match node {
            Some(Node::Value(value)) => value.clone(),
            other => panic!("not a value: {other:?}"),
        };
        let section = |name: &str| match conn.get(name) {
            Some(Node::Section(section)) => section.clone(),
            other => panic!("{name} is not a section: {other:?}"),
        };
        assert_eq!(value(conn.get("dpd_delay")), "10s");
        assert_eq!(value(conn.get("dpd_timeout")), "150s");
        assert_eq!(value(section("local").get("id")), "gw@example.com");
        assert_eq!(value(section("remote").get("id")), "branch.example.net");
        let Some(Node::Section(child)) = section("children").get("dc1").cloned() else {
            panic!("no child");
        };
        assert_eq!(value(child.get("dpd_action")), "restart");
        assert_eq!(messages.owners, ["gw@example.com", "branch.example.net"]);
    }
}
