//! The Markdown reference of the provider, its resources and data sources, generated
//! from the schemas, so that the documentation cannot drift from what Terraform is told.
//! `docs/reference.md` is this output; a test keeps it current.

use std::fmt::Write;

use crate::framework::{Attribute, Kind, Presence, Schema};
use crate::{data_sources, provider_config, resources};

/// The whole reference page.
pub fn reference() -> String {
    let mut page = String::from(
        "# Reference\n\n\
         <!-- Generated from the provider's schemas by `IPSEC_UPDATE_DOCS=1 cargo test -p \
         terraform-provider-ipsec --test docs`; do not edit by hand. -->\n\n\
         Provider source address: `ipsec-vpn/ipsec`. Examples: [`examples/`](../examples).\n\n",
    );
    section(
        &mut page,
        "Provider configuration",
        &provider_config::SCHEMA,
    );
    for resource in resources::all() {
        let title = format!("Resource `{}`", resource.type_name());
        section(&mut page, &title, resource.schema());
        if let Some(id) = resource.schema().attribute("id") {
            let _ = writeln!(
                page,
                "**Import**: `terraform import {}.<label> <id>`, or an `import` block with the \
                 same `id`. The ID: {}\n",
                resource.type_name(),
                id.documentation()
            );
        }
    }
    for data_source in data_sources::all() {
        let title = format!("Data source `{}`", data_source.type_name());
        section(&mut page, &title, data_source.schema());
    }
    page
}

fn section(page: &mut String, title: &str, schema: &Schema) {
    let _ = writeln!(page, "## {title}\n\n{}\n", schema.description);
    page.push_str("| attribute | type | presence | description |\n|---|---|---|---|\n");
    for attribute in &schema.attributes {
        row(page, "", attribute);
    }
    page.push('\n');
}

fn row(page: &mut String, prefix: &str, attribute: &Attribute) {
    let name = format!("{prefix}{}", attribute.name);
    let ty = match &attribute.kind {
        Kind::Plain(ty) => ty.to_json().to_string().replace('"', ""),
        Kind::Single(_) => "object".to_owned(),
        Kind::Map(_) => "map of object".to_owned(),
        Kind::List(_) => "list of object".to_owned(),
    };
    let mut presence = match attribute.presence {
        Presence::Required => "required",
        Presence::Optional => "optional",
        Presence::Computed => "computed",
        Presence::OptionalComputed => "optional",
    }
    .to_owned();
    if attribute.sensitive {
        presence.push_str(", sensitive");
    }
    if attribute.write_only {
        presence.push_str(", write-only");
    }
    if attribute
        .plan_modifiers
        .contains(&crate::framework::PlanModifier::RequiresReplace)
    {
        presence.push_str(", forces replacement");
    }
    let description = attribute
        .documentation()
        .replace('|', "\\|")
        .replace('\n', " ");
    let _ = writeln!(page, "| `{name}` | {ty} | {presence} | {description} |");
    match &attribute.kind {
        Kind::Single(nested) => nested
            .iter()
            .for_each(|a| row(page, &format!("{name}."), a)),
        Kind::Map(nested) => nested
            .iter()
            .for_each(|a| row(page, &format!("{name}[\"<name>\"]."), a)),
        Kind::List(nested) => nested
            .iter()
            .for_each(|a| row(page, &format!("{name}[*]."), a)),
        Kind::Plain(_) => {}
    }
}
