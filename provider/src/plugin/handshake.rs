//! The go-plugin handshake: the environment Terraform sets for its plugins and the one
//! line the plugin answers on stdout.
//!
//! Pure functions only, so that every rule is unit-tested without starting a process.

use std::path::Path;

use super::ServeError;

/// The environment variable go-plugin uses to tell that Terraform started the process.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// The value Terraform sets in [`MAGIC_COOKIE_KEY`] for every provider.
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// Comma-separated list of application protocol versions the host speaks (`5,6`).
pub const PROTOCOL_VERSIONS_KEY: &str = "PLUGIN_PROTOCOL_VERSIONS";
/// PEM of the host's one-time client certificate (go-plugin AutoMTLS).
pub const CLIENT_CERT_KEY: &str = "PLUGIN_CLIENT_CERT";
/// Directory for the plugin's unix socket, set by hosts that run plugins elsewhere.
pub const UNIX_SOCKET_DIR_KEY: &str = "PLUGIN_UNIX_SOCKET_DIR";

/// go-plugin's own protocol version: the first field of the handshake line.
pub const CORE_PROTOCOL_VERSION: u32 = 1;
/// The Terraform plugin protocol this provider speaks (tfplugin6).
pub const APP_PROTOCOL_VERSION: u32 = 6;

/// The launch environment of a managed plugin, read once from the process environment.
///
/// A plain struct so that tests can build one without touching the real environment.
#[derive(Debug, Clone, Default)]
pub struct LaunchEnv {
    /// Value of [`MAGIC_COOKIE_KEY`].
    pub magic_cookie: Option<String>,
    /// Value of [`PROTOCOL_VERSIONS_KEY`].
    pub protocol_versions: Option<String>,
    /// Value of [`CLIENT_CERT_KEY`].
    pub client_cert_pem: Option<String>,
    /// Value of [`UNIX_SOCKET_DIR_KEY`].
    pub socket_dir: Option<String>,
}

impl LaunchEnv {
    /// Reads the go-plugin variables (and only those) from the process environment.
    pub fn from_process() -> Self {
        // A value that is not valid UTF-8 cannot be one Terraform set; treat it as absent.
        let var = |key: &str| std::env::var(key).ok().filter(|v| !v.is_empty());
        Self {
            magic_cookie: var(MAGIC_COOKIE_KEY),
            protocol_versions: var(PROTOCOL_VERSIONS_KEY),
            client_cert_pem: var(CLIENT_CERT_KEY),
            socket_dir: var(UNIX_SOCKET_DIR_KEY),
        }
    }
}

/// Checks that Terraform (or another go-plugin host using Terraform's cookie) started us.
pub(crate) fn check_cookie(value: Option<&str>) -> Result<(), ServeError> {
    if value == Some(MAGIC_COOKIE_VALUE) {
        Ok(())
    } else {
        Err(ServeError::NotLaunchedByTerraform)
    }
}

/// Picks the protocol version to speak from the host's offer.
///
/// As in go-plugin, an absent or empty offer means "the plugin's default" (hosts older
/// than version negotiation); entries that are not numbers are skipped.
pub(crate) fn negotiate_version(offer: Option<&str>) -> Result<u32, ServeError> {
    let Some(offer) = offer.map(str::trim).filter(|o| !o.is_empty()) else {
        return Ok(APP_PROTOCOL_VERSION);
    };
    let speaks_ours = offer
        .split(',')
        .filter_map(|v| v.trim().parse::<u32>().ok())
        .any(|v| v == APP_PROTOCOL_VERSION);
    if speaks_ours {
        Ok(APP_PROTOCOL_VERSION)
    } else {
        Err(ServeError::UnsupportedProtocol {
            offered: offer.to_owned(),
        })
    }
}

/// The line the plugin prints on stdout once it listens:
/// `1|6|unix|<socket>|grpc|<server certificate>` and a newline.
///
/// `server_cert_b64` is the DER of the server certificate in standard base64 without
/// padding (go-plugin decodes it with `RawStdEncoding`), or empty without TLS.
pub(crate) fn handshake_line(socket: &Path, server_cert_b64: &str) -> String {
    format!(
        "{CORE_PROTOCOL_VERSION}|{APP_PROTOCOL_VERSION}|unix|{}|grpc|{server_cert_b64}\n",
        socket.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_must_be_exactly_terraforms() {
        let cases: [(Option<&str>, bool); 4] = [
            (Some(MAGIC_COOKIE_VALUE), true),
            (None, false),
            (Some(""), false),
            (Some("d602bf8f"), false),
        ];
        for (value, ok) in cases {
            assert_eq!(check_cookie(value).is_ok(), ok, "{value:?}");
        }
    }

    #[test]
    fn version_negotiation() {
        let cases: [(Option<&str>, Option<u32>); 8] = [
            (Some("5,6"), Some(6)),
            (Some("6"), Some(6)),
            (Some(" 6 , 5 "), Some(6)),
            (Some("x,6"), Some(6)),
            (None, Some(6)),
            (Some(""), Some(6)),
            (Some("5"), None),
            (Some("4,5,7"), None),
        ];
        for (offer, expected) in cases {
            assert_eq!(negotiate_version(offer).ok(), expected, "{offer:?}");
        }
    }

    #[test]
    fn unsupported_offer_is_named_in_the_error() {
        let err = negotiate_version(Some("5")).unwrap_err();
        assert!(err.to_string().contains("\"5\""), "{err}");
    }

    #[test]
    fn handshake_line_has_six_fields_and_a_newline() {
        let line = handshake_line(Path::new("/tmp/x/plugin.sock"), "MIIB");
        assert_eq!(line, "1|6|unix|/tmp/x/plugin.sock|grpc|MIIB\n");
    }
}
