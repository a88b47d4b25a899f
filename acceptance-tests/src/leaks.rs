//! The key-leak check: a pre-shared key a test watches for must never show in what
//! terraform prints, in Terraform's log (which carries the provider's own lines), or in
//! any file of the working directory and the gateway, in clear or hex-encoded. The only
//! exceptions are the ones the design makes:
//! - the configuration (`*.tf`), where the user wrote it, and saved plans, which carry a
//!   copy of the configuration;
//! - the gateway's private swanctl file (`swanctl/conf.d/*.conf`, mode 0600), hex-encoded
//!   only;
//! - for a [`Secret::stored`] key, Terraform's state, as the value of `preshared_key`:
//!   Terraform keeps a sensitive argument there by design;
//! - `terraform show -json`, which prints sensitive values in clear by design.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::terraform::Run;

/// A pre-shared key that must not leak, and whether the state may hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    key: String,
    in_state: bool,
}

impl Secret {
    /// A key configured as the sensitive `preshared_key`: the state may hold it there.
    pub fn stored(key: &str) -> Self {
        Self {
            key: key.into(),
            in_state: true,
        }
    }

    /// A key the state must not hold at all: a `preshared_key_wo`, or one typed by hand
    /// on the gateway.
    pub fn never_stored(key: &str) -> Self {
        Self {
            key: key.into(),
            in_state: false,
        }
    }

    /// The key itself.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The lowercase hex of the key, as the gateway's `secrets` section holds it.
    pub fn hex(&self) -> String {
        hex(&self.key)
    }

    /// Panics if `text` holds the key, in clear or hex-encoded.
    pub fn assert_not_in(&self, text: &str, what: &str) {
        assert!(
            !text.contains(&self.key),
            "{what} holds the key {:?}",
            self.key
        );
        assert!(
            !text.contains(&self.hex()),
            "{what} holds the key {:?} hex-encoded",
            self.key
        );
    }
}

/// The lowercase hex of `text`.
pub fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

/// Panics if what `run` printed holds one of `secrets` (`show -json` aside).
pub fn check_run(secrets: &[Secret], run: &Run) {
    if run
        .args
        .starts_with(&["show".to_owned(), "-json".to_owned()])
    {
        return;
    }
    for secret in secrets {
        let what = format!("the output of terraform {:?}", run.args);
        secret.assert_not_in(&run.stdout, &format!("{what} (stdout)"));
        secret.assert_not_in(&run.stderr, &format!("{what} (stderr)"));
    }
}

/// Panics if a file under `root` holds one of `secrets` where it must not. Answers the
/// files that hold a key where they may: the gateway's 0600 swanctl files.
pub fn check_files(secrets: &[Secret], root: &Path) -> Vec<PathBuf> {
    let mut holders = Vec::new();
    if secrets.is_empty() {
        return holders;
    }
    for path in files_under(root) {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let what = path.display().to_string();
        match kind_of(&path, &bytes) {
            FileKind::Configuration => {}
            FileKind::State => check_state(secrets, &bytes, &what),
            FileKind::SwanctlSecrets => {
                let text = String::from_utf8_lossy(&bytes);
                for secret in secrets {
                    assert!(!text.contains(&secret.key), "{what} holds the key in clear");
                    if text.contains(&secret.hex()) && !holders.contains(&path) {
                        holders.push(path.clone());
                    }
                }
            }
            FileKind::Other => {
                let text = String::from_utf8_lossy(&bytes);
                for secret in secrets {
                    secret.assert_not_in(&text, &what);
                }
            }
        }
    }
    holders
}

enum FileKind {
    /// HCL the test wrote, or a saved plan (a zip that carries the configuration).
    Configuration,
    /// Terraform's state or its backup.
    State,
    /// A connection's swanctl file that only its owner can read.
    SwanctlSecrets,
    Other,
}

fn kind_of(path: &Path, bytes: &[u8]) -> FileKind {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.ends_with(".tf") || bytes.starts_with(b"PK\x03\x04") {
        return FileKind::Configuration;
    }
    if name.starts_with("terraform.tfstate") {
        return FileKind::State;
    }
    let private = std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o777 == 0o600)
        .unwrap_or(false);
    if private
        && name.ends_with(".conf")
        && path.parent().is_some_and(|p| p.ends_with("swanctl/conf.d"))
    {
        return FileKind::SwanctlSecrets;
    }
    FileKind::Other
}

/// The state with each `preshared_key` that holds a [`Secret::stored`] key blanked out,
/// then searched like any other file.
fn check_state(secrets: &[Secret], bytes: &[u8], what: &str) {
    let text = String::from_utf8_lossy(bytes);
    let Ok(mut state) = serde_json::from_str::<Value>(&text) else {
        for secret in secrets {
            secret.assert_not_in(&text, what);
        }
        return;
    };
    let stored: Vec<&str> = secrets
        .iter()
        .filter(|s| s.in_state)
        .map(|s| s.key.as_str())
        .collect();
    blank_preshared_keys(&mut state, &stored);
    let rest = state.to_string();
    for secret in secrets {
        secret.assert_not_in(&rest, &format!("{what} (besides preshared_key)"));
    }
}

fn blank_preshared_keys(value: &mut Value, keys: &[&str]) {
    match value {
        Value::Object(object) => {
            for (name, inner) in object.iter_mut() {
                if name == "preshared_key" && inner.as_str().is_some_and(|k| keys.contains(&k)) {
                    *inner = Value::Null;
                } else {
                    blank_preshared_keys(inner, keys);
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| blank_preshared_keys(item, keys)),
        _ => {}
    }
}

/// Every file under `root`, links not followed; the provider binaries `terraform init`
/// installed are left out (large, and never written by a run).
fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        if dir.ends_with(".terraform/providers") {
            continue;
        }
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "unit-test-key-9Qz";

    fn write(dir: &Path, relative: &str, text: &str, mode: u32) -> PathBuf {
        let path = dir.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    fn panics(check: impl FnOnce() + std::panic::UnwindSafe) -> bool {
        std::panic::catch_unwind(check).is_err()
    }

    #[test]
    fn the_hex_key_is_allowed_only_in_a_private_swanctl_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_owned();
        write(
            &root,
            "main.tf",
            &format!("preshared_key = \"{KEY}\""),
            0o644,
        );
        let conf = write(
            &root,
            "gateway/swanctl/conf.d/dc1.conf",
            &format!("secret = 0x{}", hex(KEY)),
            0o600,
        );
        let secrets = [Secret::stored(KEY)];
        assert_eq!(check_files(&secrets, &root), std::slice::from_ref(&conf));

        std::fs::set_permissions(&conf, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(panics(|| {
            check_files(&[Secret::stored(KEY)], &root);
        }));
    }

    #[test]
    fn the_key_in_clear_is_found_in_any_other_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_owned();
        write(&root, "terraform.log", &format!("... {KEY} ..."), 0o644);
        assert!(panics(|| {
            check_files(&[Secret::never_stored(KEY)], &root);
        }));
        write(
            &root,
            "terraform.log",
            &format!("... {} ...", hex(KEY)),
            0o644,
        );
        assert!(panics(|| {
            check_files(&[Secret::never_stored(KEY)], &root);
        }));
        write(&root, "terraform.log", "nothing secret", 0o644);
        assert!(check_files(&[Secret::never_stored(KEY)], &root).is_empty());
    }

    #[test]
    fn the_state_may_hold_only_a_stored_key_and_only_as_preshared_key() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_owned();
        let state = |attribute: &str| {
            serde_json::json!({"resources": [{"instances": [{"attributes": {attribute: KEY}}]}]})
                .to_string()
        };
        write(&root, "terraform.tfstate", &state("preshared_key"), 0o644);
        assert!(check_files(&[Secret::stored(KEY)], &root).is_empty());
        assert!(panics(|| {
            check_files(&[Secret::never_stored(KEY)], &root);
        }));
        write(&root, "terraform.tfstate", &state("description"), 0o644);
        assert!(panics(|| {
            check_files(&[Secret::stored(KEY)], &root);
        }));
    }

    #[test]
    fn terraform_output_is_checked_except_show_json() {
        let run = |args: &[&str]| Run {
            args: args.iter().map(|a| a.to_string()).collect(),
            code: 0,
            stdout: format!("\"preshared_key\": \"{KEY}\""),
            stderr: String::new(),
        };
        let secrets = [Secret::stored(KEY)];
        check_run(&secrets, &run(&["show", "-json"]));
        assert!(panics(|| check_run(
            &[Secret::stored(KEY)],
            &run(&["show"])
        )));
        assert!(panics(|| check_run(
            &[Secret::stored(KEY)],
            &run(&["plan", "-input=false"])
        )));
    }
}
