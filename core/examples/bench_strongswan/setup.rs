//! What the benchmark loads (N connections with two remote subnets each), the engine
//! opened on the benchmark's charon, and charon's state between the stages.

use std::path::Path;
use std::process::Command;

use ipsec_core::engine::strongswan::bench::EngineSteps;
use ipsec_core::engine::strongswan::ViciUri;
use ipsec_core::engine::StrongswanGateway;
use ipsec_core::model::{Cidr, ConnectionName, Context, NatTable};
use ipsec_core::validate::{validate_connection, ConnectionInput, PhaseInput};

use crate::Result;
use ipsec_test_support::charon::Charon;

/// Phase 2 keylives the changed connection alternates between.
pub const KEYLIFE: i64 = 3600;
pub const CHANGED_KEYLIFE: i64 = 1800;

/// N: `BENCH_CONNECTIONS`, 1000 by default.
pub fn connections() -> Result<usize> {
    let n: usize = match std::env::var("BENCH_CONNECTIONS") {
        Ok(raw) => raw.parse()?,
        Err(_) => 1000,
    };
    if !(2..=16000).contains(&n) {
        return Err(format!("BENCH_CONNECTIONS must be 2..=16000, not {n}").into());
    }
    Ok(n)
}

/// The connection that is changed, among n.
pub fn changed(n: usize) -> usize {
    n / 2
}

/// The phase 2 keylife `from` and `to` of the `round`th change, starting from
/// [`KEYLIFE`].
pub fn keylife_toggle(round: usize) -> (i64, i64) {
    if round % 2 == 0 {
        (KEYLIFE, CHANGED_KEYLIFE)
    } else {
        (CHANGED_KEYLIFE, KEYLIFE)
    }
}

pub fn conn_name(i: usize) -> String {
    format!("c{i:04}")
}

pub fn name(raw: &str) -> ConnectionName {
    ConnectionName::parse(raw).expect("benchmark names are valid")
}

fn phase(keylife: i64) -> PhaseInput {
    PhaseInput {
        encryption: Some("AES256".into()),
        authentication: Some("SHA256".into()),
        dh_group: Some(14),
        keylife: Some(keylife),
        additional_proposals: Vec::new(),
    }
}

/// Connection `i`: its own peer (198.18.0.0/15) and local subnet (10.0.0.0/8).
pub fn connection_input(i: usize, phase2_keylife: i64) -> ConnectionInput {
    ConnectionInput {
        name: conn_name(i),
        peer_address: format!("198.18.{}.{}", i / 250, i % 250 + 1),
        preshared_key: Some(format!("bench-only-key-{i:04}-not-a-secret")),
        phase1: phase(28800),
        phase2: phase(phase2_keylife),
        perfect_forward_secrecy: Some(true),
        local_subnets: vec![format!("10.{}.{}.0/24", i / 256, i % 256)],
        start_action: Some("trap".into()),
        ..ConnectionInput::default()
    }
}

/// The two remote subnets of connection `i` (in 100.64.0.0/10).
pub fn remote_subnets(i: usize) -> [String; 2] {
    let (a, b) = (64 + i / 256, i % 256);
    [format!("100.{a}.{b}.0/25"), format!("100.{a}.{b}.128/25")]
}

/// The whole context of connection `i`, as the operations leave it.
pub fn context(i: usize, phase2_keylife: i64) -> Result<Context> {
    let (connection, diags) = validate_connection(&connection_input(i, phase2_keylife));
    let connection = connection.ok_or_else(|| format!("invalid benchmark input:\n{diags}"))?;
    let mut context = Context::new(connection);
    for cidr in remote_subnets(i) {
        context
            .remote_subnets
            .insert(Cidr::parse(&cidr).map_err(|p| p.detail)?);
    }
    Ok(context)
}

pub fn vici_uri(charon: &Charon) -> Result<ViciUri> {
    Ok(ViciUri::parse(&charon.vici_uri()).ok_or("bad VICI URI")?)
}

/// The engine on config dir `dir`, against the benchmark's charon and its namespace.
pub async fn open(dir: &Path, charon: &Charon) -> Result<StrongswanGateway> {
    Ok(StrongswanGateway::open(
        dir,
        NatTable::default(),
        vici_uri(charon)?,
        Some(charon.netns().to_owned()),
    )
    .await?)
}

/// The engine's own steps against the benchmark's charon.
pub fn engine_steps(charon: &Charon) -> Result<EngineSteps> {
    Ok(EngineSteps::new(
        vici_uri(charon)?,
        Some(charon.netns().to_owned()),
    ))
}

/// Fails unless charon has exactly n connections loaded.
pub async fn check_loaded(charon: &Charon, n: usize) -> Result<()> {
    let loaded = engine_steps(charon)?.loaded_conns().await?.len();
    if loaded != n {
        return Err(format!("charon has {loaded} connections loaded, not {n}").into());
    }
    Ok(())
}

/// Stops charon, drops the kernel policies it left (a killed charon does not remove its
/// trap policies) and starts an empty charon in the same namespace.
pub fn restart_clean(charon: &mut Charon) -> Result<()> {
    charon.stop();
    for what in ["policy", "state"] {
        let status = Command::new("ip")
            .args(["netns", "exec", charon.netns(), "ip", "xfrm", what, "flush"])
            .status()?;
        if !status.success() {
            return Err(format!("ip xfrm {what} flush failed").into());
        }
    }
    charon.restart();
    Ok(())
}
