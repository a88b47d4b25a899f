//! `wait_until_established`: which connections an apply can wait for.

use crate::diag::{AttributePath, Diagnostics, Problem};
use crate::model::StartAction;

/// Checks that a connection that waits to be established is one the gateway brings up
/// itself: a `trap` connection comes up on traffic and a `none` one when the peer
/// initiates, neither of which an apply can wait for. `start_action` is the configured
/// one (`None`: the default); an unknown one is not judged.
pub fn check_wait_until_established(start_action: Option<&str>, wait: bool) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let start_action = match start_action.map(StartAction::parse) {
        None => StartAction::Trap,
        Some(Ok(start_action)) => start_action,
        // Reported at start_action itself.
        Some(Err(_)) => return diags,
    };
    if wait && start_action != StartAction::Start {
        diags.add(
            Problem::error(
                "Nothing to wait for",
                format!(
                    "wait_until_established needs start_action = \"start\", but it is \"{start_action}\": a \
                     `trap` connection comes up on traffic and a `none` one when the peer initiates, not during \
                     apply. Set start_action = \"start\", or remove wait_until_established."
                ),
            ),
            AttributePath::root("wait_until_established"),
        );
    }
    diags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_start_connection_can_be_waited_for() {
        assert!(check_wait_until_established(Some("start"), true).is_empty());
        assert!(check_wait_until_established(Some("trap"), false).is_empty());
        for start in [None, Some("trap"), Some("none")] {
            let diags = check_wait_until_established(start, true);
            let text = diags.to_string();
            assert!(text.contains("needs start_action = \"start\""), "{text}");
            assert!(text.contains("wait_until_established"), "{text}");
        }
        // A bad start action is reported at its own attribute, not here.
        assert!(check_wait_until_established(Some("later"), true).is_empty());
    }
}
