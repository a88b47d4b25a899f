//! The rendered swanctl.conf files are real strongSwan configuration: a charon (started
//! here in a private network and mount namespace, so nothing on the host changes) loads
//! every connection and secret the `local` engine writes, with every algorithm keyword
//! the model can produce, and lists them back as rendered.
//!
//! Needs root and Debian's strongSwan (`apt-get install -y strongswan-charon
//! strongswan-swanctl libstrongswan-extra-plugins libcharon-extra-plugins iproute2`);
//! `.ci/run` installs them. Set `IPSEC_SKIP_SYSTEM_TESTS=1` to skip on a machine that
//! cannot run them.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use ipsec_core::engine::LocalGateway;
use ipsec_core::model::{Authentication, Encryption, NatTable};
use ipsec_core::validate::ConnectionInput;
use ipsec_core::Gateway;

const CHARON: &str = "/usr/lib/ipsec/charon";
const PLUGINS: &str = "random nonce aes des sha1 sha2 md5 hmac kdf gmp curve25519 gcrypt openssl \
                       kernel-netlink socket-default vici";

/// A charon in its own network and mount namespace; stopped and removed on drop.
struct Charon {
    child: Child,
    netns: String,
    socket: PathBuf,
}

impl Charon {
    fn start(dir: &Path) -> Charon {
        for (tool, package) in [
            (CHARON, "strongswan-charon"),
            ("/usr/sbin/swanctl", "strongswan-swanctl"),
            ("/usr/sbin/ip", "iproute2"),
        ] {
            assert!(
                Path::new(tool).exists(),
                "{tool} is missing: apt-get install -y {package} (or set IPSEC_SKIP_SYSTEM_TESTS=1)"
            );
        }
        let socket = dir.join("charon.vici");
        let conf = dir.join("strongswan.conf");
        std::fs::write(
            &conf,
            format!(
                "charon {{\n  load = {PLUGINS}\n  install_routes = no\n  plugins {{\n    vici {{\n      socket = unix://{}\n    }}\n  }}\n}}\n",
                socket.display()
            ),
        )
        .unwrap();
        let netns = format!("ipsec-core-test-{}", std::process::id());
        let status = Command::new("ip")
            .args(["netns", "add", &netns])
            .status()
            .unwrap();
        assert!(
            status.success(),
            "cannot create network namespace {netns} (run as root)"
        );
        // charon's pid file is fixed at /run/charon.pid: give it a private /run.
        let script = format!(
            "mount -t tmpfs none /run && STRONGSWAN_CONF={} exec {CHARON}",
            conf.display()
        );
        let child = Command::new("ip")
            .args([
                "netns", "exec", &netns, "unshare", "-m", "sh", "-c", &script,
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut charon = Charon {
            child,
            netns,
            socket,
        };
        let started = Instant::now();
        while !charon.socket.exists() {
            if let Ok(Some(status)) = charon.child.try_wait() {
                panic!("charon exited at start: {status}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "charon did not open its VICI socket"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        charon
    }

    fn swanctl(&self, args: &[&str]) -> String {
        let uri = format!("unix://{}", self.socket.display());
        let output = Command::new("swanctl")
            .args(args)
            .args(["--uri", &uri])
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(output.status.success(), "swanctl {args:?} failed:\n{text}");
        text
    }
}

impl Drop for Charon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = Command::new("ip")
            .args(["netns", "del", &self.netns])
            .status();
    }
}

/// Connections that between them use every encryption, authentication and DH keyword.
fn every_algorithm() -> Vec<(ConnectionInput, Vec<&'static str>)> {
    let groups = [1, 2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 31];
    let mut out = Vec::new();
    for (i, encryption) in Encryption::ALL.iter().enumerate() {
        let authentication = Authentication::ALL[i % Authentication::ALL.len()];
        let mut input = classic_input();
        input.name = format!("algo-{i}");
        input.peer_address = format!("203.0.113.{}", 20 + i);
        input.ike_version = Some(1 + (i as i64 % 2));
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
    assert!(
        listed.contains("reauthentication every 28800s"),
        "IKEv1 rekey_time: {listed}"
    );
}
