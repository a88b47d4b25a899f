//! `docs/reference.md` is the reference generated from the schemas, kept current.

use terraform_provider_ipsec::docs::reference;

#[test]
fn the_reference_matches_the_schemas() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/reference.md");
    let generated = reference();
    if std::env::var_os("IPSEC_UPDATE_DOCS").is_some() {
        std::fs::write(path, &generated).unwrap();
        return;
    }
    let stored = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        stored == generated,
        "docs/reference.md is out of date with the schemas; regenerate it with \
         `IPSEC_UPDATE_DOCS=1 cargo test -p terraform-provider-ipsec --test docs`"
    );
}

#[test]
fn every_attribute_is_documented() {
    let page = reference();
    for line in page.lines().filter(|l| l.starts_with("| `")) {
        let description = line.rsplit('|').nth(1).unwrap_or_default().trim();
        assert!(!description.is_empty(), "undocumented: {line}");
    }
}
