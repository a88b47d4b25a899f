//! `ephemeral "ipsec_preshared_key"`: one random key fed to `preshared_key_wo` of both
//! ends of a tunnel, each end a provider alias with its own `config_dir`, through the
//! real binary. Both ends' secrets hold the same key, and the key is in no plan, no
//! state, no output and no log line; later runs draw new keys that go nowhere until the
//! version changes. Bad lengths and character sets are refused at their attribute.

use acceptance_tests::leaks::{self, Secret};
use acceptance_tests::{Gateway, ProviderMode, Workspace, CONFIG_DIR};

acceptance_tests::suite![
    one_key_reaches_both_ends_and_no_plan_state_or_log,
    length_and_character_set_shape_the_key,
    a_bad_length_or_character_set_is_refused_at_its_attribute,
];

/// Both ends of one tunnel in one configuration, keyed by `ephemeral.ipsec_preshared_key.k`
/// (whose arguments are `key_arguments`) at `preshared_key_wo_version = version`.
fn both_ends(key_arguments: &str, version: u32) -> String {
    let end = |alias: &str, name: &str, local: &str, peer: &str, subnet: &str| {
        format!(
            "resource \"ipsec_vpn_connection\" \"{alias}\" {{\n  provider                 = ipsec.{alias}\n  name                     = \"{name}\"\n  local_address            = \"{local}\"\n  peer_address             = \"{peer}\"\n  preshared_key_wo         = ephemeral.ipsec_preshared_key.k.value\n  preshared_key_wo_version = {version}\n  local_subnets            = [\"{subnet}\"]\n}}\n\n"
        )
    };
    format!(
        "terraform {{\n  required_providers {{\n    ipsec = {{ source = \"ipsec-vpn/ipsec\" }}\n  }}\n}}\n\n\
         provider \"ipsec\" {{\n  alias      = \"a\"\n  config_dir = \"{CONFIG_DIR}/a\"\n}}\n\n\
         provider \"ipsec\" {{\n  alias      = \"b\"\n  config_dir = \"{CONFIG_DIR}/b\"\n}}\n\n\
         ephemeral \"ipsec_preshared_key\" \"k\" {{\n  provider = ipsec.a\n{key_arguments}}}\n\n{}{}",
        end("a", "to-b", "192.0.2.1", "192.0.2.2", "10.1.0.0/16"),
        end("b", "to-a", "192.0.2.2", "192.0.2.1", "10.2.0.0/16"),
    )
}

/// The key in the secrets of connection `name` under the gateway dir `end`.
fn key_of(workspace: &Workspace, end: &str, name: &str) -> String {
    let gateway = Gateway::new(workspace.gateway().root().join(end));
    let conf = gateway.swanctl(name);
    let hex = conf
        .lines()
        .find_map(|line| line.trim().strip_prefix("secret = 0x"))
        .unwrap_or_else(|| panic!("no secret in {end}/{name}:\n{conf}"));
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digits"))
        .collect();
    String::from_utf8(bytes).expect("a UTF-8 key")
}

fn one_key_reaches_both_ends_and_no_plan_state_or_log() {
    let workspace = Workspace::new(ProviderMode::Binary);
    workspace.trace_log("TF_LOG");
    workspace.write_config(&both_ends("", 1));
    let mut runs = vec![workspace.ok(&["plan", "-input=false", "-out=tfplan"])];
    runs.push(workspace.ok(&["show", "-json", "tfplan"]));
    runs.push(workspace.ok(&["apply", "-input=false", "tfplan"]));

    let key = key_of(&workspace, "a", "to-b");
    assert_eq!(key, key_of(&workspace, "b", "to-a"), "the two ends differ");
    assert_eq!(key.len(), 48, "the default length");
    assert!(key.bytes().all(|b| b.is_ascii_alphanumeric()), "{key:?}");

    // Later runs open the ephemeral again and draw another key; with the version
    // unchanged it goes nowhere, and the plan stays empty.
    runs.push(workspace.ok(&["plan", "-input=false", "-detailed-exitcode"]));
    runs.push(workspace.ok(&["show", "-json"]));
    assert_eq!(key_of(&workspace, "a", "to-b"), key);

    let secret = Secret::never_stored(&key);
    for run in &runs {
        // `show -json` is searched too: an ephemeral value is not even a sensitive one.
        secret.assert_not_in(&run.output(), &format!("terraform {:?}", run.args));
    }
    let log = workspace.log();
    assert!(
        log.contains("OpenEphemeralResource"),
        "the log is a trace log"
    );
    secret.assert_not_in(&log, "Terraform's trace log");
    let holders = leaks::check_files(std::slice::from_ref(&secret), workspace.path());
    let expected: Vec<_> = [("a", "to-b"), ("b", "to-a")]
        .iter()
        .map(|(end, name)| {
            workspace
                .gateway()
                .root()
                .join(end)
                .join(Gateway::swanctl_path(name))
        })
        .collect();
    assert_eq!(holders, expected);

    // A new version applies a new key, again the same at both ends.
    workspace.write_config(&both_ends("", 2));
    workspace.ok(&["apply", "-input=false", "-auto-approve"]);
    let rotated = key_of(&workspace, "a", "to-b");
    assert_ne!(rotated, key);
    assert_eq!(rotated, key_of(&workspace, "b", "to-a"));
    workspace.ok(&["destroy", "-input=false", "-auto-approve"]);
}

fn length_and_character_set_shape_the_key() {
    let workspace = Workspace::new(ProviderMode::InProcess);
    for (arguments, check) in [
        (
            "  length        = 8\n  character_set = \"hex\"\n",
            (|k: &str| {
                k.len() == 8
                    && k.bytes()
                        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            }) as fn(&str) -> bool,
        ),
        (
            "  length        = 255\n  character_set = \"printable\"\n",
            |k: &str| k.len() == 255 && k.bytes().all(|b| b.is_ascii_graphic()),
        ),
    ] {
        workspace.write_config(&both_ends(arguments, 1));
        workspace.ok(&["apply", "-input=false", "-auto-approve"]);
        let key = key_of(&workspace, "a", "to-b");
        assert!(check(&key), "{arguments}: {} characters", key.len());
        assert_eq!(key, key_of(&workspace, "b", "to-a"));
        workspace.ok(&["destroy", "-input=false", "-auto-approve"]);
    }
}

fn a_bad_length_or_character_set_is_refused_at_its_attribute() {
    let workspace = Workspace::new(ProviderMode::InProcess);
    for (arguments, words) in [
        ("  length = 7\n", ["length = 7", "between 8 and 255"]),
        ("  length = 256\n", ["length = 256", "between 8 and 255"]),
        (
            "  character_set = \"base64\"\n",
            [
                "character_set = \"base64\"",
                "Accepted values: alphanumeric",
            ],
        ),
    ] {
        workspace.write_config(&both_ends(arguments, 1));
        let run = workspace.run(&["validate"]);
        assert_ne!(run.code, 0, "{arguments} was accepted");
        for word in words {
            assert!(
                run.output().contains(word),
                "{arguments}: no {word:?} in\n{}",
                run.output()
            );
        }
    }
    assert!(workspace.gateway().config_files().is_empty());
}
