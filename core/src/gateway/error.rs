//! Why a gateway operation failed: [`GatewayError`] (settings, files, the engine's own
//! failures as [`EngineError`]) and [`ApplyError`] (a change rejected as invalid, or a
//! gateway failure).
//!
//! Every text here is what a user reads in a diagnostic, so none of them ever holds a
//! pre-shared key: the engines put into them only names, paths, charon's and nft's own
//! messages, and values of the files through [`crate::diag::quote`].

use std::path::PathBuf;
use std::time::Duration;

use crate::diag::{AttributePath, Diagnostic, Diagnostics, Problem};
use crate::engine::strongswan::ViciUri;
use crate::model::{ConnectionName, NatTable};

/// An operational failure of the gateway (as opposed to invalid input).
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// A provider setting is unusable; `setting` names it (`config_dir`, `vici_uri`, …).
    #[error("{setting}: {message}")]
    Config {
        /// The provider setting at fault.
        setting: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// A file operation failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done ("write", "rename", …).
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A gateway file could not be understood.
    #[error("{}:{line}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong there; never contains a key.
        message: String,
    },
    /// A file under the config dir is a symbolic link leading outside it; it is not
    /// followed, so its target's content is never read or quoted.
    #[error("{} is a symbolic link to {}, outside config_dir", path.display(), target.display())]
    OutsideLink {
        /// The link.
        path: PathBuf,
        /// Where it leads.
        target: PathBuf,
    },
    /// The engine refused or failed in its own terms.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// What an engine refused or failed at, in its own terms: charon, nft, the files'
/// writer lock, or a bug of ours ([`EngineError::Inconsistent`]).
///
/// Code that must tell failures apart matches on the variant; the texts are for people.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// charon answered a VICI command with `success = no`.
    #[error("charon refused {command}: {message}")]
    ViciRefused {
        /// The VICI command (`load-conn`, `unload-shared`, …).
        command: &'static str,
        /// charon's own `errmsg` ("no reason given" when it gave none).
        message: String,
    },
    /// A VICI command could not be sent or its answer not read (charon went away, or
    /// answered something that is not VICI).
    #[error("VICI {command} at {uri} failed: {source}")]
    ViciFailed {
        /// The VICI command.
        command: &'static str,
        /// Where charon was asked.
        uri: ViciUri,
        /// rsvici's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// charon closed the VICI connection before answering (it stopped, or was killed).
    #[error(
        "charon at {uri} closed the VICI connection before answering {command}; is it running?"
    )]
    ViciClosed {
        /// The VICI command.
        command: &'static str,
        /// Where charon was asked.
        uri: ViciUri,
    },
    /// charon did not answer a VICI command (or accept the connection) within the
    /// engine's deadline.
    #[error("charon at {uri} did not answer {command} within {} s; it is stuck or overloaded", after.as_secs_f32())]
    ViciDeadline {
        /// The VICI command.
        command: &'static str,
        /// Where charon was asked.
        uri: ViciUri,
        /// The deadline that passed.
        after: Duration,
    },
    /// `nft` did not finish within the engine's deadline; it was killed.
    #[error("nft{} did not finish within {} s and was stopped", in_netns(netns.as_deref()), after.as_secs_f32())]
    NftDeadline {
        /// The network namespace `nft` ran in.
        netns: Option<String>,
        /// The deadline that passed.
        after: Duration,
    },
    /// `nft` could not be started, given its input, or waited for.
    #[error("{}: {source}", step.describe(netns.as_deref()))]
    NftIo {
        /// Which of these failed.
        step: NftStep,
        /// The network namespace `nft` runs in (`None`: the provider's own).
        netns: Option<String>,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// `nft` exited with an error.
    #[error("nft{} refused the change: {stderr}", in_netns(netns.as_deref()))]
    NftFailed {
        /// The network namespace `nft` ran in.
        netns: Option<String>,
        /// nft's own message.
        stderr: String,
    },
    /// `nft` was asked about a table or chain that does not exist (a listing, where
    /// "none" is an answer rather than a failure).
    #[error("nft{} refused the change: {stderr}", in_netns(netns.as_deref()))]
    NftNotFound {
        /// The network namespace `nft` ran in.
        netns: Option<String>,
        /// nft's own message ("No such file or directory").
        stderr: String,
    },
    /// `ip` failed to list, add or remove an address that answers for a NAT address.
    #[error("ip{} failed ({command}): {stderr}", in_netns(netns.as_deref()))]
    AddressFailed {
        /// The network namespace `ip` ran in.
        netns: Option<String>,
        /// What was asked (`addr replace 10.1.0.92/32 dev eth1`).
        command: String,
        /// `ip`'s own message, or why it could not run.
        stderr: String,
    },
    /// A connection's live NAT chains hold rules this provider does not write.
    #[error(
        "the live NAT of {connection} in table {table} is not what this provider writes ({message}); remove the \
         hand-made rules or the chain"
    )]
    ForeignLiveNat {
        /// The connection.
        connection: ConnectionName,
        /// The nftables table.
        table: NatTable,
        /// What the NAT parser found wrong.
        message: String,
    },
    /// charon holds a value for a connection that this provider never writes.
    #[error(
        "charon reports {what} {} for connection {connection}, which this provider does not write; reload the \
         connection with `terraform apply` or fix it by hand",
        crate::diag::quote(value)
    )]
    ForeignLiveValue {
        /// The connection.
        connection: ConnectionName,
        /// What the value is ("remote_ts", "remote_addrs", …).
        what: &'static str,
        /// The value as charon reports it.
        value: String,
    },
    /// charon or nft refused a change, and the previous files and live configuration
    /// were put back: nothing changed.
    #[error("{refusal}; the previous configuration was restored")]
    RestoredAfterRefusal {
        /// What refused, in its own words.
        refusal: Box<EngineError>,
    },
    /// A writer of another process changed the connection between the unlocked read
    /// this change was judged on and the writer lock; nothing was written.
    #[error(
        "connection {connection} was changed by another writer while this change was being prepared; nothing was \
         written, run the change again"
    )]
    ChangedMeanwhile {
        /// The connection.
        connection: ConnectionName,
    },
    /// The blocking task that does the `local` engine's file work panicked.
    #[error("local engine task failed: {source}")]
    TaskFailed {
        /// tokio's report of it.
        source: tokio::task::JoinError,
    },
    /// An edit rejected a change where the caller's edits never reject (see
    /// [`ApplyError::into_gateway_error`]).
    #[error("{diagnostics}")]
    Rejected {
        /// Why.
        diagnostics: Diagnostics,
    },
    /// A bug of ours: the engine found its own output or an edit inconsistent.
    #[error(transparent)]
    Inconsistent(Inconsistency),
}

/// Which part of running `nft` failed before nft could answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NftStep {
    /// Starting the process (`nft`, or `ip netns exec … nft`).
    Run,
    /// Writing the transaction to its standard input.
    Feed,
    /// Waiting for it to finish.
    Wait,
}

impl NftStep {
    fn describe(self, netns: Option<&str>) -> String {
        let where_ = in_netns(netns);
        match self {
            NftStep::Run => format!("cannot run nft{where_}"),
            NftStep::Feed => format!("cannot feed nft{where_}"),
            NftStep::Wait => format!("nft{where_} failed"),
        }
    }
}

/// ` in network namespace <netns>`, or nothing in the provider's own.
fn in_netns(netns: Option<&str>) -> String {
    netns
        .map(|n| format!(" in network namespace {n}"))
        .unwrap_or_default()
}

/// What the engine found inconsistent in its own work; each is a bug, never the user's
/// doing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Inconsistency {
    /// An edit of one connection returned a context of another name.
    #[error("an edit of {edited} tried to store {stored}")]
    EditRenamed {
        /// The connection being edited.
        edited: ConnectionName,
        /// The name of the context the edit returned.
        stored: ConnectionName,
    },
    /// The rendered swanctl.conf did not parse back (they are tested to round-trip).
    #[error("rendered configuration did not parse back: {message}")]
    RenderedUnparsable {
        /// The parser's message.
        message: String,
    },
    /// The rendered swanctl.conf has no section for the connection it was rendered for.
    #[error("rendered configuration has no connection {connection}")]
    RenderedWithoutConnection {
        /// The connection.
        connection: ConnectionName,
    },
    /// A put answered that it changed nothing, or deleted.
    #[error("the gateway reported no change for a put")]
    NoChangeForPut,
}

impl From<Inconsistency> for GatewayError {
    fn from(inconsistency: Inconsistency) -> Self {
        GatewayError::Engine(EngineError::Inconsistent(inconsistency))
    }
}

impl GatewayError {
    /// This error as a diagnostic: at the provider setting for configuration problems,
    /// for the whole resource otherwise.
    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            GatewayError::Config { setting, message } => Problem::error(format!("Invalid provider setting {setting}"), message.clone()).at(AttributePath::root(setting)),
            GatewayError::Parse { path, line, message } => Diagnostic::error(
                "Unreadable gateway file",
                format!(
                    "{}, line {line}: {} Fix or remove the hand edit; the provider will not overwrite a file it cannot read.",
                    path.display(),
                    sentence(message)
                ),
            ),
            // The setting that names where the files go: a full or read-only disk, or
            // permissions, are fixed there, not in the resource.
            GatewayError::Io { .. } => Problem::error(
                "Gateway file error",
                format!(
                    "{self}. The file is under the provider's config_dir, which must stay readable and writable, \
                     with room for the gateway's files. A change that failed here kept nothing: the previous \
                     configuration is in place; apply again once that is fixed."
                ),
            )
            .at(AttributePath::root("config_dir")),
            GatewayError::OutsideLink { .. } => Diagnostic::error(
                "Gateway file links outside config_dir",
                format!(
                    "{self}. The provider does not follow it: replace the link with the file itself, or remove it."
                ),
            ),
            // The setting that names the charon that does not answer.
            GatewayError::Engine(EngineError::ViciDeadline { .. }) => {
                Problem::error("Gateway engine error", self.to_string()).at(AttributePath::root("vici_uri"))
            }
            GatewayError::Engine(_) => Diagnostic::error("Gateway engine error", self.to_string()),
        }
    }
}

/// `text` ending as a sentence: with its own `.`, `?` or `!`, else with a `.` added.
fn sentence(text: &str) -> String {
    if text.ends_with(['.', '?', '!']) {
        text.to_owned()
    } else {
        format!("{text}.")
    }
}

/// Why a change was not applied.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The change is invalid; nothing was written.
    #[error("the change was rejected:\n{0}")]
    Rejected(Diagnostics),
    /// The gateway failed; the previous configuration is still in place.
    #[error(transparent)]
    Gateway(#[from] GatewayError),
}

impl From<EngineError> for ApplyError {
    fn from(error: EngineError) -> Self {
        ApplyError::Gateway(error.into())
    }
}

impl ApplyError {
    /// The error for callers whose edits cannot reject (a rejection becomes an engine
    /// error carrying the diagnostics).
    pub fn into_gateway_error(self) -> GatewayError {
        match self {
            ApplyError::Gateway(error) => error,
            ApplyError::Rejected(diagnostics) => EngineError::Rejected { diagnostics }.into(),
        }
    }

    /// All of it as diagnostics, for the provider to return.
    pub fn into_diagnostics(self) -> Diagnostics {
        match self {
            ApplyError::Rejected(diags) => diags,
            ApplyError::Gateway(error) => error.to_diagnostic().into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parse_error_reads_as_sentences_whatever_its_message_ends_with() {
        for message in [
            "unexpected setting \"x\" in the connection",
            "10.1.0.5/16 has host bits set; did you mean 10.1.0.0/16?",
            "1.2.3.4 is not written canonically; write it as 1.2.3.4.",
        ] {
            let error = GatewayError::Parse {
                path: PathBuf::from("/gw/swanctl/conf.d/dc1.conf"),
                line: 3,
                message: message.to_owned(),
            };
            let detail = error.to_diagnostic().detail;
            assert!(
                !["?.", "..", ".?"].iter().any(|p| detail.contains(p)),
                "{detail}"
            );
            assert!(detail.contains(" Fix or remove the hand edit"), "{detail}");
        }
    }

    #[test]
    fn engine_errors_read_as_the_messages_they_replaced() {
        let dc1 = ConnectionName::parse("dc1").unwrap();
        let netns = Some("gw".to_owned());
        let io = || std::io::Error::from(std::io::ErrorKind::NotFound);
        let nft_failed = EngineError::NftFailed {
            netns: None,
            stderr: "Error: Could not process rule".into(),
        };
        let cases: [(EngineError, &str); 9] = [
            (
                EngineError::ViciRefused {
                    command: "load-conn",
                    message: "no reason given".into(),
                },
                "charon refused load-conn: no reason given",
            ),
            (
                EngineError::NftIo {
                    step: NftStep::Run,
                    netns: netns.clone(),
                    source: io(),
                },
                "cannot run nft in network namespace gw: entity not found",
            ),
            (
                EngineError::NftIo {
                    step: NftStep::Feed,
                    netns: None,
                    source: io(),
                },
                "cannot feed nft: entity not found",
            ),
            (
                EngineError::NftIo {
                    step: NftStep::Wait,
                    netns: netns.clone(),
                    source: io(),
                },
                "nft in network namespace gw failed: entity not found",
            ),
            (
                EngineError::NftNotFound {
                    netns,
                    stderr: "Error: No such file or directory".into(),
                },
                "nft in network namespace gw refused the change: Error: No such file or directory",
            ),
            (
                EngineError::RestoredAfterRefusal {
                    refusal: Box::new(nft_failed),
                },
                "nft refused the change: Error: Could not process rule; the previous configuration was restored",
            ),
            (
                EngineError::ForeignLiveValue {
                    connection: dc1.clone(),
                    what: "remote_ts",
                    value: "dynamic[udp]".into(),
                },
                "charon reports remote_ts \"dynamic[udp]\" for connection dc1, which this provider does not write; \
                 reload the connection with `terraform apply` or fix it by hand",
            ),
            (
                EngineError::ChangedMeanwhile {
                    connection: dc1.clone(),
                },
                "connection dc1 was changed by another writer while this change was being prepared; nothing was \
                 written, run the change again",
            ),
            (
                EngineError::Inconsistent(Inconsistency::EditRenamed {
                    edited: dc1.clone(),
                    stored: ConnectionName::parse("dc2").unwrap(),
                }),
                "an edit of dc1 tried to store dc2",
            ),
        ];
        for (error, text) in cases {
            let diagnostic = GatewayError::from(error).to_diagnostic();
            assert_eq!(diagnostic.summary, "Gateway engine error");
            assert_eq!(diagnostic.detail, text);
        }
    }
}
