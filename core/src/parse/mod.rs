//! Parsing: the gateway's files back into the model, for drift detection. Pure: the
//! engines read the bytes and attach the file name to a [`ParseError`].

mod nftables;
pub mod settings;
mod swanctl;

pub use nftables::{parse_nftables, parse_nftables_file};
pub use swanctl::{parse_swanctl, SwanctlFile};

/// A parse error at `line`. File content in `message` must come through
/// [`crate::diag::quote`]; control characters are escaped here all the same, since the
/// message reaches a user's terminal.
pub(crate) fn at(line: usize, message: impl Into<String>) -> ParseError {
    let message = message.into();
    ParseError {
        line,
        message: crate::diag::escape(&message).into_owned(),
    }
}

/// A parse error at `line` saying what a model parser found wrong with the value there.
pub(crate) fn problem_at(line: usize, problem: crate::diag::Problem) -> ParseError {
    at(line, problem.detail)
}

/// A file could not be understood: where and why. The message never contains a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong there.
    pub message: String,
}
