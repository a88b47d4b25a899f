//! The rendered swanctl.conf files are real strongSwan configuration: a charon (started
//! here in a private network and mount namespace, so nothing on the host changes) loads
//! every connection and secret the `local` engine writes, with every algorithm keyword
//! the model can produce, and lists them back as rendered.
//!
//! Needs root and Debian's strongSwan (`apt-get install -y strongswan-charon
//! strongswan-swanctl libstrongswan-extra-plugins libcharon-extra-plugins iproute2`);
//! `.ci/run` installs them. Set `IPSEC_SKIP_SYSTEM_TESTS=1` to skip on a machine that
//! cannot run them.

use ipsec_core::engine::LocalGateway;
use ipsec_core::model::{Authentication, Encryption, NatTable};
use ipsec_core::validate::{ConnectionInput, DpdInput};
use ipsec_core::Gateway;
use ipsec_test_support::charon::Charon;
use ipsec_test_support::inputs::*;

/// Connections that between them use every encryption, authentication and DH keyword.
fn every_algorithm() -> Vec<(ConnectionInput, Vec<&'static str>)> {
    let groups = [1, 2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 31];
    let mut out = Vec::new();
    for (i, encryption) in Encryption::ALL.iter().enumerate() {
        let authentication = Authentication::ALL[i % Authentication::ALL.len()];
        let mut input = classic_input();
        input.name = format!("algo-{i}");
        input.peer_address = format!("203.0.113.{}", 20 + i);
        // IKEv1 has no GCM in phase 1 (a validation error).
        input.ike_version = Some(if encryption.is_aead() {
            2
        } else {
            1 + (i as i64 % 2)
        });
        input.local_subnets = vec![format!("10.{}.0.0/16", 10 + i)];
        input.phase1 = phase(
            encryption.name(),
            Some(authentication.name()),
            groups[i],
            28800,
        );
        let aead = encryption.is_aead();
        input.phase2 = phase(
            encryption.name(),
            (!aead).then_some(authentication.name()),
            groups[groups.len() - 1 - i],
            3600,
        );
        input.perfect_forward_secrecy = Some(i % 3 != 0);
        input.start_action = Some(["none", "trap", "start"][i % 3].into());
        out.push((input, vec!["192.168.50.0/24"]));
    }
    let mut v6 = classic_input();
    v6.name = "v6".into();
    v6.peer_address = "2001:db8::10".into();
    v6.local_address = Some("2001:db8::1".into());
    v6.local_subnets = vec!["fd00:1::/64".into()];
    out.push((v6, vec!["fd00:2::/64", "fd00:3::/64"]));
    let mut described = classic_input();
    described.description = Some("quote \" brace } hash # newline \n done".into());
    out.push((described, vec![]));
    // Two connections to one peer address, told apart by their identities, with DPD.
    for (name, local_id, peer_id, version) in [
        ("ids-a", "gw-a@example.com", "branch-a.example.net", 1),
        ("ids-b", "198.51.100.7", "ops+b@example.net", 2),
    ] {
        let mut ids = classic_input();
        ids.name = name.into();
        ids.peer_address = "203.0.113.90".into();
        ids.local_id = Some(local_id.into());
        ids.peer_id = Some(peer_id.into());
        ids.ike_version = Some(version);
        ids.dpd = DpdInput {
            delay: Some(10),
            timeout: (version == 1).then_some(60),
            action: Some("restart".into()),
        };
        out.push((ids, vec!["192.168.60.0/24"]));
    }
    out
}

#[tokio::test]
async fn charon_loads_every_rendered_connection_and_secret() {
    if std::env::var_os("IPSEC_SKIP_SYSTEM_TESTS").is_some() {
        eprintln!("skipped: IPSEC_SKIP_SYSTEM_TESTS is set");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("gw");
    let gateway = LocalGateway::open(&config, NatTable::default()).unwrap();
    let inputs = every_algorithm();
    for (input, remote) in &inputs {
        gateway.put(&context(input, remote, None)).await.unwrap();
    }
    std::fs::write(
        config.join("swanctl/swanctl.conf"),
        "include conf.d/*.conf\n",
    )
    .unwrap();
    let swanctl_conf = config.join("swanctl/swanctl.conf").display().to_string();

    let charon = Charon::start(dir.path());
    let loaded = charon.swanctl(&["--load-conns", "--file", &swanctl_conf]);
    assert!(
        loaded.contains(&format!("successfully loaded {} connections", inputs.len())),
        "{loaded}"
    );
    let secrets = charon.swanctl(&["--load-creds", "--noprompt", "--file", &swanctl_conf]);
    assert_eq!(
        secrets.matches("loaded ike secret").count(),
        inputs.len(),
        "{secrets}"
    );

    let listed = charon.swanctl(&["--list-conns"]);
    for (input, remote) in &inputs {
        assert!(
            listed.contains(&format!(
                "{}: IKEv{}",
                input.name,
                input.ike_version.unwrap_or(2)
            )),
            "{} missing:\n{listed}",
            input.name
        );
        for cidr in remote.iter().chain(
            input
                .local_subnets
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .iter(),
        ) {
            assert!(listed.contains(cidr), "{cidr} missing:\n{listed}");
        }
    }
    assert!(listed.contains("rekeying every 3600s"), "{listed}");
    for id in [
        "gw-a@example.com",
        "branch-a.example.net",
        "198.51.100.7",
        "ops+b@example.net",
    ] {
        assert!(
            listed.contains(&format!("id: {id}")),
            "{id} missing:\n{listed}"
        );
    }
    assert!(
        listed.contains("reauthentication every 28800s"),
        "IKEv1 rekey_time: {listed}"
    );
}
