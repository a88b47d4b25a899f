//! Diagnostics: what is wrong, where, and what would be accepted.
//!
//! The shapes follow terraform-plugin-framework's `diag` and `path` packages so that the
//! provider can map them 1:1 onto tfplugin6 diagnostics, but nothing here knows about
//! Terraform.
//!
//! Values a user wrote or a file holds are repeated in a diagnostic only through
//! [`quote`]; every summary and detail also passes through [`escape`] when it is made,
//! so that no control character or terminal escape sequence reaches a user's terminal.

mod path;
mod text;

use std::borrow::Cow;
use std::fmt;

pub use self::path::{AttributePath, PathStep};
pub use self::text::{escape, quote, ECHO_MAX_CHARS};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// The value is accepted but questionable (a weak algorithm, say).
    Warning,
    /// The value is rejected; nothing is written to the gateway.
    Error,
}

/// A finding about one value before it is placed at a path: the pure parsers return these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Error or warning.
    pub severity: Severity,
    /// A short title.
    pub summary: String,
    /// What was given, what is accepted, what to do.
    pub detail: String,
}

impl Problem {
    /// An error finding. Control characters in the text are escaped (see [`escape`]).
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(Severity::Error, summary.into(), detail.into())
    }

    /// A warning finding. Control characters in the text are escaped (see [`escape`]).
    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(Severity::Warning, summary.into(), detail.into())
    }

    fn new(severity: Severity, summary: String, detail: String) -> Self {
        // The last line of defence: a value that reached the text without `quote`.
        let clean = |text: String| match escape(&text) {
            Cow::Borrowed(_) => text,
            Cow::Owned(escaped) => escaped,
        };
        Self {
            severity,
            summary: clean(summary),
            detail: clean(detail),
        }
    }

    /// This finding attached to `path`.
    pub fn at(self, path: AttributePath) -> Diagnostic {
        Diagnostic {
            severity: self.severity,
            summary: self.summary,
            detail: self.detail,
            path,
        }
    }
}

/// A finding attached to an attribute path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A short title.
    pub summary: String,
    /// What was given, what is accepted, what to do.
    pub detail: String,
    /// The attribute it belongs to; empty for the object as a whole.
    pub path: AttributePath,
}

impl Diagnostic {
    /// An error for the object as a whole.
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Problem::error(summary, detail).at(AttributePath::empty())
    }

    /// A warning for the object as a whole.
    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Problem::warning(summary, detail).at(AttributePath::empty())
    }

    /// Whether this diagnostic is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if self.path.is_empty() {
            write!(f, "{level}: {}: {}", self.summary, self.detail)
        } else {
            write!(
                f,
                "{level} at {}: {}: {}",
                self.path, self.summary, self.detail
            )
        }
    }
}

/// An ordered, de-duplicated collection of diagnostics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// No diagnostics.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `diagnostic` unless an identical one is already present.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        if !self.items.contains(&diagnostic) {
            self.items.push(diagnostic);
        }
    }

    /// Adds every diagnostic of `other`.
    pub fn extend(&mut self, other: Diagnostics) {
        for diagnostic in other.items {
            self.push(diagnostic);
        }
    }

    /// Whether any diagnostic is an error.
    pub fn has_error(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// Whether there are no diagnostics at all.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// How many diagnostics there are.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// The diagnostics in the order they were found.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }

    /// Only the errors.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.is_error())
    }

    /// Only the warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| !d.is_error())
    }

    /// Adds `problem` at `path`.
    pub fn add(&mut self, problem: Problem, path: AttributePath) {
        self.push(problem.at(path));
    }

    /// Unwraps `result`, recording its problem at `path` when it failed.
    pub fn take<T>(&mut self, result: Result<T, Problem>, path: &AttributePath) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(problem) => {
                self.add(problem, path.clone());
                None
            }
        }
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(diagnostic: Diagnostic) -> Self {
        Self {
            items: vec![diagnostic],
        }
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<I: IntoIterator<Item = Diagnostic>>(iter: I) -> Self {
        let mut all = Self::new();
        for diagnostic in iter {
            all.push(diagnostic);
        }
        all
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, diagnostic) in self.items.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_escape_their_text() {
        let problem = Problem::error("bad\u{1b}]0;title\u{7}", "over\rwritten");
        assert_eq!(problem.summary, "bad\\u{1b}]0;title\\u{7}");
        assert_eq!(problem.detail, "over\\rwritten");
    }

    #[test]
    fn duplicates_are_dropped_and_errors_counted() {
        let mut all = Diagnostics::new();
        let d = Problem::warning("weak", "x").at(AttributePath::root("a"));
        all.push(d.clone());
        all.push(d);
        assert_eq!(all.len(), 1);
        assert!(!all.has_error());
        all.add(Problem::error("bad", "y"), AttributePath::root("b"));
        assert!(all.has_error());
        assert_eq!(all.errors().count(), 1);
        assert_eq!(all.warnings().count(), 1);
    }
}
