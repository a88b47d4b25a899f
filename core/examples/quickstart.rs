//! Applies the quickstart context (one tunnel, two remote subnets, one NAT context) to
//! the embedded `local` engine and prints where the generated files are.
//!
//! `cargo run -p ipsec-core --example quickstart [config_dir]` (default `.ipsec-gateway`).

use std::collections::BTreeMap;
use std::process::ExitCode;

use ipsec_core::engine::LocalGateway;
use ipsec_core::gateway::ops::{self, Mode};
use ipsec_core::model::{ConnectionName, NatTable};
use ipsec_core::validate::{
    ConnectionInput, NatContextInput, PhaseInput, RemoteSubnetInput, TranslationInput,
};
use ipsec_core::{ApplyError, Diagnostics};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| ".ipsec-gateway".to_owned());
    match run(&dir).await {
        Ok(warnings) => {
            for warning in &warnings {
                eprintln!("{warning}");
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{}", error.into_diagnostics());
            ExitCode::FAILURE
        }
    }
}

async fn run(dir: &str) -> Result<Diagnostics, ApplyError> {
    let gateway = LocalGateway::open(dir, NatTable::default())?;
    let connection = ConnectionInput {
        name: "dc1".into(),
        peer_address: "203.0.113.10".into(),
        preshared_key: Some(
            std::env::var("IPSEC_EXAMPLE_PSK").unwrap_or_else(|_| "example-only-change-me".into()),
        ),
        phase1: PhaseInput::default(),
        phase2: PhaseInput::default(),
        local_subnets: vec!["10.1.0.0/16".into()],
        description: Some("Quickstart: primary data centre".into()),
        ..ConnectionInput::default()
    };
    let name = ConnectionName::parse("dc1")
        .map_err(|p| ApplyError::Rejected(p.at(Default::default()).into()))?;
    let exists = ipsec_core::Gateway::get(&gateway, &name).await?.is_some();
    let mode = if exists { Mode::Update } else { Mode::Create };
    let mut warnings = ops::put_connection(&gateway, &connection, mode)
        .await?
        .warnings;
    for cidr in ["192.168.10.0/24", "192.168.20.0/24"] {
        let subnet = RemoteSubnetInput {
            connection: "dc1".into(),
            cidr: cidr.into(),
        };
        let stored = ipsec_core::Gateway::get(&gateway, &name).await?;
        if !stored.is_some_and(|c| c.remote_subnets.iter().any(|r| r.to_string() == cidr)) {
            warnings.extend(ops::create_remote_subnet(&gateway, &subnet).await?.warnings);
        }
    }
    let nat = NatContextInput {
        connection: "dc1".into(),
        static_nat_subnet: "10.1.255.88/29".into(),
        translations: BTreeMap::from([(
            "billing-db".to_owned(),
            TranslationInput {
                local_ip: "10.1.255.92".into(),
                customer_ip: "192.168.10.15".into(),
            },
        )]),
    };
    let has_nat = ipsec_core::Gateway::get(&gateway, &name)
        .await?
        .is_some_and(|c| c.nat.is_some());
    let mode = if has_nat { Mode::Update } else { Mode::Create };
    warnings.extend(ops::put_nat_context(&gateway, &nat, mode).await?.warnings);
    println!(
        "strongSwan config: {}",
        gateway.swanctl_path(&name).display()
    );
    println!(
        "nftables NAT:      {}",
        gateway.nftables_path(&name).display()
    );
    Ok(warnings)
}
