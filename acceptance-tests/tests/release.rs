//! Releases: `--version`, and `scripts/release` packaging the binary under test (the
//! suite builds no second, release-mode binary) as a zip with its SHA256SUMS and
//! manifest, laid out as a packed filesystem mirror and as a provider network mirror.
//! The network mirror is served over HTTPS on loopback with a throwaway CA; `terraform
//! init` installs from it, checking the zip against the mirror's `zh:` hash (a wrong one
//! is refused), the lock file records the package's `h1:` hash, and the quickstart
//! applies.

use std::path::{Path, PathBuf};
use std::process::Command;

use acceptance_tests::https_mirror::HttpsMirror;
use acceptance_tests::provider::provider_binary;
use acceptance_tests::terraform;

acceptance_tests::suite![
    the_binary_reports_its_version,
    a_release_installs_from_a_network_mirror_over_https_and_applies_the_quickstart,
    a_release_installs_from_its_packed_filesystem_mirror,
    a_version_other_than_the_workspace_version_is_refused,
];

const VERSION: &str = env!("CARGO_PKG_VERSION");
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
const SOURCE: &str = "registry.terraform.io/ipsec-vpn/ipsec";

fn zip_name() -> String {
    format!("terraform-provider-ipsec_{VERSION}_linux_{}.zip", arch())
}

fn arch() -> &'static str {
    match std::env::consts::ARCH {
        "aarch64" => "arm64",
        _ => "amd64",
    }
}

/// Runs `scripts/release <version>` on the binary under test into `out`.
fn release(version: &str, out: &Path) -> std::process::Output {
    Command::new(Path::new(ROOT).join("scripts/release"))
        .arg(version)
        .arg("--binary")
        .arg(provider_binary())
        .arg("--out")
        .arg(out)
        .output()
        .expect("scripts/release runs")
}

/// A release of the workspace version in a new temporary directory.
fn released() -> tempfile::TempDir {
    let out = tempfile::tempdir().expect("a release directory");
    let run = release(VERSION, out.path());
    assert!(
        run.status.success(),
        "scripts/release failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    out
}

fn sha256_hex(bytes: &[u8]) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Terraform's `h1:` hash of an unpacked package holding the one file `path`: the
/// base64 SHA-256 of the `sha256  name` line of each file (Go's dirhash Hash1).
fn h1(path: &Path) -> String {
    use base64::Engine as _;
    let bytes = std::fs::read(path).expect("the installed provider");
    let name = path.file_name().unwrap().to_string_lossy();
    let summary = format!("{}  {name}\n", sha256_hex(&bytes));
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, summary.as_bytes());
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(digest.as_ref())
    )
}

/// A working directory holding the quickstart and a CLI configuration with
/// `installation`, and the environment terraform needs there.
fn quickstart_with(
    installation: &str,
    extra_env: &[(&str, &Path)],
) -> (tempfile::TempDir, Vec<(String, String)>) {
    let dir = tempfile::tempdir().expect("a working directory");
    std::fs::copy(
        Path::new(ROOT).join("examples/quickstart/main.tf"),
        dir.path().join("main.tf"),
    )
    .expect("the quickstart is copied");
    let cli_config = dir.path().join("terraformrc");
    std::fs::write(&cli_config, installation).expect("CLI configuration");
    let mut env = vec![(
        "TF_CLI_CONFIG_FILE".to_owned(),
        cli_config.display().to_string(),
    )];
    env.extend(
        extra_env
            .iter()
            .map(|(k, v)| (k.to_string(), v.display().to_string())),
    );
    (dir, env)
}

/// The hashes `.terraform.lock.hcl` in `dir` records for the provider.
fn locked_hashes(dir: &Path) -> Vec<String> {
    let lock = std::fs::read_to_string(dir.join(".terraform.lock.hcl")).expect("a lock file");
    assert!(lock.contains(&format!("provider \"{SOURCE}\"")), "{lock}");
    assert!(
        lock.lines().any(
            |l| l.trim_start().starts_with("version") && l.ends_with(&format!("\"{VERSION}\""))
        ),
        "{lock}"
    );
    lock.split('"')
        .filter(|s| s.starts_with("h1:") || s.starts_with("zh:"))
        .map(str::to_owned)
        .collect()
}

fn installed_binary(dir: &Path) -> PathBuf {
    dir.join(format!(
        ".terraform/providers/{SOURCE}/{VERSION}/linux_{}/terraform-provider-ipsec_v{VERSION}",
        arch()
    ))
}

fn the_binary_reports_its_version() {
    let output = Command::new(provider_binary())
        .arg("--version")
        .output()
        .expect("the provider runs");
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        format!("terraform-provider-ipsec {VERSION}\n")
    );
}

fn a_release_installs_from_a_network_mirror_over_https_and_applies_the_quickstart() {
    let out = released();
    let zip = std::fs::read(out.path().join(zip_name())).expect("the zip");
    let zh = format!("zh:{}", sha256_hex(&zip));
    let sums = std::fs::read_to_string(
        out.path()
            .join(format!("terraform-provider-ipsec_{VERSION}_SHA256SUMS")),
    )
    .expect("SHA256SUMS");
    assert!(
        sums.contains(&format!("{}  {}", &zh[3..], zip_name())),
        "{sums}"
    );
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            out.path()
                .join(format!("terraform-provider-ipsec_{VERSION}_manifest.json")),
        )
        .expect("the manifest"),
    )
    .expect("the manifest is JSON");
    assert_eq!(manifest["metadata"]["protocol_versions"][0], "6.0");

    let mirror = HttpsMirror::serve(&out.path().join("network-mirror"), out.path());
    let installation = format!(
        "provider_installation {{\n  network_mirror {{\n    url     = \"{}\"\n    include = [\"{SOURCE}\"]\n  }}\n  direct {{\n    exclude = [\"{SOURCE}\"]\n  }}\n}}\n",
        mirror.url()
    );
    let ca = [("SSL_CERT_FILE", mirror.ca_file())];

    // The mirror's zh: hash is what Terraform checks the download against: a mirror
    // that lists another is refused.
    let listing = out
        .path()
        .join(format!("network-mirror/{SOURCE}/{VERSION}.json"));
    let good = std::fs::read_to_string(&listing).expect("the version listing");
    assert!(good.contains(&zh), "{good}");
    std::fs::write(&listing, good.replace(&zh[3..], &"0".repeat(64))).unwrap();
    let (tampered, env) = quickstart_with(&installation, &ca);
    let refused = terraform::run(tampered.path(), &["init", "-input=false"], &env);
    assert_ne!(
        refused.code,
        0,
        "a wrong hash was accepted:\n{}",
        refused.output()
    );
    assert!(
        refused.output().contains("checksum"),
        "{}",
        refused.output()
    );
    std::fs::write(&listing, good).unwrap();

    let (dir, env) = quickstart_with(&installation, &ca);
    let init = terraform::run(dir.path(), &["init", "-input=false"], &env).success();
    assert!(
        init.stdout
            .contains(&format!("Installed ipsec-vpn/ipsec v{VERSION}")),
        "{}",
        init.output()
    );
    let requests = mirror.requests();
    for wanted in [
        format!("/{SOURCE}/index.json"),
        format!("/{SOURCE}/{VERSION}.json"),
        format!("/{SOURCE}/{}", zip_name()),
    ] {
        assert!(requests.contains(&wanted), "{wanted} not in {requests:?}");
    }
    // Terraform records a mirror's own hashes only when a signature vouches for them; an
    // unsigned mirror's package is recorded by the h1: hash of what it unpacked, which
    // must be the released binary's.
    let hashes = locked_hashes(dir.path());
    assert_eq!(hashes, [h1(&installed_binary(dir.path()))]);

    let apply = terraform::run(
        dir.path(),
        &["apply", "-input=false", "-auto-approve"],
        &env,
    )
    .success();
    assert!(apply.stdout.contains("4 added"), "{}", apply.stdout);
    let plan = terraform::run(
        dir.path(),
        &["plan", "-input=false", "-detailed-exitcode"],
        &env,
    );
    assert_eq!(plan.code, 0, "{}", plan.output());
    assert!(dir
        .path()
        .join(".ipsec-gateway/swanctl/conf.d/dc1.conf")
        .is_file());
}

fn a_release_installs_from_its_packed_filesystem_mirror() {
    let out = released();
    let packed = out.path().join("filesystem-mirror");
    assert!(packed.join(SOURCE).join(zip_name()).is_file());
    let (dir, env) = quickstart_with(
        &format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"{SOURCE}\"]\n  }}\n  direct {{\n    exclude = [\"{SOURCE}\"]\n  }}\n}}\n",
            packed.display()
        ),
        &[],
    );
    terraform::run(dir.path(), &["init", "-input=false"], &env).success();
    let zh = format!(
        "zh:{}",
        sha256_hex(&std::fs::read(out.path().join(zip_name())).unwrap())
    );
    let hashes = locked_hashes(dir.path());
    assert!(
        hashes.contains(&h1(&installed_binary(dir.path()))),
        "{hashes:?}"
    );
    // A packed mirror vouches for nothing, so Terraform records the hashes of what it
    // unpacked (h1), and the zip's own only if it has them: either way not a stale one.
    assert!(
        hashes.iter().all(|h| !h.starts_with("zh:") || *h == zh),
        "{hashes:?}"
    );
    terraform::run(dir.path(), &["validate"], &env).success();
}

fn a_version_other_than_the_workspace_version_is_refused() {
    let out = tempfile::tempdir().unwrap();
    let run = release("99.0.0", out.path());
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("not the workspace version"), "{stderr}");
    assert!(
        std::fs::read_dir(out.path()).unwrap().next().is_none(),
        "files were written"
    );
}
