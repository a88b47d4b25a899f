//! Values not known yet. At plan time an attribute may come from another resource's
//! output; SPEC.md says such a value is not judged until it is known. Validation takes
//! the set of unknown attribute paths and skips every rule that needs one of them.

use std::collections::BTreeSet;

use crate::diag::{AttributePath, Diagnostics, Problem};

/// The attribute paths whose values are unknown. A path counts as unknown when it or
/// any of its ancestors is in the set (an unknown `phase1` makes `phase1.keylife`
/// unknown too).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unknowns {
    paths: BTreeSet<AttributePath>,
}

impl Unknowns {
    /// Everything is known.
    pub fn none() -> Self {
        Self::default()
    }

    /// Marks `path` (and everything below it) as unknown.
    pub fn insert(&mut self, path: AttributePath) {
        self.paths.insert(path);
    }

    /// Whether the value at `path` is unknown.
    pub fn contains(&self, path: &AttributePath) -> bool {
        self.paths.iter().any(|unknown| path.starts_with(unknown))
    }

    /// The value of `result`, recording its problem at `path` when it failed; `None`
    /// without a diagnostic when the value at `path` is unknown.
    pub fn take<T>(
        &self,
        diags: &mut Diagnostics,
        path: &AttributePath,
        result: Result<T, Problem>,
    ) -> Option<T> {
        if self.contains(path) {
            None
        } else {
            diags.take(result, path)
        }
    }

    /// Whether every value is known.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }
}

impl FromIterator<AttributePath> for Unknowns {
    fn from_iter<I: IntoIterator<Item = AttributePath>>(iter: I) -> Self {
        Self {
            paths: iter.into_iter().collect(),
        }
    }
}
