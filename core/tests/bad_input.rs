//! Bad input, row by row: what a user may get wrong, where the diagnostic goes and what it
//! says (SPEC.md, "Resources" and "Diagnostics").
//!
//! Every row starts from a fresh `local` gateway holding a valid context — connection
//! `dc1` (peer 203.0.113.10, local 10.1.0.0/16), remote subnets 192.168.10.0/24 and
//! 192.168.20.0/24, and a NAT context with translation `billing-db` 10.1.255.92 →
//! 192.168.10.15 in 10.1.255.88/29 — then applies one valid input spoiled by the row's
//! mutation and requires that
//! - the change is rejected with an error at exactly the row's attribute path whose
//!   summary and detail contain every one of the row's key words (case-sensitive),
//! - no diagnostic ever shows a pre-shared key, and
//! - the config dir is byte-for-byte (and mode-for-mode) what it was: nothing written,
//!   no temporary file left behind.
//!
//! All rows run and every failing row is listed, so one broken rule does not hide another.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use ipsec_core::engine::LocalGateway;
use ipsec_core::gateway::ops::{self, Applied, Mode};
use ipsec_core::model::{Authentication, ConnectionName, DhGroup, Encryption, NatTable};
use ipsec_core::validate::{
    ConnectionInput, NatContextInput, PhaseInput, ProposalInput, RemoteSubnetInput,
    TranslationInput,
};
use ipsec_core::{diag, ApplyError, Diagnostic, Diagnostics, Gateway, Severity};

// ---------------------------------------------------------------------------------------
// The valid baseline
// ---------------------------------------------------------------------------------------

/// The baseline connection's key; it must never appear in any diagnostic.
const DC1_KEY: &str = "correct horse battery staple";
/// The key of the second connection that connection rows try to create.
const DC2_KEY: &str = "tr0ub4dor&3 is not a good key";

/// `dc1` exactly as the baseline creates it (connection rows that update `dc1` start here).
fn dc1() -> ConnectionInput {
    ConnectionInput {
        name: "dc1".into(),
        peer_address: "203.0.113.10".into(),
        preshared_key: Some(DC1_KEY.into()),
        local_subnets: vec!["10.1.0.0/16".into()],
        ..ConnectionInput::default()
    }
}

/// An entry of `additional_proposals`.
fn proposal(encryption: &str, authentication: Option<&str>, dh_group: i64) -> ProposalInput {
    ProposalInput {
        encryption: Some(encryption.into()),
        authentication: authentication.map(Into::into),
        dh_group: Some(dh_group),
    }
}

/// A valid second connection (connection rows that create one start here).
fn dc2() -> ConnectionInput {
    ConnectionInput {
        name: "dc2".into(),
        peer_address: "198.51.100.20".into(),
        preshared_key: Some(DC2_KEY.into()),
        local_subnets: vec!["10.2.0.0/16".into()],
        ..ConnectionInput::default()
    }
}

/// A valid new remote subnet of `dc1` (remote subnet rows start here).
fn new_remote_subnet() -> RemoteSubnetInput {
    remote_subnet("192.168.30.0/24")
}

fn remote_subnet(cidr: &str) -> RemoteSubnetInput {
    RemoteSubnetInput {
        connection: "dc1".into(),
        cidr: cidr.into(),
    }
}

fn translation(local_ip: &str, customer_ip: &str) -> TranslationInput {
    TranslationInput {
        local_ip: local_ip.into(),
        customer_ip: customer_ip.into(),
    }
}

/// The NAT context of `dc1` exactly as the baseline creates it (NAT rows start here).
fn nat() -> NatContextInput {
    NatContextInput {
        connection: "dc1".into(),
        static_nat_subnet: "10.1.255.88/29".into(),
        translations: BTreeMap::from([(
            "billing-db".to_owned(),
            translation("10.1.255.92", "192.168.10.15"),
        )]),
    }
}

fn billing_db(nat: &mut NatContextInput) -> &mut TranslationInput {
    nat.translations
        .get_mut("billing-db")
        .expect("the baseline NAT context has translation billing-db")
}

/// A fresh config dir holding the baseline context.
async fn baseline_gateway() -> (tempfile::TempDir, LocalGateway) {
    let dir = tempfile::tempdir().expect("temporary dir");
    let gateway = LocalGateway::open(dir.path().join("gateway"), NatTable::default())
        .expect("open the local gateway");
    ops::put_connection(&gateway, &dc1(), Mode::Create)
        .await
        .expect("baseline connection dc1");
    for cidr in ["192.168.10.0/24", "192.168.20.0/24"] {
        ops::create_remote_subnet(&gateway, &remote_subnet(cidr))
            .await
            .expect("baseline remote subnet");
    }
    ops::put_nat_context(&gateway, &nat(), Mode::Create)
        .await
        .expect("baseline NAT context");
    (dir, gateway)
}

// ---------------------------------------------------------------------------------------
// The operation a row performs
// ---------------------------------------------------------------------------------------

/// One resource operation with the mutation that spoils its valid input.
#[derive(Clone, Copy)]
enum Op {
    /// `put_connection(Create)` of [`dc2`], mutated.
    CreateConnection(fn(&mut ConnectionInput)),
    /// `put_connection(Update)` of [`dc1`], mutated.
    UpdateConnection(fn(&mut ConnectionInput)),
    /// `create_remote_subnet` of [`new_remote_subnet`], mutated.
    CreateRemoteSubnet(fn(&mut RemoteSubnetInput)),
    /// `put_nat_context(Create)` of [`nat`], mutated.
    CreateNat(fn(&mut NatContextInput)),
    /// `put_nat_context(Update)` of [`nat`], mutated.
    UpdateNat(fn(&mut NatContextInput)),
}

impl Op {
    /// Runs the operation; answers its result and every key that the input carried.
    async fn run(self, gateway: &LocalGateway) -> (Result<Applied, ApplyError>, Vec<String>) {
        let mut keys = vec![DC1_KEY.to_owned(), DC2_KEY.to_owned()];
        let result = match self {
            Op::CreateConnection(mutate) | Op::UpdateConnection(mutate) => {
                let (mut input, mode) = match self {
                    Op::CreateConnection(_) => (dc2(), Mode::Create),
                    _ => (dc1(), Mode::Update),
                };
                mutate(&mut input);
                keys.extend(input.preshared_key.clone());
                keys.extend(input.preshared_key_wo.clone());
                ops::put_connection(gateway, &input, mode).await
            }
            Op::CreateRemoteSubnet(mutate) => {
                let mut input = new_remote_subnet();
                mutate(&mut input);
                ops::create_remote_subnet(gateway, &input).await
            }
            Op::CreateNat(mutate) | Op::UpdateNat(mutate) => {
                let mode = match self {
                    Op::CreateNat(_) => Mode::Create,
                    _ => Mode::Update,
                };
                let mut input = nat();
                mutate(&mut input);
                ops::put_nat_context(gateway, &input, mode).await
            }
        };
        (result, keys)
    }
}

// ---------------------------------------------------------------------------------------
// The specification: one row per bad input
// ---------------------------------------------------------------------------------------

/// One bad input and what the user must be told.
struct Row {
    /// What is wrong, as a user would say it.
    what: &'static str,
    /// The operation and the mutation of its valid input.
    op: Op,
    /// The attribute the error belongs to, as `AttributePath` prints it.
    path: &'static str,
    /// Words the error's summary and detail must contain (case-sensitive).
    says: &'static [&'static str],
}

fn row(what: &'static str, op: Op, path: &'static str, says: &'static [&'static str]) -> Row {
    Row {
        what,
        op,
        path,
        says,
    }
}

use Op::{CreateConnection, CreateNat, CreateRemoteSubnet, UpdateConnection, UpdateNat};

#[rustfmt::skip]
fn rows() -> Vec<Row> {
    vec![
        // ---- ipsec_vpn_connection.name: ^[a-z][a-z0-9_-]{0,62}$, unique on the gateway
        row("name: empty",
            CreateConnection(|c| c.name = String::new()),
            "name", &["Invalid connection name", "it is empty"]),
        row("name: uppercase gets the lowercase spelling suggested",
            CreateConnection(|c| c.name = "DC-Frankfurt".into()),
            "name", &["Invalid connection name", "Did you mean \"dc-frankfurt\"?"]),
        row("name: starts with a digit",
            CreateConnection(|c| c.name = "1dc".into()),
            "name", &["\"1dc\"", "must start with a lowercase letter"]),
        row("name: 64 characters, one too many",
            CreateConnection(|c| c.name = "a".repeat(64)),
            "name", &["64 characters", "at most 63"]),
        row("name: a slash (it becomes a file name)",
            CreateConnection(|c| c.name = "dc/1".into()),
            "name", &["not allowed", "\"/\""]),
        row("name: a trailing newline",
            CreateConnection(|c| c.name = "dc1\n".into()),
            "name", &["not allowed", "\"\\n\""]),
        row("name: a dot gets the dashed spelling suggested",
            CreateConnection(|c| c.name = "dc.1".into()),
            "name", &["not allowed", "Did you mean \"dc-1\"?"]),
        row("name: already exists on the gateway",
            CreateConnection(|c| c.name = "dc1".into()),
            "name", &["already exists", "\"dc1\"", "terraform import ipsec_vpn_connection"]),
        row("name: updating a connection the gateway does not have",
            UpdateConnection(|c| c.name = "dc9".into()),
            "name", &["Connection not found", "\"dc9\""]),

        // ---- peer_address: a static unicast IPv4/IPv6 address
        row("peer_address: a host name",
            CreateConnection(|c| c.peer_address = "vpn.example.com".into()),
            "peer_address", &["\"vpn.example.com\"", "host names are not supported"]),
        row("peer_address: a CIDR gets the address suggested",
            CreateConnection(|c| c.peer_address = "198.51.100.20/32".into()),
            "peer_address", &["CIDR", "did you mean 198.51.100.20?"]),
        row("peer_address: empty",
            CreateConnection(|c| c.peer_address = String::new()),
            "peer_address", &["it is empty"]),
        row("peer_address: surrounding white space",
            CreateConnection(|c| c.peer_address = " 198.51.100.20 ".into()),
            "peer_address", &["white space", "did you mean 198.51.100.20?"]),
        row("peer_address: IPv4 loopback",
            CreateConnection(|c| c.peer_address = "127.0.0.1".into()),
            "peer_address", &["127.0.0.1", "loopback"]),
        row("peer_address: IPv6 loopback",
            CreateConnection(|c| c.peer_address = "::1".into()),
            "peer_address", &["::1", "loopback"]),
        row("peer_address: IPv4-mapped IPv6 loopback",
            CreateConnection(|c| c.peer_address = "::ffff:127.0.0.1".into()),
            "peer_address", &["::ffff:127.0.0.1", "IPv4 address written as IPv6", "write it in IPv4 form: 127.0.0.1"]),
        row("peer_address: IPv4-mapped IPv6 address gets its IPv4 form",
            CreateConnection(|c| c.peer_address = "::ffff:198.51.100.20".into()),
            "peer_address", &["::ffff:198.51.100.20", "IPv4-mapped", "write it in IPv4 form: 198.51.100.20"]),
        row("peer_address: a network is not suggested as the peer",
            CreateConnection(|c| c.peer_address = "203.0.113.0/24".into()),
            "peer_address", &["\"203.0.113.0/24\"", "CIDR", "not a single host address"]),
        row("peer_address: IPv4 link-local",
            CreateConnection(|c| c.peer_address = "169.254.10.20".into()),
            "peer_address", &["169.254.10.20", "link-local"]),
        row("peer_address: IPv6 link-local",
            CreateConnection(|c| c.peer_address = "fe80::20".into()),
            "peer_address", &["fe80::20", "link-local"]),
        row("peer_address: IPv4 unspecified",
            CreateConnection(|c| c.peer_address = "0.0.0.0".into()),
            "peer_address", &["0.0.0.0", "unspecified"]),
        row("peer_address: IPv6 unspecified",
            CreateConnection(|c| c.peer_address = "::".into()),
            "peer_address", &["unspecified"]),
        row("peer_address: IPv4 multicast",
            CreateConnection(|c| c.peer_address = "224.0.0.5".into()),
            "peer_address", &["224.0.0.5", "multicast"]),
        row("peer_address: IPv6 multicast",
            CreateConnection(|c| c.peer_address = "ff02::1".into()),
            "peer_address", &["ff02::1", "multicast"]),
        row("peer_address: broadcast",
            CreateConnection(|c| c.peer_address = "255.255.255.255".into()),
            "peer_address", &["255.255.255.255", "broadcast"]),
        row("peer_address: non-canonical IPv6 gets the canonical spelling",
            CreateConnection(|c| c.peer_address = "2001:DB8::1".into()),
            "peer_address", &["2001:DB8::1", "write it as 2001:db8::1"]),

        // ---- local_address: same rules, same family as the peer
        row("local_address: IPv6 while the peer is IPv4",
            CreateConnection(|c| c.local_address = Some("2001:db8::20".into())),
            "local_address", &["2001:db8::20", "198.51.100.20", "different IP versions"]),
        row("local_address: loopback",
            CreateConnection(|c| c.local_address = Some("127.0.0.1".into())),
            "local_address", &["127.0.0.1", "loopback"]),
        row("local_address: a host name",
            CreateConnection(|c| c.local_address = Some("gw.example.net".into())),
            "local_address", &["host names are not supported"]),
        row("local_address: the same as peer_address",
            CreateConnection(|c| c.local_address = Some("198.51.100.20".into())),
            "local_address", &["198.51.100.20", "the same as peer_address"]),
        row("local_address: IPv4-mapped IPv6 address gets its IPv4 form",
            CreateConnection(|c| c.local_address = Some("::ffff:192.0.2.1".into())),
            "local_address", &["IPv4-mapped", "write it in IPv4 form: 192.0.2.1"]),

        // ---- preshared_key / preshared_key_wo: 8-255 characters, exactly one of them
        row("preshared_key: 7 characters",
            CreateConnection(|c| c.preshared_key = Some("Zq7#xP!".into())),
            "preshared_key", &["7 characters", "between 8 and 255"]),
        row("preshared_key: 256 characters",
            CreateConnection(|c| c.preshared_key = Some("k".repeat(256))),
            "preshared_key", &["256 characters", "between 8 and 255"]),
        row("preshared_key_wo: 7 characters",
            CreateConnection(|c| {
                c.preshared_key = None;
                c.preshared_key_wo = Some("Wq8$yR?".into());
            }),
            "preshared_key_wo", &["7 characters", "between 8 and 255"]),
        row("preshared_key and preshared_key_wo both set",
            CreateConnection(|c| c.preshared_key_wo = Some("write-only but also set".into())),
            "preshared_key_wo", &["preshared_key", "preshared_key_wo", "exactly one"]),
        row("neither preshared_key nor preshared_key_wo",
            CreateConnection(|c| c.preshared_key = None),
            "preshared_key", &["preshared_key", "preshared_key_wo", "exactly one"]),
        row("preshared_key: a NUL character",
            CreateConnection(|c| c.preshared_key = Some("correct\0horse battery".into())),
            "preshared_key", &["Invalid pre-shared key", "control character"]),
        row("preshared_key: an escape sequence",
            CreateConnection(|c| c.preshared_key = Some("correct \u{1b}[31mhorse".into())),
            "preshared_key", &["Invalid pre-shared key", "control character"]),
        row("preshared_key_wo: a line break pasted at the end",
            CreateConnection(|c| {
                c.preshared_key = None;
                c.preshared_key_wo = Some("correct horse battery\r\n".into());
            }),
            "preshared_key_wo", &["Invalid pre-shared key", "control character"]),

        // ---- ike_version: 1 or 2
        row("ike_version: 3",
            CreateConnection(|c| c.ike_version = Some(3)),
            "ike_version", &["3 is not an IKE version", "1 or 2"]),

        row("ike_version: 0",
            CreateConnection(|c| c.ike_version = Some(0)),
            "ike_version", &["0 is not an IKE version", "1 or 2"]),

        // ---- phase1 / phase2 algorithms
        row("phase1.encryption: unknown",
            CreateConnection(|c| c.phase1.encryption = Some("blowfish".into())),
            "phase1.encryption", &["\"blowfish\"", "not a supported encryption algorithm", "AES256GCM16"]),
        row("phase1.encryption: wrong case",
            CreateConnection(|c| c.phase1.encryption = Some("aes256".into())),
            "phase1.encryption", &["\"aes256\"", "Did you mean AES256?"]),
        row("phase1.encryption: GCM with IKEv1",
            CreateConnection(|c| {
                c.ike_version = Some(1);
                c.phase1.encryption = Some("AES256GCM16".into());
            }),
            "phase1.encryption", &["AES256GCM16", "IKEv1", "ike_version = 2", "AES256"]),
        row("phase2.encryption: unknown",
            CreateConnection(|c| c.phase2.encryption = Some("blowfish".into())),
            "phase2.encryption", &["\"blowfish\"", "not a supported encryption algorithm", "3DES"]),
        row("phase2.encryption: wrong case",
            CreateConnection(|c| c.phase2.encryption = Some("aes128gcm16".into())),
            "phase2.encryption", &["Did you mean AES128GCM16?"]),
        row("phase1.authentication: unknown",
            CreateConnection(|c| c.phase1.authentication = Some("whirlpool".into())),
            "phase1.authentication", &["\"whirlpool\"", "not a supported authentication algorithm", "SHA512"]),
        row("phase1.authentication: wrong case",
            CreateConnection(|c| c.phase1.authentication = Some("sha256".into())),
            "phase1.authentication", &["Did you mean SHA256?"]),
        row("phase2.authentication: unknown",
            CreateConnection(|c| c.phase2.authentication = Some("whirlpool".into())),
            "phase2.authentication", &["\"whirlpool\"", "not a supported authentication algorithm"]),
        row("phase2.authentication: a dash and wrong case",
            CreateConnection(|c| c.phase2.authentication = Some("sha-384".into())),
            "phase2.authentication", &["Did you mean SHA384?"]),
        row("phase1.dh_group: 3 is no group",
            CreateConnection(|c| c.phase1.dh_group = Some(3)),
            "phase1.dh_group", &["3 is not a supported Diffie-Hellman group", "14"]),
        row("phase2.dh_group: 3 is no group",
            CreateConnection(|c| c.phase2.dh_group = Some(3)),
            "phase2.dh_group", &["3 is not a supported Diffie-Hellman group"]),
        row("phase1.dh_group: 0 (none) is only for phase 2",
            CreateConnection(|c| c.phase1.dh_group = Some(0)),
            "phase1.dh_group", &["dh_group 0", "only valid in phase 2"]),
        row("phase2.dh_group: 0 with perfect_forward_secrecy = true",
            CreateConnection(|c| {
                c.perfect_forward_secrecy = Some(true);
                c.phase2.dh_group = Some(0);
            }),
            "phase2.dh_group", &["perfect_forward_secrecy", "0 (none)"]),
        row("phase2.dh_group: 0 with perfect_forward_secrecy left at its default (true)",
            CreateConnection(|c| c.phase2.dh_group = Some(0)),
            "phase2.dh_group", &["perfect_forward_secrecy", "0 (none)"]),
        row("phase2.authentication: set with a GCM cipher",
            CreateConnection(|c| {
                c.phase2.encryption = Some("AES256GCM16".into());
                c.phase2.authentication = Some("SHA256".into());
            }),
            "phase2.authentication", &["AES256GCM16", "must be omitted"]),

        // ---- additional proposals: each validated like the primary, at its own path
        row("phase1.additional_proposals[1].encryption: unknown",
            CreateConnection(|c| c.phase1.additional_proposals = vec![
                proposal("AES128", Some("SHA256"), 14),
                proposal("blowfish", Some("SHA256"), 14),
            ]),
            "phase1.additional_proposals[1].encryption", &["\"blowfish\"", "not a supported encryption"]),
        row("phase1.additional_proposals[0].dh_group: 0",
            CreateConnection(|c| c.phase1.additional_proposals = vec![proposal("AES128", Some("SHA256"), 0)]),
            "phase1.additional_proposals[0].dh_group", &["only valid in phase 2"]),
        row("phase1.additional_proposals[0].authentication: missing",
            CreateConnection(|c| c.phase1.additional_proposals = vec![proposal("AES128", None, 14)]),
            "phase1.additional_proposals[0].authentication", &["not set"]),
        row("phase1.additional_proposals[0].encryption: GCM with IKEv1",
            CreateConnection(|c| {
                c.ike_version = Some(1);
                c.phase1.additional_proposals = vec![proposal("AES128GCM16", Some("SHA256"), 14)];
            }),
            "phase1.additional_proposals[0].encryption", &["IKEv1"]),
        row("phase2.additional_proposals[0].authentication: set with a GCM cipher",
            CreateConnection(|c| c.phase2.additional_proposals = vec![proposal("AES256GCM16", Some("SHA256"), 14)]),
            "phase2.additional_proposals[0].authentication", &["AES256GCM16", "must be omitted"]),
        row("phase2.additional_proposals[0].dh_group: 0 with perfect forward secrecy",
            CreateConnection(|c| c.phase2.additional_proposals = vec![proposal("AES128", Some("SHA256"), 0)]),
            "phase2.additional_proposals[0].dh_group", &["perfect_forward_secrecy", "0 (none)"]),

        // ---- keylife: 120 to 172800 seconds in each phase
        row("phase1.keylife: 119 seconds",
            CreateConnection(|c| c.phase1.keylife = Some(119)),
            "phase1.keylife", &["119 seconds", "120 to 172800"]),
        row("phase1.keylife: 172801 seconds",
            CreateConnection(|c| c.phase1.keylife = Some(172_801)),
            "phase1.keylife", &["172801 seconds", "120 to 172800"]),
        row("phase2.keylife: 119 seconds",
            CreateConnection(|c| c.phase2.keylife = Some(119)),
            "phase2.keylife", &["119 seconds", "120 to 172800"]),
        row("phase2.keylife: 172801 seconds",
            CreateConnection(|c| c.phase2.keylife = Some(172_801)),
            "phase2.keylife", &["172801 seconds", "120 to 172800"]),

        // ---- local_subnets: at least one canonical CIDR, no overlaps
        row("local_subnets: empty",
            CreateConnection(|c| c.local_subnets.clear()),
            "local_subnets", &["at least one"]),
        row("local_subnets: host bits set get the network suggested",
            UpdateConnection(|c| c.local_subnets = vec!["10.1.0.5/16".into()]),
            "local_subnets", &["host bits", "did you mean 10.1.0.0/16?"]),
        row("local_subnets: a single address gets a /32 suggested",
            CreateConnection(|c| c.local_subnets = vec!["10.2.0.1".into()]),
            "local_subnets", &["\"10.2.0.1\"", "did you mean 10.2.0.1/32?"]),
        row("local_subnets: an IPv4-mapped IPv6 network gets its IPv4 form",
            CreateConnection(|c| c.local_subnets = vec!["::ffff:10.2.0.0/112".into()]),
            "local_subnets", &["::ffff:10.2.0.0/112", "IPv4-mapped", "write it in IPv4 form: 10.2.0.0/16"]),
        row("local_subnets: only IPv6 on IKEv1 while the remote subnets are IPv4",
            UpdateConnection(|c| {
                c.ike_version = Some(1);
                c.local_subnets = vec!["2001:db8:1::/48".into()];
            }),
            "local_subnets", &["IKEv1", "192.168.10.0/24", "no IPv4 local subnet"]),
        row("local_subnets: overlapping each other",
            CreateConnection(|c| c.local_subnets = vec!["10.2.0.0/16".into(), "10.2.128.0/17".into()]),
            "local_subnets", &["overlap", "10.2.0.0/16", "10.2.128.0/17"]),
        row("local_subnets: overlapping an existing remote subnet",
            UpdateConnection(|c| c.local_subnets.push("192.168.10.0/25".into())),
            "local_subnets", &["overlap", "192.168.10.0/24", "192.168.10.0/25"]),

        // ---- start_action: none, trap or start
        row("start_action: capitalised gets the lowercase value suggested",
            CreateConnection(|c| c.start_action = Some("Start".into())),
            "start_action", &["\"Start\"", "Did you mean start?"]),
        row("start_action: unknown lists the accepted values",
            CreateConnection(|c| c.start_action = Some("always".into())),
            "start_action", &["\"always\"", "none", "trap", "start"]),

        // ---- local_id / peer_id: an address, a domain name or user@domain
        row("peer_id: a newline and a brace cannot reach the file",
            CreateConnection(|c| c.peer_id = Some("vpn.example.com\n}".into())),
            "peer_id", &["Invalid IKE identity", "\"vpn.example.com\\n}\"", "domain name"]),
        row("peer_id: a DN is not one of the three forms",
            CreateConnection(|c| c.peer_id = Some("C=CH, O=example".into())),
            "peer_id", &["Invalid IKE identity", "user@example.com"]),
        row("peer_id: strongSwan's @ prefix gets the plain name suggested",
            CreateConnection(|c| c.peer_id = Some("@branch.example.net".into())),
            "peer_id", &["'@'", "Did you mean \"branch.example.net\"?"]),
        row("peer_id: an incomplete address",
            CreateConnection(|c| c.peer_id = Some("10.1.2".into())),
            "peer_id", &["\"10.1.2\"", "IP address"]),
        row("local_id: a non-canonical IPv6 address gets the canonical spelling",
            CreateConnection(|c| c.local_id = Some("2001:DB8::1".into())),
            "local_id", &["write it as 2001:db8::1"]),
        row("local_id: an email-style identity with a space",
            CreateConnection(|c| c.local_id = Some("gw a@example.com".into())),
            "local_id", &["email-style", "\" \""]),

        // ---- dpd: delay 0-3600, timeout 0-86400, action clear/trap/restart
        row("dpd.delay: negative",
            CreateConnection(|c| c.dpd.delay = Some(-1)),
            "dpd.delay", &["-1 seconds", "0 to 3600", "off"]),
        row("dpd.delay: more than an hour",
            CreateConnection(|c| c.dpd.delay = Some(3601)),
            "dpd.delay", &["3601 seconds", "0 to 3600"]),
        row("dpd.timeout: more than a day",
            CreateConnection(|c| { c.ike_version = Some(1); c.dpd.timeout = Some(86_401) }),
            "dpd.timeout", &["86401 seconds", "0 to 86400"]),
        row("dpd.action: capitalised gets the lowercase value suggested",
            CreateConnection(|c| c.dpd.action = Some("Restart".into())),
            "dpd.action", &["\"Restart\"", "Did you mean restart?"]),
        row("dpd.action: unknown lists the accepted values",
            CreateConnection(|c| c.dpd.action = Some("hold".into())),
            "dpd.action", &["\"hold\"", "clear", "trap", "restart"]),

        // ---- description
        row("description: 4097 characters",
            CreateConnection(|c| c.description = Some("x".repeat(4097))),
            "description", &["4097 characters", "4096"]),

        // ---- what diagnostics repeat of a value: escaped, at most 64 characters
        row("name: a long value is repeated only in part",
            CreateConnection(|c| c.name = "X".repeat(300)),
            "name", &["300 characters", "\"XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX…\""]),
        row("name: an escape sequence is shown escaped",
            CreateConnection(|c| c.name = "dc\u{1b}[2J\u{202e}".into()),
            "name", &["\"dc\\u{1b}[2J\\u{202e}\""]),

        // ---- ipsec_remote_subnet: canonical CIDR, no overlaps, an existing connection
        row("remote subnet: host bits set get the network suggested",
            CreateRemoteSubnet(|s| s.cidr = "192.168.30.5/24".into()),
            "cidr", &["host bits", "did you mean 192.168.30.0/24?"]),
        row("remote subnet: non-canonical IPv6 spelling",
            CreateRemoteSubnet(|s| s.cidr = "2001:DB8:10::/48".into()),
            "cidr", &["write it as 2001:db8:10::/48"]),
        row("remote subnet: not a CIDR",
            CreateRemoteSubnet(|s| s.cidr = "customer-lan".into()),
            "cidr", &["\"customer-lan\"", "CIDR notation"]),
        row("remote subnet: an IPv4-mapped IPv6 network gets its IPv4 form",
            CreateRemoteSubnet(|s| s.cidr = "::ffff:192.168.30.0/120".into()),
            "cidr", &["::ffff:192.168.30.0/120", "IPv4-mapped", "write it in IPv4 form: 192.168.30.0/24"]),
        row("remote subnet: overlaps the local subnet 10.1.0.0/16",
            CreateRemoteSubnet(|s| s.cidr = "10.1.128.0/17".into()),
            "cidr", &["10.1.128.0/17", "overlaps local subnet 10.1.0.0/16"]),
        row("remote subnet: overlaps another remote subnet",
            CreateRemoteSubnet(|s| s.cidr = "192.168.10.128/25".into()),
            "cidr", &["192.168.10.128/25", "overlaps remote subnet 192.168.10.0/24"]),
        row("remote subnet: contains every other remote subnet",
            CreateRemoteSubnet(|s| s.cidr = "192.168.0.0/16".into()),
            "cidr", &["overlaps remote subnet 192.168.20.0/24"]),
        row("remote subnet: overlaps the static_nat_subnet",
            CreateRemoteSubnet(|s| s.cidr = "10.1.255.88/29".into()),
            "cidr", &["static_nat_subnet 10.1.255.88/29"]),
        row("remote subnet: duplicate of an existing one",
            CreateRemoteSubnet(|s| s.cidr = "192.168.10.0/24".into()),
            "cidr", &["already has remote subnet 192.168.10.0/24", "terraform import ipsec_remote_subnet"]),
        row("remote subnet: its connection does not exist",
            CreateRemoteSubnet(|s| s.connection = "dc9".into()),
            "connection_name", &["Connection not found", "\"dc9\""]),
        row("remote subnet: its connection name is invalid",
            CreateRemoteSubnet(|s| s.connection = "DC1".into()),
            "connection_name", &["Invalid connection name", "Did you mean \"dc1\"?"]),

        // ---- ipsec_nat_context
        row("NAT: local_ip outside static_nat_subnet",
            UpdateNat(|n| billing_db(n).local_ip = "10.1.255.100".into()),
            r#"translations["billing-db"].local_ip"#,
            &["10.1.255.100", "not inside static_nat_subnet 10.1.255.88/29"]),
        row("NAT: local_ip is the network address of static_nat_subnet",
            UpdateNat(|n| billing_db(n).local_ip = "10.1.255.88".into()),
            r#"translations["billing-db"].local_ip"#,
            &["10.1.255.88", "network address", "static_nat_subnet 10.1.255.88/29"]),
        row("NAT: local_ip is the broadcast address of static_nat_subnet",
            UpdateNat(|n| billing_db(n).local_ip = "10.1.255.95".into()),
            r#"translations["billing-db"].local_ip"#,
            &["10.1.255.95", "broadcast address", "static_nat_subnet 10.1.255.88/29"]),
        row("NAT: local_ip IPv4-mapped gets its IPv4 form",
            UpdateNat(|n| billing_db(n).local_ip = "::ffff:10.1.255.92".into()),
            r#"translations["billing-db"].local_ip"#,
            &["IPv4-mapped", "write it in IPv4 form: 10.1.255.92"]),
        row("NAT: customer_ip IPv4-mapped gets its IPv4 form",
            UpdateNat(|n| billing_db(n).customer_ip = "::ffff:192.168.10.15".into()),
            r#"translations["billing-db"].customer_ip"#,
            &["IPv4-mapped", "write it in IPv4 form: 192.168.10.15"]),
        row("NAT: static_nat_subnet IPv4-mapped gets its IPv4 form",
            UpdateNat(|n| n.static_nat_subnet = "::ffff:10.1.255.88/125".into()),
            "static_nat_subnet", &["IPv4-mapped", "write it in IPv4 form: 10.1.255.88/29"]),
        row("NAT: local_ip used by two translations",
            UpdateNat(|n| {
                n.translations.insert("crm".into(), translation("10.1.255.92", "192.168.20.7"));
            }),
            r#"translations["crm"].local_ip"#,
            &["10.1.255.92", "already used by translation \"billing-db\""]),
        row("NAT: customer_ip used by two translations",
            UpdateNat(|n| {
                n.translations.insert("crm".into(), translation("10.1.255.93", "192.168.10.15"));
            }),
            r#"translations["crm"].customer_ip"#,
            &["192.168.10.15", "already translated by \"billing-db\""]),
        row("NAT: customer_ip outside every remote subnet",
            UpdateNat(|n| billing_db(n).customer_ip = "192.168.30.15".into()),
            r#"translations["billing-db"].customer_ip"#,
            &["192.168.30.15", "not inside any remote subnet", "192.168.10.0/24", "192.168.20.0/24"]),
        row("NAT: translation name with a space",
            UpdateNat(|n| {
                n.translations.insert("billing db".into(), translation("10.1.255.93", "192.168.20.7"));
            }),
            r#"translations["billing db"]"#,
            &["Invalid translation name", "not allowed", "\" \""]),
        row("NAT: translation name with a quote",
            UpdateNat(|n| {
                n.translations.insert("billing\"db".into(), translation("10.1.255.93", "192.168.20.7"));
            }),
            r#"translations["billing\"db"]"#,
            &["Invalid translation name", "not allowed"]),
        row("NAT: translation name of 65 characters",
            UpdateNat(|n| {
                n.translations.insert("t".repeat(65), translation("10.1.255.93", "192.168.20.7"));
            }),
            r#"translations["ttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt"]"#,
            &["65 characters", "at most 64"]),
        row("NAT: static_nat_subnet with host bits set gets the network suggested",
            UpdateNat(|n| n.static_nat_subnet = "10.1.255.89/29".into()),
            "static_nat_subnet", &["host bits", "did you mean 10.1.255.88/29?"]),
        row("NAT: local_ip IPv4 but customer_ip IPv6",
            UpdateNat(|n| billing_db(n).customer_ip = "2001:db8:10::15".into()),
            r#"translations["billing-db"].customer_ip"#,
            &["10.1.255.92", "2001:db8:10::15", "different IP versions"]),
        row("NAT: customer_ip is a loopback address",
            UpdateNat(|n| billing_db(n).customer_ip = "127.0.0.1".into()),
            r#"translations["billing-db"].customer_ip"#,
            &["127.0.0.1", "not a host address"]),
        row("NAT: its connection does not exist",
            CreateNat(|n| n.connection = "dc9".into()),
            "connection_name", &["Connection not found", "\"dc9\""]),
        row("NAT: its connection name is invalid",
            CreateNat(|n| n.connection = "dc 1".into()),
            "connection_name", &["Invalid connection name", "Did you mean \"dc-1\"?"]),
        row("NAT: a second NAT context for a connection that has one",
            CreateNat(|_| {}),
            "connection_name", &["already has a NAT context", "terraform import ipsec_nat_context"]),
        row("NAT: static_nat_subnet overlaps a remote subnet",
            UpdateNat(|n| {
                n.static_nat_subnet = "192.168.20.0/29".into();
                billing_db(n).local_ip = "192.168.20.4".into();
            }),
            "static_nat_subnet", &["192.168.20.0/29", "overlaps remote subnet 192.168.20.0/24"]),
    ]
}

// ---------------------------------------------------------------------------------------
// The checks
// ---------------------------------------------------------------------------------------

/// Every entry under a dir: relative path → (contents for files, `None` for dirs; mode).
type Snapshot = BTreeMap<PathBuf, (Option<Vec<u8>>, u32)>;

fn snapshot(root: &Path) -> Snapshot {
    fn walk(root: &Path, dir: &Path, into: &mut Snapshot) {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("list {}: {e}", dir.display()))
            .map(|entry| entry.expect("dir entry").path())
            .collect();
        entries.sort();
        for path in entries {
            let meta = fs::symlink_metadata(&path).expect("metadata");
            let relative = path.strip_prefix(root).expect("under root").to_path_buf();
            let mode = meta.permissions().mode();
            if meta.is_dir() {
                into.insert(relative, (None, mode));
                walk(root, &path, into);
            } else {
                let bytes = fs::read(&path).expect("read file");
                into.insert(relative, (Some(bytes), mode));
            }
        }
    }
    let mut all = Snapshot::new();
    walk(root, root, &mut all);
    all
}

/// How two snapshots differ, in words; empty when they are equal.
fn changes(before: &Snapshot, after: &Snapshot) -> Vec<String> {
    let paths: BTreeSet<&PathBuf> = before.keys().chain(after.keys()).collect();
    paths
        .into_iter()
        .filter_map(|path| match (before.get(path), after.get(path)) {
            (Some(_), None) => Some(format!("{} was removed", path.display())),
            (None, Some(_)) => Some(format!("{} appeared", path.display())),
            (Some(a), Some(b)) if a.0 != b.0 => Some(format!("{} changed", path.display())),
            (Some(a), Some(b)) if a.1 != b.1 => Some(format!(
                "{} changed mode {:o} -> {:o}",
                path.display(),
                a.1,
                b.1
            )),
            _ => None,
        })
        .collect()
}

fn text(diagnostic: &Diagnostic) -> String {
    format!("{} {}", diagnostic.summary, diagnostic.detail)
}

/// Whether `diags` holds an error at `path` saying every one of `says`.
fn has_error(diags: &Diagnostics, path: &str, says: &[&str]) -> bool {
    diags.errors().any(|d| {
        let text = text(d);
        d.path.to_string() == path && says.iter().all(|word| text.contains(word))
    })
}

/// The keys among `keys` that `diags` shows anywhere.
fn leaked_keys(diags: &Diagnostics, keys: &[String]) -> Vec<String> {
    let shown = format!("{diags}\n{diags:?}");
    keys.iter()
        .filter(|key| key.chars().count() >= 4 && shown.contains(key.as_str()))
        .map(|key| format!("a pre-shared key of {} characters", key.chars().count()))
        .collect()
}

fn listing(diags: &Diagnostics) -> String {
    if diags.is_empty() {
        return "      (no diagnostics)".to_owned();
    }
    diags
        .iter()
        .map(|d| format!("      {d}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The diagnostics of `op` run against a fresh baseline (of an accepted change: its
/// warnings; of a gateway failure: none).
async fn rejection(op: Op) -> Diagnostics {
    let (_dir, gateway) = baseline_gateway().await;
    match op.run(&gateway).await.0 {
        Err(ApplyError::Rejected(diags)) => diags,
        Err(ApplyError::Gateway(_)) => Diagnostics::new(),
        Ok(applied) => applied.warnings,
    }
}

/// Runs `op` against a fresh baseline and checks it is rejected with `expected` errors
/// (path, key words) and leaves the config dir as it was. Answers what went wrong.
async fn check_rejected(op: Op, expected: &[(&str, &[&str])]) -> Result<(), String> {
    let (_dir, gateway) = baseline_gateway().await;
    let before = snapshot(gateway.config_dir());
    let (result, keys) = op.run(&gateway).await;
    let after = snapshot(gateway.config_dir());

    let mut problems = Vec::new();
    let diags = match result {
        Err(ApplyError::Rejected(diags)) => diags,
        Err(ApplyError::Gateway(error)) => {
            problems.push(format!(
                "failed in the gateway instead of rejecting: {error}"
            ));
            Diagnostics::new()
        }
        Ok(applied) => {
            problems.push("was accepted".to_owned());
            applied.warnings
        }
    };
    if problems.is_empty() && !diags.has_error() {
        problems.push("was rejected without an error diagnostic".to_owned());
    }
    for (path, says) in expected {
        if problems.first().is_some_and(|p| p == "was accepted") {
            break;
        }
        if !has_error(&diags, path, says) {
            problems.push(format!("no error at `{path}` saying {says:?}"));
        }
    }
    for leak in leaked_keys(&diags, &keys) {
        problems.push(format!("a diagnostic shows {leak}"));
    }
    for change in changes(&before, &after) {
        problems.push(format!("the config dir changed: {change}"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}\n    diagnostics:\n{}",
            problems.join("\n    "),
            listing(&diags)
        ))
    }
}

// ---------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn every_bad_input_is_rejected_at_its_attribute_and_writes_nothing() {
    let rows = rows();
    let mut failures = Vec::new();
    for row in &rows {
        if let Err(why) = check_rejected(row.op, &[(row.path, row.says)]).await {
            failures.push(format!("- {}:\n    {why}", row.what));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} bad inputs were not handled as SPEC.md demands:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

#[test]
fn the_table_covers_at_least_45_distinct_bad_inputs() {
    let rows = rows();
    let described: BTreeSet<&str> = rows.iter().map(|r| r.what).collect();
    assert_eq!(
        described.len(),
        rows.len(),
        "row descriptions must be unique"
    );
    assert!(rows.len() >= 45, "only {} rows", rows.len());
    assert!(
        rows.iter().all(|r| !r.says.is_empty()),
        "every row names key words"
    );
}

/// Every diagnostic of the table reads as prose: no sentence ends twice ("did you mean
/// 203.0.113.0?." once did).
#[tokio::test]
async fn no_diagnostic_has_doubled_punctuation() {
    let mut found = Vec::new();
    for row in rows() {
        let diags = rejection(row.op).await;
        for d in diags.iter() {
            for text in [&d.summary, &d.detail] {
                if ["?.", "..", ".?"].iter().any(|p| text.contains(p)) {
                    found.push(format!("- {}: {text}", row.what));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "doubled punctuation:\n{}",
        found.join("\n")
    );
}

/// A value a user pasted by mistake — a whole file, a terminal escape sequence — is
/// repeated in a diagnostic only in part (64 characters) and with its control
/// characters escaped, whichever attribute it was given to.
#[tokio::test]
async fn hostile_values_are_repeated_escaped_and_cut() {
    fn hostile() -> String {
        format!(
            "{}\u{1b}[2J\r\u{7}\u{202e}{}",
            "a".repeat(40),
            "b".repeat(200)
        )
    }
    let ops = [
        CreateConnection(|c| c.name = hostile()),
        CreateConnection(|c| c.peer_address = hostile()),
        CreateConnection(|c| c.local_address = Some(hostile())),
        CreateConnection(|c| c.local_subnets = vec![hostile()]),
        CreateConnection(|c| c.start_action = Some(hostile())),
        CreateConnection(|c| c.local_id = Some(hostile())),
        CreateConnection(|c| c.peer_id = Some(hostile())),
        CreateConnection(|c| c.dpd.action = Some(hostile())),
        CreateConnection(|c| c.phase1.encryption = Some(hostile())),
        CreateConnection(|c| c.phase2.authentication = Some(hostile())),
        CreateConnection(|c| {
            c.phase2.encryption = Some("AES256GCM16".into());
            c.phase2.authentication = Some(hostile());
        }),
        CreateRemoteSubnet(|s| s.cidr = hostile()),
        CreateRemoteSubnet(|s| s.connection = hostile()),
        UpdateNat(|n| n.static_nat_subnet = hostile()),
        UpdateNat(|n| billing_db(n).local_ip = hostile()),
        UpdateNat(|n| billing_db(n).customer_ip = hostile()),
    ];
    let too_long = "b".repeat(diag::ECHO_MAX_CHARS + 1);
    let mut found = Vec::new();
    for (i, op) in ops.into_iter().enumerate() {
        let diags = rejection(op).await;
        if !diags.has_error() {
            found.push(format!("- op {i} was not rejected"));
        }
        for d in diags.iter() {
            let text = text(d);
            if text.chars().any(|c| c.is_control() || c == '\u{202e}') {
                found.push(format!("- op {i} shows a control character: {text:?}"));
            }
            if text.contains(&too_long) {
                found.push(format!(
                    "- op {i} repeats more than 64 characters: {text:?}"
                ));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// A key with white space around it (or of white space only) works, but is easily
/// mistyped on the peer: it is written, with a warning at the key's attribute that
/// does not show the key.
#[tokio::test]
async fn keys_with_surrounding_white_space_are_written_with_a_warning() {
    /// What the key is like, how it is set, where the warning goes, what it says.
    type Case = (
        &'static str,
        fn(&mut ConnectionInput),
        &'static str,
        &'static str,
    );
    let cases: [Case; 3] = [
        (
            "leading and trailing",
            |c| c.preshared_key = Some("  tr0ub4dor&3 key ".into()),
            "preshared_key",
            "begins or ends with white space",
        ),
        (
            "only white space",
            |c| c.preshared_key = Some(" ".repeat(12)),
            "preshared_key",
            "only white space",
        ),
        (
            "trailing, write-only",
            |c| {
                c.preshared_key = None;
                c.preshared_key_wo = Some("tr0ub4dor&3 key\u{a0}".into());
            },
            "preshared_key_wo",
            "begins or ends with white space",
        ),
    ];
    for (what, mutate, path, says) in cases {
        let (_dir, gateway) = baseline_gateway().await;
        let mut input = dc2();
        mutate(&mut input);
        let keys: Vec<String> = input
            .preshared_key
            .iter()
            .chain(&input.preshared_key_wo)
            .cloned()
            .collect();
        let applied = match ops::put_connection(&gateway, &input, Mode::Create).await {
            Ok(applied) => applied,
            Err(error) => panic!("{what}: rejected:\n{}", error.into_diagnostics()),
        };
        let warnings = &applied.warnings;
        assert!(
            warnings
                .warnings()
                .any(|d| d.path.to_string() == path && text(d).contains(says)),
            "{what}: no warning at `{path}` saying {says:?}; got:\n{warnings}"
        );
        let shown = format!("{warnings}");
        assert!(
            keys.iter()
                .all(|k| k.trim().is_empty() || !shown.contains(k.trim())),
            "{what}: a warning shows the key"
        );
    }
}

/// The rows fail because of their mutation, not because the baseline is wrong: each
/// operation with its input left as it is succeeds.
#[tokio::test]
async fn the_unspoiled_inputs_are_accepted() {
    let (_dir, gateway) = baseline_gateway().await;
    let dc1_name = ConnectionName::parse("dc1").expect("valid name");
    let stored = gateway
        .get(&dc1_name)
        .await
        .expect("read dc1")
        .expect("dc1 exists");
    assert_eq!(stored.remote_subnets.len(), 2);
    assert!(stored.nat.is_some());
    assert!(gateway.swanctl_path(&dc1_name).is_file());
    assert!(gateway.nftables_path(&dc1_name).is_file());

    for op in [
        CreateConnection(|_| {}),
        UpdateConnection(|_| {}),
        CreateRemoteSubnet(|_| {}),
        UpdateNat(|_| {}),
    ] {
        let (_dir, gateway) = baseline_gateway().await;
        let (result, _) = op.run(&gateway).await;
        if let Err(error) = result {
            panic!(
                "a baseline input was rejected:\n{}",
                error.into_diagnostics()
            );
        }
    }

    let (_dir, gateway) = baseline_gateway().await;
    assert!(ops::delete_nat_context(&gateway, &dc1_name)
        .await
        .expect("delete NAT"));
    let (result, _) = CreateNat(|_| {}).run(&gateway).await;
    if let Err(error) = result {
        panic!(
            "the baseline NAT context was rejected:\n{}",
            error.into_diagnostics()
        );
    }
}

/// One input, several problems: every one is reported at its own attribute, not just the
/// first (the user fixes them all in one round).
#[tokio::test]
async fn several_problems_in_one_input_are_all_reported() {
    type Expected = &'static [(&'static str, &'static [&'static str])];
    let cases: [(&str, Op, Expected); 4] = [
        (
            "a connection with eight problems",
            CreateConnection(|c| {
                c.name = "DC 2".into();
                c.peer_address = "vpn.example.com".into();
                c.preshared_key = Some("Zq7#xP!".into());
                c.ike_version = Some(3);
                c.phase1.keylife = Some(60);
                c.phase2.encryption = Some("aes128".into());
                c.local_subnets = vec!["10.2.0.5/16".into()];
                c.start_action = Some("Start".into());
            }),
            &[
                ("name", &["Did you mean \"dc-2\"?"]),
                ("peer_address", &["host names are not supported"]),
                ("preshared_key", &["7 characters"]),
                ("ike_version", &["1 or 2"]),
                ("phase1.keylife", &["60 seconds"]),
                ("phase2.encryption", &["Did you mean AES128?"]),
                ("local_subnets", &["did you mean 10.2.0.0/16?"]),
                ("start_action", &["Did you mean start?"]),
            ],
        ),
        (
            "phase 2 with GCM plus authentication, and DH group 0 under PFS",
            CreateConnection(|c| {
                c.phase2.encryption = Some("AES256GCM16".into());
                c.phase2.authentication = Some("SHA256".into());
                c.phase2.dh_group = Some(0);
                c.phase2.keylife = Some(100);
            }),
            &[
                ("phase2.authentication", &["must be omitted"]),
                ("phase2.dh_group", &["perfect_forward_secrecy"]),
                ("phase2.keylife", &["100 seconds"]),
            ],
        ),
        (
            "a remote subnet with a bad connection name and host bits",
            CreateRemoteSubnet(|s| {
                s.connection = "DC1".into();
                s.cidr = "192.168.30.5/24".into();
            }),
            &[
                ("connection_name", &["Did you mean \"dc1\"?"]),
                ("cidr", &["did you mean 192.168.30.0/24?"]),
            ],
        ),
        (
            "a NAT context with a bad subnet, a reused local_ip, a bad name and mixed families",
            UpdateNat(|n| {
                n.static_nat_subnet = "10.1.255.89/29".into();
                n.translations
                    .insert("crm".into(), translation("10.1.255.92", "192.168.20.7"));
                n.translations
                    .insert("bad name".into(), translation("10.1.255.93", "2001:db8::7"));
            }),
            &[
                ("static_nat_subnet", &["did you mean 10.1.255.88/29?"]),
                (
                    r#"translations["crm"].local_ip"#,
                    &["already used by translation \"billing-db\""],
                ),
                (r#"translations["bad name"]"#, &["Invalid translation name"]),
                (
                    r#"translations["bad name"].customer_ip"#,
                    &["different IP versions"],
                ),
            ],
        ),
    ];
    let mut failures = Vec::new();
    for (what, op, expected) in cases {
        if let Err(why) = check_rejected(op, expected).await {
            failures.push(format!("- {what}:\n    {why}"));
        }
    }
    assert!(
        failures.is_empty(),
        "not every problem was reported:\n{}",
        failures.join("\n")
    );
}

/// Weak choices are accepted for old peers, with a warning on the attribute naming a
/// stronger replacement, and they are written to the gateway.
#[tokio::test]
async fn weak_choices_are_written_with_warnings_naming_a_stronger_choice() {
    let (_dir, gateway) = baseline_gateway().await;
    let input = ConnectionInput {
        phase1: PhaseInput {
            encryption: Some("3DES".into()),
            authentication: Some("MD5".into()),
            dh_group: Some(2),
            keylife: None,
            additional_proposals: vec![
                proposal("AES256", Some("SHA256"), 14),
                proposal("DES", Some("SHA1"), 5),
            ],
        },
        phase2: PhaseInput {
            encryption: Some("DES".into()),
            authentication: Some("SHA1".into()),
            dh_group: Some(5),
            keylife: None,
            ..PhaseInput::default()
        },
        ..dc2()
    };
    let applied = match ops::put_connection(&gateway, &input, Mode::Create).await {
        Ok(applied) => applied,
        Err(error) => panic!(
            "weak choices must be accepted, got:\n{}",
            error.into_diagnostics()
        ),
    };
    let warnings = &applied.warnings;
    assert!(!warnings.has_error(), "{warnings}");
    let expected: [(&str, &[&str]); 9] = [
        (
            "phase1.additional_proposals[1].encryption",
            &["DES", "use AES256"],
        ),
        (
            "phase1.additional_proposals[1].authentication",
            &["SHA1", "use SHA256"],
        ),
        (
            "phase1.additional_proposals[1].dh_group",
            &["Group 5", "use 14 or better"],
        ),
        ("phase1.encryption", &["3DES", "use AES256"]),
        ("phase1.authentication", &["MD5", "use SHA256"]),
        ("phase1.dh_group", &["Group 2", "use 14 or better"]),
        ("phase2.encryption", &["DES", "use AES256"]),
        ("phase2.authentication", &["SHA1", "use SHA256"]),
        ("phase2.dh_group", &["Group 5", "use 14 or better"]),
    ];
    for (path, says) in expected {
        assert!(
            warnings.iter().any(|d| d.severity == Severity::Warning
                && d.path.to_string() == path
                && says.iter().all(|w| text(d).contains(w))),
            "no warning at `{path}` saying {says:?}; got:\n{warnings}"
        );
    }
    assert!(
        leaked_keys(warnings, &[DC1_KEY.to_owned(), DC2_KEY.to_owned()]).is_empty(),
        "a warning shows the key"
    );

    let name = ConnectionName::parse("dc2").expect("valid name");
    let stored = gateway
        .get(&name)
        .await
        .expect("read dc2")
        .expect("dc2 was written");
    assert_eq!(stored.connection.phase1.encryption, Encryption::TripleDes);
    assert_eq!(stored.connection.phase1.authentication, Authentication::Md5);
    assert_eq!(stored.connection.phase1.dh_group, DhGroup::Modp1024);
    assert_eq!(stored.connection.phase2.encryption, Encryption::Des);
    assert_eq!(
        stored.connection.phase2.authentication,
        Some(Authentication::Sha1)
    );
    assert_eq!(stored.connection.phase2.dh_group, DhGroup::Modp1536);
    let file = fs::read_to_string(gateway.swanctl_path(&name)).expect("dc2's swanctl file");
    assert!(file.contains("3des-md5-modp1024"), "{file}");
    assert!(file.contains("des-sha1-modp1536"), "{file}");
}

/// `dpd.timeout` matters for IKEv1 only: set with IKEv2 (the default) it is a warning at
/// its path, and the connection is still valid; with IKEv1, or left at its default, it
/// says nothing.
#[test]
fn a_dpd_timeout_with_ikev2_is_a_warning_at_dpd_timeout() {
    use ipsec_core::validate::validate_connection;
    let mut input = dc2();
    input.dpd.timeout = Some(60);
    let (connection, diags) = validate_connection(&input);
    assert!(connection.is_some(), "{diags}");
    let [warning] = diags.warnings().collect::<Vec<_>>()[..] else {
        panic!("one warning expected:\n{diags}");
    };
    assert_eq!(warning.path.to_string(), "dpd.timeout");
    assert_eq!(warning.summary, "DPD timeout has no effect with IKEv2");
    input.ike_version = Some(1);
    assert_eq!(validate_connection(&input).1.warnings().count(), 0);
    assert_eq!(validate_connection(&dc2()).1.warnings().count(), 0);
}
