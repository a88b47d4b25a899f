//! Reads a connection's swanctl.conf file back into the model.
//!
//! Everything [`crate::render::render_swanctl`] writes is understood, in any order and
//! layout, plus the aliases strongSwan itself accepts (`aes`, `sha`, `x25519`, durations in
//! `m`/`h`/`d`, a plain-text secret, a bare address as a traffic selector). A setting the
//! model cannot represent is an error at its line rather than being dropped, because
//! dropping it would hide drift and the next apply would silently undo it.
//!
//! The parts: the connection section (`connection.rs`), its children (`children.rs`),
//! the `secrets` section (`secret.rs`), proposals (`proposal.rs`) and single values
//! (`values.rs`).

use std::collections::BTreeSet;

mod children;
mod connection;
mod proposal;
mod secret;
mod values;

use self::connection::ConnectionReader;
use super::settings::{parse_settings, Section, Setting};
use super::{at, ParseError};
use crate::diag::quote;
use crate::model::{Cidr, Connection, ConnectionName};

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

/// Fails at the first setting of `section`, which holds only sections; `place` names
/// it in the message.
fn no_settings(section: &Section, place: &str) -> Result<(), ParseError> {
    match section.settings.first() {
        Some(s) => Err(at(
            s.line,
            format!("unexpected setting {} in {place}", quote(&s.key)),
        )),
        None => Ok(()),
    }
}

/// Fails at the first subsection of `section`, which holds only settings; `place` names
/// it in the message.
fn no_sections(section: &Section, place: &str) -> Result<(), ParseError> {
    match section.sections.first() {
        Some(sub) => Err(at(
            sub.line,
            format!("unsupported section {} in {place}", quote(&sub.name)),
        )),
        None => Ok(()),
    }
}

fn only_one<'a>(section: &'a Section, what: &str) -> Result<&'a Section, ParseError> {
    no_settings(section, &quote(&section.name))?;
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
