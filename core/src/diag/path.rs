//! Where a diagnostic belongs: an attribute path, printed as Terraform prints it.

use std::fmt;

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
}
