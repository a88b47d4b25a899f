//! Creates Terraform may not have recorded, marked on the gateway so that a provider or
//! `terraform` killed between writing an object and saving the state leaves a trace.
//!
//! Terraform records an object in its state only once the provider answered its create,
//! and saves the state at the end of the apply (and every 20 seconds). A provider killed
//! (`kill -9`, OOM, power) after the gateway holds the object but before the answer, or
//! `terraform` killed before it saved the state, leaves an object the state does not
//! know: the next apply plans the same create, which would fail with "already exists".
//!
//! So each create leaves a marker in `<config_dir>/.unanswered/` holding its process
//! ID, from before it writes until Terraform shows it has the object: the next read of
//! the object (Terraform reads every object of its state at each plan and refresh) or
//! its delete removes the marker. A create that finds the object it is about to write
//! already there, identical, with a marker of a process that no longer runs, adopts it:
//! that is the work of a killed predecessor whose answer never reached the state. An
//! object without such a marker belongs to someone else (another configuration after
//! its refresh, a hand edit) and is still refused.
//!
//! The one case this cannot tell apart: two configurations declaring the very same
//! object, byte for byte, the second applied after the first's apply and before its next
//! plan. The second adopts the object as the first's crash would have let it.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::model::{Cidr, ConnectionName};

/// The directory of markers under the config dir.
const DIR: &str = ".unanswered";

/// The markers of one gateway (or none, for a gateway without a directory).
#[derive(Debug, Clone, Default)]
pub struct Unanswered {
    dir: Option<PathBuf>,
}

/// What a create marks: one object, by the resource that creates it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Object<'a> {
    /// An `ipsec_vpn_connection`.
    Connection(&'a ConnectionName),
    /// An `ipsec_remote_subnet`.
    RemoteSubnet(&'a ConnectionName, Cidr),
    /// An `ipsec_nat_context`.
    NatContext(&'a ConnectionName),
}

impl Object<'_> {
    /// The marker's file name. Connection names are `[a-z][a-z0-9_-]*`; a CIDR's `/`
    /// becomes `_`, so every name is one path component.
    fn file_name(&self) -> String {
        match self {
            Self::Connection(name) => format!("connection-{name}"),
            Self::RemoteSubnet(name, cidr) => {
                format!(
                    "remote_subnet-{name}-{}",
                    cidr.to_string().replace('/', "_")
                )
            }
            Self::NatContext(name) => format!("nat_context-{name}"),
        }
    }
}

/// The marker of one create in progress, written before the create writes. A create
/// that succeeded keeps it ([`Marker::succeeded`]) until Terraform reads the object; one
/// the gateway refused (nothing written) ends it ([`Marker::failed`]). A create that
/// ends neither way (its future dropped: the process shutting down, a timeout) may or
/// may not have written, so its marker stays, for the next create of the object to
/// judge once this process is gone.
#[derive(Debug)]
pub struct Marker {
    path: Option<PathBuf>,
    /// The marker a process that no longer runs had left for the same object.
    inherited: Option<String>,
}

impl Marker {
    /// The create wrote (or adopted) the object: the marker stays until Terraform reads
    /// it ([`Unanswered::answered`]).
    pub fn succeeded(self) {}

    /// The gateway refused the create and holds what it held before: the marker goes,
    /// or, if it was inherited, the dead process's marker is put back, so the object it
    /// left can still be adopted.
    pub fn failed(self) {
        let Some(path) = &self.path else {
            return;
        };
        let outcome = match &self.inherited {
            Some(dead) => fs::write(path, dead),
            None => fs::remove_file(path),
        };
        if let Err(error) = outcome {
            tracing::warn!(path = %path.display(), %error, "could not settle a create's marker");
        }
    }
}

impl Unanswered {
    /// No markers: nothing is marked and nothing adopted.
    pub const fn none() -> Self {
        Self { dir: None }
    }

    /// The markers of the gateway whose config dir is `config_dir`.
    pub fn in_config_dir(config_dir: &Path) -> Self {
        Self {
            dir: Some(config_dir.join(DIR)),
        }
    }

    /// The marker of a create of `object`, not written yet (see [`Pending`]), with the
    /// one a process that no longer runs left for it, read once.
    pub fn pending(&self, object: &Object<'_>) -> Pending {
        let at = self
            .dir
            .as_ref()
            .map(|dir| (dir.clone(), dir.join(object.file_name())));
        let inherited = at
            .as_ref()
            .and_then(|(_, path)| left_by_a_dead_process(path));
        Pending { at, inherited }
    }

    /// Terraform has `object` in its state (it read it), or it is gone (deleted): no
    /// create of it is unanswered any more.
    pub fn answered(&self, object: &Object<'_>) {
        let Some(dir) = &self.dir else {
            return;
        };
        let path = dir.join(object.file_name());
        match fs::remove_file(&path) {
            Ok(()) => tracing::debug!(path = %path.display(), "a create was answered"),
            // A read-only file system refuses even the removal of a file it lacks.
            Err(error) if error.kind() == io::ErrorKind::NotFound || !path.exists() => {}
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "could not remove a create's marker")
            }
        }
    }

    /// Whether a process that no longer runs left a marker for `object`: the plan of its
    /// create is judged as the create that adopts it will be.
    pub fn left(&self, object: &Object<'_>) -> bool {
        self.pending(object).left()
    }
}

/// The marker of one create, written only once the create decides to write
/// ([`Pending::begin`]): a create refused by validation leaves nothing behind, not even
/// the directory.
#[derive(Debug, Clone)]
pub struct Pending {
    /// The markers' directory and this marker's file.
    at: Option<(PathBuf, PathBuf)>,
    /// The marker a process that no longer runs left for the same object.
    inherited: Option<String>,
}

impl Pending {
    /// Whether a process that no longer runs left this marker: the object, if the
    /// gateway already holds it identical, is the work of a killed create of it, and
    /// may be adopted.
    pub fn left(&self) -> bool {
        self.inherited.is_some()
    }

    /// Writes the marker, holding this process's ID. A marker that cannot be written (a
    /// read-only or full config dir, where the create's own write fails anyway) only
    /// costs the adoption.
    pub fn begin(self) -> Marker {
        let inherited = self.inherited;
        let Some((dir, path)) = self.at else {
            return Marker {
                path: None,
                inherited,
            };
        };
        let path = match write_marker(&dir, &path) {
            Ok(()) => Some(path),
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "could not mark a create");
                None
            }
        };
        Marker { path, inherited }
    }
}

/// The marker at `path`, if it is one of a process that no longer runs.
fn left_by_a_dead_process(path: &Path) -> Option<String> {
    let text = fs::read_to_string(path).ok()?;
    let pid = text.trim().parse::<u32>().ok()?;
    let dead = pid != std::process::id() && !runs(pid);
    dead.then_some(text)
}

/// Whether process `pid` runs. A zombie does not: a provider whose `terraform` was killed
/// exits on its own, and stays a zombie until whatever adopted it reaps it, which on some
/// machines (containers whose first process does not reap) is never.
fn runs(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            // The command name, in parentheses, may hold spaces and parentheses itself.
            let state = stat.rsplit_once(')')?.1.split_whitespace().next()?;
            Some(!matches!(state, "Z" | "X"))
        })
        .unwrap_or(false)
}

fn write_marker(dir: &Path, path: &Path) -> io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    // The config dir too, as its engine creates it, when this is the first change.
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?
        .write_all(std::process::id().to_string().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name() -> ConnectionName {
        ConnectionName::parse("dc1").unwrap()
    }

    fn dead_pid() -> u32 {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    }

    #[test]
    fn a_marker_lasts_while_its_create_runs_and_is_inherited_only_from_a_dead_process() {
        let dir = tempfile::tempdir().unwrap();
        let markers = Unanswered::in_config_dir(dir.path());
        let name = name();
        let object = Object::Connection(&name);
        let path = dir.path().join(DIR).join("connection-dc1");

        let pending = markers.pending(&object);
        assert!(!pending.left(), "nothing was left before");
        assert!(
            !path.exists(),
            "nothing is written before the create decides to"
        );
        let marker = pending.begin();
        assert!(path.exists());
        marker.failed();
        assert!(
            !path.exists(),
            "a create the gateway refused leaves no marker"
        );
        drop(markers.pending(&object).begin());
        assert!(
            path.exists(),
            "a create cut short may have written: its marker stays"
        );
        fs::remove_file(&path).unwrap();
        markers.pending(&object).begin().succeeded();
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            std::process::id().to_string(),
            "a create that succeeded is marked until Terraform reads the object"
        );
        markers.answered(&object);
        assert!(!path.exists());
        markers.answered(&object);

        let dead = dead_pid().to_string();
        fs::write(&path, &dead).unwrap();
        assert!(markers.left(&object));
        let adopting = markers.pending(&object);
        assert!(adopting.left());
        let adopting = adopting.begin();
        assert!(!markers.left(&object), "the marker is this process's now");
        adopting.failed();
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            dead,
            "a create that failed keeps the trace of the object it did not adopt"
        );
        markers.pending(&object).begin().succeeded();
        assert!(
            !markers.left(&object),
            "an adopted object is this process's until Terraform reads it"
        );
        fs::write(&path, &dead).unwrap();

        // A running process's create is its own; so is one of this process.
        let mut sleeper = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        fs::write(&path, sleeper.id().to_string()).unwrap();
        assert!(!markers.left(&object));
        sleeper.kill().unwrap();
        sleeper.wait().unwrap();
        fs::write(&path, std::process::id().to_string()).unwrap();
        assert!(!markers.left(&object));
        // A zombie (exited, not reaped) does not run.
        let mut zombie = std::process::Command::new("true").spawn().unwrap();
        while runs(zombie.id()) {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        fs::write(&path, zombie.id().to_string()).unwrap();
        assert!(markers.left(&object), "a zombie's create is unanswered");
        zombie.wait().unwrap();
        fs::write(&path, "not a pid").unwrap();
        assert!(!markers.left(&object));
    }

    #[test]
    fn every_object_has_its_own_marker_file() {
        let name = name();
        let cidr = Cidr::parse("2001:db8::/32").unwrap();
        let names = [
            Object::Connection(&name).file_name(),
            Object::RemoteSubnet(&name, cidr).file_name(),
            Object::NatContext(&name).file_name(),
        ];
        assert_eq!(
            names,
            [
                "connection-dc1",
                "remote_subnet-dc1-2001:db8::_32",
                "nat_context-dc1"
            ]
        );
    }
}
