//! The tfplugin6 service called directly, as Terraform calls it, without a transport:
//! the RPCs whose behaviour the Terraform CLI tests cannot easily reach (state
//! upgrades, stopping, unsupported features, the consistency rules Terraform checks).

use std::collections::BTreeMap;

use ipsec_core::gateway::detached::Detached;
use ipsec_core::gateway::{Change, Edit, GatewayIndex};
use ipsec_core::model::{ConnectionName, Context, NatTable};
use ipsec_core::{ApplyError, Gateway, GatewayError};
use terraform_provider_ipsec::codec::{decode_dynamic, encode_dynamic, Value};
use terraform_provider_ipsec::proto::tfplugin6 as pb;
use terraform_provider_ipsec::proto::tfplugin6::provider_server::Provider;
use terraform_provider_ipsec::server::IpsecProvider;
use terraform_provider_ipsec::{provider_config, resources};
use tonic::Request;

const KEY: &str = "correct horse battery staple";

/// What Terraform 1.11 announces.
const TERRAFORM_1_11: pb::ClientCapabilities = pb::ClientCapabilities {
    deferral_allowed: false,
    write_only_attributes_allowed: true,
};

fn object(pairs: &[(&str, Value)]) -> Value {
    Value::object(pairs.iter().map(|(k, v)| (*k, v.clone())))
}

fn s(text: &str) -> Value {
    Value::String(text.into())
}

fn schema_type(type_name: &str) -> terraform_provider_ipsec::codec::Type {
    resources::all()
        .into_iter()
        .find(|r| r.type_name() == type_name)
        .unwrap()
        .schema()
        .ty()
}

/// A configuration object with every attribute of the schema, null unless given.
fn config(type_name: &str, pairs: &[(&str, Value)]) -> Value {
    let terraform_provider_ipsec::codec::Type::Object(attributes) = schema_type(type_name) else {
        unreachable!("resource schemas are objects")
    };
    let mut object: BTreeMap<String, Value> = attributes
        .keys()
        .map(|k| (k.clone(), Value::Null))
        .collect();
    for (k, v) in pairs {
        object.insert((*k).to_owned(), v.clone());
    }
    Value::Object(object)
}

fn dynamic(type_name: &str, value: &Value) -> Option<pb::DynamicValue> {
    Some(encode_dynamic(value, &schema_type(type_name)).unwrap())
}

async fn configured(dir: &std::path::Path) -> IpsecProvider {
    let provider = IpsecProvider::default();
    let config = object(&[
        ("engine", Value::Null),
        ("config_dir", s(dir.to_str().unwrap())),
        ("vici_uri", Value::Null),
        ("nat_table", Value::Null),
        ("netns", Value::Null),
    ]);
    let response = provider
        .configure_provider(Request::new(pb::configure_provider::Request {
            terraform_version: "1.11.4".into(),
            config: Some(encode_dynamic(&config, &provider_config::SCHEMA.ty()).unwrap()),
            client_capabilities: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(
        response.diagnostics.is_empty(),
        "{:?}",
        response.diagnostics
    );
    provider
}

fn connection_config() -> Value {
    config(
        "ipsec_vpn_connection",
        &[
            ("name", s("dc1")),
            ("peer_address", s("203.0.113.10")),
            ("preshared_key", s(KEY)),
            ("local_subnets", Value::Set(vec![s("10.1.0.0/16")])),
            (
                "phase2",
                object(&[
                    ("encryption", s("AES256GCM16")),
                    ("authentication", Value::Null),
                    ("dh_group", Value::Null),
                    ("keylife", Value::Null),
                ]),
            ),
        ],
    )
}

/// Plans and applies a create the way Terraform does, checking Terraform's own rules:
/// configured values planned as configured, known planned values unchanged by apply.
async fn create(provider: &IpsecProvider, type_name: &str, config: &Value) -> Value {
    let plan = provider
        .plan_resource_change(Request::new(pb::plan_resource_change::Request {
            type_name: type_name.into(),
            prior_state: dynamic(type_name, &Value::Null),
            proposed_new_state: dynamic(type_name, config),
            config: dynamic(type_name, config),
            client_capabilities: Some(TERRAFORM_1_11),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(plan.diagnostics.is_empty(), "{:?}", plan.diagnostics);
    let planned = decode_dynamic(plan.planned_state.as_ref(), &schema_type(type_name)).unwrap();
    let apply = provider
        .apply_resource_change(Request::new(pb::apply_resource_change::Request {
            type_name: type_name.into(),
            prior_state: dynamic(type_name, &Value::Null),
            planned_state: plan.planned_state.clone(),
            config: dynamic(type_name, config),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(apply.diagnostics.is_empty(), "{:?}", apply.diagnostics);
    let state = decode_dynamic(apply.new_state.as_ref(), &schema_type(type_name)).unwrap();
    let Value::Object(planned_attributes) = &planned else {
        unreachable!()
    };
    for (name, value) in planned_attributes {
        if value.is_wholly_known() {
            assert!(
                terraform_provider_ipsec::codec::semantically_equal(value, state.attr(name)),
                "{name}: planned {value:?}, applied {:?}",
                state.attr(name)
            );
        }
    }
    state
}

#[tokio::test]
async fn plan_fills_defaults_and_apply_keeps_every_planned_value() {
    let dir = tempfile::tempdir().unwrap();
    let provider = configured(dir.path()).await;
    let state = create(&provider, "ipsec_vpn_connection", &connection_config()).await;
    assert_eq!(state.attr("id"), &s("dc1"));
    assert_eq!(state.attr("phase1").attr("encryption"), &s("AES256"));
    assert_eq!(state.attr("phase1").attr("keylife"), &Value::int(28800));
    // With an AEAD cipher phase 2 has no integrity algorithm, default or not.
    assert_eq!(state.attr("phase2").attr("authentication"), &Value::Null);
    assert_eq!(state.attr("phase2").attr("keylife"), &Value::int(3600));
    assert_eq!(state.attr("start_action"), &s("trap"));
    assert!(dir.path().join("swanctl/conf.d/dc1.conf").exists());
}

#[tokio::test]
async fn a_write_only_key_never_reaches_plan_or_state() {
    let dir = tempfile::tempdir().unwrap();
    let provider = configured(dir.path()).await;
    let mut config = connection_config();
    config.set_attr("preshared_key", Value::Null);
    config.set_attr("preshared_key_wo", s(KEY));
    config.set_attr("preshared_key_wo_version", Value::int(1));
    let state = create(&provider, "ipsec_vpn_connection", &config).await;
    assert_eq!(state.attr("preshared_key_wo"), &Value::Null);
    assert_eq!(state.attr("preshared_key"), &Value::Null);
    assert_eq!(state.attr("preshared_key_wo_version"), &Value::int(1));
    let conf = std::fs::read_to_string(dir.path().join("swanctl/conf.d/dc1.conf")).unwrap();
    assert!(conf.contains(&hex_of(KEY)), "the key reached the gateway");
}

fn hex_of(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

async fn upgrade(
    provider: &IpsecProvider,
    type_name: &str,
    version: i64,
    raw: &[u8],
) -> pb::upgrade_resource_state::Response {
    provider
        .upgrade_resource_state(Request::new(pb::upgrade_resource_state::Request {
            type_name: type_name.into(),
            version,
            raw_state: Some(pb::RawState {
                json: raw.to_vec(),
                flatmap: Default::default(),
            }),
        }))
        .await
        .unwrap()
        .into_inner()
}

/// Upgrades `raw` and decodes the answer, which must carry no diagnostics.
async fn upgraded(type_name: &str, version: i64, raw: &[u8]) -> Value {
    let response = upgrade(&IpsecProvider::default(), type_name, version, raw).await;
    assert!(
        response.diagnostics.is_empty(),
        "{:?}",
        response.diagnostics
    );
    decode_dynamic(response.upgraded_state.as_ref(), &schema_type(type_name)).unwrap()
}

/// A remote subnet as schema version 0 stored it: the connection in `connection`, and
/// an attribute that no build has (dropped).
const SUBNET_V0: &[u8] =
    br#"{"id":"dc1/192.168.10.0/24","connection":"dc1","cidr":"192.168.10.0/24","legacy":true}"#;

/// A NAT context as schema version 0 stored it.
const NAT_V0: &[u8] = br#"{"id":"dc1","connection":"dc1","static_nat_subnet":"10.1.255.88/29","translations":{"db":{"local_ip":"10.1.255.92","customer_ip":"192.168.10.15"}}}"#;

#[test]
fn the_resources_that_name_a_connection_are_at_schema_version_1() {
    for (type_name, version) in [
        ("ipsec_vpn_connection", 0),
        ("ipsec_remote_subnet", 1),
        ("ipsec_nat_context", 1),
    ] {
        let resource = resources::all()
            .into_iter()
            .find(|r| r.type_name() == type_name)
            .unwrap();
        assert_eq!(resource.schema().version, version, "{type_name}");
    }
}

#[tokio::test]
async fn upgrade_moves_a_version_0_remote_subnet_connection_to_connection_name() {
    let state = upgraded("ipsec_remote_subnet", 0, SUBNET_V0).await;
    assert_eq!(
        state,
        object(&[
            ("id", s("dc1/192.168.10.0/24")),
            ("connection_name", s("dc1")),
            ("cidr", s("192.168.10.0/24")),
        ])
    );
}

#[tokio::test]
async fn upgrade_moves_a_version_0_nat_context_connection_to_connection_name() {
    let state = upgraded("ipsec_nat_context", 0, NAT_V0).await;
    assert_eq!(state.attr("id"), &s("dc1"));
    assert_eq!(state.attr("connection_name"), &s("dc1"));
    assert_eq!(state.attr("static_nat_subnet"), &s("10.1.255.88/29"));
    assert_eq!(
        state.attr("translations"),
        &Value::Map(BTreeMap::from([(
            "db".to_owned(),
            object(&[
                ("local_ip", s("10.1.255.92")),
                ("customer_ip", s("192.168.10.15")),
            ])
        )]))
    );
}

#[tokio::test]
async fn upgrade_passes_version_1_state_unchanged() {
    let subnet =
        br#"{"id":"dc1/192.168.10.0/24","connection_name":"dc1","cidr":"192.168.10.0/24"}"#;
    assert_eq!(
        upgraded("ipsec_remote_subnet", 1, subnet).await,
        object(&[
            ("id", s("dc1/192.168.10.0/24")),
            ("connection_name", s("dc1")),
            ("cidr", s("192.168.10.0/24")),
        ])
    );
    let nat_v1 = String::from_utf8(NAT_V0.to_vec())
        .unwrap()
        .replace("\"connection\"", "\"connection_name\"");
    let nat = upgraded("ipsec_nat_context", 1, nat_v1.as_bytes()).await;
    assert_eq!(nat, upgraded("ipsec_nat_context", 0, NAT_V0).await);
    // At version 1 `connection` is nothing (it is not renamed again): dropped.
    let stray = br#"{"id":"dc1/192.168.10.0/24","connection":"dc9","connection_name":"dc1","cidr":"192.168.10.0/24"}"#;
    assert_eq!(
        upgraded("ipsec_remote_subnet", 1, stray)
            .await
            .attr("connection_name"),
        &s("dc1")
    );
}

#[tokio::test]
async fn upgrade_leaves_the_vpn_connection_state_as_stored() {
    let state = upgraded(
        "ipsec_vpn_connection",
        0,
        br#"{"id":"dc1","name":"dc1","peer_address":"203.0.113.10"}"#,
    )
    .await;
    assert_eq!(state.attr("name"), &s("dc1"));
    assert_eq!(state.attr("peer_address"), &s("203.0.113.10"));
}

#[tokio::test]
async fn upgrade_refuses_state_of_a_newer_schema_version() {
    let provider = IpsecProvider::default();
    for (type_name, raw) in [
        ("ipsec_remote_subnet", SUBNET_V0),
        ("ipsec_nat_context", NAT_V0),
    ] {
        let newer = upgrade(&provider, type_name, 2, raw).await;
        assert!(newer.upgraded_state.is_none());
        assert!(
            newer.diagnostics[0].summary.contains("newer"),
            "{:?}",
            newer.diagnostics
        );
    }
}

#[tokio::test]
async fn reading_a_removed_object_answers_null() {
    let dir = tempfile::tempdir().unwrap();
    let provider = configured(dir.path()).await;
    let state = create(&provider, "ipsec_vpn_connection", &connection_config()).await;
    std::fs::remove_file(dir.path().join("swanctl/conf.d/dc1.conf")).unwrap();
    let read = provider
        .read_resource(Request::new(pb::read_resource::Request {
            type_name: "ipsec_vpn_connection".into(),
            current_state: dynamic("ipsec_vpn_connection", &state),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    let new_state = decode_dynamic(
        read.new_state.as_ref(),
        &schema_type("ipsec_vpn_connection"),
    )
    .unwrap();
    assert_eq!(new_state, Value::Null);
}

#[tokio::test]
async fn after_stop_provider_engine_calls_are_abandoned_with_a_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    let provider = configured(dir.path()).await;
    provider
        .stop_provider(Request::new(pb::stop_provider::Request {}))
        .await
        .unwrap();
    let config = connection_config();
    let apply = provider
        .apply_resource_change(Request::new(pb::apply_resource_change::Request {
            type_name: "ipsec_vpn_connection".into(),
            prior_state: dynamic("ipsec_vpn_connection", &Value::Null),
            planned_state: dynamic("ipsec_vpn_connection", &config),
            config: dynamic("ipsec_vpn_connection", &config),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(apply.diagnostics[0].summary, "Stopped");
    assert!(!dir.path().join("swanctl/conf.d/dc1.conf").exists());
}

#[tokio::test]
async fn unsupported_features_answer_with_diagnostics_not_transport_errors() {
    let provider = IpsecProvider::default();
    let data = provider
        .read_data_source(Request::new(pb::read_data_source::Request {
            type_name: "ipsec_tunnels".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(data.diagnostics[0].detail.contains("ipsec_tunnels"));
    let function = provider
        .call_function(Request::new(pb::call_function::Request {
            name: "cidr_ok".into(),
            arguments: vec![],
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(function.error.unwrap().text.contains("cidr_ok"));
    let unknown = provider
        .validate_resource_config(Request::new(pb::validate_resource_config::Request {
            type_name: "ipsec_tunnel".into(),
            config: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(unknown.diagnostics[0]
        .summary
        .contains("Unknown resource type"));
}

#[tokio::test]
async fn validation_tolerates_unknown_values_and_reports_known_mistakes_at_their_path() {
    let provider = IpsecProvider::default();
    let mut config = connection_config();
    config.set_attr("peer_address", Value::Unknown);
    config.set_attr("local_subnets", Value::Set(vec![s("10.1.0.1/16")]));
    let response = provider
        .validate_resource_config(Request::new(pb::validate_resource_config::Request {
            type_name: "ipsec_vpn_connection".into(),
            config: dynamic("ipsec_vpn_connection", &config),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(response.diagnostics.len(), 1, "{:?}", response.diagnostics);
    let diag = &response.diagnostics[0];
    assert!(diag.detail.contains("10.1.0.0/16"), "{}", diag.detail);
    let step = &diag.attribute.as_ref().unwrap().steps[0];
    assert_eq!(
        step.selector,
        Some(pb::attribute_path::step::Selector::AttributeName(
            "local_subnets".into()
        ))
    );
}

#[tokio::test]
async fn a_terraform_without_write_only_support_cannot_plan_a_write_only_key() {
    let dir = tempfile::tempdir().unwrap();
    let provider = configured(dir.path()).await;
    let mut config = connection_config();
    config.set_attr("preshared_key", Value::Null);
    config.set_attr("preshared_key_wo", s(KEY));
    let plan = provider
        .plan_resource_change(Request::new(pb::plan_resource_change::Request {
            type_name: "ipsec_vpn_connection".into(),
            prior_state: dynamic("ipsec_vpn_connection", &Value::Null),
            proposed_new_state: dynamic("ipsec_vpn_connection", &config),
            config: dynamic("ipsec_vpn_connection", &config),
            client_capabilities: None,
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(plan.planned_state.is_none());
    assert!(
        plan.diagnostics[0].summary.contains("Terraform 1.11"),
        "{:?}",
        plan.diagnostics
    );
    assert!(!format!("{:?}", plan.diagnostics).contains(KEY));
}

/// A gateway whose every call hangs, like a charon that stopped answering.
#[derive(Default)]
struct HangingGateway(NatTable, Detached);

/// What every call of [`HangingGateway`] does.
async fn hang<T>() -> T {
    std::future::pending().await
}

#[async_trait::async_trait]
impl Gateway for HangingGateway {
    fn engine(&self) -> &'static str {
        "hanging"
    }

    async fn get(&self, _: &ConnectionName) -> Result<Option<Context>, GatewayError> {
        hang().await
    }

    async fn list(&self) -> Result<Vec<ConnectionName>, GatewayError> {
        hang().await
    }

    async fn index(&self) -> Result<GatewayIndex, GatewayError> {
        hang().await
    }

    fn detached(&self) -> &Detached {
        &self.1
    }

    fn nat_table(&self) -> &NatTable {
        &self.0
    }

    async fn stored_nat_table(&self, _: &ConnectionName) -> Result<Option<NatTable>, GatewayError> {
        hang().await
    }

    async fn modify(&self, _: &ConnectionName, _: Edit) -> Result<Change, ApplyError> {
        hang().await
    }
}

#[tokio::test]
async fn stop_provider_cancels_an_engine_call_in_flight() {
    let provider = IpsecProvider::with_gateway(std::sync::Arc::new(HangingGateway::default()));
    let state = connection_config();
    let reading = tokio::spawn({
        let provider = provider.clone();
        async move {
            provider
                .read_resource(Request::new(pb::read_resource::Request {
                    type_name: "ipsec_vpn_connection".into(),
                    current_state: dynamic("ipsec_vpn_connection", &state),
                    ..Default::default()
                }))
                .await
                .unwrap()
                .into_inner()
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert!(
        !reading.is_finished(),
        "the read should be waiting on the gateway"
    );
    provider
        .stop_provider(Request::new(pb::stop_provider::Request {}))
        .await
        .unwrap();
    let read = tokio::time::timeout(std::time::Duration::from_secs(5), reading)
        .await
        .expect("StopProvider did not cancel the call")
        .unwrap();
    assert_eq!(read.diagnostics[0].summary, "Stopped");
    // Terraform keeps the state it had: the object is not dropped from state.
    assert!(read.new_state.is_some());
}
