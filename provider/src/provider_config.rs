//! The `provider "ipsec" { … }` block: its schema, validation, and opening the engine
//! it names.

use std::sync::{Arc, LazyLock};

use ipsec_core::engine::settings::{check_settings, DEFAULT_CONFIG_DIR, ENGINES};
use ipsec_core::engine::strongswan::ViciUri;
use ipsec_core::engine::{self, EngineSettings, Origin};
use ipsec_core::model::NatTable;
use ipsec_core::{AttributePath, Diagnostics, Gateway, Problem};

use crate::codec::Value;
use crate::framework::{Attribute, Schema};

/// Environment variable read when `config_dir` is not set.
pub const CONFIG_DIR_ENV: &str = "IPSEC_CONFIG_DIR";
/// Environment variable read when `vici_uri` is not set.
pub const VICI_URI_ENV: &str = "IPSEC_VICI_URI";

/// The provider configuration's schema.
pub static SCHEMA: LazyLock<Schema> = LazyLock::new(schema);

fn schema() -> Schema {
    Schema {
        version: 0,
        renamed: &[],
        description: "Manages site-to-site IPsec VPN tunnels on a strongSwan gateway.",
        attributes: vec![
            Attribute::string("engine")
                .optional()
                .describe(
                    "`local`: keep the gateway's configuration as strongSwan and nftables files \
                     under `config_dir`, no daemon needed. `strongswan`: also drive a running \
                     charon over VICI.",
                )
                .default_note(format!("`{}`", ENGINES[0])),
            Attribute::string("config_dir")
                .optional()
                .describe(
                    "Where the gateway's native configuration lives (`swanctl/conf.d/`, \
                     `nftables/`).",
                )
                .default_note(from_env(CONFIG_DIR_ENV, DEFAULT_CONFIG_DIR)),
            Attribute::string("vici_uri")
                .optional()
                .describe(
                    "strongswan engine: charon's VICI socket, `unix:///path/to/charon.vici` or \
                     `tcp://host:port`.",
                )
                .default_note(from_env(VICI_URI_ENV, ViciUri::DEFAULT)),
            Attribute::string("nat_table")
                .optional()
                .describe("The nftables table that holds the static NAT chains.")
                .default_note(format!("`{}`", NatTable::DEFAULT)),
            Attribute::string("netns")
                .optional()
                .describe("strongswan engine: the network namespace whose nftables gets the NAT.")
                .default_note("the provider's own"),
        ],
    }
}

/// The default of a setting read from the environment variable `var` when null.
fn from_env(var: &str, default: &str) -> String {
    format!("the environment variable `{var}` if set, else `{default}`")
}

/// Checks a provider configuration that may hold unknown values.
pub fn validate(config: &Value) -> Diagnostics {
    let mut diags = SCHEMA.validate(config);
    let unknown = config
        .unknown_paths(&AttributePath::empty())
        .into_iter()
        .collect();
    // `core` judges the engine name (with a "did you mean"), so the schema lists the
    // engines only in the description.
    diags.extend(check_settings(&settings(config), &unknown));
    diags
}

/// Opens the gateway the configuration describes.
pub async fn configure(config: &Value) -> Result<Arc<dyn Gateway>, Diagnostics> {
    let unknown = config.unknown_paths(&AttributePath::empty());
    if !unknown.is_empty() {
        let mut diags = Diagnostics::new();
        for path in unknown {
            diags.add(
                Problem::error(
                    "Provider setting not known yet",
                    "The ipsec provider must know where the gateway is before it can plan: set \
                     this from values known before apply (variables, locals), not from another \
                     resource's result.",
                ),
                path,
            );
        }
        return Err(diags);
    }
    engine::open(&settings(config)).await
}

fn settings(config: &Value) -> EngineSettings {
    settings_with_env(config, |var| std::env::var(var).ok())
}

/// The settings of `config`, taking a null `config_dir` or `vici_uri` from `env` (and
/// recording that it did, so that diagnostics name the variable).
fn settings_with_env(config: &Value, env: impl Fn(&str) -> Option<String>) -> EngineSettings {
    let configured = |name: &str| match config.attr(name) {
        Value::String(text) => Some(text.clone()),
        _ => None,
    };
    let with_fallback = |name: &str, var: &'static str| match config.attr(name) {
        Value::Null => match env(var) {
            Some(value) => (Some(value), Origin::Environment(var)),
            None => (None, Origin::Configuration),
        },
        _ => (configured(name), Origin::Configuration),
    };
    let (config_dir, config_dir_origin) = with_fallback("config_dir", CONFIG_DIR_ENV);
    let (vici_uri, vici_uri_origin) = with_fallback("vici_uri", VICI_URI_ENV);
    EngineSettings {
        engine: configured("engine"),
        config_dir,
        vici_uri,
        nat_table: configured("nat_table"),
        netns: configured("netns"),
        config_dir_origin,
        vici_uri_origin,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// A provider block; attributes not given are null.
    fn block(attributes: &[(&str, Value)]) -> Value {
        let set: BTreeMap<String, Value> = attributes
            .iter()
            .map(|(name, value)| ((*name).to_owned(), value.clone()))
            .collect();
        Value::Object(set)
    }

    #[test]
    fn settings_from_the_environment_remember_their_variable() {
        let env = |var: &str| (var == CONFIG_DIR_ENV).then(|| "/srv/gw".to_owned());
        let from_env = settings_with_env(&block(&[]), env);
        assert_eq!(from_env.config_dir.as_deref(), Some("/srv/gw"));
        assert_eq!(
            from_env.config_dir_origin,
            Origin::Environment(CONFIG_DIR_ENV)
        );
        assert_eq!(from_env.vici_uri, None);
        assert_eq!(from_env.vici_uri_origin, Origin::Configuration);

        let configured = block(&[("config_dir", Value::String("gw".into()))]);
        let set = settings_with_env(&configured, env);
        assert_eq!(set.config_dir.as_deref(), Some("gw"));
        assert_eq!(set.config_dir_origin, Origin::Configuration);
    }

    #[test]
    fn an_empty_config_dir_from_the_environment_names_the_variable() {
        let settings =
            settings_with_env(&block(&[]), |var| (var == CONFIG_DIR_ENV).then(String::new));
        let diags = check_settings(&settings, &ipsec_core::validate::Unknowns::none());
        let error = diags.errors().next().expect("an error");
        assert_eq!(error.path.to_string(), "config_dir");
        assert!(
            error.detail.contains("IPSEC_CONFIG_DIR"),
            "{}",
            error.detail
        );
    }
}
