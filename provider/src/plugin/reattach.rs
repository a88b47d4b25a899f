//! The `TF_REATTACH_PROVIDERS` value that points Terraform at a running debug server.

use std::path::Path;

use serde_json::json;

/// The JSON value of `TF_REATTACH_PROVIDERS` for one provider listening on `socket`.
///
/// `"Test": true` matters: it tells go-plugin not to kill the process when Terraform is
/// done with it, so the same debug server serves run after run.
pub(crate) fn reattach_json(provider_address: &str, pid: u32, socket: &Path) -> String {
    json!({
        provider_address: {
            "Protocol": "grpc",
            "ProtocolVersion": super::handshake::APP_PROTOCOL_VERSION,
            "Pid": pid,
            "Test": true,
            "Addr": { "Network": "unix", "String": socket.to_string_lossy() },
        }
    })
    .to_string()
}

/// `TF_REATTACH_PROVIDERS='<json>'`, quoted for POSIX shells (a `'` inside the value
/// becomes `'\''`), ready to paste.
pub(crate) fn shell_assignment(json: &str) -> String {
    format!("TF_REATTACH_PROVIDERS='{}'", json.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reattach_value_has_terraforms_shape() {
        let json = reattach_json(
            "registry.terraform.io/ipsec-vpn/ipsec",
            42,
            Path::new("/tmp/a/plugin.sock"),
        );
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let p = &v["registry.terraform.io/ipsec-vpn/ipsec"];
        assert_eq!(p["Protocol"], "grpc");
        assert_eq!(p["ProtocolVersion"], 6);
        assert_eq!(p["Pid"], 42);
        assert_eq!(p["Test"], true);
        assert_eq!(p["Addr"]["Network"], "unix");
        assert_eq!(p["Addr"]["String"], "/tmp/a/plugin.sock");
    }

    #[test]
    fn shell_assignment_survives_quotes() {
        assert_eq!(
            shell_assignment(r#"{"a":"b"}"#),
            r#"TF_REATTACH_PROVIDERS='{"a":"b"}'"#
        );
        assert_eq!(shell_assignment("it's"), r"TF_REATTACH_PROVIDERS='it'\''s'");
    }
}
