//! A schema as the registry's documentation shows it: the arguments grouped as
//! Required, Optional and Read-Only, one line each with its type, flags and
//! [`Attribute::documentation`] (accepted values and defaults from `core`'s tables), and
//! a "Nested Schema" section per nested attribute, linked by anchor.

use std::fmt::Write;

use crate::framework::{Attribute, Kind, PlanModifier, Presence};

/// The Markdown of `attributes` under `heading` (`## Schema`), followed by the
/// sections of their nested attributes.
pub fn schema_section(attributes: &[Attribute], heading: &str) -> String {
    let mut text = String::new();
    let mut nested = Vec::new();
    groups(&mut text, attributes, "", false, &mut nested);
    let mut out = format!("{heading}\n\n{text}");
    // Breadth first, as each section's lines link to the ones below.
    let mut index = 0;
    while index < nested.len() {
        let (path, children, computed): (String, Vec<Attribute>, bool) = nested[index].clone();
        let mut section = String::new();
        let mut deeper = Vec::new();
        groups(&mut section, &children, &path, computed, &mut deeper);
        out.truncate(out.trim_end().len());
        let _ = write!(
            out,
            "\n\n<a id=\"{}\"></a>\n### Nested Schema for `{path}`\n\n{section}",
            anchor(&path)
        );
        nested.extend(deeper);
        index += 1;
    }
    out
}

/// A nested attribute waiting for its section: its dotted path, its attributes, and
/// whether its parent is read-only (so are they, then).
type Nested = (String, Vec<Attribute>, bool);

fn groups(
    text: &mut String,
    attributes: &[Attribute],
    parent: &str,
    parent_computed: bool,
    nested: &mut Vec<Nested>,
) {
    let group = |attribute: &Attribute| match (parent_computed, attribute.presence) {
        (true, _) | (_, Presence::Computed) => "Read-Only",
        (_, Presence::Required) => "Required",
        _ => "Optional",
    };
    for title in ["Required", "Optional", "Read-Only"] {
        let members: Vec<&Attribute> = attributes.iter().filter(|a| group(a) == title).collect();
        if members.is_empty() {
            continue;
        }
        let _ = writeln!(text, "### {title}\n");
        for attribute in members {
            line(text, attribute, parent, title == "Read-Only", nested);
        }
        text.push('\n');
    }
}

fn line(
    text: &mut String,
    attribute: &Attribute,
    parent: &str,
    computed: bool,
    nested: &mut Vec<Nested>,
) {
    let path = if parent.is_empty() {
        attribute.name.to_owned()
    } else {
        format!("{parent}.{}", attribute.name)
    };
    let mut flags = vec![type_name(&attribute.kind)];
    if attribute.sensitive {
        flags.push("Sensitive".into());
    }
    if attribute.write_only {
        flags.push("Write-only".into());
    }
    if attribute
        .plan_modifiers
        .contains(&PlanModifier::RequiresReplace)
    {
        flags.push("Forces replacement".into());
    }
    let mut description = attribute.documentation().replace('\n', " ");
    if let Kind::Single(children) | Kind::Map(children) | Kind::List(children) = &attribute.kind {
        let _ = write!(
            description,
            " (see [below for nested schema](#{}))",
            anchor(&path)
        );
        nested.push((path, children.clone(), computed));
    }
    let _ = writeln!(
        text,
        "- `{}` ({}) {}",
        attribute.name,
        flags.join(", "),
        description.trim()
    );
}

fn type_name(kind: &Kind) -> String {
    match kind {
        Kind::Plain(ty) => plain(&ty.to_json()),
        Kind::Single(_) => "Attributes".into(),
        Kind::Map(_) => "Map of Attributes".into(),
        Kind::List(_) => "List of Attributes".into(),
    }
}

/// A type's JSON form (`"string"`, `["set","string"]`) as words: `String`, `Set of
/// String`.
fn plain(json: &serde_json::Value) -> String {
    match json {
        serde_json::Value::String(name) => capitalised(name),
        serde_json::Value::Array(parts) if parts.len() == 2 => format!(
            "{} of {}",
            capitalised(parts[0].as_str().unwrap_or("value")),
            plain(&parts[1])
        ),
        _ => "Object".into(),
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The anchor of a nested schema section, as the registry's generator names them.
fn anchor(path: &str) -> String {
    format!("nestedatt--{}", path.replace('.', "--"))
}
