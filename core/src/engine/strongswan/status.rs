//! A connection's tunnel as charon reports it: `list-conns` says whether it is loaded
//! (and which children it has), `list-sas` its IKE SAs with their CHILD SAs, read here
//! into [`ConnectionStatus`].
//!
//! Every field of a `list-sa` event is read as text and parsed here, so that a field
//! charon leaves out or spells differently costs that field, never the whole status.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::vici::Vici;
use crate::gateway::{ChildSaStatus, ConnectionStatus, GatewayError, IkeSaStatus, TunnelState};
use crate::model::{Authentication, ConnectionName, Encryption};
use crate::render::is_child_of;

/// One IKE SA of a `list-sa` event, as charon sends it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub(crate) struct RawIkeSa {
    state: Option<String>,
    version: Option<String>,
    local_host: Option<String>,
    remote_host: Option<String>,
    encr_alg: Option<String>,
    encr_keysize: Option<String>,
    integ_alg: Option<String>,
    prf_alg: Option<String>,
    dh_group: Option<String>,
    established: Option<String>,
    rekey_time: Option<String>,
    child_sas: BTreeMap<String, RawChildSa>,
}

/// One CHILD SA of a `list-sa` event, as charon sends it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub(crate) struct RawChildSa {
    name: Option<String>,
    state: Option<String>,
    encr_alg: Option<String>,
    encr_keysize: Option<String>,
    integ_alg: Option<String>,
    dh_group: Option<String>,
    bytes_in: Option<String>,
    bytes_out: Option<String>,
    packets_in: Option<String>,
    packets_out: Option<String>,
    install_time: Option<String>,
    local_ts: Vec<String>,
    remote_ts: Vec<String>,
}

/// The status of connection `name` on the charon behind `vici`.
pub(crate) async fn status(
    vici: &Vici,
    name: &ConnectionName,
) -> Result<ConnectionStatus, GatewayError> {
    let conn = vici.list_conn(name.as_str()).await?;
    let events = vici.list_sas::<RawIkeSa>(name.as_str()).await?;
    let sas = events
        .into_iter()
        .filter_map(|mut event| event.remove(name.as_str()))
        .collect();
    let children: Vec<String> = conn
        .as_ref()
        .map(|conn| {
            let ours = conn
                .children
                .keys()
                .filter(|child| is_child_of(name, child));
            ours.cloned().collect()
        })
        .unwrap_or_default();
    Ok(connection_status(conn.is_some(), &children, sas))
}

/// The status of a connection that is `loaded` (with the `children` charon has
/// loaded for it) and has the IKE SAs `sas`. Of several IKE SAs (a rekeying, a
/// duplicate), the one that carries the tunnel is shown: see [`rank`].
pub(crate) fn connection_status(
    loaded: bool,
    children: &[String],
    sas: Vec<RawIkeSa>,
) -> ConnectionStatus {
    let shown = sas.into_iter().max_by_key(rank);
    let (ike_sa, child_sas) = match shown {
        Some(raw) => {
            let child_sas = raw.child_sas.values().map(child_status).collect();
            (Some(ike_status(&raw)), child_sas)
        }
        None => (None, Vec::new()),
    };
    let state = if !loaded {
        TunnelState::NotLoaded
    } else if children.is_empty() {
        // Loaded without a child: it has no remote subnet yet (see `render::children`).
        TunnelState::NoRemoteSubnets
    } else {
        tunnel_state(ike_sa.as_ref(), &child_sas, children)
    };
    ConnectionStatus {
        loaded,
        state,
        ike_sa,
        child_sas,
    }
}

/// IKE SA states in which the SA is up (a rekeying one still carries its children).
pub(super) const IKE_UP: &[&str] = &["ESTABLISHED", "REKEYING", "REKEYED"];
/// IKE SA states of a negotiation under way.
const IKE_CONNECTING: &[&str] = &["CREATED", "CONNECTING", "PASSIVE"];
/// CHILD SA states in which the SA carries traffic.
pub(super) const CHILD_UP: &[&str] = &["INSTALLED", "REKEYING", "REKEYED"];

/// Prefers an IKE SA that is up, then one with more CHILD SAs up, then the newest.
fn rank(sa: &RawIkeSa) -> (bool, usize, std::cmp::Reverse<u64>) {
    let up = sa.state.as_deref().is_some_and(|s| IKE_UP.contains(&s));
    let children_up = sa
        .child_sas
        .values()
        .filter(|c| c.state.as_deref().is_some_and(|s| CHILD_UP.contains(&s)))
        .count();
    let age = number(&sa.established).unwrap_or(u64::MAX);
    (up, children_up, std::cmp::Reverse(age))
}

fn tunnel_state(
    ike_sa: Option<&IkeSaStatus>,
    child_sas: &[ChildSaStatus],
    children: &[String],
) -> TunnelState {
    let Some(ike_sa) = ike_sa else {
        return TunnelState::Down;
    };
    let state = ike_sa.state.as_str();
    if IKE_UP.contains(&state) {
        let installed = |child: &String| {
            child_sas
                .iter()
                .any(|sa| &sa.name == child && CHILD_UP.contains(&sa.state.as_str()))
        };
        if children.iter().all(installed) {
            TunnelState::Established
        } else {
            TunnelState::Connecting
        }
    } else if IKE_CONNECTING.contains(&state) {
        TunnelState::Connecting
    } else {
        TunnelState::Down
    }
}

fn ike_status(raw: &RawIkeSa) -> IkeSaStatus {
    IkeSaStatus {
        state: raw.state.clone().unwrap_or_default(),
        version: raw.version.as_deref().and_then(|v| v.parse().ok()),
        local_host: raw.local_host.clone().unwrap_or_default(),
        remote_host: raw.remote_host.clone().unwrap_or_default(),
        encryption: encryption(&raw.encr_alg, &raw.encr_keysize),
        integrity: raw.integ_alg.as_deref().map(integrity),
        prf: raw.prf_alg.as_deref().map(prf),
        dh_group: raw.dh_group.as_deref().and_then(dh_group),
        established_seconds: number(&raw.established),
        rekey_seconds: number(&raw.rekey_time),
    }
}

fn child_status(raw: &RawChildSa) -> ChildSaStatus {
    ChildSaStatus {
        name: raw.name.clone().unwrap_or_default(),
        state: raw.state.clone().unwrap_or_default(),
        local_ts: raw.local_ts.clone(),
        remote_ts: raw.remote_ts.clone(),
        encryption: encryption(&raw.encr_alg, &raw.encr_keysize),
        integrity: raw.integ_alg.as_deref().map(integrity),
        dh_group: raw.dh_group.as_deref().and_then(dh_group),
        bytes_in: number(&raw.bytes_in).unwrap_or(0),
        bytes_out: number(&raw.bytes_out).unwrap_or(0),
        packets_in: number(&raw.packets_in).unwrap_or(0),
        packets_out: number(&raw.packets_out).unwrap_or(0),
        installed_seconds: number(&raw.install_time),
    }
}

fn number(field: &Option<String>) -> Option<u64> {
    field.as_deref()?.parse().ok()
}

/// charon's encryption (`AES_CBC`, key size 256) as `phase1.encryption` spells it
/// (`AES256`), or charon's own `AES_CBC-256` for one the provider does not offer.
fn encryption(algorithm: &Option<String>, keysize: &Option<String>) -> Option<String> {
    let algorithm = algorithm.as_deref()?;
    let keysize = keysize.as_deref().unwrap_or_default();
    let ours = match (algorithm, keysize) {
        ("DES_CBC", _) => Some(Encryption::Des),
        ("3DES_CBC", _) => Some(Encryption::TripleDes),
        ("AES_CBC", "128") => Some(Encryption::Aes128),
        ("AES_CBC", "192") => Some(Encryption::Aes192),
        ("AES_CBC", "256") => Some(Encryption::Aes256),
        ("AES_GCM_16", "128") => Some(Encryption::Aes128Gcm16),
        ("AES_GCM_16", "256") => Some(Encryption::Aes256Gcm16),
        _ => None,
    };
    Some(match (ours, keysize) {
        (Some(ours), _) => ours.name().to_owned(),
        (None, "") => algorithm.to_owned(),
        (None, keysize) => format!("{algorithm}-{keysize}"),
    })
}

/// charon's integrity and PRF names of each hash `authentication` offers.
const HASHES: &[(Authentication, &str, &str)] = &[
    (Authentication::Md5, "HMAC_MD5_96", "PRF_HMAC_MD5"),
    (Authentication::Sha1, "HMAC_SHA1_96", "PRF_HMAC_SHA1"),
    (
        Authentication::Sha256,
        "HMAC_SHA2_256_128",
        "PRF_HMAC_SHA2_256",
    ),
    (
        Authentication::Sha384,
        "HMAC_SHA2_384_192",
        "PRF_HMAC_SHA2_384",
    ),
    (
        Authentication::Sha512,
        "HMAC_SHA2_512_256",
        "PRF_HMAC_SHA2_512",
    ),
];

/// charon's integrity algorithm (`HMAC_SHA2_256_128`) as `authentication` spells it.
fn integrity(algorithm: &str) -> String {
    hash(algorithm, |(ours, integrity, _)| (*integrity, *ours))
}

/// charon's PRF (`PRF_HMAC_SHA2_256`) as `authentication` spells its hash.
fn prf(algorithm: &str) -> String {
    hash(algorithm, |(ours, _, prf)| (*prf, *ours))
}

/// `algorithm` as `authentication` spells it, by the charon name `column` picks from
/// [`HASHES`], or charon's name as it is.
fn hash(
    algorithm: &str,
    column: impl Fn(&(Authentication, &'static str, &'static str)) -> (&'static str, Authentication),
) -> String {
    HASHES
        .iter()
        .map(column)
        .find(|(charons, _)| *charons == algorithm)
        .map_or_else(|| algorithm.to_owned(), |(_, ours)| ours.name().to_owned())
}

/// charon's DH group name (`MODP_2048`) as its IANA number (14), as `dh_group` is set.
fn dh_group(name: &str) -> Option<u16> {
    const GROUPS: &[(&str, u16)] = &[
        ("MODP_768", 1),
        ("MODP_1024", 2),
        ("MODP_1536", 5),
        ("MODP_2048", 14),
        ("MODP_3072", 15),
        ("MODP_4096", 16),
        ("MODP_6144", 17),
        ("MODP_8192", 18),
        ("ECP_256", 19),
        ("ECP_384", 20),
        ("ECP_521", 21),
        ("MODP_1024_160", 22),
        ("MODP_2048_224", 23),
        ("MODP_2048_256", 24),
        ("ECP_192", 25),
        ("ECP_224", 26),
        ("ECP_224_BP", 27),
        ("ECP_256_BP", 28),
        ("ECP_384_BP", 29),
        ("ECP_512_BP", 30),
        ("CURVE_25519", 31),
        ("CURVE_448", 32),
    ];
    GROUPS.iter().find(|(n, _)| *n == name).map(|(_, g)| *g)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::vici::Node;
    use super::*;

    /// A `list-sa` event as `swanctl --list-sas --raw` printed it on the lab (charon
    /// 5.9.8), back in VICI's binary form, decoded as the engine decodes it.
    fn recorded(raw: &str) -> Vec<RawIkeSa> {
        let body = raw
            .trim()
            .strip_prefix("list-sa event")
            .expect("a list-sa event");
        let mut tokens = tokens(body).into_iter();
        assert_eq!(tokens.next().as_deref(), Some("{"));
        let message = section(&mut tokens);
        let bytes = serde_vici::to_vec(&message).unwrap();
        let event: BTreeMap<String, RawIkeSa> = serde_vici::from_slice(&bytes).unwrap();
        event.into_values().collect()
    }

    fn tokens(text: &str) -> Vec<String> {
        let spaced = text.replace('{', " { ").replace('}', " } ");
        let mut out: Vec<String> = Vec::new();
        let mut open_list = false;
        for word in spaced.split_whitespace() {
            if open_list {
                let last = out.last_mut().unwrap();
                last.push(' ');
                last.push_str(word);
            } else {
                out.push(word.to_owned());
            }
            open_list = out.last().unwrap().contains("=[") && !word.ends_with(']');
        }
        out
    }

    /// `key=value`, `key=[a b]` and `name { … }` up to the closing brace.
    fn section(tokens: &mut impl Iterator<Item = String>) -> Node {
        let mut entries = BTreeMap::new();
        while let Some(token) = tokens.next() {
            if token == "}" {
                break;
            }
            let node = match token.split_once('=') {
                Some((key, value)) => {
                    let node = match value.strip_prefix('[') {
                        Some(list) => Node::List(
                            list.trim_end_matches(']')
                                .split_whitespace()
                                .map(str::to_owned)
                                .collect(),
                        ),
                        None => Node::Value(value.to_owned()),
                    };
                    (key.to_owned(), node)
                }
                None => {
                    assert_eq!(tokens.next().as_deref(), Some("{"), "after {token}");
                    (token, section(tokens))
                }
            };
            entries.insert(node.0, node.1);
        }
        Node::Section(entries)
    }

    const IKEV2: &str = include_str!("../../../testdata/list-sa-ikev2.txt");
    const IKEV1_CLASSIC: &str = include_str!("../../../testdata/list-sa-ikev1-classic.txt");

    #[test]
    fn an_established_ikev2_tunnel_reads_in_the_providers_names() {
        let status = connection_status(true, &["site_b".into()], recorded(IKEV2));
        assert_eq!(status.state, TunnelState::Established);
        let ike = status.ike_sa.unwrap();
        assert_eq!(ike.state, "ESTABLISHED");
        assert_eq!(ike.version, Some(2));
        assert_eq!(
            (ike.local_host.as_str(), ike.remote_host.as_str()),
            ("198.51.100.1", "198.51.100.2")
        );
        assert_eq!(ike.encryption.as_deref(), Some("AES256"));
        assert_eq!(ike.integrity.as_deref(), Some("SHA256"));
        assert_eq!(ike.prf.as_deref(), Some("SHA256"));
        assert_eq!(ike.dh_group, Some(14));
        assert!(ike.established_seconds.is_some() && ike.rekey_seconds.is_some());
        let [child] = status.child_sas.as_slice() else {
            panic!("one CHILD SA: {:?}", status.child_sas)
        };
        assert_eq!(
            (child.name.as_str(), child.state.as_str()),
            ("site_b", "INSTALLED")
        );
        assert_eq!(child.local_ts, ["10.1.0.0/16"]);
        assert_eq!(child.remote_ts, ["192.168.10.0/24", "192.168.20.0/24"]);
        assert_eq!(child.encryption.as_deref(), Some("AES256"));
        assert_eq!(child.integrity.as_deref(), Some("SHA256"));
        // IKEv2's first CHILD SA is made without a DH exchange.
        assert_eq!(child.dh_group, None);
        assert!(child.bytes_in > 0 && child.bytes_out > 0, "{child:?}");
        assert!(child.packets_in > 0 && child.packets_out > 0, "{child:?}");
        assert!(child.installed_seconds.is_some());
    }

    #[test]
    fn the_classic_ikev1_set_reads_as_3des_md5_and_group_2() {
        let sas = recorded(IKEV1_CLASSIC);
        let children: Vec<String> = sas[0]
            .child_sas
            .values()
            .filter_map(|c| c.name.clone())
            .collect();
        let status = connection_status(true, &children, sas);
        assert_eq!(status.state, TunnelState::Established);
        let ike = status.ike_sa.unwrap();
        assert_eq!(ike.version, Some(1));
        assert_eq!(ike.encryption.as_deref(), Some("3DES"));
        assert_eq!(ike.integrity.as_deref(), Some("MD5"));
        assert_eq!(ike.dh_group, Some(2));
        let child = &status.child_sas[0];
        assert_eq!(child.encryption.as_deref(), Some("3DES"));
        assert_eq!(child.integrity.as_deref(), Some("MD5"));
        // IKEv1 quick mode does its PFS exchange at once.
        assert_eq!(child.dh_group, Some(2));
    }

    #[test]
    fn the_state_follows_the_sas() {
        let established = recorded(IKEV2);
        let child = vec!["site_b".to_owned()];
        assert_eq!(
            connection_status(false, &[], Vec::new()).state,
            TunnelState::NotLoaded
        );
        assert_eq!(
            connection_status(true, &child, Vec::new()).state,
            TunnelState::Down
        );
        // A child the connection has but the SA lacks: not up yet.
        let more = vec!["site_b".to_owned(), "site_b-2".to_owned()];
        assert_eq!(
            connection_status(true, &more, established.clone()).state,
            TunnelState::Connecting
        );
        let connecting = RawIkeSa {
            state: Some("CONNECTING".into()),
            ..RawIkeSa::default()
        };
        assert_eq!(
            connection_status(true, &child, vec![connecting.clone()]).state,
            TunnelState::Connecting
        );
        let deleting = RawIkeSa {
            state: Some("DELETING".into()),
            ..RawIkeSa::default()
        };
        assert_eq!(
            connection_status(true, &child, vec![deleting]).state,
            TunnelState::Down
        );
        // Of a new negotiation and an established SA, the established one is shown.
        let both = vec![connecting, established[0].clone()];
        let status = connection_status(true, &child, both);
        assert_eq!(status.state, TunnelState::Established);
        assert_eq!(status.ike_sa.unwrap().state, "ESTABLISHED");
    }

    #[test]
    fn algorithms_the_provider_does_not_offer_keep_charons_names() {
        let name = |s: &str| Some(s.to_owned());
        assert_eq!(
            encryption(&name("AES_CTR"), &name("128")).as_deref(),
            Some("AES_CTR-128")
        );
        assert_eq!(
            encryption(&name("CHACHA20_POLY1305"), &None).as_deref(),
            Some("CHACHA20_POLY1305")
        );
        assert_eq!(integrity("AES_XCBC_96"), "AES_XCBC_96");
        assert_eq!(prf("PRF_AES128_XCBC"), "PRF_AES128_XCBC");
        assert_eq!(dh_group("CURVE_25519"), Some(31));
        assert_eq!(dh_group("NTRU_128"), None);
    }
}
