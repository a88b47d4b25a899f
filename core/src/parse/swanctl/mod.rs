//! Reads a connection's swanctl.conf file back into the model.
//!
//! Everything [`crate::render::render_swanctl`] writes is understood, in any order and
//! layout, plus the aliases strongSwan itself accepts (`aes`, `sha`, `x25519`, durations in
//! `m`/`h`/`d`, a plain-text secret, a bare address as a traffic selector). A setting the
//! model cannot represent is an error at its line rather than being dropped, because
//! dropping it would hide drift and the next apply would silently undo it.

use std::collections::BTreeSet;

mod proposal;
mod values;

use self::proposal::{esp_proposal, ike_proposal};
use self::values::{decode_secret, keylife, single_address, traffic_selectors};
use super::settings::{parse_settings, Metadata, Section, Setting};
use super::{at, problem_at, ParseError};
use crate::diag::quote;
use crate::model::{
    Cidr, Connection, ConnectionName, DhGroup, EndpointAddress, IkeVersion, Keylife, Phase2,
    PresharedKey, StartAction,
};

/// What a swanctl.conf file holds: the connection and its remote subnets (`remote_ts`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwanctlFile {
    /// The connection.
    pub connection: Connection,
    /// The entries of `remote_ts` that the `# @remote_subnets` comment records as
    /// written by this library; all of them in a file without that comment (written by
    /// hand, or by an older version).
    pub remote_subnets: BTreeSet<Cidr>,
    /// The entries of `remote_ts` added behind the library's back: not in
    /// `# @remote_subnets`.
    pub unmanaged_remote_subnets: BTreeSet<Cidr>,
}

/// Parses the file of connection `expected` (the file's name without `.conf`).
pub fn parse_swanctl(text: &str, expected: &ConnectionName) -> Result<SwanctlFile, ParseError> {
    let (root, metadata) = parse_settings(text)?;
    if let Some(setting) = root.settings.first() {
        return Err(at(
            setting.line,
            format!(
                "unexpected setting {} outside any section",
                quote(&setting.key)
            ),
        ));
    }
    let mut connections = None;
    let mut secrets = None;
    for section in &root.sections {
        match section.name.as_str() {
            "connections" => connections = Some(section),
            "secrets" => secrets = Some(section),
            other => {
                return Err(at(
                    section.line,
                    format!(
                    "unsupported section {}; a managed file holds only 'connections' and 'secrets'",
                    quote(other)
                ),
                ))
            }
        }
    }
    let connections = connections.ok_or_else(|| {
        at(
            1,
            format!("no 'connections' section; expected connection '{expected}'"),
        )
    })?;
    let conn = only_one(connections, "connection")?;
    if conn.name != expected.as_str() {
        return Err(at(
            conn.line,
            format!(
                "the file of connection '{expected}' defines connection {}; rename one of them",
                quote(&conn.name)
            ),
        ));
    }
    let secrets = secrets.ok_or_else(|| {
        at(
            connections.line,
            format!("no 'secrets' section holding the pre-shared key of '{expected}'"),
        )
    })?;
    ConnectionReader {
        metadata: &metadata,
    }
    .read(conn, secrets, expected)
}

struct ConnectionReader<'a> {
    metadata: &'a [Metadata],
}

impl ConnectionReader<'_> {
    fn read(
        &self,
        conn: &Section,
        secrets: &Section,
        name: &ConnectionName,
    ) -> Result<SwanctlFile, ParseError> {
        let mut version = None;
        let mut local_address = None;
        let mut peer_address = None;
        let mut proposal = None;
        let mut rekey = None;
        for s in &conn.settings {
            match s.key.as_str() {
                "version" => {
                    let number = s.value.parse::<i64>().map_err(|_| {
                        at(s.line, format!("version {} is not 1 or 2", quote(&s.value)))
                    })?;
                    version =
                        Some(IkeVersion::from_number(number).map_err(|p| problem_at(s.line, p))?);
                }
                "local_addrs" if s.value == "%any" || s.value.is_empty() => local_address = None,
                "local_addrs" => local_address = Some(single_address(s)?),
                "remote_addrs" => peer_address = Some(single_address(s)?),
                "proposals" => proposal = Some(s),
                "rekey_time" => rekey = Some(keylife(s)?),
                // Derived from start_action, like close_action: any count reads the same.
                "keyingtries" if s.value.parse::<u32>().is_ok() => {}
                _ => return Err(unsupported(s, "connection")),
            }
        }
        let peer_address = peer_address.ok_or_else(|| {
            at(
                conn.line,
                format!("connection '{name}' has no remote_addrs"),
            )
        })?;
        // A missing setting means strongSwan's default, which is read as what it is (so a
        // deleted line shows up as drift) or, where the model cannot hold it, rejected.
        let version = version.ok_or_else(|| missing(conn, "version", "any IKE version"))?;
        let proposal = proposal
            .ok_or_else(|| missing(conn, "proposals", "strongSwan's default proposal list"))?;
        let phase1 = ike_proposal(proposal, rekey.unwrap_or(STRONGSWAN_IKE_REKEY))?;

        let mut children = None;
        let (mut local, mut remote) = (false, false);
        for section in &conn.sections {
            match section.name.as_str() {
                "local" => local = auth_section(section, local_address)?,
                "remote" => remote = auth_section(section, Some(peer_address))?,
                "children" => children = Some(section),
                other => {
                    return Err(at(
                        section.line,
                        format!(
                            "unsupported section {} in connection '{name}'",
                            quote(other)
                        ),
                    ))
                }
            }
        }
        if !(local && remote) {
            let side = if local { "remote" } else { "local" };
            return Err(missing(
                conn,
                &format!("{side} {{ auth = psk }}"),
                "public key authentication",
            ));
        }
        let children = children.ok_or_else(|| {
            at(
                conn.line,
                format!("connection '{name}' has no 'children' section"),
            )
        })?;
        let child = self.children(children, version)?;
        let preshared_key = secret(secrets, peer_address, local_address, name)?;
        let description = match self.meta("description") {
            Some(m) => Some(serde_json::from_str::<String>(&m.value).map_err(|_| {
                at(
                    m.line,
                    "the @description comment is not a valid quoted string",
                )
            })?),
            None => None,
        };
        let (remote_subnets, unmanaged_remote_subnets) = match self.meta("remote_subnets") {
            Some(recorded) => {
                let recorded = recorded_subnets(recorded)?;
                child
                    .remote_subnets
                    .iter()
                    .partition(|cidr| recorded.contains(cidr))
            }
            None => (child.remote_subnets, BTreeSet::new()),
        };
        Ok(SwanctlFile {
            connection: Connection {
                name: name.clone(),
                peer_address,
                local_address,
                preshared_key,
                ike_version: version,
                phase1,
                phase2: child.phase2,
                perfect_forward_secrecy: child.pfs,
                local_subnets: child.local_subnets,
                start_action: child.start_action,
                description,
            },
            remote_subnets,
            unmanaged_remote_subnets,
        })
    }

    fn child(&self, child: &Section) -> Result<Child, ParseError> {
        if let Some(section) = child.sections.first() {
            return Err(at(
                section.line,
                format!(
                    "unsupported section {} in child {}",
                    quote(&section.name),
                    quote(&child.name)
                ),
            ));
        }
        let mut local_subnets = None;
        let mut remote_subnets = BTreeSet::new();
        let mut proposal = None;
        let mut rekey = None;
        // strongSwan's default when the setting is missing.
        let mut start_action = StartAction::None;
        let mut close = None;
        for s in &child.settings {
            match s.key.as_str() {
                "local_ts" => local_subnets = Some(traffic_selectors(s)?),
                "remote_ts" if s.value == "dynamic" || s.value.is_empty() => remote_subnets.clear(),
                "remote_ts" => remote_subnets = traffic_selectors(s)?,
                "esp_proposals" => proposal = Some(s),
                "rekey_time" => rekey = Some(keylife(s)?),
                "start_action" => {
                    start_action =
                        StartAction::parse(&s.value).map_err(|p| problem_at(s.line, p))?
                }
                "close_action" => close = Some(s),
                "mode" if s.value == "tunnel" => {}
                _ => return Err(unsupported(s, "child")),
            }
        }
        // close_action is derived from start_action and not part of the model: any value
        // charon knows reads the same (files written before it was rendered have none),
        // and the next change writes the derived one again.
        if let Some(s) = close {
            if !["none", "clear", "trap", "start"].contains(&s.value.as_str()) {
                return Err(at(
                    s.line,
                    format!(
                        "close_action {} is not one of none, clear, trap, start",
                        quote(&s.value)
                    ),
                ));
            }
        }
        let local_subnets = local_subnets.ok_or_else(|| {
            at(
                child.line,
                format!("child {} has no local_ts", quote(&child.name)),
            )
        })?;
        let keylife = rekey.unwrap_or(STRONGSWAN_CHILD_REKEY);
        let proposal = proposal
            .ok_or_else(|| missing(child, "esp_proposals", "strongSwan's default proposal list"))?;
        let (phase2, pfs) = esp_proposal(proposal, keylife, self.stored_phase2_group()?)?;
        Ok(Child {
            line: child.line,
            local_subnets,
            remote_subnets,
            phase2,
            pfs,
            start_action,
        })
    }

    /// The children of a connection, as one: IKEv2 has exactly one; IKEv1 may have one
    /// per pair of subnets (see [`crate::render::children`]), which must agree on
    /// everything but their selectors and cover every pair.
    fn children(&self, section: &Section, version: IkeVersion) -> Result<Child, ParseError> {
        if version == IkeVersion::V2 {
            return self.child(only_one(section, "child")?);
        }
        if let Some(s) = section.settings.first() {
            return Err(at(
                s.line,
                format!(
                    "unexpected setting {} in {}",
                    quote(&s.key),
                    quote(&section.name)
                ),
            ));
        }
        let mut parsed = Vec::with_capacity(section.sections.len());
        for child in &section.sections {
            parsed.push(self.child(child)?);
        }
        let Some(first) = parsed.first() else {
            return Err(at(
                section.line,
                format!("{} holds no child", quote(&section.name)),
            ));
        };
        let mut merged = Child {
            line: first.line,
            local_subnets: BTreeSet::new(),
            remote_subnets: BTreeSet::new(),
            phase2: first.phase2,
            pfs: first.pfs,
            start_action: first.start_action,
        };
        let mut pairs = BTreeSet::new();
        for child in &parsed {
            if (child.phase2, child.pfs, child.start_action)
                != (first.phase2, first.pfs, first.start_action)
            {
                return Err(at(
                    child.line,
                    "the children of an IKEv1 connection differ in esp_proposals, rekey_time or start_action; \
                     this provider writes them alike",
                ));
            }
            pairs.extend(child.pairs());
            merged
                .local_subnets
                .extend(child.local_subnets.iter().copied());
            merged
                .remote_subnets
                .extend(child.remote_subnets.iter().copied());
        }
        // Child names do not matter: files of earlier versions name them by position.
        if let Some((local, remote)) = merged
            .required_pairs()
            .into_iter()
            .find(|pair| !pairs.contains(pair))
        {
            let remote = remote.map_or("dynamic".to_owned(), |r| r.to_string());
            return Err(at(
                section.line,
                format!("no child of this IKEv1 connection tunnels {local} to {remote}; each pair of subnets of one IP version needs one"),
            ));
        }
        Ok(merged)
    }

    fn meta(&self, key: &str) -> Option<&Metadata> {
        self.metadata.iter().rev().find(|m| m.key == key)
    }

    fn stored_phase2_group(&self) -> Result<DhGroup, ParseError> {
        match self.meta("phase2_dh_group") {
            Some(m) => {
                let number = m.value.parse::<i64>().map_err(|_| {
                    at(
                        m.line,
                        format!("@phase2_dh_group {} is not a number", quote(&m.value)),
                    )
                })?;
                DhGroup::from_number(number).map_err(|p| problem_at(m.line, p))
            }
            // A file without the comment and without a group in esp_proposals has no PFS group.
            None => Ok(DhGroup::None),
        }
    }
}

struct Child {
    line: usize,
    local_subnets: BTreeSet<Cidr>,
    remote_subnets: BTreeSet<Cidr>,
    phase2: Phase2,
    pfs: bool,
    start_action: StartAction,
}

impl Child {
    /// The (local, remote) pairs this child tunnels; `None` is `dynamic`.
    fn pairs(&self) -> Vec<(Cidr, Option<Cidr>)> {
        let remotes: Vec<Option<Cidr>> = if self.remote_subnets.is_empty() {
            vec![None]
        } else {
            self.remote_subnets.iter().copied().map(Some).collect()
        };
        self.local_subnets
            .iter()
            .flat_map(|l| remotes.iter().map(move |r| (*l, *r)))
            .collect()
    }

    /// The pairs an IKEv1 connection with these subnets must tunnel: each local subnet
    /// to each remote subnet of its IP version, or to `dynamic` when there is no remote
    /// subnet at all. Others (pairs of two versions, `dynamic` beside remote subnets)
    /// may be present as well: they are how a subnet without a partner is kept.
    fn required_pairs(&self) -> Vec<(Cidr, Option<Cidr>)> {
        if self.remote_subnets.is_empty() {
            return self.local_subnets.iter().map(|l| (*l, None)).collect();
        }
        let same_version =
            |a: &Cidr, b: &Cidr| a.net().addr().is_ipv4() == b.net().addr().is_ipv4();
        self.local_subnets
            .iter()
            .flat_map(|l| {
                self.remote_subnets
                    .iter()
                    .filter(move |r| same_version(l, r))
                    .map(move |r| (*l, Some(*r)))
            })
            .collect()
    }
}

fn unsupported(s: &Setting, place: &str) -> ParseError {
    at(
        s.line,
        format!(
            "unsupported setting {} in the {place}; terraform-provider-ipsec cannot represent it, so remove it \
             (or manage this connection by hand)",
            quote(&s.key)
        ),
    )
}

fn only_one<'a>(section: &'a Section, what: &str) -> Result<&'a Section, ParseError> {
    if let Some(s) = section.settings.first() {
        return Err(at(
            s.line,
            format!(
                "unexpected setting {} in {}",
                quote(&s.key),
                quote(&section.name)
            ),
        ));
    }
    match section.sections.as_slice() {
        [one] => Ok(one),
        [] => Err(at(
            section.line,
            format!("{} holds no {what}", quote(&section.name)),
        )),
        [_, second, ..] => Err(at(
            second.line,
            format!(
                "{} holds more than one {what}; a managed file holds exactly one",
                quote(&section.name)
            ),
        )),
    }
}

/// Checks a `local` or `remote` section; answers whether it sets `auth = psk` (without
/// it, strongSwan would use public key authentication).
fn auth_section(section: &Section, address: Option<EndpointAddress>) -> Result<bool, ParseError> {
    if let Some(sub) = section.sections.first() {
        return Err(at(
            sub.line,
            format!(
                "unsupported section {} in {}",
                quote(&sub.name),
                quote(&section.name)
            ),
        ));
    }
    let mut psk = false;
    for s in &section.settings {
        match s.key.as_str() {
            "auth" if s.value == "psk" => psk = true,
            "auth" => return Err(at(s.line, format!("auth = {} is not supported; managed connections use psk", quote(&s.value)))),
            "id" if s.value == "%any" => {}
            "id" if address.is_some_and(|a| a.to_string() == s.value) => {}
            "id" => {
                return Err(at(
                    s.line,
                    format!(
                        "{} id {} differs from the {} address; managed connections identify endpoints by address",
                        section.name,
                        quote(&s.value),
                        section.name
                    ),
                ))
            }
            _ => return Err(unsupported(s, &format!("{} section", quote(&section.name)))),
        }
    }
    Ok(psk)
}

/// strongSwan's IKE `rekey_time` when the setting is missing (4h).
const STRONGSWAN_IKE_REKEY: Keylife = match Keylife::from_seconds_const(14_400) {
    Some(keylife) => keylife,
    None => panic!("4h is a valid keylife"),
};
/// strongSwan's CHILD `rekey_time` when the setting is missing (1h).
const STRONGSWAN_CHILD_REKEY: Keylife = match Keylife::from_seconds_const(3_600) {
    Some(keylife) => keylife,
    None => panic!("1h is a valid keylife"),
};

fn missing(section: &Section, setting: &str, default: &str) -> ParseError {
    at(
        section.line,
        format!(
            "{} has no {setting}, so strongSwan would use {default}, which terraform-provider-ipsec \
             cannot represent; restore the setting",
            quote(&section.name)
        ),
    )
}

fn secret(
    secrets: &Section,
    peer: EndpointAddress,
    local: Option<EndpointAddress>,
    name: &ConnectionName,
) -> Result<PresharedKey, ParseError> {
    if let Some(s) = secrets.settings.first() {
        return Err(at(
            s.line,
            format!("unexpected setting {} in 'secrets'", quote(&s.key)),
        ));
    }
    let ike: Vec<&Section> = secrets
        .sections
        .iter()
        .filter(|s| s.name.starts_with("ike"))
        .collect();
    if let Some(other) = secrets.sections.iter().find(|s| !s.name.starts_with("ike")) {
        return Err(at(
            other.line,
            format!(
                "unsupported secret {}; a managed file holds one 'ike' secret",
                quote(&other.name)
            ),
        ));
    }
    let section = match ike.as_slice() {
        [one] => *one,
        [] => {
            return Err(at(
                secrets.line,
                format!("no 'ike' secret holding the pre-shared key of '{name}'"),
            ))
        }
        [_, second, ..] => {
            return Err(at(
                second.line,
                "more than one 'ike' secret; a managed file holds exactly one",
            ))
        }
    };
    let mut key = None;
    for s in &section.settings {
        if s.key == "secret" {
            key = Some(decode_secret(s)?);
        } else if s.key.starts_with("id") {
            let matches = |a: EndpointAddress| a.to_string() == s.value;
            if !(s.value == "%any" || matches(peer) || local.is_some_and(matches)) {
                return Err(at(
                    s.line,
                    format!(
                        "secret id {} is neither the peer's nor the local address",
                        quote(&s.value)
                    ),
                ));
            }
        } else {
            return Err(unsupported(s, "secret"));
        }
    }
    key.ok_or_else(|| {
        at(
            section.line,
            format!("secret {} has no 'secret' value", quote(&section.name)),
        )
    })
}

/// The networks of a `# @remote_subnets a,b` comment (none when it is empty).
fn recorded_subnets(recorded: &Metadata) -> Result<BTreeSet<Cidr>, ParseError> {
    recorded
        .value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            Cidr::parse(item).map_err(|_| {
                at(
                    recorded.line,
                    format!(
                        "@remote_subnets lists {}, which is not a network",
                        quote(item)
                    ),
                )
            })
        })
        .collect()
}
