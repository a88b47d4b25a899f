//! `ipsec_connection_status`: whether a connection's tunnel is up, with its IKE SA and
//! CHILD SAs as the gateway's charon reports them (`list-conns`, `list-sas`).

use std::sync::LazyLock;

use async_trait::async_trait;
use ipsec_core::gateway::{ChildSaStatus, ConnectionStatus, IkeSaStatus};
use ipsec_core::model::ConnectionName;
use ipsec_core::{AttributePath, Diagnostics, Gateway};

use crate::codec::Value;
use crate::framework::{Attribute, DataSource, Outcome, Schema};

/// The data source type.
#[derive(Debug, Default, Clone, Copy)]
pub struct ConnectionStatusDataSource;

static SCHEMA: LazyLock<Schema> = LazyLock::new(schema);

fn schema() -> Schema {
    Schema {
        version: 0,
        renamed: &[],
        description: "The live state of one connection's tunnel: whether the gateway has it \
                      loaded, whether it is up, and its IKE SA and CHILD SAs with the \
                      algorithms negotiated and the traffic carried, as charon reports them \
                      on the `strongswan` engine. The `local` engine runs no daemon: it \
                      answers `loaded` and `state = \"unknown\"`. Algorithms are spelled as \
                      `phase1` and `phase2` spell them (`AES256`, `SHA256`, DH group `14`) \
                      where the provider offers the negotiated one, else as charon names it.",
        attributes: vec![
            Attribute::string("name").required().describe(
                "The connection's `name` (the `name` of an `ipsec_vpn_connection`). Reference \
                 the resource's attribute so that the status is read after the connection \
                 is applied.",
            ),
            Attribute::bool("loaded").computed().describe(
                "Whether the gateway has the connection: charon has it loaded (`strongswan` \
                 engine), its files exist (`local` engine).",
            ),
            Attribute::string("state").computed().describe(
                "The tunnel: `established` (the IKE SA is up and every CHILD SA of the \
                 connection is installed), `connecting` (an IKE SA is being negotiated, or is \
                 up while a CHILD SA is not installed), `down` (loaded, no IKE SA), \
                 `no_remote_subnets` (loaded without a child: until its first \
                 `ipsec_remote_subnet` the connection carries no traffic, traps nothing and \
                 initiates nothing; on either engine), `not_loaded` (the gateway does not \
                 have the connection) or `unknown` (the `local` engine).",
            ),
            Attribute::single("ike_sa", ike_sa_attributes())
                .computed()
                .describe(
                    "The connection's IKE SA; null when it has none. Of several (during a \
                     rekeying), the one that is up with the most CHILD SAs installed, else the \
                     newest.",
                ),
            Attribute::list("child_sas", child_sa_attributes())
                .computed()
                .describe("The CHILD SAs of `ike_sa`; empty without one."),
        ],
    }
}

fn ike_sa_attributes() -> Vec<Attribute> {
    vec![
        Attribute::string("state")
            .computed()
            .describe("charon's name of its state: `ESTABLISHED`, `CONNECTING`, `REKEYING`, …"),
        Attribute::integer("ike_version")
            .computed()
            .describe("1 or 2."),
        Attribute::string("local_host")
            .computed()
            .describe("The gateway's IKE endpoint address."),
        Attribute::string("remote_host")
            .computed()
            .describe("The peer's IKE endpoint address."),
        Attribute::string("encryption")
            .computed()
            .describe("The negotiated encryption, such as `AES256` or `3DES`."),
        Attribute::string("integrity").computed().describe(
            "The negotiated integrity algorithm, such as `SHA256`; null with an AEAD cipher.",
        ),
        Attribute::string("prf")
            .computed()
            .describe("The negotiated pseudo-random function's hash, such as `SHA256`."),
        Attribute::integer("dh_group")
            .computed()
            .describe("The negotiated Diffie-Hellman group number, such as `14`."),
        Attribute::integer("established_seconds")
            .computed()
            .describe("Seconds since the IKE SA was established."),
        Attribute::integer("rekey_seconds")
            .computed()
            .describe("Seconds until the IKE SA is rekeyed."),
    ]
}

fn child_sa_attributes() -> Vec<Attribute> {
    vec![
        Attribute::string("name").computed().describe(
            "The child's name: the connection's name, or for IKEv1 one per pair of subnets.",
        ),
        Attribute::string("state")
            .computed()
            .describe("charon's name of its state: `INSTALLED`, `REKEYING`, …"),
        Attribute::string_list("local_ts")
            .computed()
            .describe("The local traffic selectors negotiated."),
        Attribute::string_list("remote_ts")
            .computed()
            .describe("The remote traffic selectors negotiated."),
        Attribute::string("encryption")
            .computed()
            .describe("The negotiated encryption, such as `AES256`."),
        Attribute::string("integrity")
            .computed()
            .describe("The negotiated integrity algorithm; null with an AEAD cipher."),
        Attribute::integer("dh_group").computed().describe(
            "The PFS Diffie-Hellman group number; null without PFS, and for IKEv2's first \
             CHILD SA, which is made without a DH exchange (the group shows after a rekeying).",
        ),
        Attribute::integer("bytes_in")
            .computed()
            .describe("Bytes received through the SA."),
        Attribute::integer("bytes_out")
            .computed()
            .describe("Bytes sent through the SA."),
        Attribute::integer("packets_in")
            .computed()
            .describe("Packets received through the SA."),
        Attribute::integer("packets_out")
            .computed()
            .describe("Packets sent through the SA."),
        Attribute::integer("installed_seconds")
            .computed()
            .describe("Seconds since the SA was installed."),
    ]
}

#[async_trait]
impl DataSource for ConnectionStatusDataSource {
    fn type_name(&self) -> &'static str {
        "ipsec_connection_status"
    }

    fn schema(&self) -> &Schema {
        &SCHEMA
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        match config.attr("name").as_str() {
            Some(name) => connection_name(name).err().unwrap_or_default(),
            // Unknown until apply, or missing (Terraform reports a missing argument).
            None => Diagnostics::new(),
        }
    }

    async fn read(&self, gateway: &dyn Gateway, config: &Value) -> Outcome<Value> {
        let name = match connection_name(config.attr("name").as_str().unwrap_or_default()) {
            Ok(name) => name,
            Err(diags) => return (None, diags),
        };
        match gateway.status(&name).await {
            Ok(status) => (Some(state(name.as_str(), &status)), Diagnostics::new()),
            Err(error) => (None, error.to_diagnostic().into()),
        }
    }
}

/// `name` as a connection name, or the reason it is none, at `name`.
fn connection_name(name: &str) -> Result<ConnectionName, Diagnostics> {
    ConnectionName::parse(name).map_err(|problem| {
        let mut diags = Diagnostics::new();
        diags.add(problem, AttributePath::root("name"));
        diags
    })
}

/// The data source's object for connection `name`.
fn state(name: &str, status: &ConnectionStatus) -> Value {
    Value::object([
        ("name", Value::text(name)),
        ("loaded", Value::Bool(status.loaded)),
        ("state", Value::text(status.state)),
        ("ike_sa", status.ike_sa.as_ref().map_or(Value::Null, ike_sa)),
        (
            "child_sas",
            Value::List(status.child_sas.iter().map(child_sa).collect()),
        ),
    ])
}

fn ike_sa(sa: &IkeSaStatus) -> Value {
    Value::object([
        ("state", Value::text(&sa.state)),
        ("ike_version", count(sa.version.map(u64::from))),
        ("local_host", Value::text(&sa.local_host)),
        ("remote_host", Value::text(&sa.remote_host)),
        ("encryption", Value::string_or_null(sa.encryption.clone())),
        ("integrity", Value::string_or_null(sa.integrity.clone())),
        ("prf", Value::string_or_null(sa.prf.clone())),
        ("dh_group", count(sa.dh_group.map(u64::from))),
        ("established_seconds", count(sa.established_seconds)),
        ("rekey_seconds", count(sa.rekey_seconds)),
    ])
}

fn child_sa(sa: &ChildSaStatus) -> Value {
    let selectors = |ts: &[String]| Value::List(ts.iter().map(Value::text).collect());
    Value::object([
        ("name", Value::text(&sa.name)),
        ("state", Value::text(&sa.state)),
        ("local_ts", selectors(&sa.local_ts)),
        ("remote_ts", selectors(&sa.remote_ts)),
        ("encryption", Value::string_or_null(sa.encryption.clone())),
        ("integrity", Value::string_or_null(sa.integrity.clone())),
        ("dh_group", count(sa.dh_group.map(u64::from))),
        ("bytes_in", count(Some(sa.bytes_in))),
        ("bytes_out", count(Some(sa.bytes_out))),
        ("packets_in", count(Some(sa.packets_in))),
        ("packets_out", count(Some(sa.packets_out))),
        ("installed_seconds", count(sa.installed_seconds)),
    ])
}

/// A count as a Terraform number (null when charon did not report it). Counters beyond
/// `i64` (8 EiB) are shown at its maximum.
fn count(value: Option<u64>) -> Value {
    value.map_or(Value::Null, |v| {
        Value::int(i64::try_from(v).unwrap_or(i64::MAX))
    })
}
