//! Throughput of `core` alone: validate and render 10 000 contexts, parse 10 000 files back.
//!
//! Every input is built up front, outside the timed part; each iteration of a `*_10k`
//! benchmark processes all of them. `validate_render_parse_1` times one context end to end.
//!
//! Run with `cargo bench -p ipsec-core --bench core_throughput`. Results land in
//! `target/criterion/core_throughput/<bench>/new/estimates.json` and
//! `target/criterion/core_latency/validate_render_parse_1/new/estimates.json`.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use ipsec_core::model::{ConnectionName, Context, NatContext, NatTable};
use ipsec_core::parse::{parse_nftables, parse_swanctl};
use ipsec_core::render::{render_nftables, render_swanctl};
use ipsec_core::validate::{
    check_context, validate_connection, validate_nat_context, validate_remote_subnet,
    ConnectionInput, Focus, NatContextInput, RemoteSubnetInput, TranslationInput,
};

use ipsec_test_support::inputs::phase;

/// How many contexts a `*_10k` iteration processes.
const COUNT: usize = 10_000;

/// What a user configures for one remote site: the three resources of a context.
struct SiteInput {
    connection: ConnectionInput,
    remote_subnets: Vec<RemoteSubnetInput>,
    nat: NatContextInput,
}

/// One rendered context: what the gateway holds on disk.
struct RenderedSite {
    name: ConnectionName,
    swanctl: String,
    nftables: String,
}

/// Site `i`: connection `dc<i>` with its own peer, key and networks, and a few
/// algorithm profiles in rotation.
fn site_input(i: usize) -> SiteInput {
    let (hi, lo) = (i / 256, i % 256);
    let name = format!("dc{i}");
    // 10 000 distinct peers in 198.18.0.0/15.
    let peer_address = format!("198.18.{hi}.{lo}");
    let local_main = format!("10.{hi}.{lo}.0/24");
    let mut local_subnets = vec![local_main];
    if i % 2 == 1 {
        local_subnets.push(format!("10.{}.{lo}.0/24", 100 + hi));
    }
    let remote_a = format!("192.168.{lo}.0/24");
    let remote_b = if i % 3 == 0 {
        format!("172.{}.{lo}.128/25", 16 + hi % 16)
    } else {
        format!("172.{}.{lo}.0/24", 16 + hi % 16)
    };

    let mut connection = ConnectionInput {
        name: name.clone(),
        peer_address,
        preshared_key: Some(format!("site-{i}-correct horse battery staple")),
        local_subnets,
        ..ConnectionInput::default()
    };
    match i % 4 {
        // The classic profile: AES256/SHA256, DH 14, PFS on.
        0 => {
            connection.phase1 = phase("AES256", Some("SHA256"), 14, 28800);
            connection.phase2 = phase("AES256", Some("SHA256"), 14, 3600);
            connection.perfect_forward_secrecy = Some(true);
        }
        // AEAD in both phases, elliptic-curve groups, a fixed local address.
        1 => {
            connection.phase1 = phase("AES256GCM16", Some("SHA384"), 20, 28800);
            connection.phase2 = phase("AES128GCM16", None, 19, 3600);
            connection.local_address = Some("198.51.100.1".into());
            connection.start_action = Some("start".into());
        }
        // An old IKEv1 peer: SHA1 (a weakness warning), PFS with group 14.
        2 => {
            connection.ike_version = Some(1);
            connection.phase1 = phase("AES128", Some("SHA1"), 14, 86400);
            connection.phase2 = phase("AES128", Some("SHA1"), 14, 3600);
            connection.description = Some(format!("Legacy branch office {i}"));
        }
        // Defaults for phase 1, PFS off with no phase 2 group, SHA512 integrity.
        _ => {
            connection.phase2 = phase("AES256", Some("SHA512"), 0, 7200);
            connection.perfect_forward_secrecy = Some(false);
            connection.start_action = Some("none".into());
            connection.description = Some(format!("Data centre \"{name}\", rack {lo}"));
        }
    }

    let customer_a = format!("192.168.{lo}.15");
    let customer_b = if i % 3 == 0 {
        format!("172.{}.{lo}.140", 16 + hi % 16)
    } else {
        format!("172.{}.{lo}.20", 16 + hi % 16)
    };
    let nat = NatContextInput {
        connection: name.clone(),
        static_nat_subnet: format!("10.{hi}.{lo}.248/29"),
        translations: BTreeMap::from([
            (
                "billing-db".to_owned(),
                TranslationInput {
                    local_ip: format!("10.{hi}.{lo}.249"),
                    customer_ip: customer_a,
                },
            ),
            (
                format!("app-{i}"),
                TranslationInput {
                    local_ip: format!("10.{hi}.{lo}.250"),
                    customer_ip: customer_b,
                },
            ),
        ]),
    };
    let remote_subnets = [remote_a, remote_b]
        .into_iter()
        .map(|cidr| RemoteSubnetInput {
            connection: name.clone(),
            cidr,
        })
        .collect();
    SiteInput {
        connection,
        remote_subnets,
        nat,
    }
}

/// Validates the three resources of a site into a context, with the rules that span
/// them checked from each resource's point of view, as the provider does on apply.
/// Panics on an error: every generated input is valid.
fn validate_site(site: &SiteInput) -> Context {
    let (connection, diags) = validate_connection(&site.connection);
    let Some(connection) = connection else {
        panic!("{} is invalid:\n{diags}", site.connection.name)
    };
    let mut context = Context::new(connection);
    for input in &site.remote_subnets {
        let (subnet, diags) = validate_remote_subnet(input);
        let Some((_, cidr)) = subnet else {
            panic!("remote subnet {} is invalid:\n{diags}", input.cidr)
        };
        context.remote_subnets.insert(cidr);
    }
    let (nat, diags) = validate_nat_context(&site.nat);
    let Some((_, nat)) = nat else {
        panic!("NAT of {} is invalid:\n{diags}", site.nat.connection)
    };
    context.nat = Some(nat);

    let mut diags = check_context(&context, Focus::Connection);
    for cidr in &context.remote_subnets {
        diags.extend(check_context(&context, Focus::RemoteSubnet(*cidr)));
    }
    diags.extend(check_context(&context, Focus::Nat));
    assert!(
        !diags.has_error(),
        "{} is invalid:\n{diags}",
        context.name()
    );
    context
}

fn nat_of(context: &Context) -> &NatContext {
    context.nat.as_ref().expect("every site has a NAT context")
}

fn render_site(context: &Context, table: &NatTable) -> RenderedSite {
    RenderedSite {
        name: context.name().clone(),
        swanctl: render_swanctl(context).to_string(),
        nftables: render_nftables(context.name(), nat_of(context), table),
    }
}

/// Asserts that the files of `context` read back to the same context.
fn assert_round_trip(context: &Context, rendered: &RenderedSite) {
    let file = parse_swanctl(&rendered.swanctl, &rendered.name)
        .unwrap_or_else(|e| panic!("{}: swanctl does not parse back: {e}", rendered.name));
    assert_eq!(file.connection, context.connection, "{}", rendered.name);
    assert_eq!(file.remote_subnets, context.remote_subnets);
    assert!(file.unmanaged_remote_subnets.is_empty());
    let nat = parse_nftables(&rendered.nftables)
        .unwrap_or_else(|e| panic!("{}: nftables does not parse back: {e}", rendered.name));
    assert_eq!(&nat, nat_of(context), "{}", rendered.name);
}

fn benches(c: &mut Criterion) {
    let table = NatTable::default();
    let inputs: Vec<SiteInput> = (0..COUNT).map(site_input).collect();
    let contexts: Vec<Context> = inputs.iter().map(validate_site).collect();
    let rendered: Vec<RenderedSite> = contexts.iter().map(|c| render_site(c, &table)).collect();
    // Once, untimed: what is measured below is the real round trip of every site.
    for (context, files) in contexts.iter().zip(&rendered) {
        assert_round_trip(context, files);
    }

    let mut group = c.benchmark_group("core_throughput");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8))
        .throughput(Throughput::Elements(COUNT as u64));
    group.bench_function("validate_10k", |b| {
        b.iter(|| {
            for site in &inputs {
                black_box(validate_site(black_box(site)));
            }
        })
    });
    group.bench_function("render_10k", |b| {
        b.iter(|| {
            for context in &contexts {
                let context = black_box(context);
                black_box(render_swanctl(context));
                black_box(render_nftables(context.name(), nat_of(context), &table));
            }
        })
    });
    group.bench_function("parse_10k", |b| {
        b.iter(|| {
            for files in &rendered {
                let files = black_box(files);
                black_box(parse_swanctl(&files.swanctl, &files.name).expect("parses"));
                black_box(parse_nftables(&files.nftables).expect("parses"));
            }
        })
    });
    group.finish();

    let mut group = c.benchmark_group("core_latency");
    group.throughput(Throughput::Elements(1));
    let site = &inputs[0];
    group.bench_function("validate_render_parse_1", |b| {
        b.iter(|| {
            let context = validate_site(black_box(site));
            let swanctl = render_swanctl(&context);
            let nftables = render_nftables(context.name(), nat_of(&context), &table);
            black_box(parse_swanctl(&swanctl, context.name()).expect("parses"));
            black_box(parse_nftables(&nftables).expect("parses"));
        })
    });
    group.finish();
}

criterion_group!(core_throughput, benches);
criterion_main!(core_throughput);
