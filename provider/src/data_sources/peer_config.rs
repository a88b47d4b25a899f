//! `ipsec_peer_config`: the other end's configuration of a connection, as `core`
//! renders it: a mirror-image swanctl.conf for a strongSwan peer, and vendor-neutral
//! parameters for any other.

use std::sync::LazyLock;

use async_trait::async_trait;
use ipsec_core::model::{ConnectionName, Context};
use ipsec_core::render::{peer_parameters, render_peer_swanctl, PeerParameters};
use ipsec_core::{AttributePath, Diagnostics, Gateway, Problem};

use crate::codec::Value;
use crate::framework::{Attribute, DataSource, Outcome, Schema};

/// The data source type.
#[derive(Debug, Default, Clone, Copy)]
pub struct PeerConfigDataSource;

static SCHEMA: LazyLock<Schema> = LazyLock::new(schema);

fn schema() -> Schema {
    Schema {
        version: 0,
        renamed: &[],
        description: "The configuration the other end of a connection needs, read from what the \
                      gateway holds (either engine): `swanctl_conf`, a swanctl.conf for a \
                      strongSwan peer (addresses, identities and networks swapped; the same \
                      proposals, lifetimes and dead-peer detection), and `parameters`, the same \
                      facts for a peer of any vendor. Both hold what the gateway holds, so a \
                      hand edit on the gateway shows here too. The pre-shared key is in \
                      `swanctl_conf` and `preshared_key`, both sensitive; reading this data \
                      source puts the key into Terraform's state, also for a connection \
                      configured with `preshared_key_wo`.",
        attributes: vec![
            Attribute::string("connection_name").required().describe(
                "The connection's `name`. Reference the resource's attribute (or a remote \
                 subnet's `connection_name`) so that it is read after they are applied.",
            ),
            Attribute::string("swanctl_conf")
                .computed()
                .sensitive()
                .describe(
                    "The peer's swanctl.conf: its connection (named like this one) and the key \
                     in its `secrets` section. Load it on the peer with `swanctl --load-all`. \
                     The peer initiates when this gateway only responds (`start_action = \
                     \"none\"`), else it negotiates on traffic; comments say what it cannot \
                     say itself (a missing `local_address`, static NAT).",
                ),
            Attribute::string("preshared_key")
                .computed()
                .sensitive()
                .describe("The pre-shared key."),
            Attribute::single("parameters", parameter_attributes())
                .computed()
                .describe("Everything the other end must match, in no vendor's terms."),
        ],
    }
}

fn parameter_attributes() -> Vec<Attribute> {
    vec![
        Attribute::string("peer_address")
            .computed()
            .describe("The peer's own endpoint address."),
        Attribute::string("gateway_address").computed().describe(
            "This gateway's endpoint address; null when the connection sets no \
             `local_address`.",
        ),
        Attribute::string("peer_id")
            .computed()
            .describe("The IKE identity the peer must present."),
        Attribute::string("gateway_id").computed().describe(
            "The IKE identity this gateway presents; null when it has none (it then \
             presents the address it speaks from).",
        ),
        Attribute::integer("ike_version")
            .computed()
            .describe("1 or 2."),
        Attribute::single("phase1", phase_attributes())
            .computed()
            .describe("The IKE SA's proposals and lifetime."),
        Attribute::single("phase2", phase_attributes())
            .computed()
            .describe("The ESP CHILD SA's proposals and lifetime."),
        Attribute::integer("pfs_group").computed().describe(
            "The Diffie-Hellman group of phase 2's perfect forward secrecy; null without it.",
        ),
        Attribute::string_list("peer_networks")
            .computed()
            .describe("The networks behind the peer (the connection's remote subnets)."),
        Attribute::string_list("gateway_networks")
            .computed()
            .describe("The networks behind this gateway (its `local_subnets`)."),
        Attribute::integer("dpd_delay").computed().describe(
            "Seconds without traffic before a dead-peer check; `0`: dead-peer detection off.",
        ),
    ]
}

fn phase_attributes() -> Vec<Attribute> {
    vec![
        Attribute::list(
            "proposals",
            vec![
                Attribute::string("encryption")
                    .computed()
                    .describe("The encryption algorithm, such as `AES256`."),
                Attribute::string("authentication").computed().describe(
                    "The integrity algorithm (with a GCM cipher in phase 1, the PRF); null \
                     with a GCM cipher in phase 2.",
                ),
                Attribute::integer("dh_group").computed().describe(
                    "The Diffie-Hellman group; in phase 2 used only with perfect forward \
                     secrecy.",
                ),
            ],
        )
        .computed()
        .describe("The proposals, in order of preference."),
        Attribute::integer("keylife")
            .computed()
            .describe("The lifetime in seconds."),
    ]
}

#[async_trait]
impl DataSource for PeerConfigDataSource {
    fn type_name(&self) -> &'static str {
        "ipsec_peer_config"
    }

    fn schema(&self) -> &Schema {
        &SCHEMA
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        match config.attr("connection_name").as_str() {
            Some(name) => connection_name(name).err().unwrap_or_default(),
            // Unknown until apply, or missing (Terraform reports a missing argument).
            None => Diagnostics::new(),
        }
    }

    async fn read(&self, gateway: &dyn Gateway, config: &Value) -> Outcome<Value> {
        let raw = config.attr("connection_name").as_str().unwrap_or_default();
        let name = match connection_name(raw) {
            Ok(name) => name,
            Err(diags) => return (None, diags),
        };
        match gateway.get(&name).await {
            Ok(Some(context)) => (Some(state(&context)), Diagnostics::new()),
            Ok(None) => {
                let mut diags = Diagnostics::new();
                diags.add(
                    Problem::error(
                        "No such connection",
                        format!(
                            "The gateway has no connection '{name}'; apply its ipsec_vpn_connection \
                             first (reference its name, so that Terraform reads this after it)."
                        ),
                    ),
                    AttributePath::root("connection_name"),
                );
                (None, diags)
            }
            Err(error) => (None, error.to_diagnostic().into()),
        }
    }
}

/// `name` as a connection name, or the reason it is none, at `connection_name`.
fn connection_name(name: &str) -> Result<ConnectionName, Diagnostics> {
    ConnectionName::parse(name).map_err(|problem| {
        let mut diags = Diagnostics::new();
        diags.add(problem, AttributePath::root("connection_name"));
        diags
    })
}

fn state(context: &Context) -> Value {
    let conf = render_peer_swanctl(context);
    Value::object([
        ("connection_name", Value::text(context.name())),
        ("swanctl_conf", Value::text(conf.as_str())),
        (
            "preshared_key",
            Value::text(context.connection.preshared_key.expose()),
        ),
        ("parameters", parameters(&peer_parameters(context))),
    ])
}

fn parameters(p: &PeerParameters) -> Value {
    let networks =
        |cidrs: &[ipsec_core::model::Cidr]| Value::List(cidrs.iter().map(Value::text).collect());
    let phase = |proposals: Vec<Value>, keylife: u32| {
        Value::object([
            ("proposals", Value::List(proposals)),
            ("keylife", Value::int(i64::from(keylife))),
        ])
    };
    let proposal = |encryption: &dyn ToString, authentication: Option<&str>, group: i64| {
        Value::object([
            ("encryption", Value::text(encryption.to_string())),
            ("authentication", Value::string_or_null(authentication)),
            ("dh_group", Value::int(group)),
        ])
    };
    let phase1 = p
        .phase1_proposals
        .iter()
        .map(|x| {
            proposal(
                &x.encryption,
                Some(x.authentication.name()),
                x.dh_group.number(),
            )
        })
        .collect();
    let phase2 = p
        .phase2_proposals
        .iter()
        .map(|x| {
            proposal(
                &x.encryption,
                x.authentication.map(|a| a.name()),
                x.dh_group.number(),
            )
        })
        .collect();
    Value::object([
        ("peer_address", Value::text(p.peer_address)),
        (
            "gateway_address",
            Value::string_or_null(p.gateway_address.map(|a| a.to_string())),
        ),
        ("peer_id", Value::text(&p.peer_id)),
        (
            "gateway_id",
            Value::string_or_null(p.gateway_id.as_ref().map(ToString::to_string)),
        ),
        ("ike_version", Value::int(p.ike_version.number())),
        ("phase1", phase(phase1, p.phase1_keylife.seconds())),
        ("phase2", phase(phase2, p.phase2_keylife.seconds())),
        (
            "pfs_group",
            p.pfs_group
                .map_or(Value::Null, |group| Value::int(group.number())),
        ),
        ("peer_networks", networks(&p.peer_networks)),
        ("gateway_networks", networks(&p.gateway_networks)),
        ("dpd_delay", Value::int(i64::from(p.dpd_delay))),
    ])
}
