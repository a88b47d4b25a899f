//! Answers for protocol features this provider does not offer (functions, moving
//! state between types): a clear diagnostic, never a transport error.

use ipsec_core::{Diagnostic, Diagnostics};

use crate::framework::diagnostics::to_proto;
use crate::proto::tfplugin6 as pb;

/// The answer to `MoveResourceState`.
pub(super) fn move_resource_state(
    request: pb::move_resource_state::Request,
) -> pb::move_resource_state::Response {
    pb::move_resource_state::Response {
        diagnostics: unsupported(
            "Moving state is not supported",
            format!(
                "The ipsec provider cannot move a {} ({}) into a {}; remove the `moved` block and \
                 import the object instead.",
                request.source_type_name, request.source_provider_address, request.target_type_name
            ),
        ),
        ..Default::default()
    }
}

/// The answer to `CallFunction`.
pub(super) fn call_function(name: &str) -> pb::call_function::Response {
    pb::call_function::Response {
        result: None,
        error: Some(pb::FunctionError {
            text: format!("The ipsec provider has no function \"{name}\"."),
            function_argument: None,
        }),
    }
}

fn unsupported(summary: &str, detail: String) -> Vec<pb::Diagnostic> {
    to_proto(&Diagnostics::from(Diagnostic::error(summary, detail)))
}
