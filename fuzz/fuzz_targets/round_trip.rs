//! Any configuration validation accepts renders to files that parse back to the same
//! model, and no value (description, identities, key) changes the files' structure: the
//! same site with plain values renders to the same sections, settings and comments.
#![no_main]

use std::collections::BTreeSet;

use ipsec_core::model::{Cidr, Context, Identity, NatTable, PresharedKey};
use ipsec_core::parse::settings::parse_settings;
use ipsec_core::parse::{parse_nftables, parse_swanctl};
use ipsec_core::render::{render_nftables, render_swanctl};
use ipsec_core::validate::{validate_connection, validate_nat_context};
use ipsec_fuzz::{shape, Site};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|site: Site| {
    let (input, remote, nat) = site.inputs();
    let (Some(connection), _) = validate_connection(&input) else {
        return;
    };
    let remote_subnets: BTreeSet<Cidr> =
        remote.iter().filter_map(|r| Cidr::parse(r).ok()).collect();
    let nat = nat
        .and_then(|n| validate_nat_context(&n).0)
        .map(|(_, nat)| nat);
    let context = Context {
        remote_subnets,
        nat,
        ..Context::new(connection)
    };

    let text = render_swanctl(&context);
    let file = parse_swanctl(&text, context.name())
        .unwrap_or_else(|e| panic!("rendered file does not parse: {e}\n{}", *text));
    assert_eq!(file.connection, context.connection);
    assert_eq!(file.remote_subnets, context.remote_subnets);
    assert!(file.unmanaged_remote_subnets.is_empty());
    if let Some(nat) = &context.nat {
        let text = render_nftables(context.name(), nat, &NatTable::default());
        let parsed = parse_nftables(&text)
            .unwrap_or_else(|e| panic!("rendered NAT does not parse: {e}\n{text}"));
        assert_eq!(&parsed, nat);
    }

    // The same site with plain free text: the same structure.
    let mut plain = context.clone();
    plain.connection.description = context
        .connection
        .description
        .as_ref()
        .map(|_| "plain".into());
    plain.connection.preshared_key = PresharedKey::parse("plain-key").expect("a valid key");
    let identity = Identity::parse("plain.example").expect("a valid identity");
    plain.connection.local_id = context
        .connection
        .local_id
        .as_ref()
        .map(|_| identity.clone());
    plain.connection.peer_id = identity;
    let (hostile_tree, hostile_meta) = parse_settings(&text).expect("parsed above");
    let (plain_tree, plain_meta) = parse_settings(&render_swanctl(&plain)).expect("plain parses");
    assert_eq!(shape(&hostile_tree), shape(&plain_tree));
    assert_eq!(hostile_meta.len(), plain_meta.len());
    assert!(
        text.chars().all(|c| c == '\n' || (' '..='~').contains(&c)),
        "{}",
        *text
    );
});
