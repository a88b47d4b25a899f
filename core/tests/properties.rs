//! Properties over generated input: any valid context survives render → parse unchanged,
//! and no hostile text (quotes, braces, newlines, `#`, non-ASCII) in a description or a
//! key can change the structure of a generated file.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net};
use ipsec_core::model::*;
use ipsec_core::parse::settings::{parse_settings, Section};
use ipsec_core::parse::{parse_nftables, parse_swanctl};
use ipsec_core::render::{render_nftables, render_swanctl};
use proptest::prelude::*;
use proptest::sample::select;

fn connection_name() -> impl Strategy<Value = ConnectionName> {
    "[a-z][a-z0-9_-]{0,62}".prop_map(|s| ConnectionName::parse(&s).unwrap())
}

fn endpoint(v6: bool) -> impl Strategy<Value = EndpointAddress> {
    let raw = if v6 {
        any::<u128>()
            .prop_map(|n| IpAddr::V6(Ipv6Addr::from(n | (0x2001u128 << 112))))
            .boxed()
    } else {
        (1u8..=223, any::<[u8; 3]>())
            .prop_map(|(a, [b, c, d])| IpAddr::V4(Ipv4Addr::new(a, b, c, d.max(1))))
            .boxed()
    };
    raw.prop_filter_map("not an endpoint", |ip| {
        EndpointAddress::parse(&ip.to_string()).ok()
    })
}

/// Any text of 8-255 characters drawn from every Unicode plane, hostile ones included
/// (users may not give control characters any more, but older files may hold them).
fn any_key() -> impl Strategy<Value = PresharedKey> {
    prop::collection::vec(
        prop_oneof![
            any::<char>(),
            select(vec!['"', '{', '}', '#', '\n', '\\', ' ', '=', '\0'])
        ],
        8..=255,
    )
    .prop_map(|chars| PresharedKey::from_stored(&chars.into_iter().collect::<String>()).unwrap())
}

fn hostile_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            any::<char>(),
            select(vec![
                '"', '{', '}', '#', '\n', '\r', '\\', '=', ',', ' ', '\t', 'é', '☃', '𝄞'
            ]),
            Just('a'),
        ],
        0..120,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

/// Up to `max` non-overlapping IPv4 networks inside `10.0.0.0/8` (local) or `172.16.0.0/12` (remote).
fn networks(
    first_octets: u32,
    prefix_base: u8,
    max: usize,
) -> impl Strategy<Value = BTreeSet<Cidr>> {
    prop::collection::vec((any::<u32>(), prefix_base..=32u8), 1..=max).prop_map(move |candidates| {
        let mut out: BTreeSet<Cidr> = BTreeSet::new();
        for (bits, prefix) in candidates {
            let address =
                Ipv4Addr::from((first_octets << (32 - prefix_base)) | (bits >> prefix_base));
            let net = IpNet::V4(Ipv4Net::new(address, prefix).unwrap().trunc());
            let cidr = Cidr::parse(&net.to_string()).unwrap();
            if !out.iter().any(|c| c.overlaps(&cidr)) {
                out.insert(cidr);
            }
        }
        out
    })
}

/// Any encryption, authentication, group from `groups` and keylife: what both phases draw from.
fn algorithms(
    groups: &'static [DhGroup],
) -> impl Strategy<Value = (Encryption, Authentication, DhGroup, Keylife)> {
    (
        select(Encryption::ALL),
        select(Authentication::ALL),
        select(groups),
        120i64..=172_800,
    )
        .prop_map(|(e, a, g, seconds)| (e, a, g, Keylife::from_seconds(seconds).unwrap()))
}

fn phase1() -> impl Strategy<Value = Phase1> {
    algorithms(&DH_GROUPS[1..]).prop_map(|(encryption, authentication, dh_group, keylife)| Phase1 {
        encryption,
        authentication,
        dh_group,
        keylife,
    })
}

fn phase2(pfs: bool) -> impl Strategy<Value = Phase2> {
    let groups = if pfs { &DH_GROUPS[1..] } else { DH_GROUPS };
    algorithms(groups).prop_map(|(encryption, authentication, dh_group, keylife)| Phase2 {
        encryption,
        authentication: (!encryption.is_aead()).then_some(authentication),
        dh_group,
        keylife,
    })
}

const DH_GROUPS: &[DhGroup] = &[
    DhGroup::None,
    DhGroup::Modp768,
    DhGroup::Modp1024,
    DhGroup::Modp1536,
    DhGroup::Modp2048,
    DhGroup::Modp3072,
    DhGroup::Modp4096,
    DhGroup::Modp6144,
    DhGroup::Modp8192,
    DhGroup::Ecp256,
    DhGroup::Ecp384,
    DhGroup::Ecp521,
    DhGroup::Curve25519,
];

/// Any IKE identity of the three forms (addresses of either IP version, whatever the
/// endpoints': a peer behind NAT may name any).
fn identity() -> impl Strategy<Value = Identity> {
    fn parsed(raw: String) -> Option<Identity> {
        Identity::parse(&raw).ok()
    }
    prop_oneof![
        any::<bool>()
            .prop_flat_map(endpoint)
            .prop_map(|a| Identity::of_address(a.ip())),
        "[a-zA-Z0-9]([a-zA-Z0-9-]{0,20}[a-zA-Z0-9])?(\\.[a-z0-9-]{0,10}[a-z]){0,3}"
            .prop_filter_map("not a domain name", parsed),
        "[a-zA-Z0-9_+-]{1,10}(\\.[a-z0-9]{1,5}){0,2}@[a-z]{1,10}\\.[a-zA-Z]{2,6}"
            .prop_filter_map("not an email-style identity", parsed),
    ]
}

fn dpd() -> impl Strategy<Value = Dpd> {
    (
        0i64..=3600,
        0i64..=86_400,
        select(vec![DpdAction::Clear, DpdAction::Trap, DpdAction::Restart]),
    )
        .prop_map(|(delay, timeout, action)| Dpd {
            delay: DpdDelay::from_seconds(delay).unwrap(),
            timeout: DpdTimeout::from_seconds(timeout).unwrap(),
            action,
        })
}

fn connection() -> impl Strategy<Value = Connection> {
    (any::<bool>(), any::<bool>()).prop_flat_map(|(v6, pfs)| {
        (
            connection_name(),
            endpoint(v6),
            prop::option::of(endpoint(v6)),
            any_key(),
            select(vec![IkeVersion::V1, IkeVersion::V2]),
            phase1(),
            phase2(pfs),
            networks(10, 8, 4),
            select(vec![
                StartAction::None,
                StartAction::Trap,
                StartAction::Start,
            ]),
            (
                prop::option::of(hostile_text()),
                prop::option::of(identity()),
                identity(),
                dpd(),
                prop::collection::vec(phase1().prop_map(|p| p.proposal()), 0..3),
                prop::collection::vec(phase2(pfs).prop_map(|p| p.proposal()), 0..3),
            ),
        )
            .prop_map(
                move |(
                    name,
                    peer_address,
                    local_address,
                    preshared_key,
                    ike_version,
                    phase1,
                    phase2,
                    local_subnets,
                    start_action,
                    (description, local_id, peer_id, dpd, extra_ike, extra_esp),
                )| Connection {
                    name,
                    peer_address,
                    local_address,
                    preshared_key,
                    ike_version,
                    phase1,
                    phase2,
                    perfect_forward_secrecy: pfs,
                    local_subnets,
                    start_action,
                    description,
                    local_id,
                    peer_id,
                    dpd,
                    additional_ike_proposals: extra_ike,
                    additional_esp_proposals: extra_esp,
                },
            )
    })
}

fn translation_name() -> impl Strategy<Value = TranslationName> {
    "[A-Za-z0-9._-]{1,64}".prop_map(|s| TranslationName::parse(&s).unwrap())
}

fn nat() -> impl Strategy<Value = NatContext> {
    let translations = prop::collection::btree_map(translation_name(), any::<u32>(), 0..8);
    (translations, any::<bool>()).prop_map(|(raw, v6)| {
        let mut translations = BTreeMap::new();
        for (i, (name, customer)) in raw.into_iter().enumerate() {
            let (local, customer) = if v6 {
                (
                    IpAddr::V6(Ipv6Addr::new(0xfd00, 1, 0xffff, 0, 0, 0, 0, 1 + i as u16)),
                    IpAddr::V6(Ipv6Addr::new(
                        0xfd00,
                        2,
                        0,
                        0,
                        0,
                        0,
                        (customer >> 16) as u16,
                        customer as u16 | 1,
                    )),
                )
            } else {
                (
                    IpAddr::V4(Ipv4Addr::new(10, 1, 255, 88 + (i as u8 % 8))),
                    IpAddr::V4(Ipv4Addr::from(0xAC10_0000 | (customer & 0x000F_FFFE) | 1)),
                )
            };
            let translation = Translation {
                local_ip: HostAddress::parse(&local.to_string()).unwrap(),
                customer_ip: HostAddress::parse(&customer.to_string()).unwrap(),
            };
            translations.insert(name, translation);
        }
        let subnet = if v6 {
            "fd00:1:ffff::/64"
        } else {
            "10.1.255.88/29"
        };
        NatContext {
            static_nat_subnet: Cidr::parse(subnet).unwrap(),
            translations,
        }
    })
}

fn context() -> impl Strategy<Value = Context> {
    (
        connection(),
        networks(172 << 4 | 1, 12, 6),
        prop::option::of(nat()),
    )
        .prop_map(|(connection, remote, nat)| {
            // IPv6 connections keep IPv4 remote subnets: the parser must not care. Every
            // third network stands for one added to `remote_ts` by hand.
            let (unmanaged, managed): (Vec<_>, Vec<_>) = remote
                .into_iter()
                .enumerate()
                .partition(|(i, _)| i % 3 == 2);
            Context {
                connection,
                remote_subnets: managed.into_iter().map(|(_, cidr)| cidr).collect(),
                unmanaged_remote_subnets: unmanaged.into_iter().map(|(_, cidr)| cidr).collect(),
                nat,
            }
        })
}

/// The shape of a settings tree: section names and setting keys, without values.
fn shape(section: &Section) -> String {
    let keys: Vec<&str> = section.settings.iter().map(|s| s.key.as_str()).collect();
    let subs: Vec<String> = section.sections.iter().map(shape).collect();
    format!("{}[{}]{{{}}}", section.name, keys.join(","), subs.join(","))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_valid_context_survives_render_then_parse(context in context()) {
        let text = render_swanctl(&context);
        let file = parse_swanctl(&text, context.name()).map_err(|e| TestCaseError::fail(format!("{e}\n{}", *text)))?;
        prop_assert_eq!(&file.connection, &context.connection);
        prop_assert_eq!(&file.remote_subnets, &context.remote_subnets);
        prop_assert_eq!(&file.unmanaged_remote_subnets, &context.unmanaged_remote_subnets);
        if let Some(nat) = &context.nat {
            let text = render_nftables(context.name(), nat, &NatTable::default());
            prop_assert_eq!(&parse_nftables(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?, nat);
        }
    }

    #[test]
    fn hostile_descriptions_and_keys_cannot_change_the_file_structure(
        context in context(),
        description in hostile_text(),
        key in any_key(),
    ) {
        let mut benign = context.clone();
        benign.connection.description = Some("plain".into());
        benign.connection.preshared_key = PresharedKey::parse("plain-key").unwrap();
        let mut hostile = context;
        hostile.connection.description = Some(description);
        hostile.connection.preshared_key = key;

        let (benign_tree, benign_meta) = parse_settings(&render_swanctl(&benign)).unwrap();
        let hostile_text = render_swanctl(&hostile);
        let (hostile_tree, hostile_meta) = parse_settings(&hostile_text).unwrap();
        prop_assert_eq!(shape(&benign_tree), shape(&hostile_tree));
        prop_assert_eq!(benign_meta.len(), hostile_meta.len());
        prop_assert_eq!(benign_tree.sections.len(), 2);
        // Every line is printable ASCII: nothing can hide a line break or a control character.
        prop_assert!(hostile_text.chars().all(|c| c == '\n' || (' '..='~').contains(&c)));
        prop_assert!(!hostile_text.contains(hostile.connection.preshared_key.expose()) || hostile.connection.preshared_key.expose().chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn no_file_content_makes_a_parser_panic(
        context in context(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>(), prop_oneof![any::<char>(), select(vec!['{', '}', '"', '#', '\n', '=', ';', '\\', ','])]), 0..12),
        noise in any::<String>(),
    ) {
        // Hand edits gone wrong: characters of a valid file replaced at random.
        let nat = context.nat.clone().unwrap_or(NatContext { static_nat_subnet: Cidr::parse("10.9.0.0/24").unwrap(), translations: BTreeMap::new() });
        for valid in [render_swanctl(&context).to_string(), render_nftables(context.name(), &nat, &NatTable::default())] {
            let mut chars: Vec<char> = valid.chars().collect();
            for (at, len, c) in &edits {
                let start = at.index(chars.len());
                let end = (start + len.index(4)).min(chars.len());
                chars.splice(start..end, [*c]);
            }
            let text: String = chars.into_iter().collect();
            let _ = parse_swanctl(&text, context.name());
            let _ = parse_nftables(&text);
        }
        let _ = parse_swanctl(&noise, context.name());
        let _ = parse_nftables(&noise);
    }

    #[test]
    fn names_that_could_inject_are_rejected(raw in prop_oneof![
        "[a-z][a-z0-9_-]{0,62}",
        any::<String>(),
        "[a-z]{1,5}[{}#\"\n ;=/.][a-z]{0,5}",
    ]) {
        let safe = |s: &str| s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if let Ok(name) = ConnectionName::parse(&raw) {
            prop_assert!(safe(name.as_str()) && !name.as_str().contains('.'));
        }
        if let Ok(name) = TranslationName::parse(&raw) {
            prop_assert!(safe(name.as_str()));
        }
    }
}
