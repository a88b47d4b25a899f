//! `phase1.additional_proposals` and `phase2.additional_proposals`: each entry validated
//! like the phase's own proposal, at its own path (`phase2.additional_proposals[1].dh_group`).

use super::connection::Checker;
use super::input::{PhaseInput, ProposalInput};
use crate::diag::{quote, AttributePath, Problem};
use crate::model::{Authentication, DhGroup, Encryption, EspProposal, IkeProposal, IkeVersion};

impl Checker<'_> {
    /// The additional phase 1 proposals; `None` when one is invalid or unknown.
    pub(super) fn additional_ike_proposals(
        &mut self,
        phase1: &PhaseInput,
        ike_version: Option<IkeVersion>,
    ) -> Option<Vec<IkeProposal>> {
        let list = AttributePath::root("phase1").attr("additional_proposals");
        let mut all = Some(Vec::new());
        for (index, input) in phase1.additional_proposals.iter().enumerate() {
            let path = list.index(index);
            let encryption = self.encryption(input, &path);
            if let (Some(IkeVersion::V1), Some(cipher)) = (ike_version, encryption) {
                if cipher.is_aead() {
                    self.diags.add(
                        Problem::error(
                            "GCM needs IKEv2 in phase 1",
                            format!(
                                "{cipher} is an AEAD cipher, which IKEv1 cannot negotiate for the IKE SA. \
                                 Use ike_version = 2, or a CBC cipher such as AES256."
                            ),
                        ),
                        path.attr("encryption"),
                    );
                }
            }
            let authentication = self.required(
                &path.attr("authentication"),
                input.authentication.as_deref(),
                Authentication::parse,
                Authentication::weakness,
            );
            let dh_group = self.dh_group(input, &path);
            self.refuse_phase1_without_dh(dh_group, &path);
            let proposal = (|| {
                Some(IkeProposal {
                    encryption: encryption?,
                    authentication: authentication?,
                    dh_group: dh_group.filter(|g| *g != DhGroup::None)?,
                })
            })();
            push(&mut all, proposal);
        }
        self.known(&list).then_some(all).flatten()
    }

    /// The additional phase 2 proposals; `None` when one is invalid or unknown.
    pub(super) fn additional_esp_proposals(
        &mut self,
        phase2: &PhaseInput,
        pfs: Option<bool>,
    ) -> Option<Vec<EspProposal>> {
        let list = AttributePath::root("phase2").attr("additional_proposals");
        let mut all = Some(Vec::new());
        for (index, input) in phase2.additional_proposals.iter().enumerate() {
            let path = list.index(index);
            let encryption = self.encryption(input, &path);
            let auth_path = path.attr("authentication");
            let authentication = match (encryption.map(Encryption::is_aead), &input.authentication)
            {
                (Some(true), Some(raw)) if self.known(&auth_path) => {
                    self.diags.add(
                        Problem::error(
                            "Authentication not allowed with GCM",
                            format!(
                                "{} is an AEAD cipher that authenticates by itself, so this \
                                 proposal's authentication must be omitted (it was set to {}).",
                                encryption.map(Encryption::name).unwrap_or_default(),
                                quote(raw)
                            ),
                        ),
                        auth_path,
                    );
                    None
                }
                (Some(true), Some(_)) => None,
                (Some(true), None) => Some(None),
                (Some(false), raw) => self
                    .required(
                        &auth_path,
                        raw.as_deref(),
                        Authentication::parse,
                        Authentication::weakness,
                    )
                    .map(Some),
                // The cipher is invalid or unknown: nothing to judge the integrity by.
                (None, _) => None,
            };
            let dh_group = self.dh_group(input, &path);
            if pfs == Some(true) && dh_group == Some(DhGroup::None) {
                self.diags.add(
                    Problem::error(
                        "Perfect forward secrecy needs a Diffie-Hellman group",
                        "perfect_forward_secrecy is true but this proposal's dh_group is 0 (none). \
                         Choose a group such as 14, 19 or 31, or set perfect_forward_secrecy = false.",
                    ),
                    path.attr("dh_group"),
                );
            }
            let proposal = (|| {
                Some(EspProposal {
                    encryption: encryption?,
                    authentication: authentication?,
                    dh_group: dh_group?,
                })
            })();
            push(&mut all, proposal);
        }
        self.known(&list).then_some(all).flatten()
    }

    fn encryption(&mut self, input: &ProposalInput, path: &AttributePath) -> Option<Encryption> {
        self.required(
            &path.attr("encryption"),
            input.encryption.as_deref(),
            Encryption::parse,
            Encryption::weakness,
        )
    }

    fn dh_group(&mut self, input: &ProposalInput, path: &AttributePath) -> Option<DhGroup> {
        self.required(
            &path.attr("dh_group"),
            input.dh_group,
            DhGroup::from_number,
            DhGroup::weakness,
        )
    }

    /// A value an additional proposal must name, parsed, with its weakness warning.
    fn required<R, T: Copy>(
        &mut self,
        path: &AttributePath,
        raw: Option<R>,
        parse: impl FnOnce(R) -> Result<T, Problem>,
        weakness: fn(T) -> Option<Problem>,
    ) -> Option<T> {
        if !self.known(path) {
            return None;
        }
        if raw.is_none() {
            self.diags.add(
                Problem::error(
                    "Incomplete additional proposal",
                    format!(
                        "{path} is not set; an additional proposal names its encryption, its \
                         dh_group and, unless the cipher is GCM in phase 2, its authentication."
                    ),
                ),
                path.clone(),
            );
            return None;
        }
        let value = self.parse(path, raw, parse, None);
        self.warn_if_weak(value, weakness, path);
        value
    }
}

/// Adds `proposal` to `all`, which becomes `None` once a proposal is missing.
fn push<T>(all: &mut Option<Vec<T>>, proposal: Option<T>) {
    match (all.as_mut(), proposal) {
        (Some(list), Some(proposal)) => list.push(proposal),
        _ => *all = None,
    }
}
