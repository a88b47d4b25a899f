//! Plan modifiers: how one attribute's planned value is adjusted after defaults.

/// An adjustment to an attribute's plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanModifier {
    /// A change to this attribute replaces the resource.
    RequiresReplace,
    /// A computed value that the configuration leaves null keeps its prior value
    /// instead of becoming unknown on update (it never changes once set).
    UseStateForUnknown,
}
