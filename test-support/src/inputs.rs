//! The seed's classic example as inputs and as a context, and small helpers the core
//! tests share (a `local` engine, a snapshot of a directory's files).

use std::collections::BTreeMap;
use std::path::Path;

use ipsec_core::model::Cidr;
use ipsec_core::model::{ConnectionName, Context};
use ipsec_core::validate::{
    validate_connection, validate_nat_context, ConnectionInput, NatContextInput, PhaseInput,
    TranslationInput,
};

/// The test key used everywhere; tests assert it never leaks.
pub const PSK: &str = "correct horse battery staple";

/// The seed's classic connection: AES256/SHA256, DH 14 in both phases, PFS on.
pub fn classic_input() -> ConnectionInput {
    ConnectionInput {
        name: "dc1".into(),
        peer_address: "203.0.113.10".into(),
        preshared_key: Some(PSK.into()),
        phase1: phase("AES256", Some("SHA256"), 14, 28800),
        phase2: phase("AES256", Some("SHA256"), 14, 3600),
        perfect_forward_secrecy: Some(true),
        local_subnets: vec!["10.1.0.0/16".into()],
        ..ConnectionInput::default()
    }
}

/// A phase with every field set.
pub fn phase(
    encryption: &str,
    authentication: Option<&str>,
    dh_group: i64,
    keylife: i64,
) -> PhaseInput {
    PhaseInput {
        encryption: Some(encryption.into()),
        authentication: authentication.map(Into::into),
        dh_group: Some(dh_group),
        keylife: Some(keylife),
        additional_proposals: Vec::new(),
    }
}

/// The seed's NAT: billing-db 10.1.255.92 -> 192.168.10.15 in 10.1.255.88/29.
pub fn classic_nat_input(connection: &str) -> NatContextInput {
    nat_input(
        connection,
        "10.1.255.88/29",
        &[("billing-db", "10.1.255.92", "192.168.10.15")],
    )
}

/// A NAT context of `connection` in `subnet` with `(name, local_ip, customer_ip)`
/// translations.
pub fn nat_input(
    connection: &str,
    subnet: &str,
    translations: &[(&str, &str, &str)],
) -> NatContextInput {
    NatContextInput {
        connection: connection.into(),
        static_nat_subnet: subnet.into(),
        translations: translations
            .iter()
            .map(|(name, local, customer)| {
                (
                    name.to_string(),
                    TranslationInput {
                        local_ip: local.to_string(),
                        customer_ip: customer.to_string(),
                    },
                )
            })
            .collect(),
    }
}

/// Builds a valid context from inputs, panicking with the diagnostics if it is not.
pub fn context(input: &ConnectionInput, remote: &[&str], nat: Option<&NatContextInput>) -> Context {
    let (connection, diags) = validate_connection(input);
    let connection = connection.unwrap_or_else(|| panic!("fixture is invalid:\n{diags}"));
    let nat = nat.map(|n| {
        let (nat, diags) = validate_nat_context(n);
        nat.unwrap_or_else(|| panic!("fixture is invalid:\n{diags}"))
            .1
    });
    Context {
        connection,
        remote_subnets: remote.iter().map(|r| Cidr::parse(r).unwrap()).collect(),
        unmanaged_remote_subnets: Default::default(),
        nat,
    }
}

/// The classic context with two remote subnets and the classic NAT.
pub fn classic_context() -> Context {
    context(
        &classic_input(),
        &["192.168.10.0/24", "192.168.20.0/24"],
        Some(&classic_nat_input("dc1")),
    )
}

/// A connection name known to be valid.
pub fn name(raw: &str) -> ConnectionName {
    ConnectionName::parse(raw).unwrap()
}

/// Every file under `dir` (relative path -> contents), for before/after comparisons.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// A `local` engine on `dir` with the default NAT table.
pub fn open_local(dir: &Path) -> ipsec_core::engine::LocalGateway {
    ipsec_core::engine::LocalGateway::open(dir, ipsec_core::model::NatTable::default()).unwrap()
}

/// A remote subnet of `connection`.
pub fn subnet(connection: &str, cidr: String) -> ipsec_core::validate::RemoteSubnetInput {
    ipsec_core::validate::RemoteSubnetInput {
        connection: connection.into(),
        cidr,
    }
}

/// The classic connection `dc1` with one remote subnet (192.168.10.0/24) and the
/// classic NAT, created on `gateway` through the resource operations, in that order.
pub async fn create_classic_site(gateway: &dyn ipsec_core::Gateway) {
    use ipsec_core::gateway::ops::{self, Mode};
    ops::put_connection(gateway, &classic_input(), Mode::Create)
        .await
        .unwrap();
    ops::create_remote_subnet(gateway, &subnet("dc1", "192.168.10.0/24".into()))
        .await
        .unwrap();
    ops::put_nat_context(gateway, &classic_nat_input("dc1"), Mode::Create)
        .await
        .unwrap();
}
