//! The write-only pre-shared key of `ipsec_vpn_connection`: applied only when its
//! version changes, and watched for changes on the gateway through a keyed-hash
//! fingerprint in the private state (never the key).

use ipsec_core::model::ConnectionName;
use ipsec_core::validate::ConnectionInput;
use ipsec_core::{AttributePath, Diagnostics, Gateway, Problem};
use zeroize::Zeroizing;

use super::convert::{connection_name, gateway_error};
use crate::codec::Value;
use crate::framework::private::{Fingerprint, Private};

/// Where the private state keeps the fingerprint of the write-only key.
const WRITE_ONLY_KEY: &str = "preshared_key_wo";

/// With `preshared_key_wo`, the private data after an apply records the fingerprint of
/// the key the gateway now holds (which is the configured one only when the version
/// changed).
pub async fn private_after_apply(
    gateway: &dyn Gateway,
    state: &Value,
    planned_private: &[u8],
) -> Vec<u8> {
    let mut private = Private::read(planned_private);
    // Only a write-only key has no other record; the gateway is read for it alone.
    let print = match state.attr("preshared_key").is_null() {
        true => gateway_key(gateway, state)
            .await
            .and_then(|key| Fingerprint::new(key.as_bytes())),
        false => None,
    };
    private.set_fingerprint(WRITE_ONLY_KEY, print.as_ref());
    private.to_bytes()
}

/// A key changed on the gateway behind a write-only key's back is drift: the version
/// goes null in `state`, so the plan sets it again and apply writes the configured key.
pub async fn check_private(
    gateway: &dyn Gateway,
    state: &mut Value,
    private: &[u8],
) -> Diagnostics {
    let Some(print) = Private::read(private).fingerprint(WRITE_ONLY_KEY) else {
        return Diagnostics::new();
    };
    match gateway_key(gateway, state).await {
        Some(key) if !print.matches(key.as_bytes()) => {
            state.set_attr("preshared_key_wo_version", Value::Null);
            Problem::warning(
                "Pre-shared key changed on the gateway",
                "The gateway holds another pre-shared key than the one written from \
                 preshared_key_wo (compared by a keyed hash kept in the private state, never the \
                 key). The plan shows preshared_key_wo_version changing; apply writes the \
                 configured key again.",
            )
            // Not at preshared_key_wo: Terraform would quote that line of the
            // configuration, which may hold the key itself.
            .at(AttributePath::root("preshared_key_wo_version"))
            .into()
        }
        _ => Diagnostics::new(),
    }
}

/// SPEC.md: a write-only key is applied when `preshared_key_wo_version` changes. On any
/// other update the gateway keeps the key it has: `input` gets it.
pub async fn keep_unless_versioned(
    gateway: &dyn Gateway,
    input: &mut ConnectionInput,
    prior: &Value,
    planned: &Value,
) -> Result<(), Diagnostics> {
    let versioned =
        prior.attr("preshared_key_wo_version") != planned.attr("preshared_key_wo_version");
    if input.preshared_key_wo.is_none() || versioned {
        return Ok(());
    }
    let Ok(name) = ConnectionName::parse(&input.name) else {
        return Ok(());
    };
    match gateway.get(&name).await {
        Ok(Some(context)) => {
            input.preshared_key_wo = Some(context.connection.preshared_key.expose().to_owned());
            Ok(())
        }
        Ok(None) => Ok(()),
        Err(error) => Err(gateway_error(&error)),
    }
}

/// The key the gateway holds for the connection of `state`.
async fn gateway_key(gateway: &dyn Gateway, state: &Value) -> Option<Zeroizing<String>> {
    let name = connection_name(state, "name")?;
    let context = gateway.get(&name).await.ok()??;
    Some(Zeroizing::new(
        context.connection.preshared_key.expose().to_owned(),
    ))
}
