//! The rendered NAT fragments are real nftables: `nft -c` (check only, in a private
//! network namespace so nothing on the host changes) accepts them.
//!
//! Needs root and `nft` (Debian: `apt-get install -y nftables`); `.ci/run` installs it.
//! Set `IPSEC_SKIP_SYSTEM_TESTS=1` to skip on a machine that cannot run them.

use std::process::Command;

use ipsec_core::model::NatTable;
use ipsec_core::render::render_nftables;
use ipsec_core::validate::TranslationInput;
use ipsec_test_support::inputs::*;

fn nft_check(text: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fragment.nft");
    std::fs::write(&path, text).unwrap();
    let output = Command::new("unshare")
        .args(["--net", "nft", "-c", "-f"])
        .arg(&path)
        .output()
        .map_err(|e| format!("cannot run `unshare --net nft`: {e}; install nftables (apt-get install -y nftables) and run as root"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

#[test]
fn rendered_nat_fragments_pass_nft_check() {
    if std::env::var_os("IPSEC_SKIP_SYSTEM_TESTS").is_some() {
        eprintln!("skipped: IPSEC_SKIP_SYSTEM_TESTS is set");
        return;
    }
    let mut several = classic_nat_input("branch-7_b");
    several.translations.insert(
        "web.front_01".into(),
        TranslationInput {
            local_ip: "10.1.255.89".into(),
            customer_ip: "192.168.20.80".into(),
        },
    );
    let mut v6 = classic_nat_input("v6");
    v6.static_nat_subnet = "fd00:1:ffff::/120".into();
    v6.translations.insert(
        "db6".into(),
        TranslationInput {
            local_ip: "fd00:1:ffff::5".into(),
            customer_ip: "fd00:2::15".into(),
        },
    );
    v6.translations.remove("billing-db");
    let mut empty = classic_nat_input("dc1");
    empty.translations.clear();

    let mut connection = classic_input();
    let cases = [
        ("dc1", classic_nat_input("dc1"), vec!["192.168.10.0/24"]),
        (
            "branch-7_b",
            several,
            vec!["192.168.10.0/24", "192.168.20.0/24"],
        ),
        ("v6", v6, vec!["fd00:2::/64"]),
        ("dc1", empty, vec![]),
    ];
    for (conn, nat, remote) in cases {
        connection.name = conn.into();
        connection.local_subnets = vec!["10.1.0.0/16".into(), "fd00:1::/64".into()];
        let context = context(&connection, &remote, Some(&nat));
        for table in [NatTable::default(), NatTable::parse("Gw_2").unwrap()] {
            let text = render_nftables(context.name(), context.nat.as_ref().unwrap(), &table);
            nft_check(&text).unwrap_or_else(|e| panic!("nft rejected:\n{text}\n{e}"));
        }
    }
    // The check can fail: a broken fragment is rejected.
    assert!(nft_check("table inet x { chain y { type nat hook prerouting priority dstnat; ip daddr 1.2.3.4 dnat ip to } }").is_err());
}
