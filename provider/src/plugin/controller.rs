//! go-plugin's `GRPCController`: Terraform calls `Shutdown` when it is done with the
//! plugin process.

use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use crate::proto::plugin::grpc_controller_server::GrpcController;
use crate::proto::plugin::Empty;

/// What `Shutdown` does.
#[derive(Debug, Clone)]
pub(crate) enum OnShutdown {
    /// Managed mode: stop serving; the process then exits 0.
    Stop(CancellationToken),
    /// Debug mode: keep serving. The developer started the process and stops it; one
    /// debug server outlives many Terraform runs.
    Ignore,
}

/// The controller service.
#[derive(Debug, Clone)]
pub(crate) struct Controller {
    on_shutdown: OnShutdown,
}

impl Controller {
    pub(crate) fn new(on_shutdown: OnShutdown) -> Self {
        Self { on_shutdown }
    }
}

#[tonic::async_trait]
impl GrpcController for Controller {
    async fn shutdown(&self, _request: Request<Empty>) -> Result<Response<Empty>, Status> {
        match &self.on_shutdown {
            OnShutdown::Stop(token) => {
                tracing::debug!("Terraform asked the plugin to shut down");
                // The server stops gracefully, so this answer still reaches Terraform.
                token.cancel();
            }
            OnShutdown::Ignore => {
                tracing::debug!("shutdown request ignored: debug server keeps serving");
            }
        }
        Ok(Response::new(Empty {}))
    }
}
