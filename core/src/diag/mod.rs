//! Diagnostics: what is wrong, where, and what would be accepted.
//!
//! The shapes follow terraform-plugin-framework's `diag` and `path` packages so that the
//! provider can map them 1:1 onto tfplugin6 diagnostics, but nothing here knows about
//! Terraform.
//!
//! Values a user wrote or a file holds are repeated in a diagnostic only through
//! [`quote`]; every summary and detail also passes through [`escape`] when it is made,
//! so that no control character or terminal escape sequence reaches a user's terminal.

use std::borrow::Cow;
use std::fmt::{self, Write};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// The value is accepted but questionable (a weak algorithm, say).
    Warning,
    /// The value is rejected; nothing is written to the gateway.
    Error,
}

/// One step of an [`AttributePath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathStep {
    /// An attribute of an object, by name.
    Attr(String),
    /// An element of a map, by key.
    Key(String),
    /// An element of a list, by position.
    Index(usize),
}

/// Where in a resource's attributes a diagnostic belongs.
///
/// An immutable builder: `AttributePath::root("phase1").attr("keylife")`. The empty path
/// means the resource (or the provider configuration) as a whole.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttributePath {
    steps: Vec<PathStep>,
}

impl AttributePath {
    /// The path of the whole object.
    pub fn empty() -> Self {
        Self::default()
    }

    /// A path starting at the top-level attribute `name`.
    pub fn root(name: &str) -> Self {
        Self::empty().attr(name)
    }

    /// This path extended by the attribute `name`.
    pub fn attr(&self, name: &str) -> Self {
        self.with(PathStep::Attr(name.to_owned()))
    }

    /// This path extended by the map key `key`.
    pub fn key(&self, key: &str) -> Self {
        self.with(PathStep::Key(key.to_owned()))
    }

    /// This path extended by the list index `index`.
    pub fn index(&self, index: usize) -> Self {
        self.with(PathStep::Index(index))
    }

    /// The steps from the resource root.
    pub fn steps(&self) -> &[PathStep] {
        &self.steps
    }

    /// Whether `prefix` is this path or one of its ancestors.
    pub fn starts_with(&self, prefix: &AttributePath) -> bool {
        self.steps.starts_with(&prefix.steps)
    }

    /// Whether this is the path of the whole object.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    fn with(&self, step: PathStep) -> Self {
        let mut steps = self.steps.clone();
        steps.push(step);
        Self { steps }
    }
}

impl fmt::Display for AttributePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.steps.iter().enumerate() {
            match step {
                PathStep::Attr(name) if i == 0 => write!(f, "{name}")?,
                PathStep::Attr(name) => write!(f, ".{name}")?,
                PathStep::Key(key) => write!(f, "[{key:?}]")?,
                PathStep::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// The most characters of a value that a diagnostic repeats; longer values are cut.
pub const ECHO_MAX_CHARS: usize = 64;

/// `value` as a diagnostic repeats it: in double quotes, `"` and `\` escaped, the
/// characters [`escape`] names escaped, and cut after [`ECHO_MAX_CHARS`] characters with
/// `…` (a pasted file or key must not bury the message).
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len().min(4 * ECHO_MAX_CHARS) + 2);
    out.push('"');
    let mut chars = value.chars();
    for c in chars.by_ref().take(ECHO_MAX_CHARS) {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => push_escaped(&mut out, c),
        }
    }
    if chars.next().is_some() {
        out.push('…');
    }
    out.push('"');
    out
}

/// `text` with control characters (ESC, `\r`, NUL, …) and invisible formatting
/// characters (bidirectional overrides, zero-width spaces) written as escapes such as
/// `\r` or `\u{1b}`; everything else is kept as it is. Idempotent on its own output.
///
/// Line breaks are kept, since an engine's own message (nft's) may span lines; a value
/// is shown through [`quote`], which escapes its line breaks too.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && needs_escape(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push(c),
            c => push_escaped(&mut out, c),
        }
    }
    Cow::Owned(out)
}

/// Whether a terminal would act on `c` or not show it: C0 and C1 controls, DEL, and
/// the format characters that reorder or hide text.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
        )
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if needs_escape(c) => {
            // Writing to a String cannot fail.
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
        c => out.push(c),
    }
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
    fn paths_print_like_terraform_addresses() {
        let path = AttributePath::root("translations")
            .key("billing-db")
            .attr("customer_ip");
        assert_eq!(
            path.to_string(),
            r#"translations["billing-db"].customer_ip"#
        );
        assert_eq!(
            AttributePath::root("phase1").attr("keylife").to_string(),
            "phase1.keylife"
        );
    }

    #[test]
    fn quoting_escapes_and_cuts_long_values() {
        assert_eq!(quote("dc 1"), r#""dc 1""#);
        assert_eq!(quote("a\"b\\c\nd\u{1b}[31m"), r#""a\"b\\c\nd\u{1b}[31m""#);
        let long = "x".repeat(ECHO_MAX_CHARS + 1);
        assert_eq!(quote(&long), format!("\"{}…\"", "x".repeat(ECHO_MAX_CHARS)));
        assert_eq!(quote(&long[1..]), format!("\"{}\"", &long[1..]));
    }

    #[test]
    fn escaping_hides_nothing_and_changes_nothing_else() {
        let text =
            "bell\u{7} esc\u{1b}[2J cr\r nul\u{0} rlo\u{202e} c1\u{9b} Zürich \"q\" \\\nnext";
        let escaped = escape(text);
        assert_eq!(
            escaped,
            "bell\\u{7} esc\\u{1b}[2J cr\\r nul\\u{0} rlo\\u{202e} c1\\u{9b} Zürich \"q\" \\\nnext"
        );
        assert!(!escaped.chars().any(|c| c != '\n' && needs_escape(c)));
        assert_eq!(escape(&escaped), escaped, "idempotent");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
    }

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
