//! The children of a connection: one for IKEv2, one per pair of subnets for IKEv1,
//! read back as one.

use std::collections::BTreeSet;

use super::connection::ConnectionReader;
use super::proposal::esp_proposals;
use super::values::{keylife, traffic_selectors};
use super::{missing, no_sections, no_settings, only_one, unsupported};
use crate::diag::quote;
use crate::model::{
    Cidr, DhGroup, DpdAction, EspProposal, IkeVersion, Keylife, Phase2, StartAction,
};
use crate::parse::settings::{Section, Setting};
use crate::parse::{at, problem_at, ParseError};
use crate::render::PENDING_CHILD;

/// strongSwan's CHILD `rekey_time` when the setting is missing (1h).
const STRONGSWAN_CHILD_REKEY: Keylife = match Keylife::from_seconds_const(3_600) {
    Some(keylife) => keylife,
    None => panic!("1h is a valid keylife"),
};

impl ConnectionReader<'_> {
    /// The settings kept in the `# @pending_child` comment of a connection that has no
    /// child yet (no remote subnet), read as a child; `None` without the comment.
    pub(super) fn pending_child(&self, name: &str) -> Result<Option<Child>, ParseError> {
        let Some(m) = self.meta(PENDING_CHILD) else {
            return Ok(None);
        };
        let mut section = Section {
            name: name.to_owned(),
            line: m.line,
            ..Section::default()
        };
        for word in m.value.split_whitespace() {
            let (key, value) = word.split_once('=').ok_or_else(|| {
                at(
                    m.line,
                    format!(
                        "@{PENDING_CHILD} holds {}, which is not key=value",
                        quote(word)
                    ),
                )
            })?;
            section.settings.push(Setting {
                key: key.to_owned(),
                value: value.to_owned(),
                line: m.line,
            });
        }
        let child = self.child(&section)?;
        if !child.remote_subnets.is_empty() {
            return Err(at(
                m.line,
                format!("@{PENDING_CHILD} holds a remote_ts; remote networks belong in a child"),
            ));
        }
        Ok(Some(child))
    }

    fn child(&self, child: &Section) -> Result<Child, ParseError> {
        no_sections(child, &format!("child {}", quote(&child.name)))?;
        let mut local_subnets = None;
        let mut remote_subnets = BTreeSet::new();
        let mut proposal = None;
        let mut rekey = None;
        // strongSwan's default when the setting is missing.
        let mut start_action = StartAction::None;
        let mut close = None;
        let mut dpd_action = DpdAction::Clear;
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
                "dpd_action" => dpd_action = dpd_action_of(s)?,
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
        let (phase2, pfs, additional) =
            esp_proposals(proposal, keylife, &self.stored_phase2_groups()?)?;
        Ok(Child {
            line: child.line,
            local_subnets,
            remote_subnets,
            phase2,
            pfs,
            additional,
            start_action,
            dpd_action,
        })
    }

    /// The children of a connection, as one: IKEv2 has exactly one; IKEv1 may have one
    /// per pair of subnets (see [`crate::render::children`]), which must agree on
    /// everything but their selectors and cover every pair.
    pub(super) fn children(
        &self,
        section: &Section,
        version: IkeVersion,
    ) -> Result<Child, ParseError> {
        if version == IkeVersion::V2 {
            return self.child(only_one(section, "child")?);
        }
        no_settings(section, &quote(&section.name))?;
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
            additional: first.additional.clone(),
            start_action: first.start_action,
            dpd_action: first.dpd_action,
        };
        let mut pairs = BTreeSet::new();
        for child in &parsed {
            let settings = |c: &Child| {
                (
                    c.phase2,
                    c.pfs,
                    c.additional.clone(),
                    c.start_action,
                    c.dpd_action,
                )
            };
            if settings(child) != settings(first) {
                return Err(at(
                    child.line,
                    "the children of an IKEv1 connection differ in esp_proposals, rekey_time, start_action \
                     or dpd_action; this provider writes them alike",
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

    /// The groups of the phase 2 proposals kept in `# @phase2_dh_group` (without PFS,
    /// `esp_proposals` names none): phase 2's, then each additional proposal's.
    fn stored_phase2_groups(&self) -> Result<Vec<DhGroup>, ParseError> {
        let Some(m) = self.meta("phase2_dh_group") else {
            // A file without the comment and without a group in esp_proposals has no PFS group.
            return Ok(Vec::new());
        };
        m.value
            .split(',')
            .map(|item| {
                let number = item.trim().parse::<i64>().map_err(|_| {
                    at(
                        m.line,
                        format!("@phase2_dh_group {} is not a number", quote(item.trim())),
                    )
                })?;
                DhGroup::from_number(number).map_err(|p| problem_at(m.line, p))
            })
            .collect()
    }
}

/// One child, or the children of an IKEv1 connection merged.
pub(super) struct Child {
    line: usize,
    pub(super) local_subnets: BTreeSet<Cidr>,
    pub(super) remote_subnets: BTreeSet<Cidr>,
    pub(super) phase2: Phase2,
    pub(super) pfs: bool,
    /// The additional phase 2 proposals.
    pub(super) additional: Vec<EspProposal>,
    pub(super) start_action: StartAction,
    pub(super) dpd_action: DpdAction,
}

/// A child's `dpd_action`, with the aliases charon reads the same: `none` for `clear`,
/// `hold` and `route` for `trap`, `start` for `restart`.
fn dpd_action_of(s: &Setting) -> Result<DpdAction, ParseError> {
    let canonical = match s.value.as_str() {
        "none" => "clear",
        "hold" | "route" => "trap",
        "start" => "restart",
        other => other,
    };
    DpdAction::parse(canonical).map_err(|p| problem_at(s.line, p))
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
