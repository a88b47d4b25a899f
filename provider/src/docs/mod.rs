//! The provider's documentation in the Terraform registry's layout, generated from the
//! schemas and the examples so that it cannot drift from what Terraform is told:
//! `docs/index.md` (from `templates/index.md`, with the provider's example and schema),
//! `docs/resources/<name>.md`, `docs/data-sources/<name>.md` and
//! `docs/ephemeral-resources/<name>.md` (the type name without `ipsec_`), each with the
//! description, the example from `examples/<kind>/<type>/`, the schema ([`schema_md`])
//! and, for resources, the import section. `docs/guides/` is written by hand.
//! `provider/tests/docs.rs` fails when the checked-in pages differ; [`REGENERATE`] says
//! how to rewrite them.

mod schema_md;

use std::fmt::Write;
use std::path::Path;

use crate::framework::Schema;
use crate::{data_sources, ephemeral_resources, provider_config, resources};

pub use schema_md::schema_section;

/// The command that rewrites the generated pages.
pub const REGENERATE: &str = "scripts/docs";

/// The directories under `docs/` whose every file is generated.
pub const GENERATED_DIRS: [&str; 3] = ["resources", "data-sources", "ephemeral-resources"];

/// One generated page: its path under `docs/` and its Markdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// Relative to `docs/`, such as `resources/vpn_connection.md`.
    pub path: String,
    /// The page.
    pub text: String,
}

/// Every generated page, reading the examples and the index template under the
/// repository's `root`; the error names a file that is missing.
pub fn pages(root: &Path) -> Result<Vec<Page>, String> {
    let mut pages = vec![index(root)?];
    for resource in resources::all() {
        let kind = Kind::RESOURCE;
        let mut page = type_page(root, &kind, resource.type_name(), resource.schema())?;
        page.text.push_str(&import_section(
            root,
            resource.type_name(),
            resource.schema(),
        )?);
        pages.push(page);
    }
    for data_source in data_sources::all() {
        let kind = Kind::DATA_SOURCE;
        pages.push(type_page(
            root,
            &kind,
            data_source.type_name(),
            data_source.schema(),
        )?);
    }
    for ephemeral in ephemeral_resources::all() {
        let kind = Kind::EPHEMERAL;
        pages.push(type_page(
            root,
            &kind,
            ephemeral.type_name(),
            ephemeral.schema(),
        )?);
    }
    Ok(pages)
}

/// What differs between the three kinds of page.
struct Kind {
    /// In titles: `Resource`.
    title: &'static str,
    /// The directory under `docs/` and under `examples/`.
    dir: &'static str,
    /// The example's file name in `examples/<dir>/<type>/`.
    example: &'static str,
    /// The HCL block keyword.
    block: &'static str,
}

impl Kind {
    const RESOURCE: Kind = Kind {
        title: "Resource",
        dir: "resources",
        example: "resource.tf",
        block: "resource",
    };
    const DATA_SOURCE: Kind = Kind {
        title: "Data Source",
        dir: "data-sources",
        example: "data-source.tf",
        block: "data",
    };
    const EPHEMERAL: Kind = Kind {
        title: "Ephemeral Resource",
        dir: "ephemeral-resources",
        example: "ephemeral-resource.tf",
        block: "ephemeral",
    };
}

const GENERATED: &str =
    "<!-- Generated from the provider's schemas and examples/ by scripts/docs; do not edit. -->";

fn index(root: &Path) -> Result<Page, String> {
    let template = read(root, "templates/index.md")?;
    let example = read(root, "examples/provider/provider.tf")?;
    let mut contents = String::new();
    let kinds: [(&Kind, Vec<(&str, &str)>); 3] = [
        (
            &Kind::RESOURCE,
            resources::all()
                .iter()
                .map(|r| (r.type_name(), r.schema().description))
                .collect(),
        ),
        (
            &Kind::DATA_SOURCE,
            data_sources::all()
                .iter()
                .map(|d| (d.type_name(), d.schema().description))
                .collect(),
        ),
        (
            &Kind::EPHEMERAL,
            ephemeral_resources::all()
                .iter()
                .map(|e| (e.type_name(), e.schema().description))
                .collect(),
        ),
    ];
    for (kind, types) in kinds {
        let _ = writeln!(contents, "**{}s**\n", kind.title);
        for (name, description) in types {
            let _ = writeln!(
                contents,
                "- [`{name}`]({}/{}.md): {}",
                kind.dir,
                short(name),
                first_sentence(description)
            );
        }
        contents.push('\n');
    }
    let text = template
        .replace("{{generated}}", GENERATED)
        .replace("{{example}}", &fenced("terraform", &example))
        .replace(
            "{{schema}}",
            schema_section(&provider_config::SCHEMA.attributes, "## Schema").trim_end(),
        )
        .replace("{{contents}}", contents.trim_end());
    Ok(Page {
        path: "index.md".into(),
        text,
    })
}

fn type_page(root: &Path, kind: &Kind, type_name: &str, schema: &Schema) -> Result<Page, String> {
    let example = read(
        root,
        &format!("examples/{}/{type_name}/{}", kind.dir, kind.example),
    )?;
    if !example.contains(&format!("{} \"{type_name}\"", kind.block)) {
        return Err(format!(
            "examples/{}/{type_name}/{} declares no {} \"{type_name}\"",
            kind.dir, kind.example, kind.block
        ));
    }
    let mut text = String::new();
    let _ = write!(
        text,
        "---\npage_title: \"{type_name} {} - ipsec\"\nsubcategory: \"\"\ndescription: |-\n  {}\n---\n\n{GENERATED}\n\n# {type_name} ({})\n\n{}\n\n## Example Usage\n\n{}\n\n{}",
        kind.title,
        first_sentence(schema.description),
        kind.title,
        schema.description,
        fenced("terraform", &example),
        schema_section(&schema.attributes, "## Schema"),
    );
    Ok(Page {
        path: format!("{}/{}.md", kind.dir, short(type_name)),
        text,
    })
}

fn import_section(root: &Path, type_name: &str, schema: &Schema) -> Result<String, String> {
    let Some(id) = schema.attribute("id") else {
        return Ok(String::new());
    };
    let dir = format!("examples/resources/{type_name}");
    let command = read(root, &format!("{dir}/import.sh"))?;
    let block = read(root, &format!("{dir}/import-by-id.tf"))?;
    Ok(format!(
        "\n## Import\n\nThe import ID: {}\n\nWith an `import` block (Terraform 1.5 or later):\n\n{}\n\nWith `terraform import`:\n\n{}\n",
        id.documentation(),
        fenced("terraform", &block),
        fenced("shell", &command),
    ))
}

/// The type name as the registry names its page: without the provider's prefix.
fn short(type_name: &str) -> &str {
    type_name.strip_prefix("ipsec_").unwrap_or(type_name)
}

/// The first sentence of a description, on one line, for an index or front matter.
fn first_sentence(description: &str) -> String {
    let flat = description.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.find(". ") {
        Some(end) => flat[..=end].to_owned(),
        None => flat,
    }
}

fn fenced(language: &str, text: &str) -> String {
    format!("```{language}\n{}\n```", text.trim_end())
}

fn read(root: &Path, relative: &str) -> Result<String, String> {
    std::fs::read_to_string(root.join(relative))
        .map_err(|e| format!("{relative}: {e} (every documented type needs it)"))
}
