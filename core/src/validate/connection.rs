//! `ipsec_vpn_connection`: from input to [`Connection`], reporting every problem at once.

use std::collections::BTreeSet;

use super::input::{ConnectionInput, PhaseInput};
use super::unknowns::Unknowns;
use crate::diag::{quote, AttributePath, Diagnostics, Problem};
use crate::model::{
    Authentication, Cidr, Connection, ConnectionName, DhGroup, Encryption, IkeVersion, Keylife,
    Phase1, Phase2, PresharedKey, StartAction,
};

/// The longest accepted `description`, in characters.
pub const DESCRIPTION_MAX_LEN: usize = 4096;

/// Validates a whole connection. Returns the connection when there is no error, and every
/// error and warning found either way.
pub fn validate_connection(input: &ConnectionInput) -> (Option<Connection>, Diagnostics) {
    validate_connection_with(input, &Unknowns::none())
}

/// Validates a configuration in which the attributes in `unknown` are not known yet
/// (plan time): their rules, and the rules that combine them with others, are skipped.
pub fn check_connection_config(input: &ConnectionInput, unknown: &Unknowns) -> Diagnostics {
    validate_connection_with(input, unknown).1
}

fn validate_connection_with(
    input: &ConnectionInput,
    unknown: &Unknowns,
) -> (Option<Connection>, Diagnostics) {
    let mut c = Checker {
        diags: Diagnostics::new(),
        unknown,
    };
    let root = AttributePath::root;

    let name = c.parse(
        &root("name"),
        Some(input.name.as_str()),
        ConnectionName::parse,
        None,
    );
    let (peer_address, local_address) = c.endpoints(input);
    let preshared_key = c.preshared_key(input);
    let ike_version = c.parse(
        &root("ike_version"),
        input.ike_version,
        IkeVersion::from_number,
        Some(IkeVersion::V2),
    );
    let phase1 = c.phase1(&input.phase1, ike_version);
    let pfs = c
        .known(&root("perfect_forward_secrecy"))
        .then(|| input.perfect_forward_secrecy.unwrap_or(true));
    let phase2 = c.phase2(&input.phase2, pfs);
    let additional_ike_proposals = c.additional_ike_proposals(&input.phase1, ike_version);
    let additional_esp_proposals = c.additional_esp_proposals(&input.phase2, pfs);
    let local_subnets = c.local_subnets(&input.local_subnets);
    let start_action = c.parse(
        &root("start_action"),
        input.start_action.as_deref(),
        StartAction::parse,
        Some(StartAction::Trap),
    );
    let description = c.description(input);
    let (local_id, peer_id) = c.identities(input, peer_address, local_address);
    let dpd = c.dpd(&input.dpd, start_action, ike_version);

    let diags = c.diags;
    if diags.has_error() {
        return (None, diags);
    }
    // Without errors, a `None` above can only stand for an unknown value.
    let connection = (|| {
        Some(Connection {
            name: name?,
            peer_address: peer_address?,
            local_address: local_address?,
            preshared_key: preshared_key?,
            ike_version: ike_version?,
            phase1: phase1?,
            phase2: phase2?,
            perfect_forward_secrecy: pfs?,
            local_subnets: local_subnets?,
            start_action: start_action?,
            description,
            local_id: local_id?,
            peer_id: peer_id?,
            dpd: dpd?,
            additional_ike_proposals: additional_ike_proposals?,
            additional_esp_proposals: additional_esp_proposals?,
        })
    })();
    (connection, diags)
}

/// Collects diagnostics and skips what is not known yet. Every method answers `None`
/// for a value that is unknown or invalid (the latter with a diagnostic recorded).
pub(super) struct Checker<'a> {
    pub(super) diags: Diagnostics,
    unknown: &'a Unknowns,
}

impl Checker<'_> {
    pub(super) fn known(&self, path: &AttributePath) -> bool {
        !self.unknown.contains(path)
    }

    /// Parses `raw` (a string or a number) at `path`, or takes `default` when it is null.
    pub(super) fn parse<R, T>(
        &mut self,
        path: &AttributePath,
        raw: Option<R>,
        parse: impl FnOnce(R) -> Result<T, Problem>,
        default: Option<T>,
    ) -> Option<T> {
        if !self.known(path) {
            return None;
        }
        match raw {
            Some(raw) => self.diags.take(parse(raw), path),
            None => default,
        }
    }

    /// Adds the weakness warning of a value, if it has one.
    pub(super) fn warn_if_weak<T: Copy>(
        &mut self,
        value: Option<T>,
        weakness: fn(T) -> Option<Problem>,
        path: &AttributePath,
    ) {
        if let Some(problem) = value.and_then(weakness) {
            self.diags.add(problem, path.clone());
        }
    }

    fn preshared_key(&mut self, input: &ConnectionInput) -> Option<PresharedKey> {
        let plain = AttributePath::root("preshared_key");
        let write_only = AttributePath::root("preshared_key_wo");
        if !self.known(&plain) || !self.known(&write_only) {
            // Which of the two is set is not known yet; check the lengths of what is.
            self.parse(
                &plain,
                input.preshared_key.as_deref(),
                PresharedKey::parse,
                None,
            );
            self.parse(
                &write_only,
                input.preshared_key_wo.as_deref(),
                PresharedKey::parse,
                None,
            );
            return None;
        }
        match (&input.preshared_key, &input.preshared_key_wo) {
            (Some(key), None) => self.key(key, &plain),
            (None, Some(key)) => self.key(key, &write_only),
            (Some(_), Some(_)) => {
                self.diags.add(
                    Problem::error(
                        "Conflicting pre-shared keys",
                        "Both preshared_key and preshared_key_wo are set; set exactly one of them.",
                    ),
                    write_only,
                );
                None
            }
            (None, None) => {
                self.diags.add(
                    Problem::error(
                        "Missing pre-shared key",
                        "Set exactly one of preshared_key or preshared_key_wo (write-only, Terraform 1.11 and later).",
                    ),
                    plain,
                );
                None
            }
        }
    }

    /// One key at `path`, with a warning about white space at its ends.
    fn key(&mut self, raw: &str, path: &AttributePath) -> Option<PresharedKey> {
        let key = self.diags.take(PresharedKey::parse(raw), path)?;
        if let Some(warning) = key.whitespace_warning() {
            self.diags.add(warning, path.clone());
        }
        Some(key)
    }

    /// Encryption, DH group and keylife of either phase, with weakness warnings.
    fn phase_common(
        &mut self,
        input: &PhaseInput,
        defaults: (Encryption, DhGroup, Keylife),
        path: &AttributePath,
    ) -> (Option<Encryption>, Option<DhGroup>, Option<Keylife>) {
        let enc_path = path.attr("encryption");
        let encryption = self.parse(
            &enc_path,
            input.encryption.as_deref(),
            Encryption::parse,
            Some(defaults.0),
        );
        self.warn_if_weak(encryption, Encryption::weakness, &enc_path);
        let dh_path = path.attr("dh_group");
        let dh_group = self.parse(
            &dh_path,
            input.dh_group,
            DhGroup::from_number,
            Some(defaults.1),
        );
        self.warn_if_weak(dh_group, DhGroup::weakness, &dh_path);
        let keylife = self.parse(
            &path.attr("keylife"),
            input.keylife,
            Keylife::from_seconds,
            Some(defaults.2),
        );
        (encryption, dh_group, keylife)
    }

    fn phase1(&mut self, input: &PhaseInput, ike_version: Option<IkeVersion>) -> Option<Phase1> {
        let path = AttributePath::root("phase1");
        let d = Phase1::DEFAULT;
        let (encryption, dh_group, keylife) =
            self.phase_common(input, (d.encryption, d.dh_group, d.keylife), &path);
        if let (Some(IkeVersion::V1), Some(cipher)) = (ike_version, encryption) {
            if cipher.is_aead() {
                // charon's IKEv1 has no AEAD in phase 1: the peer answers NO_PROPOSAL_CHOSEN.
                self.diags.add(
                    Problem::error(
                        "GCM needs IKEv2 in phase 1",
                        format!(
                            "phase1.encryption {cipher} is an AEAD cipher, which IKEv1 cannot negotiate for the \
                             IKE SA (the peer answers NO_PROPOSAL_CHOSEN). Use ike_version = 2, or a CBC \
                             cipher such as AES256 with ike_version = 1."
                        ),
                    ),
                    path.attr("encryption"),
                );
            }
        }
        let auth_path = path.attr("authentication");
        let authentication = self.parse(
            &auth_path,
            input.authentication.as_deref(),
            Authentication::parse,
            Some(d.authentication),
        );
        self.warn_if_weak(authentication, Authentication::weakness, &auth_path);
        if self.refuse_phase1_without_dh(dh_group, &path) {
            return None;
        }
        Some(Phase1 {
            encryption: encryption?,
            authentication: authentication?,
            dh_group: dh_group?,
            keylife: keylife?,
        })
    }

    fn phase2(&mut self, input: &PhaseInput, pfs: Option<bool>) -> Option<Phase2> {
        let path = AttributePath::root("phase2");
        let d = Phase2::DEFAULT;
        let (encryption, dh_group, keylife) =
            self.phase_common(input, (d.encryption, d.dh_group, d.keylife), &path);
        let auth_path = path.attr("authentication");
        let aead = encryption.map(Encryption::is_aead);
        let authentication = match (input.authentication.as_deref(), aead) {
            (Some(raw), Some(true)) if self.known(&auth_path) => {
                self.diags.add(
                    Problem::error(
                        "Authentication not allowed with GCM",
                        format!(
                            "phase2.encryption {} is an AEAD cipher that authenticates by itself, so \
                             phase2.authentication must be omitted (it was set to {}).",
                            encryption.map(Encryption::name).unwrap_or_default(),
                            quote(raw)
                        ),
                    ),
                    auth_path,
                );
                // Keep going: the PFS rule below is independent and must be reported too.
                None
            }
            (None, Some(true)) if self.known(&auth_path) => Some(None),
            (raw, _) => {
                // A default only applies once the cipher is known not to be AEAD.
                let default = if aead == Some(false) {
                    d.authentication
                } else {
                    None
                };
                let parsed = self.parse(&auth_path, raw, Authentication::parse, default);
                self.warn_if_weak(parsed, Authentication::weakness, &auth_path);
                parsed.map(Some)
            }
        };
        if pfs == Some(true) && dh_group == Some(DhGroup::None) {
            self.diags.add(
                Problem::error(
                    "Perfect forward secrecy needs a Diffie-Hellman group",
                    "perfect_forward_secrecy is true but phase2.dh_group is 0 (none). Choose a group \
                     such as 14, 19 or 31, or set perfect_forward_secrecy = false.",
                ),
                path.attr("dh_group"),
            );
            return None;
        }
        Some(Phase2 {
            encryption: encryption?,
            authentication: authentication?,
            dh_group: dh_group?,
            keylife: keylife?,
        })
    }

    /// The description; an error when longer than [`DESCRIPTION_MAX_LEN`].
    fn description(&mut self, input: &ConnectionInput) -> Option<String> {
        let description = input.description.clone();
        if let Some(text) = &description {
            let length = text.chars().count();
            if length > DESCRIPTION_MAX_LEN {
                self.diags.add(
                    Problem::error(
                        "Description too long",
                        format!("The description has {length} characters; at most {DESCRIPTION_MAX_LEN} are allowed."),
                    ),
                    AttributePath::root("description"),
                );
            }
        }
        description
    }

    fn local_subnets(&mut self, raw: &[String]) -> Option<BTreeSet<Cidr>> {
        let path = AttributePath::root("local_subnets");
        if !self.known(&path) {
            return None;
        }
        if raw.is_empty() {
            self.diags.add(
                Problem::error(
                    "No local subnets",
                    "local_subnets must list at least one protected local network, such as 10.1.0.0/16.",
                ),
                path,
            );
            return None;
        }
        let mut subnets = BTreeSet::new();
        let mut ok = true;
        for entry in raw {
            match Cidr::parse(entry) {
                Ok(cidr) => {
                    subnets.insert(cidr);
                }
                Err(problem) => {
                    ok = false;
                    self.diags.add(problem, path.clone());
                }
            }
        }
        let list: Vec<&Cidr> = subnets.iter().collect();
        for (i, a) in list.iter().enumerate() {
            for b in list[i + 1..].iter().filter(|b| a.overlaps(b)) {
                ok = false;
                self.diags.add(
                    Problem::error(
                        "Overlapping local subnets",
                        format!("Local subnets {a} and {b} overlap; list each network once, without overlaps."),
                    ),
                    path.clone(),
                );
            }
        }
        ok.then_some(subnets)
    }
}

impl Checker<'_> {
    /// Records the error of a phase 1 proposal with DH group 0 at `path.dh_group`, and
    /// answers whether there was one: the IKE SA always performs a DH exchange.
    pub(super) fn refuse_phase1_without_dh(
        &mut self,
        dh_group: Option<DhGroup>,
        path: &AttributePath,
    ) -> bool {
        let refused = dh_group == Some(DhGroup::None);
        if refused {
            self.diags.add(
                Problem::error(
                    "Phase 1 needs a Diffie-Hellman group",
                    "dh_group 0 (none) is only valid in phase 2 without perfect forward secrecy; \
                     the IKE SA always performs a DH exchange. Use 14 or better (19, 20, 31).",
                ),
                path.attr("dh_group"),
            );
        }
        refused
    }
}
