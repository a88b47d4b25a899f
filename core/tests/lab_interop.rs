//! The live test lab (`scripts/lab`) is a faithful stand-in for two real gateways: two
//! charons in network namespaces negotiate hand-written tunnels with each other, carry
//! the hosts' traffic (and only through the tunnel), speak the classic algorithms old
//! peers need, and do static 1:1 NAT through the tunnel with nftables.
//!
//! Each test builds its own lab (a few hundred milliseconds) and removes it when done,
//! also on failure, after printing both gateways' SAs and charon log tails. Needs root, network namespaces and Debian's strongSwan and nftables;
//! see `ipsec_test_support::lab`. `IPSEC_SKIP_SYSTEM_TESTS=1` skips these tests.

use ipsec_test_support::lab::*;

/// IKEv2 with the default suite: nothing passes between the sites before the tunnel;
/// once gwA initiates, both gateways hold the SA and hostA reaches hostB through it.
#[test]
fn ikev2_default_suite_carries_traffic_only_through_the_tunnel() {
    if skip_system_tests() {
        return;
    }
    let lab = Lab::up("ikev2");
    Tunnel::DEFAULT.load(&lab);

    assert!(
        !lab.ping("hostA", HOST_B),
        "hostA reaches hostB without a tunnel: the lab has a clear-text path"
    );
    assert!(
        !lab.ping("custB", HOST_A),
        "custB reaches hostA without a tunnel"
    );

    lab.initiate("gwA", "net");
    for gw in GATEWAYS {
        let sas = lab.list_sas(gw);
        for expected in [
            "ESTABLISHED, IKEv2",
            "AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048",
            "INSTALLED, TUNNEL-in-UDP, ESP:AES_CBC-256/HMAC_SHA2_256_128",
        ] {
            assert!(sas.contains(expected), "{gw}: no {expected:?} in\n{sas}");
        }
    }

    let before = GATEWAYS.map(|gw| lab.child_bytes(gw));
    assert!(
        lab.ping("hostA", HOST_B),
        "hostA cannot reach hostB through the tunnel"
    );
    assert!(
        lab.ping("custB", HOST_A),
        "custB cannot reach hostA through the tunnel"
    );
    for (gw, (bytes_in, bytes_out)) in GATEWAYS.into_iter().zip(before) {
        let (now_in, now_out) = lab.child_bytes(gw);
        assert!(
            now_in > bytes_in && now_out > bytes_out,
            "{gw}: the child SA's byte counters did not rise: in {bytes_in} -> {now_in}, out {bytes_out} -> {now_out}"
        );
    }

    lab.terminate("gwA", "lab");
    assert!(
        !lab.ping("hostA", HOST_B),
        "hostA still reaches hostB after the tunnel closed"
    );
}

/// What the lab's charons negotiate: (IKE version, IKE proposal, ESP proposal, the IKE SA
/// and the CHILD SA as `swanctl --list-sas` shows them).
#[rustfmt::skip]
const NEGOTIATED: [(u8, &str, &str, &str, &str); 7] = [
    (1, "3des-md5-modp1024",    "3des-md5-modp1024",    "3DES_CBC/HMAC_MD5_96/PRF_HMAC_MD5/MODP_1024",             "ESP:3DES_CBC/HMAC_MD5_96/MODP_1024"),
    (1, "3des-md5-modp1024",    "aes128-sha1-modp1024", "3DES_CBC/HMAC_MD5_96/PRF_HMAC_MD5/MODP_1024",             "ESP:AES_CBC-128/HMAC_SHA1_96/MODP_1024"),
    (1, "3des-md5-modp1024",    "des-md5-modp1024",     "3DES_CBC/HMAC_MD5_96/PRF_HMAC_MD5/MODP_1024",             "ESP:DES_CBC/HMAC_MD5_96/MODP_1024"),
    (1, "des-sha1-modp768",     "des-sha1-modp768",     "DES_CBC/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_768",             "ESP:DES_CBC/HMAC_SHA1_96/MODP_768"),
    (1, "aes128-sha1-modp1536", "3des-sha1-modp1536",   "AES_CBC-128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1536",        "ESP:3DES_CBC/HMAC_SHA1_96/MODP_1536"),
    // IKEv2's first CHILD_SA has no DH exchange of its own: its ESP lists no group.
    (2, "3des-md5-modp1024",    "3des-md5-modp1024",    "3DES_CBC/HMAC_MD5_96/PRF_HMAC_MD5/MODP_1024",             "ESP:3DES_CBC/HMAC_MD5_96"),
    (2, "aes256-sha512-ecp521", "aes256gcm16-modp2048", "AES_CBC-256/HMAC_SHA2_512_256/PRF_HMAC_SHA2_512/ECP_521", "ESP:AES_GCM_16-256"),
];

/// What Debian's charon 5.9.8 negotiates from the classic set, over IKEv1 (main mode,
/// quick mode with PFS) and IKEv2, with the lab's plugins (`scripts/lab`). Findings:
/// - DES and 3DES (IKE and ESP) come from the `gcrypt` plugin: Debian ships no `des`
///   plugin. MD5 and SHA1 come from `md5`/`sha1` with `hmac`; DH 1, 2 and 5
///   (modp768/1024/1536) from `gmp`. Every one of them negotiates, in IKEv1 and IKEv2,
///   and kernel-libipsec (userspace ESP) carries traffic with each.
/// - `openssl` adds the ECP groups 19/20/21 and `gcm` the AES-GCM ciphers of the
///   product's algorithm list: without them such proposals find no match.
#[test]
fn classic_algorithms_negotiate_and_carry_traffic() {
    if skip_system_tests() {
        return;
    }
    let lab = Lab::up("classic");
    for (version, ike, esp, ike_sa, child_sa) in NEGOTIATED {
        let tunnel = Tunnel {
            version,
            ike,
            esp,
            ..Tunnel::DEFAULT
        };
        tunnel.load(&lab);
        lab.initiate("gwA", "net");
        for gw in GATEWAYS {
            let sas = lab.list_sas(gw);
            let established = format!("ESTABLISHED, IKEv{version}");
            for expected in [established.as_str(), ike_sa, child_sa] {
                assert!(
                    sas.contains(expected),
                    "IKEv{version} {ike} / ESP {esp}: {gw} has no {expected:?} in\n{sas}"
                );
            }
        }
        assert!(
            lab.ping("hostA", HOST_B),
            "IKEv{version} {ike} / ESP {esp}: no traffic through the tunnel"
        );
        lab.terminate("gwA", "lab");
    }
}

/// Static 1:1 NAT on gwA through the tunnel, as the product sets it up: 10.1.255.92
/// (inside site A) stands for the customer host custB (192.168.20.15), in both directions.
#[test]
fn static_nat_on_gwa_through_the_tunnel() {
    if skip_system_tests() {
        return;
    }
    const LOCAL_IP: &str = "10.1.255.92";
    let lab = Lab::up("nat");
    lab.nft(
        "gwA",
        &format!(
            "table inet labnat {{
  chain p {{
    type nat hook prerouting priority dstnat;
    ip daddr {LOCAL_IP} dnat ip to {CUST_B}
  }}
  chain q {{
    type nat hook postrouting priority srcnat;
    ip saddr {CUST_B} snat ip to {LOCAL_IP}
  }}
}}
"
        ),
    );
    // Observers: who hostA and custB see pinging them.
    for (node, peer) in [("hostA", LOCAL_IP), ("hostA", CUST_B), ("custB", HOST_A)] {
        lab.nft(
            node,
            &format!(
                "table inet seen {{
  chain from_{} {{
    type filter hook input priority filter;
    ip saddr {peer} icmp type echo-request counter
  }}
}}
",
                peer.replace('.', "_")
            ),
        );
    }
    let seen = |node: &str, peer: &str| {
        lab.counted(
            node,
            "inet seen",
            &format!("from_{}", peer.replace('.', "_")),
        )
    };
    // Only the customer network is in this tunnel.
    let tunnel = Tunnel {
        site_b: &[LAN_CUST],
        ..Tunnel::DEFAULT
    };
    tunnel.load(&lab);
    assert!(
        !lab.ping("hostA", LOCAL_IP),
        "hostA reaches the NAT address without a tunnel"
    );

    lab.initiate("gwA", "net");
    assert!(
        lab.ping("hostA", LOCAL_IP),
        "hostA cannot reach custB at {LOCAL_IP}"
    );
    assert!(seen("custB", HOST_A) > 0, "custB did not see hostA's pings");
    assert!(
        lab.ping("custB", HOST_A),
        "custB cannot reach hostA through the tunnel"
    );
    assert!(
        seen("hostA", LOCAL_IP) > 0,
        "hostA did not see custB's pings as coming from {LOCAL_IP}"
    );
    assert_eq!(
        seen("hostA", CUST_B),
        0,
        "custB's own address reached hostA untranslated"
    );
    assert!(
        !lab.ping("hostA", HOST_B),
        "hostB is reachable, but its LAN is not in this tunnel"
    );
}

/// `scripts/lab down` (run when a `Lab` drops) leaves nothing behind: no namespace, no
/// charon, no directory.
#[test]
fn a_dropped_lab_leaves_nothing_behind() {
    if skip_system_tests() {
        return;
    }
    let lab = Lab::up("drop");
    let name = lab.name().to_owned();
    let dir = lab.dir().to_owned();
    let pids: Vec<String> = GATEWAYS
        .iter()
        .map(|gw| {
            std::fs::read_to_string(dir.join(gw).join("charon.pid"))
                .unwrap()
                .trim()
                .to_owned()
        })
        .collect();
    for pid in &pids {
        assert!(running(pid), "charon {pid} is not running in lab {name}");
    }
    if std::env::var_os("IPSEC_LAB_KEEP").is_some() {
        return;
    }
    drop(lab);

    let namespaces = std::fs::read_dir("/run/netns")
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(&format!("{name}-")))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    assert!(
        namespaces.is_empty(),
        "namespaces left behind: {namespaces:?}"
    );
    assert!(!dir.exists(), "{} left behind", dir.display());
    for pid in &pids {
        assert!(!running(pid), "charon {pid} still runs");
    }
}

/// Whether a process runs (a zombie waiting for its reaper does not count).
fn running(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| {
            let state = stat
                .rsplit(')')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .next();
            !matches!(state, Some("Z" | "X") | None)
        })
        .unwrap_or(false)
}
