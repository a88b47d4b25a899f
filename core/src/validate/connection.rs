//! `ipsec_vpn_connection`: from input to [`Connection`], reporting every problem at once.

use std::collections::BTreeSet;

use super::input::{ConnectionInput, PhaseInput};
use crate::diag::{AttributePath, Diagnostics, Problem};
use crate::model::{
    Authentication, Cidr, Connection, ConnectionName, DhGroup, Encryption, EndpointAddress,
    IkeVersion, Keylife, Phase1, Phase2, PresharedKey, StartAction,
};

/// The longest accepted `description`, in characters.
pub const DESCRIPTION_MAX_LEN: usize = 4096;

/// Validates a whole connection. Returns the connection when there is no error, and every
/// error and warning found either way.
pub fn validate_connection(input: &ConnectionInput) -> (Option<Connection>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let at = AttributePath::root;

    let name = diags.take(ConnectionName::parse(&input.name), &at("name"));
    let peer_address = diags.take(
        EndpointAddress::parse(&input.peer_address),
        &at("peer_address"),
    );
    let local_address = match &input.local_address {
        Some(raw) => diags
            .take(EndpointAddress::parse(raw), &at("local_address"))
            .map(Some),
        None => Some(None),
    };
    if let (Some(peer), Some(Some(local))) = (peer_address, local_address) {
        if peer.ip().is_ipv4() != local.ip().is_ipv4() {
            diags.add(
                Problem::error(
                    "Address family mismatch",
                    format!(
                        "local_address {local} and peer_address {peer} are of different IP versions; \
                         both endpoints of a tunnel must be IPv4 or both IPv6."
                    ),
                ),
                at("local_address"),
            );
        }
    }
    let preshared_key = preshared_key(input, &mut diags);
    let ike_version = match input.ike_version {
        Some(n) => diags.take(IkeVersion::from_number(n), &at("ike_version")),
        None => Some(IkeVersion::V2),
    };
    let phase1 = phase1(&input.phase1, &mut diags);
    let pfs = input.perfect_forward_secrecy.unwrap_or(true);
    let phase2 = phase2(&input.phase2, pfs, &mut diags);
    let local_subnets = local_subnets(&input.local_subnets, &mut diags);
    let start_action = match &input.start_action {
        Some(raw) => diags.take(StartAction::parse(raw), &at("start_action")),
        None => Some(StartAction::Trap),
    };
    let description = input.description.clone();
    if let Some(text) = &description {
        let length = text.chars().count();
        if length > DESCRIPTION_MAX_LEN {
            diags.add(
                Problem::error(
                    "Description too long",
                    format!("The description has {length} characters; at most {DESCRIPTION_MAX_LEN} are allowed."),
                ),
                at("description"),
            );
        }
    }

    if diags.has_error() {
        return (None, diags);
    }
    // Every `None` above recorded an error, so with no error all are `Some`.
    let connection = (|| {
        Some(Connection {
            name: name?,
            peer_address: peer_address?,
            local_address: local_address?,
            preshared_key: preshared_key?,
            ike_version: ike_version?,
            phase1: phase1?,
            phase2: phase2?,
            perfect_forward_secrecy: pfs,
            local_subnets: local_subnets?,
            start_action: start_action?,
            description,
        })
    })();
    (connection, diags)
}

fn preshared_key(input: &ConnectionInput, diags: &mut Diagnostics) -> Option<PresharedKey> {
    match (&input.preshared_key, &input.preshared_key_wo) {
        (Some(key), None) => diags.take(
            PresharedKey::parse(key),
            &AttributePath::root("preshared_key"),
        ),
        (None, Some(key)) => diags.take(
            PresharedKey::parse(key),
            &AttributePath::root("preshared_key_wo"),
        ),
        (Some(_), Some(_)) => {
            diags.add(
                Problem::error(
                    "Conflicting pre-shared keys",
                    "Both preshared_key and preshared_key_wo are set; set exactly one of them.",
                ),
                AttributePath::root("preshared_key_wo"),
            );
            None
        }
        (None, None) => {
            diags.add(
                Problem::error(
                    "Missing pre-shared key",
                    "Set exactly one of preshared_key or preshared_key_wo (write-only, Terraform 1.11 and later).",
                ),
                AttributePath::root("preshared_key"),
            );
            None
        }
    }
}

/// The parts both phases share: encryption, DH group number and keylife, with warnings.
struct PhaseCommon {
    encryption: Option<Encryption>,
    dh_group: Option<DhGroup>,
    keylife: Option<Keylife>,
}

fn phase_common(
    input: &PhaseInput,
    defaults: (Encryption, DhGroup, Keylife),
    path: &AttributePath,
    diags: &mut Diagnostics,
) -> PhaseCommon {
    let encryption = parse_or(
        &input.encryption,
        Encryption::parse,
        defaults.0,
        &path.attr("encryption"),
        diags,
    );
    if let Some(weak) = encryption.and_then(Encryption::weakness) {
        diags.add(weak, path.attr("encryption"));
    }
    let dh_group = match input.dh_group {
        Some(n) => diags.take(DhGroup::from_number(n), &path.attr("dh_group")),
        None => Some(defaults.1),
    };
    if let Some(weak) = dh_group.and_then(DhGroup::weakness) {
        diags.add(weak, path.attr("dh_group"));
    }
    let keylife = match input.keylife {
        Some(n) => diags.take(Keylife::from_seconds(n), &path.attr("keylife")),
        None => Some(defaults.2),
    };
    PhaseCommon {
        encryption,
        dh_group,
        keylife,
    }
}

fn phase1(input: &PhaseInput, diags: &mut Diagnostics) -> Option<Phase1> {
    let path = AttributePath::root("phase1");
    let d = Phase1::DEFAULT;
    let common = phase_common(input, (d.encryption, d.dh_group, d.keylife), &path, diags);
    let authentication = parse_or(
        &input.authentication,
        Authentication::parse,
        d.authentication,
        &path.attr("authentication"),
        diags,
    );
    if let Some(weak) = authentication.and_then(Authentication::weakness) {
        diags.add(weak, path.attr("authentication"));
    }
    if common.dh_group == Some(DhGroup::None) {
        diags.add(
            Problem::error(
                "Phase 1 needs a Diffie-Hellman group",
                "dh_group 0 (none) is only valid in phase 2 without perfect forward secrecy; \
                 the IKE SA always performs a DH exchange. Use 14 or better (19, 20, 31).",
            ),
            path.attr("dh_group"),
        );
        return None;
    }
    Some(Phase1 {
        encryption: common.encryption?,
        authentication: authentication?,
        dh_group: common.dh_group?,
        keylife: common.keylife?,
    })
}

fn phase2(input: &PhaseInput, pfs: bool, diags: &mut Diagnostics) -> Option<Phase2> {
    let path = AttributePath::root("phase2");
    let d = Phase2::DEFAULT;
    let common = phase_common(input, (d.encryption, d.dh_group, d.keylife), &path, diags);
    let aead = common.encryption.is_some_and(Encryption::is_aead);
    let authentication = match (&input.authentication, aead) {
        (Some(raw), true) => {
            diags.add(
                Problem::error(
                    "Authentication not allowed with GCM",
                    format!(
                        "phase2.encryption {} is an AEAD cipher that authenticates by itself, so \
                         phase2.authentication must be omitted (it was set to {raw:?}).",
                        common.encryption.map(Encryption::name).unwrap_or_default()
                    ),
                ),
                path.attr("authentication"),
            );
            // Keep going: the PFS rule below is independent and must be reported too.
            None
        }
        (None, true) => Some(None),
        (raw, false) => {
            let parsed = parse_or(
                raw,
                Authentication::parse,
                Authentication::Sha256,
                &path.attr("authentication"),
                diags,
            );
            if let Some(weak) = parsed.and_then(Authentication::weakness) {
                diags.add(weak, path.attr("authentication"));
            }
            parsed.map(Some)
        }
    };
    if pfs && common.dh_group == Some(DhGroup::None) {
        diags.add(
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
        encryption: common.encryption?,
        authentication: authentication?,
        dh_group: common.dh_group?,
        keylife: common.keylife?,
    })
}

fn local_subnets(raw: &[String], diags: &mut Diagnostics) -> Option<BTreeSet<Cidr>> {
    let path = AttributePath::root("local_subnets");
    if raw.is_empty() {
        diags.add(
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
                diags.add(problem, path.clone());
            }
        }
    }
    let list: Vec<&Cidr> = subnets.iter().collect();
    for (i, a) in list.iter().enumerate() {
        for b in &list[i + 1..] {
            if a.overlaps(b) {
                ok = false;
                diags.add(
                    Problem::error(
                        "Overlapping local subnets",
                        format!("Local subnets {a} and {b} overlap; list each network once, without overlaps."),
                    ),
                    path.clone(),
                );
            }
        }
    }
    ok.then_some(subnets)
}

fn parse_or<T: Copy>(
    raw: &Option<String>,
    parse: fn(&str) -> Result<T, Problem>,
    default: T,
    path: &AttributePath,
    diags: &mut Diagnostics,
) -> Option<T> {
    match raw {
        Some(raw) => diags.take(parse(raw), path),
        None => Some(default),
    }
}
