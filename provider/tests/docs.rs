//! The documentation under `docs/` generated from the schemas and `examples/` (see
//! `terraform_provider_ipsec::docs`) is the checked-in one: a stale or stray page fails
//! here, and `scripts/docs` rewrites them.

use std::path::Path;

use terraform_provider_ipsec::docs::{pages, GENERATED_DIRS, REGENERATE};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

#[test]
fn the_docs_match_the_schemas_and_examples() {
    let docs = Path::new(ROOT).join("docs");
    let pages = pages(Path::new(ROOT)).unwrap_or_else(|e| panic!("{e}"));
    let update = std::env::var_os("IPSEC_UPDATE_DOCS").is_some();
    let mut stale = Vec::new();
    for page in &pages {
        let path = docs.join(&page.path);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(page.text.as_str()) {
            if update {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &page.text).unwrap();
            } else {
                stale.push(page.path.clone());
            }
        }
    }
    // A page of a type that no longer exists.
    for dir in GENERATED_DIRS {
        for entry in std::fs::read_dir(docs.join(dir))
            .into_iter()
            .flatten()
            .flatten()
        {
            let relative = format!("{dir}/{}", entry.file_name().to_string_lossy());
            if pages.iter().all(|p| p.path != relative) {
                if update {
                    std::fs::remove_file(entry.path()).unwrap();
                } else {
                    stale.push(format!("{relative} (no such type)"));
                }
            }
        }
    }
    assert!(
        stale.is_empty(),
        "docs out of date with the schemas or examples: {stale:?}; regenerate them with `{REGENERATE}`"
    );
}

#[test]
fn every_attribute_is_documented() {
    for page in pages(Path::new(ROOT)).unwrap() {
        // Schema lines: "- `name` (Type, flags) description".
        let schema_lines = page.text.lines().filter(|l| {
            l.strip_prefix("- `")
                .and_then(|rest| rest.split_once("` ("))
                .is_some_and(|(name, flags)| {
                    !name.contains(' ') && flags.starts_with(|c: char| c.is_ascii_uppercase())
                })
        });
        for line in schema_lines {
            let description = line.split_once(") ").map(|(_, d)| d.trim()).unwrap_or("");
            assert!(
                !description.is_empty(),
                "{}: undocumented: {line}",
                page.path
            );
        }
    }
}

#[test]
fn no_document_links_outside_the_repository() {
    let mut files = vec![
        Path::new(ROOT).join("README.md"),
        Path::new(ROOT).join("CHANGELOG.md"),
        Path::new(ROOT).join("ARCHITECTURE.md"),
    ];
    let mut dirs = vec![
        Path::new(ROOT).join("docs"),
        Path::new(ROOT).join("examples"),
    ];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                files.push(path);
            }
        }
    }
    let link = regex_lite_links;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for target in link(&text) {
            let outside = target.contains("://") || target.starts_with("mailto:");
            assert!(
                !outside,
                "{} links outside the repository: {target}",
                file.display()
            );
            let local = target.split('#').next().unwrap_or_default();
            if !local.is_empty() {
                let resolved = file.parent().unwrap().join(local);
                assert!(
                    resolved.exists(),
                    "{} links to {target}, which does not exist",
                    file.display()
                );
            }
        }
    }
}

/// The targets of the Markdown links `[text](target)` in `text`.
fn regex_lite_links(text: &str) -> Vec<String> {
    let mut targets = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("](") {
        rest = &rest[start + 2..];
        if let Some(end) = rest.find(')') {
            targets.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
    targets
}
