//! [`IpsecProvider`]: the tfplugin6 `Provider` service. One thin adapter per RPC:
//! decode, dispatch to the provider configuration, a [`Resource`] or a data source,
//! encode.
//! Diagnostics travel in the responses; a gRPC `Status` error is never used for
//! anything the user did.

mod data_source_rpcs;
mod ephemeral_rpcs;
mod resource_rpcs;
mod unsupported;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, RwLock};

use ipsec_core::gateway::planned::PlannedChanges;

use crate::plugin::ConnectionId;
use ipsec_core::{Diagnostic, Diagnostics, Gateway};
use tokio::sync::watch;
use tonic::{Request, Response, Status};

use crate::codec::{decode_dynamic, Value};
use crate::framework::diagnostics::{codec_error, to_proto};
use crate::framework::{DataSource, EphemeralResource, Resource};
use crate::proto::tfplugin6 as pb;
use crate::proto::tfplugin6::provider_server::Provider;
use crate::{data_sources, ephemeral_resources, provider_config, resources};

/// The provider: its resources and data sources, one session per configured client
/// connection, and the stop signal.
#[derive(Clone)]
pub struct IpsecProvider {
    resources: Arc<Vec<Arc<dyn Resource>>>,
    data_sources: Arc<Vec<Arc<dyn DataSource>>>,
    ephemeral_resources: Arc<Vec<Arc<dyn EphemeralResource>>>,
    sessions: Arc<RwLock<HashMap<Option<ConnectionId>, Session>>>,
    stop: watch::Sender<bool>,
}

/// What `ConfigureProvider` sets up for one provider configuration: the gateway, and
/// the creations planned so far through it. A debug server serves several provider
/// configurations (aliases) at once, one connection each, so this is per connection;
/// calls made without a transport (tests) share the `None` session.
#[derive(Clone)]
pub(crate) struct Session {
    pub(crate) gateway: Arc<dyn Gateway>,
    pub(crate) planned: Arc<PlannedChanges>,
    pub(crate) in_state: Arc<crate::framework::replacement::InState>,
}

impl Session {
    fn new(gateway: Arc<dyn Gateway>) -> Self {
        Self {
            gateway,
            planned: Arc::new(PlannedChanges::default()),
            in_state: Arc::default(),
        }
    }
}

/// The client connection a request came on, when it came over the transport.
fn connection<T>(request: &Request<T>) -> Option<ConnectionId> {
    request.extensions().get::<ConnectionId>().copied()
}

impl Default for IpsecProvider {
    fn default() -> Self {
        Self {
            resources: Arc::new(resources::all()),
            data_sources: Arc::new(data_sources::all()),
            ephemeral_resources: Arc::new(ephemeral_resources::all()),
            sessions: Arc::new(RwLock::new(HashMap::new())),
            stop: watch::Sender::new(false),
        }
    }
}

impl std::fmt::Debug for IpsecProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IpsecProvider")
            .field(
                "resources",
                &self
                    .resources
                    .iter()
                    .map(|r| r.type_name())
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl IpsecProvider {
    /// A provider already configured with `gateway`, as `ConfigureProvider` would leave
    /// it: for tests, and for embedding the provider with an engine of one's own.
    pub fn with_gateway(gateway: Arc<dyn Gateway>) -> Self {
        let provider = Self::default();
        provider.configure(None, gateway);
        provider
    }

    fn resource(&self, type_name: &str) -> Result<Arc<dyn Resource>, Diagnostics> {
        self.resources
            .iter()
            .find(|r| r.type_name() == type_name)
            .cloned()
            .ok_or_else(|| {
                Diagnostic::error(
                    "Unknown resource type",
                    format!("The ipsec provider has no resource type \"{type_name}\"."),
                )
                .into()
            })
    }

    fn data_source(&self, type_name: &str) -> Result<Arc<dyn DataSource>, Diagnostics> {
        self.data_sources
            .iter()
            .find(|d| d.type_name() == type_name)
            .cloned()
            .ok_or_else(|| {
                Diagnostic::error(
                    "Unknown data source type",
                    format!("The ipsec provider has no data source type \"{type_name}\"."),
                )
                .into()
            })
    }

    fn ephemeral_resource(
        &self,
        type_name: &str,
    ) -> Result<Arc<dyn EphemeralResource>, Diagnostics> {
        self.ephemeral_resources
            .iter()
            .find(|e| e.type_name() == type_name)
            .cloned()
            .ok_or_else(|| {
                Diagnostic::error(
                    "Unknown ephemeral resource type",
                    format!("The ipsec provider has no ephemeral resource type \"{type_name}\"."),
                )
                .into()
            })
    }

    /// The session of connection `connection`, once configured.
    pub(crate) fn session(&self, connection: Option<ConnectionId>) -> Option<Session> {
        // A poisoned lock only means another RPC panicked while storing; the map itself
        // is whole.
        self.sessions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&connection)
            .cloned()
    }

    fn configure(&self, connection: Option<ConnectionId>, gateway: Arc<dyn Gateway>) {
        self.sessions
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(connection, Session::new(gateway));
    }

    /// Runs an engine call unless Terraform stops the provider first (`StopProvider`,
    /// on Ctrl-C). The local engine commits each change atomically in a blocking task
    /// that finishes on its own, so abandoning the future never leaves a half write.
    async fn cancellable<T>(&self, call: impl Future<Output = T>) -> Result<T, Diagnostics> {
        let mut stopped = self.stop.subscribe();
        if *stopped.borrow() {
            return Err(stopped_diagnostic());
        }
        tokio::select! {
            result = call => Ok(result),
            _ = stopped.wait_for(|stop| *stop) => Err(stopped_diagnostic()),
        }
    }

    fn schemas(&self) -> HashMap<String, pb::Schema> {
        self.resources
            .iter()
            .map(|r| (r.type_name().to_owned(), r.schema().to_proto()))
            .collect()
    }

    fn data_source_schemas(&self) -> HashMap<String, pb::Schema> {
        self.data_sources
            .iter()
            .map(|d| (d.type_name().to_owned(), d.schema().to_proto()))
            .collect()
    }

    fn ephemeral_resource_schemas(&self) -> HashMap<String, pb::Schema> {
        self.ephemeral_resources
            .iter()
            .map(|e| (e.type_name().to_owned(), e.schema().to_proto()))
            .collect()
    }
}

fn stopped_diagnostic() -> Diagnostics {
    Diagnostic::error(
        "Stopped",
        "Terraform asked the provider to stop, so this operation was abandoned. Each gateway \
         change is atomic: the gateway holds either the old or the new configuration; run \
         `terraform plan` to see which.",
    )
    .into()
}

fn server_capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: true,
        // The schema is fixed at build time, so Terraform may reuse the one it fetched
        // from the first instance instead of asking every instance it starts again.
        get_provider_schema_optional: true,
        move_resource_state: false,
    }
}

#[tonic::async_trait]
impl Provider for IpsecProvider {
    async fn get_metadata(
        &self,
        _: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(server_capabilities()),
            resources: self
                .resources
                .iter()
                .map(|r| pb::get_metadata::ResourceMetadata {
                    type_name: r.type_name().to_owned(),
                })
                .collect(),
            data_sources: self
                .data_sources
                .iter()
                .map(|d| pb::get_metadata::DataSourceMetadata {
                    type_name: d.type_name().to_owned(),
                })
                .collect(),
            ephemeral_resources: self
                .ephemeral_resources
                .iter()
                .map(|e| pb::get_metadata::EphemeralMetadata {
                    type_name: e.type_name().to_owned(),
                })
                .collect(),
            ..Default::default()
        }))
    }

    async fn get_provider_schema(
        &self,
        _: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        Ok(Response::new(pb::get_provider_schema::Response {
            provider: Some(provider_config::SCHEMA.to_proto()),
            resource_schemas: self.schemas(),
            data_source_schemas: self.data_source_schemas(),
            ephemeral_resource_schemas: self.ephemeral_resource_schemas(),
            server_capabilities: Some(server_capabilities()),
            ..Default::default()
        }))
    }

    async fn validate_provider_config(
        &self,
        request: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        let request = request.into_inner();
        let diags = match decode_dynamic(request.config.as_ref(), &provider_config::SCHEMA.ty()) {
            Ok(config) => provider_config::validate(&config),
            Err(error) => codec_error("provider configuration", &error),
        };
        Ok(Response::new(pb::validate_provider_config::Response {
            diagnostics: to_proto(&diags),
        }))
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        let connection = connection(&request);
        let request = request.into_inner();
        tracing::debug!(terraform_version = %request.terraform_version, "configuring the provider");
        let diags = match decode_dynamic(request.config.as_ref(), &provider_config::SCHEMA.ty()) {
            Ok(config) => match provider_config::configure(&config).await {
                Ok(gateway) => {
                    tracing::info!(engine = gateway.engine(), "gateway ready");
                    self.configure(connection, gateway);
                    // Warnings (an ignored setting) were shown at validation.
                    Diagnostics::new()
                }
                Err(diags) => diags,
            },
            Err(error) => codec_error("provider configuration", &error),
        };
        Ok(Response::new(pb::configure_provider::Response {
            diagnostics: to_proto(&diags),
        }))
    }

    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        let request = request.into_inner();
        let diags = resource_rpcs::validate(self, &request.type_name, request.config.as_ref());
        Ok(Response::new(pb::validate_resource_config::Response {
            diagnostics: to_proto(&diags),
        }))
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        Ok(Response::new(resource_rpcs::upgrade(
            self,
            request.into_inner(),
        )))
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        let connection = connection(&request);
        Ok(Response::new(
            resource_rpcs::read(self, connection, request.into_inner()).await,
        ))
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        let connection = connection(&request);
        Ok(Response::new(
            resource_rpcs::plan(self, connection, request.into_inner()).await,
        ))
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        let connection = connection(&request);
        Ok(Response::new(
            resource_rpcs::apply(self, connection, request.into_inner()).await,
        ))
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        let connection = connection(&request);
        Ok(Response::new(
            resource_rpcs::import(self, connection, request.into_inner()).await,
        ))
    }

    async fn move_resource_state(
        &self,
        request: Request<pb::move_resource_state::Request>,
    ) -> Result<Response<pb::move_resource_state::Response>, Status> {
        Ok(Response::new(unsupported::move_resource_state(
            request.into_inner(),
        )))
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        Ok(Response::new(data_source_rpcs::validate(
            self,
            request.into_inner(),
        )))
    }

    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        let connection = connection(&request);
        Ok(Response::new(
            data_source_rpcs::read(self, connection, request.into_inner()).await,
        ))
    }

    async fn validate_ephemeral_resource_config(
        &self,
        request: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> Result<Response<pb::validate_ephemeral_resource_config::Response>, Status> {
        Ok(Response::new(ephemeral_rpcs::validate(
            self,
            request.into_inner(),
        )))
    }

    async fn open_ephemeral_resource(
        &self,
        request: Request<pb::open_ephemeral_resource::Request>,
    ) -> Result<Response<pb::open_ephemeral_resource::Response>, Status> {
        Ok(Response::new(ephemeral_rpcs::open(
            self,
            request.into_inner(),
        )))
    }

    async fn renew_ephemeral_resource(
        &self,
        request: Request<pb::renew_ephemeral_resource::Request>,
    ) -> Result<Response<pb::renew_ephemeral_resource::Response>, Status> {
        Ok(Response::new(pb::renew_ephemeral_resource::Response {
            diagnostics: ephemeral_rpcs::unknown_type(self, &request.into_inner().type_name),
            ..Default::default()
        }))
    }

    async fn close_ephemeral_resource(
        &self,
        request: Request<pb::close_ephemeral_resource::Request>,
    ) -> Result<Response<pb::close_ephemeral_resource::Response>, Status> {
        Ok(Response::new(pb::close_ephemeral_resource::Response {
            diagnostics: ephemeral_rpcs::unknown_type(self, &request.into_inner().type_name),
        }))
    }

    async fn get_functions(
        &self,
        _: Request<pb::get_functions::Request>,
    ) -> Result<Response<pb::get_functions::Response>, Status> {
        Ok(Response::new(pb::get_functions::Response::default()))
    }

    async fn call_function(
        &self,
        request: Request<pb::call_function::Request>,
    ) -> Result<Response<pb::call_function::Response>, Status> {
        Ok(Response::new(unsupported::call_function(
            &request.into_inner().name,
        )))
    }

    async fn stop_provider(
        &self,
        _: Request<pb::stop_provider::Request>,
    ) -> Result<Response<pb::stop_provider::Response>, Status> {
        tracing::info!("Terraform asked the provider to stop; abandoning in-flight gateway calls");
        self.stop.send_replace(true);
        Ok(Response::new(pb::stop_provider::Response::default()))
    }
}

/// Decodes one `DynamicValue` of a resource, or explains why it cannot.
fn decode(
    what: &str,
    value: Option<&pb::DynamicValue>,
    resource: &dyn Resource,
) -> Result<Value, Diagnostics> {
    decode_dynamic(value, &resource.schema().ty()).map_err(|error| codec_error(what, &error))
}
