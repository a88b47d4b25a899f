//! Reads a connection's swanctl.conf file back into the model.
//!
//! Everything [`crate::render::render_swanctl`] writes is understood, in any order and
//! layout, plus the aliases strongSwan itself accepts (`aes`, `sha`, `x25519`, durations in
//! `m`/`h`/`d`, a plain-text secret, a bare address as a traffic selector). A setting the
//! model cannot represent is an error at its line rather than being dropped, because
//! dropping it would hide drift and the next apply would silently undo it.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::str::FromStr;

use super::settings::{parse_settings, Metadata, Section, Setting};
use super::ParseError;
use crate::diag::Problem;
use crate::model::{
    Authentication, Cidr, Connection, ConnectionName, DhGroup, Encryption, EndpointAddress,
    IkeVersion, Keylife, Phase1, Phase2, PresharedKey, StartAction,
};

/// What a swanctl.conf file holds: the connection and its remote subnets (`remote_ts`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwanctlFile {
    /// The connection.
    pub connection: Connection,
    /// The child's `remote_ts`.
    pub remote_subnets: BTreeSet<Cidr>,
}

/// Parses the file of connection `expected` (the file's name without `.conf`).
pub fn parse_swanctl(text: &str, expected: &ConnectionName) -> Result<SwanctlFile, ParseError> {
    let (root, metadata) = parse_settings(text)?;
    if let Some(setting) = root.settings.first() {
        return Err(at(
            setting.line,
            format!("unexpected setting '{}' outside any section", setting.key),
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
                    format!("unsupported section '{other}'; a managed file holds only 'connections' and 'secrets'"),
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
                "the file of connection '{expected}' defines connection '{}'; rename one of them",
                conn.name
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
                    let number = s
                        .value
                        .parse::<i64>()
                        .map_err(|_| at(s.line, format!("version '{}' is not 1 or 2", s.value)))?;
                    version =
                        Some(IkeVersion::from_number(number).map_err(|p| problem_at(s.line, p))?);
                }
                "local_addrs" if s.value == "%any" || s.value.is_empty() => local_address = None,
                "local_addrs" => local_address = Some(single_address(s)?),
                "remote_addrs" => peer_address = Some(single_address(s)?),
                "proposals" => proposal = Some(s),
                "rekey_time" => rekey = Some(keylife(s)?),
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

        let mut child = None;
        let (mut local, mut remote) = (false, false);
        for section in &conn.sections {
            match section.name.as_str() {
                "local" => local = auth_section(section, local_address)?,
                "remote" => remote = auth_section(section, Some(peer_address))?,
                "children" => child = Some(only_one(section, "child")?),
                other => {
                    return Err(at(
                        section.line,
                        format!("unsupported section '{other}' in connection '{name}'"),
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
        let child = child.ok_or_else(|| {
            at(
                conn.line,
                format!("connection '{name}' has no 'children' section"),
            )
        })?;
        let child = self.child(child)?;
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
            remote_subnets: child.remote_subnets,
        })
    }

    fn child(&self, child: &Section) -> Result<Child, ParseError> {
        if let Some(section) = child.sections.first() {
            return Err(at(
                section.line,
                format!(
                    "unsupported section '{}' in child '{}'",
                    section.name, child.name
                ),
            ));
        }
        let mut local_subnets = None;
        let mut remote_subnets = BTreeSet::new();
        let mut proposal = None;
        let mut rekey = None;
        // strongSwan's default when the setting is missing.
        let mut start_action = StartAction::None;
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
                "mode" if s.value == "tunnel" => {}
                _ => return Err(unsupported(s, "child")),
            }
        }
        let local_subnets = local_subnets.ok_or_else(|| {
            at(
                child.line,
                format!("child '{}' has no local_ts", child.name),
            )
        })?;
        let keylife = rekey.unwrap_or(STRONGSWAN_CHILD_REKEY);
        let proposal = proposal
            .ok_or_else(|| missing(child, "esp_proposals", "strongSwan's default proposal list"))?;
        let (phase2, pfs) = esp_proposal(proposal, keylife, self.stored_phase2_group()?)?;
        Ok(Child {
            local_subnets,
            remote_subnets,
            phase2,
            pfs,
            start_action,
        })
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
                        format!("@phase2_dh_group '{}' is not a number", m.value),
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
    local_subnets: BTreeSet<Cidr>,
    remote_subnets: BTreeSet<Cidr>,
    phase2: Phase2,
    pfs: bool,
    start_action: StartAction,
}

fn at(line: usize, message: impl Into<String>) -> ParseError {
    ParseError {
        line,
        message: message.into(),
    }
}

fn problem_at(line: usize, problem: Problem) -> ParseError {
    at(line, problem.detail)
}

fn unsupported(s: &Setting, place: &str) -> ParseError {
    at(
        s.line,
        format!(
            "unsupported setting '{}' in the {place}; terraform-provider-ipsec cannot represent it, so remove it \
             (or manage this connection by hand)",
            s.key
        ),
    )
}

fn only_one<'a>(section: &'a Section, what: &str) -> Result<&'a Section, ParseError> {
    if let Some(s) = section.settings.first() {
        return Err(at(
            s.line,
            format!("unexpected setting '{}' in '{}'", s.key, section.name),
        ));
    }
    match section.sections.as_slice() {
        [one] => Ok(one),
        [] => Err(at(
            section.line,
            format!("'{}' holds no {what}", section.name),
        )),
        [_, second, ..] => Err(at(
            second.line,
            format!(
                "'{}' holds more than one {what}; a managed file holds exactly one",
                section.name
            ),
        )),
    }
}

fn single_address(s: &Setting) -> Result<EndpointAddress, ParseError> {
    if s.value.contains(',') {
        return Err(at(
            s.line,
            format!(
                "{} lists several addresses; a managed connection has exactly one",
                s.key
            ),
        ));
    }
    EndpointAddress::parse(&s.value).map_err(|p| problem_at(s.line, p))
}

/// Checks a `local` or `remote` section; answers whether it sets `auth = psk` (without
/// it, strongSwan would use public key authentication).
fn auth_section(section: &Section, address: Option<EndpointAddress>) -> Result<bool, ParseError> {
    if let Some(sub) = section.sections.first() {
        return Err(at(
            sub.line,
            format!("unsupported section '{}' in '{}'", sub.name, section.name),
        ));
    }
    let mut psk = false;
    for s in &section.settings {
        match s.key.as_str() {
            "auth" if s.value == "psk" => psk = true,
            "auth" => return Err(at(s.line, format!("auth = {} is not supported; managed connections use psk", s.value))),
            "id" if s.value == "%any" => {}
            "id" if address.is_some_and(|a| a.to_string() == s.value) => {}
            "id" => {
                return Err(at(
                    s.line,
                    format!(
                        "{} id '{}' differs from the {} address; managed connections identify endpoints by address",
                        section.name, s.value, section.name
                    ),
                ))
            }
            _ => return Err(unsupported(s, &format!("'{}' section", section.name))),
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
            "'{}' has no {setting}, so strongSwan would use {default}, which terraform-provider-ipsec \
             cannot represent; restore the setting",
            section.name
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
            format!("unexpected setting '{}' in 'secrets'", s.key),
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
                "unsupported secret '{}'; a managed file holds one 'ike' secret",
                other.name
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
                        "secret id '{}' is neither the peer's nor the local address",
                        s.value
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
            format!("secret '{}' has no 'secret' value", section.name),
        )
    })
}

fn decode_secret(s: &Setting) -> Result<PresharedKey, ParseError> {
    let value = s.value.as_str();
    let result = if let Some(hex) = value.strip_prefix("0x") {
        PresharedKey::from_hex(hex)
    } else if value.starts_with("0s") {
        return Err(at(
            s.line,
            "base64 ('0s…') secrets are not supported; use 0x… hex or a quoted string",
        ));
    } else {
        PresharedKey::parse(value)
    };
    // The problem's text never contains the key itself.
    result.map_err(|p| problem_at(s.line, p))
}

fn keylife(s: &Setting) -> Result<Keylife, ParseError> {
    let value = s.value.trim();
    let (digits, unit) = match value.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => value.split_at(i),
        None => (value, "s"),
    };
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(at(
                s.line,
                format!(
                    "{} '{}' is not a duration such as 3600s, 60m, 8h or 1d",
                    s.key, s.value
                ),
            ))
        }
    };
    let number: i64 = digits.parse().map_err(|_| {
        at(
            s.line,
            format!(
                "{} '{}' is not a duration such as 3600s, 60m, 8h or 1d",
                s.key, s.value
            ),
        )
    })?;
    Keylife::from_seconds(number.saturating_mul(factor)).map_err(|p| problem_at(s.line, p))
}

fn traffic_selectors(s: &Setting) -> Result<BTreeSet<Cidr>, ParseError> {
    let mut out = BTreeSet::new();
    for item in s.value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        // strongSwan reads a bare address as a host selector.
        let spelled = match IpAddr::from_str(item) {
            Ok(IpAddr::V4(a)) => format!("{a}/32"),
            Ok(IpAddr::V6(a)) => format!("{a}/128"),
            Err(_) => item.to_owned(),
        };
        if item.contains('[') {
            return Err(at(s.line, format!("traffic selector '{item}' restricts protocol or port; managed selectors are whole networks")));
        }
        out.insert(Cidr::parse(&spelled).map_err(|p| problem_at(s.line, p))?);
    }
    if out.is_empty() {
        return Err(at(s.line, format!("{} lists no network", s.key)));
    }
    Ok(out)
}

/// The algorithms named in one proposal, by kind.
#[derive(Default)]
struct Tokens {
    encryption: Option<Encryption>,
    integrity: Option<Authentication>,
    prf: Option<Authentication>,
    dh_group: Option<DhGroup>,
}

fn tokens(s: &Setting, esp: bool) -> Result<Tokens, ParseError> {
    if s.value.contains(',') {
        return Err(at(
            s.line,
            format!(
                "{} lists several proposals; a managed connection has exactly one",
                s.key
            ),
        ));
    }
    let mut t = Tokens::default();
    fn put<T>(slot: &mut Option<T>, value: T, s: &Setting, kind: &str) -> Result<(), ParseError> {
        if slot.replace(value).is_some() {
            return Err(at(
                s.line,
                format!(
                    "{} names more than one {kind}; a managed proposal has exactly one",
                    s.key
                ),
            ));
        }
        Ok(())
    }
    for token in s.value.split('-').map(str::trim) {
        if let Some(e) = Encryption::from_keyword(token) {
            put(&mut t.encryption, e, s, "encryption algorithm")?;
        } else if let Some(a) = Authentication::from_keyword(token) {
            put(&mut t.integrity, a, s, "integrity algorithm")?;
        } else if let Some(a) = Authentication::from_prf_keyword(token).filter(|_| !esp) {
            put(&mut t.prf, a, s, "PRF")?;
        } else if let Some(g) = DhGroup::from_keyword(token) {
            put(&mut t.dh_group, g, s, "Diffie-Hellman group")?;
        } else if esp && token == "noesn" {
        } else {
            return Err(at(
                s.line,
                format!(
                    "'{token}' in {} is not an algorithm this provider supports",
                    s.key
                ),
            ));
        }
    }
    Ok(t)
}

fn ike_proposal(s: &Setting, keylife: Keylife) -> Result<Phase1, ParseError> {
    let t = tokens(s, false)?;
    let encryption = t
        .encryption
        .ok_or_else(|| at(s.line, "proposals names no encryption algorithm"))?;
    let authentication = match (encryption.is_aead(), t.integrity, t.prf) {
        (true, None, Some(prf)) => prf,
        (true, Some(_), _) => return Err(at(s.line, "proposals combines a GCM cipher with an integrity algorithm; use a PRF such as prfsha256")),
        (true, None, None) => return Err(at(s.line, "proposals with a GCM cipher needs a PRF such as prfsha256")),
        (false, Some(integrity), None) => integrity,
        (false, Some(integrity), Some(prf)) if prf == integrity => integrity,
        (false, Some(_), Some(_)) => return Err(at(s.line, "proposals uses a PRF different from its integrity algorithm, which this provider cannot represent")),
        (false, None, _) => return Err(at(s.line, "proposals names no integrity algorithm")),
    };
    let dh_group = t
        .dh_group
        .ok_or_else(|| at(s.line, "proposals names no Diffie-Hellman group"))?;
    Ok(Phase1 {
        encryption,
        authentication,
        dh_group,
        keylife,
    })
}

fn esp_proposal(
    s: &Setting,
    keylife: Keylife,
    stored_group: DhGroup,
) -> Result<(Phase2, bool), ParseError> {
    let t = tokens(s, true)?;
    let encryption = t
        .encryption
        .ok_or_else(|| at(s.line, "esp_proposals names no encryption algorithm"))?;
    let authentication = match (encryption.is_aead(), t.integrity) {
        (true, None) => None,
        (true, Some(_)) => {
            return Err(at(
                s.line,
                "esp_proposals combines a GCM cipher with an integrity algorithm",
            ))
        }
        (false, Some(integrity)) => Some(integrity),
        (false, None) => return Err(at(s.line, "esp_proposals names no integrity algorithm")),
    };
    let (dh_group, pfs) = match t.dh_group {
        Some(group) => (group, true),
        None => (stored_group, false),
    };
    Ok((
        Phase2 {
            encryption,
            authentication,
            dh_group,
            keylife,
        },
        pfs,
    ))
}
