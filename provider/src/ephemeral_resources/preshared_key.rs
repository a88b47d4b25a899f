//! `ipsec_preshared_key`: a random pre-shared key that lives for one Terraform run only,
//! for the write-only `preshared_key_wo` of both ends of a tunnel. Terraform keeps an
//! ephemeral result in no plan and no state, so the key reaches only the gateways'
//! 0600 secrets.

use std::sync::LazyLock;

use ipsec_core::model::{KeyAlphabet, KeyLength, PresharedKey};
use ipsec_core::{AttributePath, Diagnostic, Diagnostics, Problem};

use crate::codec::Value;
use crate::framework::{Attribute, Choices, EphemeralResource, Outcome, Schema, Validator};
use crate::resources::convert::integer;

/// The ephemeral resource type.
#[derive(Debug, Default, Clone, Copy)]
pub struct PresharedKeyEphemeral;

static SCHEMA: LazyLock<Schema> = LazyLock::new(schema);

fn schema() -> Schema {
    Schema {
        version: 0,
        renamed: &[],
        description: "A random pre-shared key, drawn from the operating system's CSPRNG each \
                      time Terraform opens it (once per `plan` and once per `apply`). Terraform \
                      stores an ephemeral value in no plan and no state: feed it to \
                      `preshared_key_wo` of the `ipsec_vpn_connection` of both ends in one \
                      configuration, with a `preshared_key_wo_version` that you increase when \
                      the key is to change. The key is applied only when that version \
                      changes, so the key drawn by later runs goes nowhere. Needs Terraform \
                      1.10 or later (write-only arguments: 1.11).",
        attributes: vec![
            Attribute::integer("length")
                .optional_computed(Some(Value::int(KeyLength::DEFAULT.get() as i64)))
                .validate(Validator::WholeNumber)
                .describe(format!(
                    "The number of characters, from {} to {}.",
                    PresharedKey::MIN_LEN,
                    PresharedKey::MAX_LEN
                )),
            Attribute::string("character_set")
                .optional_computed(Some(Value::text(KeyAlphabet::NAMES[0])))
                .choices(Choices::of(KeyAlphabet::NAMES))
                .describe(
                    "The characters the key is drawn from: `alphanumeric` (`A`-`Z`, `a`-`z`, \
                     `0`-`9`: any peer's configuration takes it without quoting), `printable` \
                     (ASCII from `!` to `~`, no space: the most entropy per character) or \
                     `hex` (`0`-`9`, `a`-`f`, for peers that want hexadecimal digits).",
                ),
            Attribute::string("value")
                .computed()
                .sensitive()
                .describe("The key. Usable only where Terraform accepts ephemeral values: write-only arguments such as `preshared_key_wo`, provider blocks, locals and other ephemeral resources."),
        ],
    }
}

impl EphemeralResource for PresharedKeyEphemeral {
    fn type_name(&self) -> &'static str {
        "ipsec_preshared_key"
    }

    fn schema(&self) -> &Schema {
        &SCHEMA
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut diags = Diagnostics::new();
        let _ = settings(config, &mut diags);
        diags
    }

    fn open(&self, config: &Value) -> Outcome<Value> {
        let mut diags = Diagnostics::new();
        let (Some(length), Some(alphabet)) = settings(config, &mut diags) else {
            return (None, diags);
        };
        let key = match PresharedKey::random(length, alphabet, aws_lc_rs::rand::fill) {
            Ok(key) => key,
            Err(_) => {
                diags.push(Diagnostic::error(
                    "No random numbers",
                    "The operating system's random number generator failed, so no key was \
                     drawn; try again.",
                ));
                return (None, diags);
            }
        };
        let result = Value::object([
            ("length", Value::int(length.get() as i64)),
            ("character_set", Value::text(alphabet.name())),
            ("value", Value::text(key.expose())),
        ]);
        (Some(result), diags)
    }
}

/// The configured length and alphabet (defaults for null), each `None` while unknown or
/// invalid; problems are recorded at their attribute.
fn settings(config: &Value, diags: &mut Diagnostics) -> (Option<KeyLength>, Option<KeyAlphabet>) {
    let length = match config.attr("length") {
        Value::Null => Some(KeyLength::DEFAULT),
        _ => integer(config, "length").and_then(|raw| at(KeyLength::parse(raw), "length", diags)),
    };
    let alphabet = match config.attr("character_set") {
        Value::Null => Some(KeyAlphabet::DEFAULT),
        value => value
            .as_str()
            .and_then(|raw| at(KeyAlphabet::parse(raw), "character_set", diags)),
    };
    (length, alphabet)
}

fn at<T>(parsed: Result<T, Problem>, attribute: &str, diags: &mut Diagnostics) -> Option<T> {
    parsed
        .map_err(|problem| diags.add(problem, AttributePath::root(attribute)))
        .ok()
}
