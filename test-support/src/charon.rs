//! A charon in its own network and mount namespace, for tests that need a real one.
//!
//! Needs root and Debian's strongSwan (`apt-get install -y strongswan-charon
//! strongswan-swanctl libstrongswan-extra-plugins libcharon-extra-plugins iproute2`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const CHARON: &str = "/usr/lib/ipsec/charon";
const PLUGINS: &str = "random nonce aes des sha1 sha2 md5 hmac kdf gmp curve25519 gcrypt openssl \
                       kernel-netlink socket-default vici";

pub use crate::skip_system_tests;

/// A charon in its own network and mount namespace; stopped and removed on drop.
pub struct Charon {
    child: Option<Child>,
    netns: String,
    socket: PathBuf,
    conf: PathBuf,
}

impl Charon {
    /// Starts charon with its files (configuration, VICI socket) under `dir`.
    pub fn start(dir: &Path) -> Charon {
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
        static STARTED: AtomicUsize = AtomicUsize::new(0);
        let netns = format!(
            "ipsec-core-test-{}-{}",
            std::process::id(),
            STARTED.fetch_add(1, Ordering::Relaxed)
        );
        let status = Command::new("ip")
            .args(["netns", "add", &netns])
            .status()
            .unwrap();
        assert!(
            status.success(),
            "cannot create network namespace {netns} (run as root)"
        );
        let mut charon = Charon {
            child: None,
            netns,
            socket,
            conf,
        };
        charon.launch();
        charon
    }

    /// The VICI URI of this charon.
    pub fn vici_uri(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    /// The network namespace charon runs in.
    pub fn netns(&self) -> &str {
        &self.netns
    }

    /// Sends `signal` (`"STOP"`, `"CONT"`, …) to charon: a stopped charon keeps its VICI
    /// socket open and accepts connections, and never answers.
    pub fn signal(&self, signal: &str) {
        let child = self.child.as_ref().expect("charon runs");
        // `ip netns exec`, `unshare` and `sh -c 'exec …'` each exec the next: the child
        // is charon itself.
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -{signal} charon");
    }

    /// Stops charon (its configuration is gone with it) and starts it again.
    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }

    /// Stops charon, leaving the namespace.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_file(&self.socket);
    }

    fn launch(&mut self) {
        let _ = std::fs::remove_file(&self.socket);
        // charon's pid file is fixed at /run/charon.pid: give it a private /run.
        let script = format!(
            "mount -t tmpfs none /run && STRONGSWAN_CONF={} exec {CHARON}",
            self.conf.display()
        );
        let mut child = Command::new("ip")
            .args([
                "netns",
                "exec",
                &self.netns,
                "unshare",
                "-m",
                "sh",
                "-c",
                &script,
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while !self.socket.exists() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("charon exited at start: {status}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "charon did not open its VICI socket"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child = Some(child);
    }

    /// Runs swanctl against this charon and requires success.
    pub fn swanctl(&self, args: &[&str]) -> String {
        let uri = self.vici_uri();
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

    /// Runs `nft` in charon's namespace; answers stdout, or stderr on failure.
    pub fn nft(&self, args: &[&str]) -> Result<String, String> {
        let output = Command::new("ip")
            .args(["netns", "exec", &self.netns, "nft"])
            .args(args)
            .output()
            .unwrap();
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).into_owned())
        }
    }
}

impl Drop for Charon {
    fn drop(&mut self) {
        self.stop();
        let _ = Command::new("ip")
            .args(["netns", "del", &self.netns])
            .status();
    }
}
