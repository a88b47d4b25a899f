//! The connection section: its settings, its `local` and `remote` sections, and the
//! `# @key value` comments the renderer writes beside it.

use std::collections::BTreeSet;

use super::proposal::ike_proposals;
use super::secret::secret;
use super::values::{duration, keylife, single_address};
use super::SwanctlFile;
use super::{missing, no_sections, unsupported};
use crate::diag::quote;
use crate::model::{
    Cidr, Connection, ConnectionName, Dpd, DpdDelay, DpdTimeout, EndpointAddress, Identity,
    IkeProposal, IkeVersion, Keylife, Phase1,
};
use crate::parse::settings::{Metadata, Section};
use crate::parse::{at, problem_at, ParseError};

/// Reads a connection with the file's `# @key value` comments at hand.
pub(super) struct ConnectionReader<'a> {
    pub(super) metadata: &'a [Metadata],
}

/// strongSwan's IKE `rekey_time` when the setting is missing (4h).
const STRONGSWAN_IKE_REKEY: Keylife = match Keylife::from_seconds_const(14_400) {
    Some(keylife) => keylife,
    None => panic!("4h is a valid keylife"),
};

/// The settings of a connection section itself (not of its sections).
struct ConnectionSettings {
    version: IkeVersion,
    local_address: Option<EndpointAddress>,
    peer_address: EndpointAddress,
    phase1: Phase1,
    additional_ike_proposals: Vec<IkeProposal>,
    dpd_delay: DpdDelay,
    dpd_timeout: DpdTimeout,
}

/// The `local` and `remote` sections and the `children` section of a connection.
struct Sections<'a> {
    /// `None` when the connection has none (no remote subnet yet).
    children: Option<&'a Section>,
    /// The local `id`; `None` when missing or `%any` (charon uses its address).
    local_id: Option<Identity>,
    /// The remote `id`; `None` when missing or `%any`, read as the peer's address.
    peer_id: Option<Identity>,
}

impl ConnectionReader<'_> {
    /// The connection `name` from its section `conn` and the file's `secrets`.
    pub(super) fn read(
        &self,
        conn: &Section,
        secrets: &Section,
        name: &ConnectionName,
    ) -> Result<SwanctlFile, ParseError> {
        let settings = connection_settings(conn, name)?;
        let sections = sections(conn, name)?;
        let child = match sections.children {
            Some(children) => self.children(children, settings.version)?,
            None => self.pending_child(name.as_str())?.ok_or_else(|| {
                at(
                    conn.line,
                    format!("connection '{name}' has no 'children' section"),
                )
            })?,
        };
        let local_id = sections.local_id;
        let peer_id = sections
            .peer_id
            .unwrap_or_else(|| Identity::of_address(settings.peer_address.ip()));
        let owners = [
            local_id.clone(),
            Some(peer_id.clone()),
            settings.local_address.map(|a| Identity::of_address(a.ip())),
            Some(Identity::of_address(settings.peer_address.ip())),
        ];
        let preshared_key = secret(secrets, &owners, name)?;
        let description = self.description()?;
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
                peer_address: settings.peer_address,
                local_address: settings.local_address,
                preshared_key,
                ike_version: settings.version,
                phase1: settings.phase1,
                phase2: child.phase2,
                additional_ike_proposals: settings.additional_ike_proposals,
                additional_esp_proposals: child.additional,
                perfect_forward_secrecy: child.pfs,
                local_subnets: child.local_subnets,
                start_action: child.start_action,
                description,
                local_id,
                peer_id,
                dpd: Dpd {
                    delay: settings.dpd_delay,
                    timeout: settings.dpd_timeout,
                    action: child.dpd_action,
                },
            },
            remote_subnets,
            unmanaged_remote_subnets,
        })
    }

    /// The `# @key value` comment `key` (the last one, if repeated).
    pub(super) fn meta(&self, key: &str) -> Option<&Metadata> {
        self.metadata.iter().rev().find(|m| m.key == key)
    }

    fn description(&self) -> Result<Option<String>, ParseError> {
        let Some(m) = self.meta("description") else {
            return Ok(None);
        };
        serde_json::from_str::<String>(&m.value)
            .map(Some)
            .map_err(|_| {
                at(
                    m.line,
                    "the @description comment is not a valid quoted string",
                )
            })
    }
}

fn connection_settings(
    conn: &Section,
    name: &ConnectionName,
) -> Result<ConnectionSettings, ParseError> {
    let mut version = None;
    let mut local_address = None;
    let mut peer_address = None;
    let mut proposal = None;
    let mut rekey = None;
    // strongSwan's defaults when the settings are missing: no DPD, and IKEv1 left to
    // the retransmission timeouts.
    let mut dpd_delay = DpdDelay::from_seconds(0).map_err(|p| problem_at(conn.line, p))?;
    let mut dpd_timeout = DpdTimeout::from_seconds(0).map_err(|p| problem_at(conn.line, p))?;
    for s in &conn.settings {
        match s.key.as_str() {
            "version" => {
                let number = s.value.parse::<i64>().map_err(|_| {
                    at(s.line, format!("version {} is not 1 or 2", quote(&s.value)))
                })?;
                version = Some(IkeVersion::from_number(number).map_err(|p| problem_at(s.line, p))?);
            }
            "local_addrs" if s.value == "%any" || s.value.is_empty() => local_address = None,
            "local_addrs" => local_address = Some(single_address(s)?),
            "remote_addrs" => peer_address = Some(single_address(s)?),
            "proposals" => proposal = Some(s),
            "rekey_time" => rekey = Some(keylife(s)?),
            "dpd_delay" => {
                dpd_delay =
                    DpdDelay::from_seconds(duration(s)?).map_err(|p| problem_at(s.line, p))?
            }
            "dpd_timeout" => {
                dpd_timeout =
                    DpdTimeout::from_seconds(duration(s)?).map_err(|p| problem_at(s.line, p))?
            }
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
    let proposal =
        proposal.ok_or_else(|| missing(conn, "proposals", "strongSwan's default proposal list"))?;
    let (phase1, additional_ike_proposals) =
        ike_proposals(proposal, rekey.unwrap_or(STRONGSWAN_IKE_REKEY))?;
    Ok(ConnectionSettings {
        version,
        local_address,
        peer_address,
        phase1,
        additional_ike_proposals,
        dpd_delay,
        dpd_timeout,
    })
}

/// Checks the `local` and `remote` sections of `conn`: their identities, and its
/// `children`.
fn sections<'a>(conn: &'a Section, name: &ConnectionName) -> Result<Sections<'a>, ParseError> {
    let mut children = None;
    let (mut local, mut remote) = (None, None);
    for section in &conn.sections {
        match section.name.as_str() {
            "local" => local = Some(auth_section(section)?),
            "remote" => remote = Some(auth_section(section)?),
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
    let (Some((true, local_id)), Some((true, peer_id))) = (local.clone(), remote) else {
        let side = if matches!(local, Some((true, _))) {
            "remote"
        } else {
            "local"
        };
        return Err(missing(
            conn,
            &format!("{side} {{ auth = psk }}"),
            "public key authentication",
        ));
    };
    Ok(Sections {
        children,
        local_id,
        peer_id,
    })
}

/// Checks a `local` or `remote` section; answers whether it sets `auth = psk` (without
/// it, strongSwan would use public key authentication) and its identity (`None` when
/// missing or `%any`).
fn auth_section(section: &Section) -> Result<(bool, Option<Identity>), ParseError> {
    no_sections(section, &quote(&section.name))?;
    let mut psk = false;
    let mut id = None;
    for s in &section.settings {
        match s.key.as_str() {
            "auth" if s.value == "psk" => psk = true,
            "auth" => {
                return Err(at(
                    s.line,
                    format!(
                        "auth = {} is not supported; managed connections use psk",
                        quote(&s.value)
                    ),
                ))
            }
            "id" if s.value == "%any" => id = None,
            "id" => id = Some(Identity::parse(&s.value).map_err(|p| problem_at(s.line, p))?),
            _ => return Err(unsupported(s, &format!("{} section", quote(&section.name)))),
        }
    }
    Ok((psk, id))
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
