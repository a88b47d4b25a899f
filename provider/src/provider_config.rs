//! The `provider "ipsec" { … }` block: its schema, validation, and opening the engine
//! it names.

use std::sync::{Arc, LazyLock};

use ipsec_core::engine::{self, settings::check_settings, EngineSettings};
use ipsec_core::{AttributePath, Diagnostics, Gateway, Problem};

use crate::codec::Value;
use crate::framework::validator::validate_attributes;
use crate::framework::{Attribute, Schema};

/// Environment variable read when `config_dir` is not set.
pub const CONFIG_DIR_ENV: &str = "IPSEC_CONFIG_DIR";
/// Environment variable read when `vici_uri` is not set.
pub const VICI_URI_ENV: &str = "IPSEC_VICI_URI";

/// The provider configuration's schema.
pub static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    Schema {
    version: 0,
    description: "Manages site-to-site IPsec VPN tunnels on a strongSwan gateway.",
    attributes: vec![
        Attribute::string("engine")
            .optional()
            .describe(
                "`local` (default): keep the gateway's configuration as strongSwan and nftables files under \
                 `config_dir`, no daemon needed. `strongswan`: also drive a running charon over VICI.",
            ),
        Attribute::string("config_dir").optional().describe(
            "Where the gateway's native configuration lives (`swanctl/conf.d/`, `nftables/`). Default: \
             `.ipsec-gateway`, or the environment variable `IPSEC_CONFIG_DIR`.",
        ),
        Attribute::string("vici_uri").optional().describe(
            "strongswan engine: charon's VICI socket, `unix:///var/run/charon.vici` or `tcp://host:port`. Also from \
             `IPSEC_VICI_URI`.",
        ),
        Attribute::string("nat_table")
            .optional()
            .describe("The nftables table that holds the static NAT chains. Default: `ipsec_nat`."),
        Attribute::string("netns").optional().describe(
            "strongswan engine: the network namespace whose nftables gets the NAT. Default: the provider's own.",
        ),
    ],
}
});

/// Checks a provider configuration that may hold unknown values.
pub fn validate(config: &Value) -> Diagnostics {
    let mut diags = validate_attributes(&SCHEMA.attributes, config, &AttributePath::empty());
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
                    "The ipsec provider must know where the gateway is before it can plan: set this from values \
                     known before apply (variables, locals), not from another resource's result.",
                ),
                path,
            );
        }
        return Err(diags);
    }
    engine::open(&settings(config)).await
}

fn settings(config: &Value) -> EngineSettings {
    let setting = |name: &str, env: Option<&str>| match config.attr(name) {
        Value::String(text) => Some(text.clone()),
        Value::Null => env.and_then(|var| std::env::var(var).ok()),
        _ => None,
    };
    EngineSettings {
        engine: setting("engine", None),
        config_dir: setting("config_dir", Some(CONFIG_DIR_ENV)),
        vici_uri: setting("vici_uri", Some(VICI_URI_ENV)),
        nat_table: setting("nat_table", None),
        netns: setting("netns", None),
    }
}
