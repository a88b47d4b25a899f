//! The gateway: where contexts are stored, and the operations each resource performs on
//! it.
//!
//! An engine implements [`Gateway`]: get, list and an atomic read-modify-write
//! ([`Gateway::modify`]) of one context under the engine's writer lock. The resource
//! operations in [`ops`] are built on `modify`, so that adding a remote subnet never loses
//! a concurrent change to the same context, and a rejected change writes nothing.

use std::path::PathBuf;

use async_trait::async_trait;

use crate::diag::{AttributePath, Diagnostic, Diagnostics, Problem};
use crate::model::{ConnectionName, Context, NatTable};

pub mod detached;
pub mod index;
pub mod ops;
pub mod planned;

pub use index::GatewayIndex;

/// What an edit decides to do with a context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Store this context (create or replace).
    Put(Box<Context>),
    /// Remove the context and all its files.
    Delete,
    /// Leave the gateway as it is.
    Keep,
}

/// A read-modify-write step: given the context as stored now (or `None`) and the
/// gateway's index of every context (for the gateway-wide rules), decide the change, or
/// reject it with diagnostics (then nothing is written).
pub type Edit =
    Box<dyn FnOnce(Option<Context>, &GatewayIndex) -> Result<Change, Diagnostics> + Send + 'static>;

/// A gateway engine: the one I/O boundary of `core`.
#[async_trait]
pub trait Gateway: Send + Sync {
    /// The engine's name as the provider's `engine` setting spells it.
    fn engine(&self) -> &'static str;

    /// The context named `name` as the gateway holds it now, or `None` if it has none.
    async fn get(&self, name: &ConnectionName) -> Result<Option<Context>, GatewayError>;

    /// The names of every context on the gateway, sorted.
    async fn list(&self) -> Result<Vec<ConnectionName>, GatewayError>;

    /// The summary of every context on the gateway, as the gateway-wide rules see it.
    async fn index(&self) -> Result<GatewayIndex, GatewayError>;

    /// The remote subnets and NAT of connections this process deleted, for a
    /// replacement to take back.
    fn detached(&self) -> &detached::Detached;

    /// The nftables table this engine writes NAT to (the provider's `nat_table`).
    fn nat_table(&self) -> &NatTable;

    /// The table that holds the stored NAT of connection `name`, which differs from
    /// [`Gateway::nat_table`] after the setting changed; `None` without NAT.
    async fn stored_nat_table(
        &self,
        name: &ConnectionName,
    ) -> Result<Option<NatTable>, GatewayError>;

    /// Reads the context `name`, applies `edit` and stores the result, all under the
    /// engine's writer lock so that concurrent edits of one context serialize.
    async fn modify(&self, name: &ConnectionName, edit: Edit) -> Result<Change, ApplyError>;

    /// Stores `context`, replacing what the gateway holds under its name.
    async fn put(&self, context: &Context) -> Result<(), GatewayError> {
        let context = context.clone();
        let name = context.name().clone();
        match self
            .modify(
                &name,
                Box::new(move |_, _| Ok(Change::Put(Box::new(context)))),
            )
            .await
        {
            Ok(_) => Ok(()),
            // The edit above never rejects.
            Err(error) => Err(error.into_gateway_error()),
        }
    }

    /// Removes the context `name`; answers whether there was one.
    async fn delete(&self, name: &ConnectionName) -> Result<bool, GatewayError> {
        let existed = Box::new(|current: Option<Context>, _: &GatewayIndex| {
            Ok(if current.is_some() {
                Change::Delete
            } else {
                Change::Keep
            })
        });
        match self.modify(name, existed).await {
            Ok(change) => Ok(change == Change::Delete),
            Err(error) => Err(error.into_gateway_error()),
        }
    }
}

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
    #[error("{0}")]
    Engine(String),
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
            GatewayError::Io { .. } => Diagnostic::error("Gateway file error", self.to_string()),
            GatewayError::OutsideLink { .. } => Diagnostic::error(
                "Gateway file links outside config_dir",
                format!(
                    "{self}. The provider does not follow it: replace the link with the file itself, or remove it."
                ),
            ),
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

impl ApplyError {
    /// The error for callers whose edits cannot reject (a rejection becomes an engine
    /// error carrying the diagnostics' text).
    pub fn into_gateway_error(self) -> GatewayError {
        match self {
            ApplyError::Gateway(error) => error,
            ApplyError::Rejected(diags) => GatewayError::Engine(diags.to_string()),
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
}
