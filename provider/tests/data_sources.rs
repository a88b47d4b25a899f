//! The data source RPCs called directly, as Terraform calls them: the schema Terraform
//! is told, validation of `name`, and reads of `ipsec_connection_status` on the `local`
//! engine (which runs no daemon, so the state is `unknown`).

use std::sync::Arc;

use ipsec_core::engine::LocalGateway;
use ipsec_core::model::{Cidr, Context, NatTable};
use ipsec_core::validate::{validate_connection, ConnectionInput};
use ipsec_core::Gateway;
use terraform_provider_ipsec::codec::{decode_dynamic, encode_dynamic, Type, Value};
use terraform_provider_ipsec::data_sources;
use terraform_provider_ipsec::proto::tfplugin6 as pb;
use terraform_provider_ipsec::proto::tfplugin6::provider_server::Provider;
use terraform_provider_ipsec::server::IpsecProvider;
use tonic::Request;

const STATUS: &str = "ipsec_connection_status";

fn status_type() -> Type {
    data_sources::all()
        .into_iter()
        .find(|d| d.type_name() == STATUS)
        .expect("the provider serves ipsec_connection_status")
        .schema()
        .ty()
}

/// The data source's configuration: `name`, every computed attribute null.
fn status_config(name: Value) -> Option<pb::DynamicValue> {
    let config = Value::object([
        ("name", name),
        ("loaded", Value::Null),
        ("state", Value::Null),
        ("ike_sa", Value::Null),
        ("child_sas", Value::Null),
    ]);
    Some(encode_dynamic(&config, &status_type()).unwrap())
}

/// A provider on a `local` engine in `dir` that holds the connection `dc1`.
/// A provider on a `local` gateway holding `dc1`, with one remote subnet.
async fn provider_with_dc1(dir: &std::path::Path) -> IpsecProvider {
    provider_with_dc1_and(dir, &["192.168.10.0/24"]).await
}

async fn provider_with_dc1_and(dir: &std::path::Path, remote: &[&str]) -> IpsecProvider {
    let gateway = LocalGateway::open(dir, NatTable::default()).unwrap();
    let input = ConnectionInput {
        name: "dc1".into(),
        peer_address: "203.0.113.10".into(),
        preshared_key: Some("correct horse battery staple".into()),
        local_subnets: vec!["10.1.0.0/16".into()],
        ..ConnectionInput::default()
    };
    let connection = validate_connection(&input).0.unwrap();
    let mut context = Context::new(connection);
    context
        .remote_subnets
        .extend(remote.iter().map(|cidr| Cidr::parse(cidr).unwrap()));
    gateway.put(&context).await.unwrap();
    IpsecProvider::with_gateway(Arc::new(gateway))
}

async fn read(provider: &IpsecProvider, name: &str) -> pb::read_data_source::Response {
    provider
        .read_data_source(Request::new(pb::read_data_source::Request {
            type_name: STATUS.into(),
            config: status_config(Value::text(name)),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner()
}

fn decoded(response: &pb::read_data_source::Response) -> Value {
    assert!(
        response.diagnostics.is_empty(),
        "{:?}",
        response.diagnostics
    );
    decode_dynamic(response.state.as_ref(), &status_type()).unwrap()
}

fn at_name(diagnostic: &pb::Diagnostic) -> bool {
    diagnostic.attribute.as_ref().is_some_and(|path| {
        path.steps.first().and_then(|s| s.selector.clone())
            == Some(pb::attribute_path::step::Selector::AttributeName(
                "name".into(),
            ))
    })
}

#[tokio::test]
async fn the_schema_and_metadata_announce_the_status_data_source() {
    let provider = IpsecProvider::default();
    let schema = provider
        .get_provider_schema(Request::new(pb::get_provider_schema::Request {}))
        .await
        .unwrap()
        .into_inner();
    let block = schema.data_source_schemas[STATUS].block.clone().unwrap();
    let attribute = |name: &str| {
        block
            .attributes
            .iter()
            .find(|a| a.name == name)
            .unwrap_or_else(|| panic!("no {name} in {block:?}"))
            .clone()
    };
    let name = attribute("name");
    assert!(name.required && !name.computed);
    for computed in ["loaded", "state", "ike_sa", "child_sas"] {
        let attribute = attribute(computed);
        assert!(attribute.computed && !attribute.optional && !attribute.required);
        assert!(!attribute.description.is_empty(), "{computed}");
    }
    let child_sas = attribute("child_sas").nested_type.unwrap();
    assert_eq!(
        child_sas.nesting,
        pb::schema::object::NestingMode::List as i32
    );
    let bytes_in = child_sas.attributes.iter().find(|a| a.name == "bytes_in");
    assert_eq!(bytes_in.unwrap().r#type, br#""number""#);
    let ike_sa = attribute("ike_sa").nested_type.unwrap();
    assert_eq!(
        ike_sa.nesting,
        pb::schema::object::NestingMode::Single as i32
    );
    assert!(attribute("state").description.contains("`not_loaded`"));

    let metadata = provider
        .get_metadata(Request::new(pb::get_metadata::Request {}))
        .await
        .unwrap()
        .into_inner();
    let names: Vec<&str> = metadata
        .data_sources
        .iter()
        .map(|d| d.type_name.as_str())
        .collect();
    assert_eq!(names, [STATUS, "ipsec_peer_config"]);
}

#[tokio::test]
async fn an_invalid_name_is_an_error_at_name_and_an_unknown_one_waits() {
    let provider = IpsecProvider::default();
    let validate = |name: Value| {
        let provider = provider.clone();
        async move {
            provider
                .validate_data_resource_config(Request::new(
                    pb::validate_data_resource_config::Request {
                        type_name: STATUS.into(),
                        config: status_config(name),
                    },
                ))
                .await
                .unwrap()
                .into_inner()
                .diagnostics
        }
    };
    let invalid = validate(Value::text("DC 1")).await;
    assert_eq!(invalid.len(), 1, "{invalid:?}");
    assert!(at_name(&invalid[0]), "{invalid:?}");
    assert!(invalid[0].detail.contains("DC 1"), "{}", invalid[0].detail);
    assert!(validate(Value::Unknown).await.is_empty());
    assert!(validate(Value::text("dc1")).await.is_empty());

    let dir = tempfile::tempdir().unwrap();
    let read = read(&provider_with_dc1(dir.path()).await, "DC 1").await;
    assert!(read.state.is_none());
    assert!(at_name(&read.diagnostics[0]), "{:?}", read.diagnostics);
}

#[tokio::test]
async fn on_the_local_engine_a_connection_is_loaded_with_state_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let provider = provider_with_dc1(dir.path()).await;
    let status = decoded(&read(&provider, "dc1").await);
    assert_eq!(status.attr("name"), &Value::text("dc1"));
    assert_eq!(status.attr("loaded"), &Value::Bool(true));
    assert_eq!(status.attr("state"), &Value::text("unknown"));
    assert_eq!(status.attr("ike_sa"), &Value::Null);
    assert_eq!(status.attr("child_sas"), &Value::List(Vec::new()));
}

#[tokio::test]
async fn a_connection_without_remote_subnets_carries_no_traffic_on_any_engine() {
    let dir = tempfile::tempdir().unwrap();
    let provider = provider_with_dc1_and(dir.path(), &[]).await;
    let status = decoded(&read(&provider, "dc1").await);
    assert_eq!(status.attr("loaded"), &Value::Bool(true));
    assert_eq!(status.attr("state"), &Value::text("no_remote_subnets"));
}

#[tokio::test]
async fn a_name_the_gateway_does_not_have_is_not_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let provider = provider_with_dc1(dir.path()).await;
    let status = decoded(&read(&provider, "dc2").await);
    assert_eq!(status.attr("loaded"), &Value::Bool(false));
    assert_eq!(status.attr("state"), &Value::text("not_loaded"));
}
