//! `terraform-provider-ipsec`: the Terraform plugin for site-to-site IPsec VPN tunnels.
//!
//! The binary speaks Terraform's plugin protocol 6 (tfplugin6 over gRPC) and maps the
//! three resources, the data source `ipsec_connection_status` and the ephemeral
//! resource `ipsec_preshared_key` of SPEC.md onto
//! `ipsec-core`, which holds every IPsec rule. This crate holds none: it translates.
//!
//! Public on purpose:
//! - [`proto`]: the generated tfplugin6 and go-plugin types (tests drive the server
//!   with the generated client);
//! - [`plugin`]: the go-plugin transport (handshake, strict mutual TLS, reattach mode);
//! - [`logging`]: logs in the JSON line format Terraform's plugin logger reads;
//! - [`server`]: [`server::IpsecProvider`], the tfplugin6 `Provider` service;
//! - [`docs`]: the Markdown reference generated from the schemas;
//! - [`codec`], [`framework`], [`resources`], [`data_sources`], [`ephemeral_resources`]:
//!   values, schemas, resources, data sources and ephemeral resources, public so that their tests and the acceptance tests can
//!   use them.

#![forbid(unsafe_code)]

pub mod codec;
pub mod data_sources;
pub mod docs;
pub mod ephemeral_resources;
pub mod framework;
pub mod logging;
pub mod plugin;
pub mod proto;
pub mod provider_config;
pub mod resources;
pub mod server;
