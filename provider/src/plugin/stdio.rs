//! go-plugin's `GRPCStdio`: the host reads the plugin's stdout/stderr through it.
//!
//! This provider never writes to stdout after the handshake and logs to stderr directly
//! (go-plugin reads stderr lines as logs), so the stream carries nothing: it stays open
//! until the server stops, as go-plugin expects of a plugin that is alive.

use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::codegen::BoxStream;
use tonic::{Request, Response, Status};

use crate::proto::plugin::grpc_stdio_server::GrpcStdio;
use crate::proto::plugin::StdioData;

/// The stdio service; its streams end when `until` fires.
#[derive(Debug, Clone)]
pub(crate) struct Stdio {
    until: CancellationToken,
}

impl Stdio {
    pub(crate) fn new(until: CancellationToken) -> Self {
        Self { until }
    }
}

#[tonic::async_trait]
impl GrpcStdio for Stdio {
    async fn stream_stdio(
        &self,
        _request: Request<()>,
    ) -> Result<Response<BoxStream<StdioData>>, Status> {
        // The stream ends when its sender is dropped: on server stop, or when the client
        // goes away (so a closed stream leaves no task behind).
        let (tx, rx) = mpsc::channel::<Result<StdioData, Status>>(1);
        let until = self.until.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = until.cancelled() => {}
                () = tx.closed() => {}
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }
}
