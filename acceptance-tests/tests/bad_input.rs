//! Bad input through the real terraform: every rule of SPEC.md that rejects a value, one
//! named test per row of a table. Each row gives the configuration, the phase at which
//! terraform must fail (`validate` for rules about one resource or the provider block,
//! `plan` for rules that need the gateway), the attribute the error must be attached to
//! and a pattern over its summary and detail. The harness also requires that nothing was
//! written to the gateway, and every row that no diagnostic of the failing run ends a
//! sentence twice (`?.`); a row may check all those diagnostics further (that none
//! repeats a key, or more than 64 characters of a value).
//!
//! Rules that span resources (overlaps, customer IPs, a missing connection, uniqueness)
//! first apply the valid part of the configuration, then add the bad resource, and
//! finally apply the valid part again to prove the rejected step left everything as it
//! was.

mod common;

use acceptance_tests::json::Diagnostic;
use acceptance_tests::{
    run_suite, test, Gateway, Phase, ProviderMode, Step, TestCase, Workspace, CONFIG_DIR,
};
use common::*;
use libtest_mimic::Trial;

fn main() {
    let mut trials: Vec<Trial> = rows().into_iter().map(Row::trial).collect();
    trials.push(test(
        "weak_algorithms_are_warnings_not_errors",
        weak_algorithms_are_warnings_not_errors,
    ));
    trials.push(test(
        "dpd_timeout_with_ikev2_applies_with_a_warning_at_dpd_timeout",
        dpd_timeout_with_ikev2_applies_with_a_warning_at_dpd_timeout,
    ));
    trials.push(test(
        "wait_until_established_on_the_local_engine_applies_with_a_warning",
        wait_until_established_on_the_local_engine_applies_with_a_warning,
    ));
    trials.push(test(
        "keylife_range_bounds_are_accepted",
        keylife_range_bounds_are_accepted,
    ));
    trials.push(test(
        "rejected_connection_change_keeps_the_applied_gateway_files",
        rejected_connection_change_keeps_the_applied_gateway_files,
    ));
    trials.push(test(
        "preshared_key_with_surrounding_white_space_applies_with_a_warning",
        preshared_key_with_surrounding_white_space_applies_with_a_warning,
    ));
    trials.push(test(
        "missing_config_dir_is_left_alone_by_plan_and_created_0700_by_apply",
        missing_config_dir_is_left_alone_by_plan_and_created_0700_by_apply,
    ));
    trials.push(test(
        "gateway_file_linked_outside_config_dir_is_refused_unread",
        gateway_file_linked_outside_config_dir_is_refused_unread,
    ));
    run_suite(trials);
}

/// A row that fails at `phase` with a message matching `pattern` at `at`.
fn row(
    name: &'static str,
    phase: Phase,
    at: &'static str,
    pattern: &'static str,
    config: fn() -> String,
) -> Row {
    Row {
        name,
        setup: None,
        before: None,
        diagnostics: None,
        config,
        phase,
        at: Some(at),
        pattern,
    }
}

/// One bad-input case.
struct Row {
    /// The test's name.
    name: &'static str,
    /// A valid configuration applied first (for rules that need the gateway).
    setup: Option<fn() -> String>,
    /// Work done on the gateway before the failing step (such as making it unusable).
    before: Option<fn(&Gateway)>,
    /// A check of every diagnostic of the failing run, besides the pattern.
    diagnostics: Option<fn(&[Diagnostic])>,
    /// The bad configuration.
    config: fn() -> String,
    /// When terraform must fail.
    phase: Phase,
    /// The attribute the error is attached to (`None`: an attribute absent from the
    /// configuration, which terraform cannot point at).
    at: Option<&'static str>,
    /// A regular expression over the error's summary and detail.
    pattern: &'static str,
}

impl Row {
    fn trial(self) -> Trial {
        let name = self.name;
        Trial::test(name, move || {
            self.run();
            Ok(())
        })
    }

    fn run(self) {
        let mut step = Step::fails(self.phase, (self.config)(), self.pattern);
        if let Some(at) = self.at {
            step = step.at(at);
        }
        if let Some(before) = self.before {
            step = step.before(before);
        }
        if let Some(check) = self.diagnostics {
            step = step.check_diagnostics(check);
        }
        step = step.check_diagnostics(assert_no_doubled_punctuation);
        let case = match self.setup {
            // The failing step must leave the applied configuration as it was; the
            // final step proves the gateway still agrees with the state, then the case
            // destroys everything.
            Some(setup) => TestCase::new()
                .step(Step::apply(setup()))
                .step(step)
                .step(Step::apply(setup())),
            // Nothing was created: the gateway must hold no configuration at all.
            None => TestCase::new()
                .step(step.check_gateway(|gateway| gateway.assert_empty()))
                .without_destroy_check(),
        };
        case.run();
    }

    /// Applies `setup` first.
    fn after(mut self, setup: fn() -> String) -> Self {
        self.setup = Some(setup);
        self
    }

    /// Runs `before` on the gateway before the failing step.
    fn before(mut self, before: fn(&Gateway)) -> Self {
        self.before = Some(before);
        self
    }

    /// Runs `check` on every diagnostic of the failing run as well.
    fn diagnostics(mut self, check: fn(&[Diagnostic])) -> Self {
        self.diagnostics = Some(check);
        self
    }

    /// The error concerns an attribute absent from the configuration: only the message
    /// is checked.
    fn not_at_an_attribute(mut self) -> Self {
        self.at = None;
        self
    }
}

/// Every row: each diagnostic reads as prose, no sentence ends twice ("did you mean
/// 203.0.113.0?." once did). Quoted values are left out: `"../etc"` is the user's.
fn assert_no_doubled_punctuation(diagnostics: &[Diagnostic]) {
    for diagnostic in diagnostics {
        let prose = without_quoted_values(&diagnostic.text());
        for doubled in ["?.", ".?", ".."] {
            assert!(
                !prose.contains(doubled),
                "doubled punctuation {doubled:?} in {diagnostic:#?}"
            );
        }
    }
}

/// `text` without its double-quoted parts (a `\"` inside one does not end it).
fn without_quoted_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            out.push(c);
            continue;
        }
        out.push_str("\"\"");
        while let Some(q) = chars.next() {
            match q {
                '\\' => {
                    chars.next();
                }
                '"' => break,
                _ => {}
            }
        }
    }
    out
}

/// The connection every row starts from: valid, named `dc1`, local subnet 10.1.0.0/16.
fn dc1() -> Connection {
    connection("dc1")
}

/// `dc1` with one of its nested phase attributes set: `phase("phase1", "keylife = 119")`.
fn phase(which: &str, fields: &str) -> Connection {
    dc1().set(which, &format!("{{\n    {fields}\n  }}"))
}

/// `dc1` with explicit identities, for the rule that two connections to one peer
/// address differ in them.
fn same_peer_dc1() -> Connection {
    dc1()
        .string("local_id", "gw@example.com")
        .string("peer_id", "branch.example.net")
}

/// `dc1` and one remote subnet 192.168.10.0/24, the base of the NAT rows.
fn dc1_with_remote() -> String {
    format!(
        "{}\n{}",
        dc1().hcl(),
        remote_subnet("r10", &dc1().name_ref(), "192.168.10.0/24")
    )
}

/// A NAT context for `dc1` (after `dc1_with_remote`) with static_nat_subnet
/// 10.1.255.88/29 unless told otherwise.
fn dc1_nat(static_nat_subnet: &str, translations: &[(&str, &str, &str)]) -> String {
    format!(
        "{}\n{}",
        dc1_with_remote(),
        nat_context(
            "dc1",
            &dc1().name_ref(),
            static_nat_subnet,
            translations,
            &["ipsec_remote_subnet.r10"],
        )
    )
}

/// A configuration with its own provider block (`settings` inside it) and `dc1`.
fn with_provider(settings: &str) -> String {
    format!("provider \"ipsec\" {{\n{settings}\n}}\n\n{}", dc1().hcl())
}

/// A socket at `<gateway>/silent.vici` that accepts connections and never answers: a
/// charon that is stuck. Its thread lives as long as the test process.
fn silent_vici_listener(gateway: &Gateway) {
    std::fs::create_dir_all(gateway.root()).unwrap();
    let listener =
        std::os::unix::net::UnixListener::bind(gateway.root().join("silent.vici")).unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
}

/// `dc1` applied, and a remote subnet of a connection `nope` that nothing creates.
fn remote_subnet_for_missing_connection() -> String {
    format!(
        "{}\n{}",
        dc1().hcl(),
        remote_subnet("r", &quoted("nope"), "192.168.10.0/24")
    )
}

const MISSING_CONNECTION: &str = r#"^Connection not found: The gateway has no connection named "nope"\. Create the ipsec_vpn_connection first"#;

const LONG_NAME: &str = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl";

/// A pre-shared key with a line break inside (an HCL `\n` escape in the configuration).
const CONTROL_KEY: &str = "correct\nhorse battery staple";

/// `dc1` on IKEv1, with its IPv4 local subnet only.
fn dc1_ikev1() -> String {
    dc1().set("ike_version", "1").hcl()
}

/// Panics if any diagnostic's summary or detail holds `key`, or a part of it between
/// control characters.
fn assert_no_key(diagnostics: &[Diagnostic], key: &str) {
    let parts = std::iter::once(key).chain(key.split(char::is_control));
    for part in parts.filter(|p| !p.is_empty()) {
        for diagnostic in diagnostics {
            assert!(
                !diagnostic.text().contains(part),
                "a diagnostic repeats the key ({part:?}): {diagnostic:#?}"
            );
        }
    }
}

fn rows() -> Vec<Row> {
    use Phase::{Plan, Validate};
    vec![
        // ----- wait_until_established and timeouts
        row(
            "wait_until_established_needs_start",
            Validate,
            "wait_until_established",
            r#"^Nothing to wait for: wait_until_established needs start_action = "start", but it is "trap""#,
            || dc1().set("wait_until_established", "true").hcl(),
        ),
        row(
            "timeouts_create_not_a_duration",
            Validate,
            "timeouts.create",
            r#"^Invalid duration: .*"2 minutes" is not a duration; write a number and a unit"#,
            || dc1().set("timeouts", r#"{ create = "2 minutes" }"#).hcl(),
        ),
        // ----- name: ^[a-z][a-z0-9_-]{0,62}$
        row(
            "name_uppercase",
            Validate,
            "name",
            r#"^Invalid connection name: "DC1" is not a valid connection name: it must start with a lowercase letter.*Did you mean "dc1"\?"#,
            || dc1().string("name", "DC1").hcl(),
        ),
        row(
            "name_too_long",
            Validate,
            "name",
            r#"^Invalid connection name: "a[a-z]{63}" is not a valid connection name: it has 64 characters, at most 63 are allowed"#,
            || dc1().string("name", LONG_NAME).hcl(),
        ),
        row(
            "name_leading_digit",
            Validate,
            "name",
            r#"^Invalid connection name: "1dc" is not a valid connection name: it must start with a lowercase letter"#,
            || dc1().string("name", "1dc").hcl(),
        ),
        row(
            "name_illegal_character",
            Validate,
            "name",
            r#"^Invalid connection name: "dc\.1" is not a valid connection name: it contains characters that are not allowed: "\."\. .*Did you mean "dc-1"\?"#,
            || dc1().string("name", "dc.1").hcl(),
        ),
        row(
            "name_empty",
            Validate,
            "name",
            r#"^Invalid connection name: "" is not a valid connection name: it is empty"#,
            || dc1().string("name", "").hcl(),
        ),
        row(
            "name_long_value_cut",
            Validate,
            "name",
            r#"^Invalid connection name: "x{64}…" is not a valid connection name: it has 300 characters, at most 63 are allowed"#,
            || dc1().string("name", &"x".repeat(300)).hcl(),
        )
        .diagnostics(|diagnostics| {
            for diagnostic in diagnostics {
                assert!(
                    !diagnostic.text().contains(&"x".repeat(65)),
                    "more than 64 characters of the value: {diagnostic:#?}"
                );
            }
        }),
        row(
            "name_escape_sequence",
            Validate,
            "name",
            r#"^Invalid connection name: "dc\\u\{1b\}\[2J" is not a valid connection name[^\x1b]*$"#,
            || dc1().string("name", "dc\u{1b}[2J").hcl(),
        )
        .diagnostics(|diagnostics| {
            for diagnostic in diagnostics {
                assert!(
                    !diagnostic.text().contains('\u{1b}'),
                    "a raw ESC in {diagnostic:#?}"
                );
            }
        }),
        row(
            "name_already_used_on_the_gateway",
            Plan,
            "name",
            r#"^Connection already exists: The gateway already has a connection named "dc1"\. Choose another name, or bring it under Terraform with `terraform import"#,
            || format!("{}\n{}", dc1().hcl(), dc1().label("copy").hcl()),
        )
        .after(|| dc1().hcl()),
        // ----- peer_address: a literal unicast address
        row(
            "peer_address_cidr",
            Validate,
            "peer_address",
            // A network's own address is never suggested as the peer.
            r#"^Invalid IP address: "203\.0\.113\.0/24" is not an IPv4 or IPv6 address .*: it is a network in CIDR notation, not a single host address\.$"#,
            || dc1().string("peer_address", "203.0.113.0/24").hcl(),
        ),
        row(
            "peer_address_hostname",
            Validate,
            "peer_address",
            r#"^Invalid IP address: "vpn\.example\.com" is not an IPv4 or IPv6 address .*host names are not supported"#,
            || dc1().string("peer_address", "vpn.example.com").hcl(),
        ),
        row(
            "peer_address_unspecified_ipv4",
            Validate,
            "peer_address",
            r"^Invalid endpoint address: 0\.0\.0\.0 is not usable: the unspecified address cannot be a tunnel endpoint",
            || dc1().string("peer_address", "0.0.0.0").hcl(),
        ),
        row(
            "peer_address_unspecified_ipv6",
            Validate,
            "peer_address",
            r"^Invalid endpoint address: :: is not usable: the unspecified address cannot be a tunnel endpoint",
            || dc1().string("peer_address", "::").hcl(),
        ),
        row(
            "peer_address_loopback",
            Validate,
            "peer_address",
            r"^Invalid endpoint address: 127\.0\.0\.1 is not usable: a loopback address cannot be a tunnel endpoint",
            || dc1().string("peer_address", "127.0.0.1").hcl(),
        ),
        row(
            "peer_address_multicast",
            Validate,
            "peer_address",
            r"^Invalid endpoint address: 224\.0\.0\.5 is not usable: a multicast address cannot be a tunnel endpoint",
            || dc1().string("peer_address", "224.0.0.5").hcl(),
        ),
        row(
            "peer_address_broadcast",
            Validate,
            "peer_address",
            r"^Invalid endpoint address: 255\.255\.255\.255 is not usable: the broadcast address cannot be a tunnel endpoint",
            || dc1().string("peer_address", "255.255.255.255").hcl(),
        ),
        row(
            "peer_address_link_local_ipv4",
            Validate,
            "peer_address",
            r"^Link-local peer address: 169\.254\.10\.20 is a link-local address .*cannot be a VPN peer; give the peer's routable address\.$",
            || dc1().string("peer_address", "169.254.10.20").hcl(),
        ),
        row(
            "peer_address_link_local_ipv6",
            Validate,
            "peer_address",
            r"^Link-local peer address: fe80::20 is a link-local address .*cannot be a VPN peer; give the peer's routable address\.$",
            || dc1().string("peer_address", "fe80::20").hcl(),
        ),
        row(
            "peer_address_ipv4_mapped",
            Validate,
            "peer_address",
            r"^IPv4-mapped IPv6 address: ::ffff:198\.51\.100\.20 is an IPv4 address written as IPv6 \(IPv4-mapped\); write it in IPv4 form: 198\.51\.100\.20\.$",
            || dc1().string("peer_address", "::ffff:198.51.100.20").hcl(),
        ),
        // ----- local_address: same rules
        row(
            "local_address_loopback_ipv6",
            Validate,
            "local_address",
            r"^Invalid endpoint address: ::1 is not usable: a loopback address cannot be a tunnel endpoint",
            || {
                dc1()
                    .string("peer_address", "2001:db8::10")
                    .string("local_address", "::1")
                    .hcl()
            },
        ),
        row(
            "local_address_hostname",
            Validate,
            "local_address",
            r#"^Invalid IP address: "gw\.example\.net" is not an IPv4 or IPv6 address .*host names are not supported"#,
            || dc1().string("local_address", "gw.example.net").hcl(),
        ),
        row(
            "local_address_family_differs_from_peer",
            Validate,
            "local_address",
            r"^Address family mismatch: local_address 2001:db8::1 and peer_address 203\.0\.113\.10 are of different IP versions",
            || dc1().string("local_address", "2001:db8::1").hcl(),
        ),
        row(
            "local_address_same_as_peer",
            Validate,
            "local_address",
            r"^Tunnel to itself: local_address 203\.0\.113\.10 is the same as peer_address; a tunnel needs two endpoints",
            || dc1().string("local_address", "203.0.113.10").hcl(),
        ),
        // ----- pre-shared key: 8-255 characters, exactly one of the two attributes
        row(
            "preshared_key_too_short",
            Validate,
            "preshared_key",
            r"^Invalid pre-shared key: The pre-shared key has 7 characters; between 8 and 255 are required",
            || dc1().string("preshared_key", "1234567").hcl(),
        ),
        row(
            "preshared_key_too_long",
            Validate,
            "preshared_key",
            r"^Invalid pre-shared key: The pre-shared key has 256 characters; between 8 and 255 are required",
            || dc1().string("preshared_key", &"k".repeat(256)).hcl(),
        ),
        row(
            "preshared_key_wo_too_short",
            Validate,
            "preshared_key_wo",
            r"^Invalid pre-shared key: The pre-shared key has 3 characters; between 8 and 255 are required",
            || {
                dc1()
                    .unset("preshared_key")
                    .string("preshared_key_wo", "abc")
                    .set("preshared_key_wo_version", "1")
                    .hcl()
            },
        ),
        row(
            "preshared_key_and_preshared_key_wo_both_set",
            Validate,
            "preshared_key_wo",
            r"^Conflicting pre-shared keys: Both preshared_key and preshared_key_wo are set; set exactly one of them",
            || {
                dc1()
                    .string("preshared_key_wo", "another-key-123")
                    .set("preshared_key_wo_version", "1")
                    .hcl()
            },
        ),
        row(
            "preshared_key_missing",
            Validate,
            "preshared_key",
            r"^Missing pre-shared key: Set exactly one of preshared_key or preshared_key_wo",
            || dc1().unset("preshared_key").hcl(),
        )
        .not_at_an_attribute(),
        row(
            "preshared_key_control_character",
            Validate,
            "preshared_key",
            // The whole text, so it holds no part of the key.
            r"^Invalid pre-shared key: The pre-shared key contains a control character \(such as NUL, a tab, a line break or an escape\), which most peers cannot be configured with and which is usually pasted by accident; remove it\.$",
            || dc1().string("preshared_key", CONTROL_KEY).hcl(),
        )
        .diagnostics(|diagnostics| assert_no_key(diagnostics, CONTROL_KEY)),
        // ----- ike_version: 1 or 2
        row(
            "ike_version_3",
            Validate,
            "ike_version",
            r"^Unsupported IKE version: 3 is not an IKE version; use 1 or 2",
            || dc1().set("ike_version", "3").hcl(),
        ),
        // ----- algorithms
        row(
            "phase1_encryption_unknown",
            Validate,
            "phase1.encryption",
            r#"^Unsupported encryption algorithm: .*"AES512" is not a supported encryption algorithm\. Accepted values: DES, 3DES, AES128, AES192, AES256, AES128GCM16, AES256GCM16"#,
            || phase("phase1", r#"encryption = "AES512""#).hcl(),
        ),
        row(
            "phase1_encryption_wrong_case_suggests",
            Validate,
            "phase1.encryption",
            r#"^Unsupported encryption algorithm: .*"aes256" is not a supported encryption algorithm\..* Did you mean AES256\?"#,
            || phase("phase1", r#"encryption = "aes256""#).hcl(),
        ),
        row(
            "phase1_gcm_with_ikev1",
            Validate,
            "phase1.encryption",
            r"^GCM needs IKEv2 in phase 1: .*phase1\.encryption AES256GCM16 is an AEAD cipher, which IKEv1 cannot negotiate .*Use ike_version = 2, or a CBC cipher such as AES256 with ike_version = 1\.$",
            || {
                phase("phase1", r#"encryption = "AES256GCM16""#)
                    .set("ike_version", "1")
                    .hcl()
            },
        ),
        row(
            "phase2_encryption_unknown",
            Validate,
            "phase2.encryption",
            r#"^Unsupported encryption algorithm: .*"blowfish" is not a supported encryption algorithm\. Accepted values: DES, 3DES, AES128, AES192, AES256, AES128GCM16, AES256GCM16\.$"#,
            || phase("phase2", r#"encryption = "blowfish""#).hcl(),
        ),
        row(
            "phase2_encryption_wrong_case_suggests",
            Validate,
            "phase2.encryption",
            r#"^Unsupported encryption algorithm: .*"aes128gcm16" is not a supported encryption algorithm\..* Did you mean AES128GCM16\?"#,
            || phase("phase2", r#"encryption = "aes128gcm16""#).hcl(),
        ),
        row(
            "phase1_authentication_unknown",
            Validate,
            "phase1.authentication",
            r#"^Unsupported authentication algorithm: .*"SHA3" is not a supported authentication algorithm\. Accepted values: MD5, SHA1, SHA256, SHA384, SHA512"#,
            || phase("phase1", r#"authentication = "SHA3""#).hcl(),
        ),
        row(
            "phase2_authentication_wrong_case_suggests",
            Validate,
            "phase2.authentication",
            r#"^Unsupported authentication algorithm: .*"sha-384" is not a supported authentication algorithm\..* Did you mean SHA384\?"#,
            || phase("phase2", r#"authentication = "sha-384""#).hcl(),
        ),
        row(
            "phase1_dh_group_unsupported",
            Validate,
            "phase1.dh_group",
            r"^Unsupported Diffie-Hellman group: .*22 is not a supported Diffie-Hellman group\. Accepted groups: .*14, 15, 16, 17, 18, 19, 20, 21, 31",
            || phase("phase1", "dh_group = 22").hcl(),
        ),
        row(
            "phase2_dh_group_unsupported",
            Validate,
            "phase2.dh_group",
            r"^Unsupported Diffie-Hellman group: .*3 is not a supported Diffie-Hellman group",
            || phase("phase2", "dh_group = 3").hcl(),
        ),
        row(
            "phase1_dh_group_0",
            Validate,
            "phase1.dh_group",
            r"^Phase 1 needs a Diffie-Hellman group: .*dh_group 0 \(none\) is only valid in phase 2 without perfect forward secrecy",
            || phase("phase1", "dh_group = 0").hcl(),
        ),
        row(
            "phase2_dh_group_0_with_pfs",
            Validate,
            "phase2.dh_group",
            r"^Perfect forward secrecy needs a Diffie-Hellman group: .*perfect_forward_secrecy is true but phase2\.dh_group is 0",
            || {
                phase("phase2", "dh_group = 0")
                    .set("perfect_forward_secrecy", "true")
                    .hcl()
            },
        ),
        row(
            "phase2_dh_group_0_with_default_pfs",
            Validate,
            "phase2.dh_group",
            r"^Perfect forward secrecy needs a Diffie-Hellman group: .*perfect_forward_secrecy is true but phase2\.dh_group is 0",
            || phase("phase2", "dh_group = 0").hcl(),
        ),
        row(
            "phase2_gcm_with_authentication",
            Validate,
            "phase2.authentication",
            r#"^Authentication not allowed with GCM: .*phase2\.encryption AES256GCM16 is an AEAD cipher .* phase2\.authentication must be omitted \(it was set to "SHA256"\)"#,
            || {
                phase(
                    "phase2",
                    "encryption     = \"AES256GCM16\"\n    authentication = \"SHA256\"",
                )
                .hcl()
            },
        ),
        // ----- keylife: 120 to 172800 in each phase
        row(
            "phase1_keylife_below_minimum",
            Validate,
            "phase1.keylife",
            r"^Keylife out of range: .*119 seconds is outside the accepted range of 120 to 172800 seconds",
            || phase("phase1", "keylife = 119").hcl(),
        ),
        row(
            "phase1_keylife_above_maximum",
            Validate,
            "phase1.keylife",
            r"^Keylife out of range: .*172801 seconds is outside the accepted range of 120 to 172800 seconds",
            || phase("phase1", "keylife = 172801").hcl(),
        ),
        row(
            "phase2_keylife_below_minimum",
            Validate,
            "phase2.keylife",
            r"^Keylife out of range: .*119 seconds is outside the accepted range of 120 to 172800 seconds",
            || phase("phase2", "keylife = 119").hcl(),
        ),
        row(
            "phase2_keylife_above_maximum",
            Validate,
            "phase2.keylife",
            r"^Keylife out of range: .*604800 seconds is outside the accepted range of 120 to 172800 seconds",
            || phase("phase2", "keylife = 604800").hcl(),
        ),
        // ----- local_subnets: at least one canonical CIDR
        row(
            "local_subnets_empty",
            Validate,
            "local_subnets",
            r"^No local subnets: local_subnets must list at least one protected local network",
            || dc1().set("local_subnets", "[]").hcl(),
        ),
        row(
            "local_subnets_host_bits_set",
            Validate,
            "local_subnets",
            r"^Non-canonical CIDR: 10\.1\.2\.3/16 has host bits set; did you mean 10\.1\.0\.0/16\?",
            || dc1().set("local_subnets", r#"["10.1.2.3/16"]"#).hcl(),
        ),
        row(
            "local_subnets_not_a_cidr",
            Validate,
            "local_subnets",
            r#"^Invalid CIDR: "10\.1\.0\.0/33" is not a network in CIDR notation"#,
            || dc1().set("local_subnets", r#"["10.1.0.0/33"]"#).hcl(),
        ),
        row(
            "local_subnets_single_address_suggests_host_prefix",
            Validate,
            "local_subnets",
            r#"^Invalid CIDR: "10\.1\.0\.7" is not a network in CIDR notation.* did you mean 10\.1\.0\.7/32\?"#,
            || dc1().set("local_subnets", r#"["10.1.0.7"]"#).hcl(),
        ),
        row(
            "local_subnets_ipv4_mapped",
            Validate,
            "local_subnets",
            r"^IPv4-mapped IPv6 network: ::ffff:10\.2\.0\.0/112 is an IPv4 network written as IPv6 \(IPv4-mapped\); write it in IPv4 form: 10\.2\.0\.0/16\.$",
            || dc1().set("local_subnets", r#"["::ffff:10.2.0.0/112"]"#).hcl(),
        ),
        row(
            "local_subnets_overlapping_each_other",
            Validate,
            "local_subnets",
            r"^Overlapping local subnets: Local subnets 10\.1\.0\.0/16 and 10\.1\.5\.0/24 overlap",
            || {
                dc1()
                    .set("local_subnets", r#"["10.1.0.0/16", "10.1.5.0/24"]"#)
                    .hcl()
            },
        ),
        // ----- start_action: none, trap or start
        row(
            "start_action_invalid",
            Validate,
            "start_action",
            r#"^Unsupported start action: "restart" is not a start action\. Accepted values: none .*trap .*start"#,
            || dc1().string("start_action", "restart").hcl(),
        ),
        // ----- local_id / peer_id: an address, a domain name or user@domain
        row(
            "local_id_line_break_cannot_reach_the_file",
            Validate,
            "local_id",
            r#"^Invalid IKE identity: "gw\.example\.com\\n\}" is not a domain name such as vpn\.example\.com: it contains "\\n""#,
            || dc1().string("local_id", "gw.example.com\n}").hcl(),
        ),
        row(
            "peer_id_distinguished_name",
            Validate,
            "peer_id",
            r#"^Invalid IKE identity: "C=CH, O=example" is not a domain name.*an email-style user@example\.com\.$"#,
            || dc1().string("peer_id", "C=CH, O=example").hcl(),
        ),
        row(
            "peer_id_with_strongswans_at_prefix",
            Validate,
            "peer_id",
            r#"^Invalid IKE identity: "@branch\.example\.net" starts with '@'.*Did you mean "branch\.example\.net"\?"#,
            || dc1().string("peer_id", "@branch.example.net").hcl(),
        ),
        row(
            "peer_id_same_identities_as_another_connection",
            Plan,
            "peer_address",
            r#"^Another connection has this peer: Connection "dc1" already connects to peer 203\.0\.113\.10 with peer_id branch\.example\.net and local_id gw@example\.com: the same identities"#,
            || {
                let dc2 = connection("dc2")
                    .string("local_id", "GW@example.com")
                    .string("peer_id", "branch.example.net")
                    .set("local_subnets", "[\"10.2.0.0/16\"]");
                format!("{}{}", same_peer_dc1().hcl(), dc2.hcl())
            },
        )
        .after(|| same_peer_dc1().hcl()),
        // ----- dpd: delay 0-3600, timeout 0-86400, action clear/trap/restart
        row(
            "dpd_delay_out_of_range",
            Validate,
            "dpd.delay",
            r"^DPD delay out of range: .*3601 seconds is outside the accepted range of 0 to 3600 seconds \(0 turns dead-peer detection off\)\.$",
            || dc1().set("dpd", "{ delay = 3601 }").hcl(),
        ),
        row(
            "dpd_timeout_out_of_range",
            Validate,
            "dpd.timeout",
            r"^DPD timeout out of range: .*-5 seconds is outside the accepted range of 0 to 86400 seconds",
            || dc1().set("ike_version", "1").set("dpd", "{ timeout = -5 }").hcl(),
        ),
        row(
            "dpd_action_invalid",
            Validate,
            "dpd.action",
            r#"^Unsupported DPD action: .*"Restart" is not a DPD action\. Accepted values: clear .*trap .*restart .*Did you mean restart\?$"#,
            || dc1().set("dpd", "{ action = \"Restart\" }").hcl(),
        ),
        // ----- ipsec_remote_subnet
        row(
            "remote_subnet_cidr_host_bits_set",
            Validate,
            "cidr",
            r"^Non-canonical CIDR: 192\.168\.10\.5/24 has host bits set; did you mean 192\.168\.10\.0/24\?",
            || remote_subnet("r", &quoted("dc1"), "192.168.10.5/24"),
        ),
        row(
            "remote_subnet_cidr_not_a_cidr",
            Validate,
            "cidr",
            r#"^Invalid CIDR: "192\.168\.10\.0-24" is not a network in CIDR notation"#,
            || remote_subnet("r", &quoted("dc1"), "192.168.10.0-24"),
        ),
        row(
            "remote_subnet_ipv4_mapped",
            Validate,
            "cidr",
            r"^IPv4-mapped IPv6 network: ::ffff:192\.168\.30\.0/120 is an IPv4 network written as IPv6 \(IPv4-mapped\); write it in IPv4 form: 192\.168\.30\.0/24\.$",
            || remote_subnet("r", &quoted("dc1"), "::ffff:192.168.30.0/120"),
        ),
        row(
            "remote_subnet_connection_not_a_name",
            Validate,
            "connection_name",
            r#"^Invalid connection name: "DC 1" is not a valid connection name"#,
            || remote_subnet("r", &quoted("DC 1"), "192.168.10.0/24"),
        ),
        row(
            "remote_subnet_overlapping_local_subnet",
            Plan,
            "cidr",
            r"^Remote subnet overlaps a local subnet: Remote subnet 10\.1\.5\.0/24 overlaps local subnet 10\.1\.0\.0/16 of connection dc1",
            || {
                format!(
                    "{}\n{}",
                    dc1().hcl(),
                    remote_subnet("r", &dc1().name_ref(), "10.1.5.0/24")
                )
            },
        )
        .after(|| dc1().hcl()),
        // The same rule from the other side: a connection's new local subnet that
        // overlaps one of its remote subnets.
        row(
            "local_subnets_changed_onto_a_remote_subnet",
            Plan,
            "local_subnets",
            r"(?i)overlap.*192\.168\.10\.0/24",
            || {
                dc1_with_remote().replace(
                    "local_subnets = [\"10.1.0.0/16\"]",
                    "local_subnets = [\"10.1.0.0/16\", \"192.168.0.0/16\"]",
                )
            },
        )
        .after(dc1_with_remote),
        row(
            "remote_subnet_overlapping_another_remote_subnet",
            Plan,
            "cidr",
            r"^Overlapping remote subnets: Remote subnet 192\.168\.10\.128/25 overlaps remote subnet 192\.168\.10\.0/24 of connection dc1",
            || {
                format!(
                    "{}\n{}",
                    dc1_with_remote(),
                    remote_subnet("r2", &dc1().name_ref(), "192.168.10.128/25")
                )
            },
        )
        .after(dc1_with_remote),
        row(
            "ikev1_remote_subnet_of_other_ip_version",
            Plan,
            "cidr",
            r"^Remote subnet without a local subnet of its IP version: Connection dc1 uses IKEv1, .*no IPv6 local subnet for remote subnet 2001:db8:2::/48\. Add an IPv6 network to local_subnets, or use ike_version = 2\.$",
            || {
                format!(
                    "{}\n{}",
                    dc1_ikev1(),
                    remote_subnet("r6", &dc1().name_ref(), "2001:db8:2::/48")
                )
            },
        )
        .after(dc1_ikev1),
        row(
            "nat_context_for_missing_connection_fails_at_plan",
            Plan,
            "connection_name",
            MISSING_CONNECTION,
            || {
                format!(
                    "{}\n{}",
                    dc1().hcl(),
                    nat_context(
                        "n",
                        &quoted("nope"),
                        "10.1.255.88/29",
                        &[("db", "10.1.255.92", "192.168.10.15")],
                        &[]
                    )
                )
            },
        )
        .after(|| dc1().hcl()),
        row(
            "remote_subnet_for_missing_connection_fails_at_plan",
            Plan,
            "connection_name",
            MISSING_CONNECTION,
            remote_subnet_for_missing_connection,
        )
        .after(|| dc1().hcl()),
        row(
            "remote_subnet_already_declared",
            Plan,
            "cidr",
            r"^Remote subnet already exists: Connection dc1 already has remote subnet 192\.168\.10\.0/24\.",
            || {
                format!(
                    "{}\n{}",
                    dc1_with_remote(),
                    remote_subnet("again", &dc1().name_ref(), "192.168.10.0/24")
                )
            },
        )
        .after(dc1_with_remote),
        // ----- ipsec_nat_context
        row(
            "nat_static_nat_subnet_host_bits_set",
            Validate,
            "static_nat_subnet",
            r"^Non-canonical CIDR: 10\.1\.255\.90/29 has host bits set; did you mean 10\.1\.255\.88/29\?",
            || dc1_nat("10.1.255.90/29", &[("db", "10.1.255.92", "192.168.10.15")]),
        ),
        row(
            "nat_static_nat_subnet_ipv4_mapped",
            Validate,
            "static_nat_subnet",
            r"^IPv4-mapped IPv6 network: ::ffff:10\.1\.255\.88/125 is an IPv4 network written as IPv6 \(IPv4-mapped\); write it in IPv4 form: 10\.1\.255\.88/29\.$",
            || dc1_nat("::ffff:10.1.255.88/125", &[("db", "10.1.255.92", "192.168.10.15")]),
        ),
        row(
            "nat_local_ip_ipv4_mapped",
            Validate,
            r#"translations["db"].local_ip"#,
            r"^IPv4-mapped IPv6 address: .*::ffff:10\.1\.255\.92 is an IPv4 address written as IPv6 \(IPv4-mapped\); write it in IPv4 form: 10\.1\.255\.92\.$",
            || dc1_nat("10.1.255.88/29", &[("db", "::ffff:10.1.255.92", "192.168.10.15")]),
        ),
        row(
            "nat_customer_ip_ipv4_mapped",
            Validate,
            r#"translations["db"].customer_ip"#,
            r"^IPv4-mapped IPv6 address: .*::ffff:192\.168\.10\.15 is an IPv4 address written as IPv6 \(IPv4-mapped\); write it in IPv4 form: 192\.168\.10\.15\.$",
            || dc1_nat("10.1.255.88/29", &[("db", "10.1.255.92", "::ffff:192.168.10.15")]),
        ),
        row(
            "nat_local_ip_network_address",
            Validate,
            r#"translations["db"].local_ip"#,
            r"^local_ip is not a host address of static_nat_subnet: .*local_ip 10\.1\.255\.88 is the network address of static_nat_subnet 10\.1\.255\.88/29, which no host can use",
            || dc1_nat("10.1.255.88/29", &[("db", "10.1.255.88", "192.168.10.15")]),
        ),
        row(
            "nat_local_ip_broadcast_address",
            Validate,
            r#"translations["db"].local_ip"#,
            r"^local_ip is not a host address of static_nat_subnet: .*local_ip 10\.1\.255\.95 is the broadcast address of static_nat_subnet 10\.1\.255\.88/29, which no host can use",
            || dc1_nat("10.1.255.88/29", &[("db", "10.1.255.95", "192.168.10.15")]),
        ),
        row(
            "nat_local_ip_outside_static_nat_subnet",
            Validate,
            r#"translations["db"].local_ip"#,
            r"^local_ip outside static_nat_subnet: .*local_ip 10\.1\.254\.1 is not inside static_nat_subnet 10\.1\.255\.88/29",
            || dc1_nat("10.1.255.88/29", &[("db", "10.1.254.1", "192.168.10.15")]),
        ),
        row(
            "nat_local_ip_duplicate",
            Validate,
            r#"translations["web"].local_ip"#,
            r#"^Duplicate local_ip: .*local_ip 10\.1\.255\.92 is already used by translation "db""#,
            || {
                dc1_nat(
                    "10.1.255.88/29",
                    &[
                        ("db", "10.1.255.92", "192.168.10.15"),
                        ("web", "10.1.255.92", "192.168.10.16"),
                    ],
                )
            },
        ),
        row(
            "nat_local_ip_not_an_address",
            Validate,
            r#"translations["db"].local_ip"#,
            r#"^Invalid IP address: .*"10\.1\.255\.92/32" is not a host address .*it is a network in CIDR notation"#,
            || dc1_nat("10.1.255.88/29", &[("db", "10.1.255.92/32", "192.168.10.15")]),
        ),
        row(
            "nat_customer_ip_duplicate",
            Validate,
            r#"translations["web"].customer_ip"#,
            r#"^Duplicate customer_ip: .*customer_ip 192\.168\.10\.15 is already translated by "db""#,
            || {
                dc1_nat(
                    "10.1.255.88/29",
                    &[
                        ("db", "10.1.255.92", "192.168.10.15"),
                        ("web", "10.1.255.93", "192.168.10.15"),
                    ],
                )
            },
        ),
        row(
            "nat_customer_ip_outside_every_remote_subnet",
            Plan,
            r#"translations["db"].customer_ip"#,
            r"^customer_ip outside every remote subnet: .*customer_ip 192\.168\.20\.15 is not inside any remote subnet of connection dc1 \(it has 192\.168\.10\.0/24\)",
            || dc1_nat("10.1.255.88/29", &[("db", "10.1.255.92", "192.168.20.15")]),
        )
        .after(dc1_with_remote),
        row(
            "nat_static_nat_subnet_overlapping_remote_subnet",
            Plan,
            "static_nat_subnet",
            r"^static_nat_subnet overlaps a remote subnet: static_nat_subnet 192\.168\.10\.8/29 overlaps remote subnet 192\.168\.10\.0/24",
            || dc1_nat("192.168.10.8/29", &[("db", "192.168.10.9", "192.168.10.15")]),
        )
        .after(dc1_with_remote),
        row(
            "nat_translation_name_illegal_character",
            Validate,
            r#"translations["billing db"]"#,
            r#"^Invalid translation name: .*"billing db" is not a valid translation name: it contains characters that are not allowed: " ""#,
            || dc1_nat("10.1.255.88/29", &[("billing db", "10.1.255.92", "192.168.10.15")]),
        ),
        row(
            "nat_translation_name_too_long",
            Validate,
            r#"translations["nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"]"#,
            r"^Invalid translation name: .* is not a valid translation name: it has 65 characters, at most 64 are allowed",
            || {
                let name = "n".repeat(65);
                dc1_nat("10.1.255.88/29", &[(&name, "10.1.255.92", "192.168.10.15")])
            },
        ),
        row(
            "nat_translation_name_empty",
            Validate,
            r#"translations[""]"#,
            r#"^Invalid translation name: .*"" is not a valid translation name: it is empty"#,
            || dc1_nat("10.1.255.88/29", &[("", "10.1.255.92", "192.168.10.15")]),
        ),
        row(
            "nat_second_context_for_one_connection",
            Plan,
            "connection_name",
            r"^NAT context already exists: Connection dc1 already has a NAT context; a connection has at most one\.",
            || {
                format!(
                    "{}\n{}",
                    dc1_nat("10.1.255.88/29", &[("db", "10.1.255.92", "192.168.10.15")]),
                    nat_context(
                        "second",
                        &dc1().name_ref(),
                        "10.1.255.96/29",
                        &[("web", "10.1.255.97", "192.168.10.16")],
                        &["ipsec_remote_subnet.r10"],
                    )
                )
            },
        )
        .after(|| dc1_nat("10.1.255.88/29", &[("db", "10.1.255.92", "192.168.10.15")])),
        // ----- provider configuration
        row(
            "provider_engine_unknown",
            Validate,
            "engine",
            r#"^Unknown engine: "racoon" is not an engine; use "local" or "strongswan"\.$"#,
            || with_provider("  engine     = \"racoon\"\n  config_dir = \"@CONFIG_DIR@\""),
        ),
        row(
            "provider_engine_is_case_sensitive",
            Validate,
            "engine",
            r#"^Unknown engine: "Local" is not an engine; use "local" or "strongswan"\. Did you mean local\?$"#,
            || with_provider("  engine     = \"Local\"\n  config_dir = \"@CONFIG_DIR@\""),
        ),
        row(
            "provider_config_dir_empty",
            Validate,
            "config_dir",
            r"^Empty config_dir: config_dir must name a directory",
            || with_provider("  config_dir = \"\""),
        ),
        row(
            "provider_config_dir_is_a_file",
            Plan,
            "config_dir",
            r"^Invalid provider setting config_dir: /.+/gateway is a file, not a directory; config_dir names the directory that holds the gateway's files",
            || with_provider("  config_dir = \"@CONFIG_DIR@\""),
        )
        .before(|gateway| {
            std::fs::write(gateway.root(), "a regular file, not a directory\n")
                .expect("the gateway path as a file")
        }),
        row(
            "provider_config_dir_under_a_regular_file",
            Plan,
            "config_dir",
            r"^Invalid provider setting config_dir: /.+/gateway/swanctl cannot be created: /.+/gateway is a file, not a directory",
            || with_provider("  config_dir = \"@CONFIG_DIR@/swanctl\""),
        )
        // The gateway directory itself becomes a regular file, so nothing can be created
        // under it; permission bits would not stop root.
        .before(|gateway| {
            std::fs::write(gateway.root(), "a regular file, not a directory\n")
                .expect("the gateway path as a file")
        }),
        row(
            "provider_vici_uri_unsupported_scheme",
            Validate,
            "vici_uri",
            r#"^Invalid vici_uri: "http://charon:4502" has an unsupported scheme; use unix:///path/to/charon\.vici or tcp://host:port"#,
            || {
                with_provider(
                    "  engine     = \"strongswan\"\n  config_dir = \"@CONFIG_DIR@\"\n  vici_uri   = \"http://charon:4502\"",
                )
            },
        ),
        row(
            "provider_vici_uri_tcp_without_port",
            Validate,
            "vici_uri",
            r#"^Invalid vici_uri: "tcp://charon" does not name a host and port"#,
            || {
                with_provider(
                    "  engine     = \"strongswan\"\n  config_dir = \"@CONFIG_DIR@\"\n  vici_uri   = \"tcp://charon\"",
                )
            },
        ),
        row(
            "provider_strongswan_unreachable_charon",
            Plan,
            "vici_uri",
            r"^Invalid provider setting vici_uri: cannot reach charon at unix:///.+/gateway/no-charon\.vici: No such file or directory.*Is charon running",
            || {
                with_provider(
                    "  engine     = \"strongswan\"\n  config_dir = \"@CONFIG_DIR@\"\n  vici_uri   = \"unix://@CONFIG_DIR@/no-charon.vici\"",
                )
            },
        ),
        row(
            "provider_strongswan_charon_that_never_answers",
            Plan,
            "vici_uri",
            r"^Gateway engine error: charon at unix:///.+/gateway/silent\.vici did not answer version within 30 s; it is stuck or overloaded",
            || {
                with_provider(
                    "  engine     = \"strongswan\"\n  config_dir = \"@CONFIG_DIR@\"\n  vici_uri   = \"unix://@CONFIG_DIR@/silent.vici\"",
                )
            },
        )
        .before(silent_vici_listener),
        row(
            "provider_nat_table_invalid",
            Validate,
            "nat_table",
            r#"^Invalid nftables table name: "ipsec nat!" is not a valid table name"#,
            || with_provider("  config_dir = \"@CONFIG_DIR@\"\n  nat_table  = \"ipsec nat!\""),
        ),
        row(
            "provider_netns_invalid",
            Validate,
            "netns",
            r#"^Invalid netns: "\.\./etc" is not a network namespace name"#,
            || {
                with_provider(
                    "  engine     = \"strongswan\"\n  config_dir = \"@CONFIG_DIR@\"\n  netns      = \"../etc\"",
                )
            },
        ),
    ]
}

/// SPEC.md: weak choices are accepted, with a warning on the attribute naming a stronger
/// replacement.
fn weak_algorithms_are_warnings_not_errors() {
    let weak = dc1()
        .set(
            "phase1",
            "{\n    encryption     = \"3DES\"\n    authentication = \"SHA1\"\n    dh_group       = 2\n  }",
        )
        .set("phase2", "{\n    authentication = \"MD5\"\n  }");
    TestCase::new()
        .step(
            Step::apply(weak.hcl())
                .warns(r"Weak encryption algorithm.*3DES is considered weak.*use AES256")
                .warns(r"Weak authentication algorithm.*SHA1 is considered weak.*use SHA256")
                .warns(r"Weak authentication algorithm.*MD5 is considered weak.*use SHA256")
                .warns(r"Weak Diffie-Hellman group.*Group 2 is considered weak.*use 14 or better")
                .check("ipsec_vpn_connection.dc1", "phase1.encryption", "3DES")
                .check("ipsec_vpn_connection.dc1", "phase1.dh_group", 2)
                .check("ipsec_vpn_connection.dc1", "phase2.authentication", "MD5")
                .check_gateway(|gateway| {
                    let conf = gateway.swanctl("dc1");
                    assert!(
                        conf.contains("proposals = 3des-sha1-modp1024"),
                        "the weak proposal is not on the gateway:\n{conf}"
                    );
                }),
        )
        .run();
}

/// A rejected update of an applied connection writes nothing: the gateway keeps the
/// applied file byte for byte, and the state is unchanged.
fn rejected_connection_change_keeps_the_applied_gateway_files() {
    TestCase::new()
        .step(Step::apply(dc1().hcl()))
        .step(
            Step::fails(
                Phase::Plan,
                phase("phase1", "keylife = 100").hcl(),
                r"^Keylife out of range: .*100 seconds is outside the accepted range",
            )
            .at("phase1.keylife")
            .check_gateway(|gateway| {
                assert_eq!(
                    gateway.config_files(),
                    vec![Gateway::swanctl_path("dc1")],
                    "only dc1's file should be on the gateway"
                );
                let conf = gateway.swanctl("dc1");
                assert!(conf.contains("rekey_time = 28800s"), "{conf}");
            }),
        )
        .step(Step::apply(dc1().hcl()))
        .run();
}

/// The bounds of the keylife range are inside it, in both phases.
fn keylife_range_bounds_are_accepted() {
    TestCase::new()
        .step(
            Step::apply(
                dc1()
                    .set("phase1", "{\n    keylife = 172800\n  }")
                    .set("phase2", "{\n    keylife = 120\n  }")
                    .hcl(),
            )
            .check("ipsec_vpn_connection.dc1", "phase1.keylife", 172800)
            .check("ipsec_vpn_connection.dc1", "phase2.keylife", 120),
        )
        .step(Step::apply(
            dc1()
                .set("phase1", "{\n    keylife = 120\n  }")
                .set("phase2", "{\n    keylife = 172800\n  }")
                .hcl(),
        ))
        .run();
}

/// A key with white space at either end is valid and used exactly as given, with a
/// warning at the key that does not show it.
fn preshared_key_with_surrounding_white_space_applies_with_a_warning() {
    const KEY: &str = " correct horse battery ";
    TestCase::new()
        .step(
            Step::apply(dc1().string("preshared_key", KEY).hcl())
                // The whole text, so it holds no part of the key.
                .warns(
                    r"^Pre-shared key with surrounding white space: The pre-shared key begins or ends with white space\. It is used exactly as given, but white space at either end is easily lost when the key is copied to the peer; check that this is intended\.$",
                )
                .check_gateway(|gateway| {
                    let conf = gateway.swanctl("dc1");
                    assert!(
                        conf.contains(&format!("secret = 0x{}", hex(KEY))),
                        "the key is not written as given:\n{conf}"
                    );
                }),
        )
        .run();
}

/// `dpd.timeout` matters for IKEv1 only: with IKEv2 the configuration applies, with a
/// warning that says so.
fn dpd_timeout_with_ikev2_applies_with_a_warning_at_dpd_timeout() {
    TestCase::new()
        .step(
            Step::apply(dc1().set("dpd", "{ timeout = 60 }").hcl())
                .warns(r"^DPD timeout has no effect with IKEv2: .*dpd\.timeout = 60 is used by IKEv1 only")
                .check("ipsec_vpn_connection.dc1", "dpd.timeout", 60),
        )
        .run();
}

/// The `local` engine runs no charon: a connection that waits for its tunnel applies,
/// with a warning that there is nothing to wait for, and keeps its timeouts in state.
fn wait_until_established_on_the_local_engine_applies_with_a_warning() {
    let workspace = Workspace::new(ProviderMode::Binary);
    let start = || dc1().string("start_action", "start");
    // The warning comes from the plan against the gateway, which needs its config_dir.
    workspace.write_config(&start().hcl());
    workspace.ok(&["apply", "-auto-approve", "-input=false"]);
    workspace.write_config(
        &start()
            .set("wait_until_established", "true")
            .set("timeouts", r#"{ create = "30s" }"#)
            .hcl(),
    );
    let applied = workspace
        .ok(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .stdout;
    let flat = applied.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("Warning: Nothing to wait for")
            && flat.contains("wait_until_established has no effect on the local engine"),
        "{applied}"
    );
    let state = workspace.resource("ipsec_vpn_connection.dc1");
    assert_eq!(state["wait_until_established"], true, "{state:#}");
    assert_eq!(state["timeouts"]["create"], "30s", "{state:#}");
    workspace.assert_plan_empty("a connection that waits on the local engine");
}

/// `terraform plan` against a config_dir that does not exist yet (nor its parent)
/// creates nothing; the first apply creates it, and every directory it needed, 0700.
fn missing_config_dir_is_left_alone_by_plan_and_created_0700_by_apply() {
    use std::os::unix::fs::PermissionsExt;

    let workspace = Workspace::new(ProviderMode::InProcess);
    let parent = workspace.gateway().root().to_path_buf();
    let root = parent.join("ipsec");
    let gateway = Gateway::new(&root);
    let config = format!(
        "provider \"ipsec\" {{\n  config_dir = \"{CONFIG_DIR}/ipsec\"\n}}\n\n{}",
        dc1().hcl()
    );
    workspace.write_config(&config);
    assert!(
        std::fs::symlink_metadata(&parent).is_err(),
        "the test needs a missing config_dir"
    );

    let plan = workspace.ok(&["plan", "-input=false"]).output();
    assert!(plan.contains("1 to add"), "{plan}");
    assert!(
        std::fs::symlink_metadata(&parent).is_err(),
        "plan created {} (or under it)",
        parent.display()
    );

    workspace.ok(&["apply", "-auto-approve", "-input=false"]);
    for dir in [&parent, &root] {
        let mode = std::fs::metadata(dir)
            .unwrap_or_else(|e| panic!("apply did not create {}: {e}", dir.display()))
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o700,
            "{} is mode {:o}",
            dir.display(),
            mode & 0o777
        );
    }
    assert_eq!(gateway.config_files(), vec![Gateway::swanctl_path("dc1")]);
    workspace.assert_plan_empty("after the first apply");
    workspace.ok(&["destroy", "-auto-approve", "-input=false"]);
    gateway.assert_empty();
}

/// A connection's file replaced by a symbolic link to a file outside config_dir: the
/// plan fails naming the link, and the file it leads to is never read (a parse error
/// would quote its first line).
fn gateway_file_linked_outside_config_dir_is_refused_unread() {
    const OUTSIDE: &str = "SECRET-OUTSIDE";
    let workspace = Workspace::new(ProviderMode::InProcess);
    workspace.write_config(&dc1().hcl());
    workspace.ok(&["apply", "-auto-approve", "-input=false"]);

    let link = workspace
        .gateway()
        .root()
        .join(Gateway::swanctl_path("dc1"));
    let applied = std::fs::read(&link).expect("dc1's file after apply");
    let outside = workspace.path().join("outside.conf");
    std::fs::write(&outside, format!("{OUTSIDE}\n")).expect("the outside file");
    std::fs::remove_file(&link).expect("dc1's file removed");
    std::os::unix::fs::symlink(&outside, &link).expect("the link");

    let refused = regex::Regex::new(&format!(
        r"^Gateway file links outside config_dir: {} is a symbolic link to \S*/outside\.conf, outside config_dir\. The provider does not follow it",
        regex::escape(&link.display().to_string())
    ))
    .unwrap();
    let run = workspace.run(&["plan", "-json", "-input=false"]);
    assert_ne!(
        run.code,
        0,
        "the plan went through the link:\n{}",
        run.output()
    );
    let diagnostics = acceptance_tests::json::streamed_diagnostics(&run.stdout);
    assert!(
        diagnostics
            .iter()
            .any(|d| d.severity == "error" && refused.is_match(&d.text())),
        "no error matching {refused}: {diagnostics:#?}"
    );
    for run in [run, workspace.run(&["plan", "-input=false"])] {
        assert_ne!(
            run.code,
            0,
            "the plan went through the link:\n{}",
            run.output()
        );
        assert!(
            run.output().contains(&link.display().to_string()),
            "the error does not name the link:\n{}",
            run.output()
        );
        assert!(
            !run.output().contains(OUTSIDE),
            "the outside file was shown:\n{}",
            run.output()
        );
    }
    assert!(
        std::fs::symlink_metadata(&link).is_ok_and(|m| m.file_type().is_symlink()),
        "the plan replaced the link"
    );
    assert_eq!(
        std::fs::read_to_string(&outside).unwrap(),
        format!("{OUTSIDE}\n"),
        "the plan changed the outside file"
    );

    // The operator puts the file back: everything is as applied.
    std::fs::remove_file(&link).expect("the link removed");
    std::fs::write(&link, applied).expect("dc1's file restored");
    std::fs::set_permissions(&link, std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .expect("dc1's file mode");
    workspace.assert_plan_empty("with dc1's file restored");
    workspace.ok(&["destroy", "-auto-approve", "-input=false"]);
    workspace.gateway().assert_empty();
}
