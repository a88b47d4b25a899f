//! Reading the gateway's files back: what was rendered comes back equal, what a person
//! editing by hand would write is understood, and what cannot be understood is an error
//! naming the line.

use ipsec_core::model::{Authentication, DhGroup, DpdAction, Encryption, NatTable};
use ipsec_core::parse::{parse_nftables, parse_swanctl};
use ipsec_core::render::{render_nftables, render_swanctl};
use ipsec_test_support::inputs::*;

#[test]
fn rendered_files_parse_back_to_the_same_context() {
    let context = classic_context();
    let file = parse_swanctl(&render_swanctl(&context), context.name()).unwrap();
    assert_eq!(file.connection, context.connection);
    assert_eq!(file.remote_subnets, context.remote_subnets);
    let nat = context.nat.as_ref().unwrap();
    assert_eq!(
        &parse_nftables(&render_nftables(context.name(), nat, &NatTable::default())).unwrap(),
        nat
    );
}

const HAND_WRITTEN: &str = r#"
# Edited by the night shift.
secrets {
  ike-peer {   # the secret first, for once
    secret = "correct horse battery staple"
    id-peer = 203.0.113.10
  }
}
connections
{
	dc1 {
		remote_addrs = 203.0.113.10
		local_addrs = %any
		children {
			net { esp_proposals = aes-sha1-modp1024 ; mode = tunnel
			      remote_ts = 192.168.10.0/24, 192.168.20.5
			      local_ts = 10.1.0.0/16
			      start_action = start
			      rekey_time = 60m }
		}
		proposals = "aes256-sha256-x25519"
		rekey_time = 8h
		version = 2
		remote { id = %any
		         auth = psk }
		local { auth = psk }
	}
}
"#;

#[test]
fn hand_written_layouts_and_aliases_are_understood() {
    // `;` is not a separator in strongSwan's syntax: the value runs to the end of the line.
    let text = HAND_WRITTEN.replace(" ; mode = tunnel", "\n mode = tunnel");
    let file = parse_swanctl(&text, &name("dc1")).unwrap();
    let c = &file.connection;
    assert_eq!(c.preshared_key.expose(), PSK);
    assert_eq!(c.local_address, None);
    assert_eq!(
        (
            c.phase1.encryption,
            c.phase1.authentication,
            c.phase1.dh_group
        ),
        (
            Encryption::Aes256,
            Authentication::Sha256,
            DhGroup::Curve25519
        )
    );
    assert_eq!(c.phase1.keylife.seconds(), 28800);
    assert_eq!(
        (
            c.phase2.encryption,
            c.phase2.authentication,
            c.phase2.dh_group
        ),
        (
            Encryption::Aes128,
            Some(Authentication::Sha1),
            DhGroup::Modp1024
        )
    );
    assert_eq!(c.phase2.keylife.seconds(), 3600);
    assert!(c.perfect_forward_secrecy);
    let remote: Vec<String> = file
        .remote_subnets
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(remote, ["192.168.10.0/24", "192.168.20.5/32"]);
    assert_eq!(c.start_action.name(), "start");
}

/// Replaces `from` by `to` in the classic file and returns the parse error's line and message.
fn broken(from: &str, to: &str) -> (usize, String) {
    let text = render_swanctl(&classic_context()).replace(from, to);
    assert!(text.contains(to), "fixture edit {from:?} did not apply");
    let error = parse_swanctl(&text, &name("dc1")).unwrap_err();
    (error.line, error.message)
}

fn line_of(needle: &str) -> usize {
    let text = render_swanctl(&classic_context());
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn what_cannot_be_understood_is_an_error_at_its_line() {
    let cases: &[(&str, &str, &str, &str)] = &[
        // (replace, with, line holding, message contains)
        (
            "rekey_time = 28800s",
            "mobike = no",
            "mobike",
            "unsupported setting \"mobike\"",
        ),
        (
            "dpd_delay = 30s",
            "dpd_delay = 2h",
            "dpd_delay",
            "0 to 3600 seconds",
        ),
        (
            "dpd_timeout = 150s",
            "dpd_timeout = soon",
            "dpd_timeout",
            "is not a duration",
        ),
        (
            "dpd_action = trap",
            "dpd_action = hold-on",
            "dpd_action",
            "not a DPD action",
        ),
        (
            "rekey_time = 3600s",
            "rekey_time = 10s",
            "rekey_time = 10s",
            "outside the accepted range",
        ),
        (
            "rekey_time = 3600s",
            "rekey_time = soon",
            "rekey_time = soon",
            "is not a duration",
        ),
        (
            "proposals = aes256-sha256-modp2048",
            "proposals = aes256-sha256-modp2048,aes128-sha1",
            "proposals =",
            "no Diffie-Hellman group",
        ),
        (
            "proposals = aes256-sha256-modp2048",
            "proposals = aes256-sha256-modp2048,,aes128-sha1-modp1024",
            "proposals =",
            "empty proposal",
        ),
        (
            "esp_proposals = aes256-sha256-modp2048",
            "esp_proposals = aes256-sha256-modp2048, aes128-sha1",
            "esp_proposals",
            "differ in whether they name a Diffie-Hellman group",
        ),
        (
            "proposals = aes256-sha256-modp2048",
            "proposals = blowfish-sha256-modp2048",
            "proposals =",
            "\"blowfish\"",
        ),
        (
            "proposals = aes256-sha256-modp2048",
            "proposals = aes256-sha256",
            "proposals =",
            "no Diffie-Hellman group",
        ),
        (
            "esp_proposals = aes256-sha256-modp2048",
            "esp_proposals = aes256gcm16-sha256",
            "esp_proposals",
            "GCM",
        ),
        (
            "remote_addrs = 203.0.113.10",
            "remote_addrs = 203.0.113.10,203.0.113.11",
            "remote_addrs",
            "several addresses",
        ),
        (
            "remote_addrs = 203.0.113.10",
            "remote_addrs = vpn.example.com",
            "remote_addrs",
            "host names are not supported",
        ),
        (
            "local_ts = 10.1.0.0/16",
            "local_ts = 10.1.0.5/16",
            "local_ts",
            "did you mean 10.1.0.0/16",
        ),
        (
            "start_action = trap",
            "start_action = route",
            "start_action",
            "not a start action",
        ),
        ("version = 2", "version = 3", "version", "use 1 or 2"),
        (
            "auth = psk\n            id = 203",
            "auth = pubkey\n            id = 203",
            "auth = pubkey",
            "not supported",
        ),
        (
            "id = 203.0.113.10\n        }\n        children",
            "id = peer..example.com\n        }\n        children",
            "id = peer..example.com",
            "empty label",
        ),
        (
            "id-remote = 203.0.113.10",
            "id-remote = other.example.com",
            "id-remote",
            "none of the connection's identities",
        ),
        (
            "secret = 0x",
            "secret = 0xzz",
            "secret =",
            "not valid hexadecimal",
        ),
        (
            "    dc1 {\n        version",
            "    dc2 {\n        version",
            "dc2 {",
            "defines connection \"dc2\"",
        ),
        (
            "connections {",
            "connections {\n    include other.conf",
            "include",
            "'include' is not supported",
        ),
    ];
    for (from, to, holding, message) in cases {
        let (line, text) = broken(from, to);
        let rendered = render_swanctl(&classic_context()).replace(from, to);
        let expected = rendered.lines().position(|l| l.contains(holding)).unwrap() + 1;
        assert_eq!(line, expected, "{to:?}: {text}");
        assert!(text.contains(message), "{to:?}: {text:?} lacks {message:?}");
        assert!(!text.contains(PSK), "the key leaked into {text:?}");
    }
}

/// The classic file with the line holding `needle` removed.
fn without_line(needle: &str) -> String {
    let text = render_swanctl(&classic_context());
    text.lines()
        .filter(|l| !l.contains(needle))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn a_deleted_setting_reads_as_strongswans_default_or_is_an_error() {
    // Defaults the model can hold read as themselves, so the deletion shows up as drift.
    let file = parse_swanctl(&without_line("rekey_time = 28800s"), &name("dc1")).unwrap();
    assert_eq!(file.connection.phase1.keylife.seconds(), 14400);
    let file = parse_swanctl(&without_line("rekey_time = 3600s"), &name("dc1")).unwrap();
    assert_eq!(file.connection.phase2.keylife.seconds(), 3600);
    let file = parse_swanctl(&without_line("start_action"), &name("dc1")).unwrap();
    assert_eq!(file.connection.start_action.name(), "none");
    // Defaults it cannot hold are errors at the section that lacks the setting.
    for (needle, section, message) in [
        ("version = 2", "    dc1 {", "no version"),
        (
            "proposals = aes256-sha256-modp2048",
            "    dc1 {",
            "no proposals",
        ),
        ("esp_proposals", "            dc1 {", "no esp_proposals"),
    ] {
        let error = parse_swanctl(&without_line(needle), &name("dc1")).unwrap_err();
        let text = without_line(needle);
        let line = text.lines().position(|l| l == section).unwrap() + 1;
        assert_eq!(error.line, line, "{needle}: {error}");
        assert!(error.message.contains(message), "{needle}: {error}");
    }
    let text = render_swanctl(&classic_context()).replacen("            auth = psk\n", "", 1);
    let error = parse_swanctl(&text, &name("dc1")).unwrap_err();
    assert!(
        error.message.contains("no local { auth = psk }") && error.message.contains("public key"),
        "{error}"
    );
}

#[test]
fn an_unclosed_section_is_reported_where_it_opens() {
    let text = render_swanctl(&classic_context());
    let cut = &text[..text.rfind('}').unwrap()];
    let error = parse_swanctl(cut, &name("dc1")).unwrap_err();
    assert_eq!(error.line, line_of("secrets {"));
    assert!(error.message.contains("never closed"), "{}", error.message);
}

#[test]
fn a_plain_text_secret_that_is_too_short_is_an_error_without_the_key() {
    let (line, message) = broken(&format!("0x{}", hex_of(PSK)), "\"hunter2\"");
    assert_eq!(line, line_of("secret ="));
    assert!(
        message.contains("7 characters") && !message.contains("hunter2"),
        "{message}"
    );
}

/// A hand edit may put anything into a file, terminal escape sequences and a whole
/// pasted document included: the error names the line and repeats at most 64
/// characters of what it found there, with control characters escaped.
#[test]
fn hostile_file_content_is_repeated_escaped_and_cut() {
    let hostile = format!("x\u{1b}[2J\u{1b}]0;owned\u{7}\u{202e}{}", "y".repeat(200));
    let swanctl = render_swanctl(&classic_context()).to_string();
    let nat = render_nftables(
        &name("dc1"),
        classic_context().nat.as_ref().unwrap(),
        &NatTable::default(),
    );
    let errors = [
        parse_swanctl(
            &swanctl.replace("rekey_time = 28800s", &format!("{hostile} = 1")),
            &name("dc1"),
        ),
        parse_swanctl(
            &swanctl.replace("version = 2", &format!("version = {hostile}")),
            &name("dc1"),
        ),
        parse_swanctl(
            &swanctl.replace("    dc1 {", &format!("    {hostile} {{")),
            &name("dc1"),
        ),
        parse_swanctl(
            &swanctl.replace("local_ts = 10.1.0.0/16", &format!("local_ts = {hostile}")),
            &name("dc1"),
        ),
    ]
    .into_iter()
    .map(|result| result.map(drop).unwrap_err())
    .chain([
        parse_nftables(&nat.replace("table inet", &format!("table {hostile}"))).unwrap_err(),
        parse_nftables(&nat.replace("dnat ip to", &format!("{hostile} ip to"))).unwrap_err(),
    ]);
    for error in errors {
        let message = error.message;
        assert!(
            !message.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "{message:?}"
        );
        assert!(message.contains("\\u{1b}[2J"), "{message:?}");
        assert!(!message.contains(&"y".repeat(65)), "{message:?}");
    }
}

fn hex_of(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

const NAT: &str = "# @static_nat_subnet 10.1.255.88/29\ntable inet ipsec_nat {\n chain pre { type nat hook prerouting priority dstnat; policy accept\n  ip daddr 10.1.255.92 counter dnat ip to 192.168.10.15 comment \"billing-db\" }\n chain post {\n  type nat hook postrouting priority 100;\n  ip saddr 192.168.10.15 snat to 10.1.255.92 comment \"billing-db\"\n }\n}\n";

#[test]
fn hand_written_nat_is_understood() {
    let nat = parse_nftables(NAT).unwrap();
    assert_eq!(Some(nat), classic_context().nat);
}

#[test]
fn a_translation_with_one_rule_deleted_reads_as_absent() {
    let half = NAT.replace(
        "  ip saddr 192.168.10.15 snat to 10.1.255.92 comment \"billing-db\"\n",
        "",
    );
    assert!(parse_nftables(&half).unwrap().translations.is_empty());
    let disagreeing = NAT.replace("snat to 10.1.255.92", "snat to 10.1.255.93");
    assert!(parse_nftables(&disagreeing)
        .unwrap()
        .translations
        .is_empty());
}

#[test]
fn nat_rules_it_did_not_write_are_errors_at_their_line() {
    let cases = [
        (
            "comment \"billing-db\" }",
            "}",
            4,
            "no comment naming its translation",
        ),
        ("counter dnat", "drop dnat", 4, "\"drop\""),
        (
            "comment \"billing-db\" }",
            "comment \"billing db\" }",
            4,
            "not allowed",
        ),
        (
            "# @static_nat_subnet 10.1.255.88/29",
            "# nothing",
            1,
            "static_nat_subnet",
        ),
        (
            "# @static_nat_subnet 10.1.255.88/29",
            "# @static_nat_subnet 10.1.255.90/29",
            1,
            "did you mean 10.1.255.88/29",
        ),
        ("hook postrouting", "hook input", 6, "hook \"input\""),
        ("table inet", "table bridge", 2, "family \"bridge\""),
    ];
    for (from, to, line, message) in cases {
        let text = NAT.replace(from, to);
        assert_ne!(text, NAT, "fixture edit {from:?} did not apply");
        let error = parse_nftables(&text).unwrap_err();
        assert_eq!(
            (error.line, error.message.contains(message)),
            (line, true),
            "{to:?}: {error}"
        );
    }
}

mod ikev1_children {
    //! An IKEv1 connection's children, one per pair of subnets, read back as one.

    use super::*;
    use ipsec_core::parse::parse_swanctl;
    use ipsec_core::render::render_swanctl;

    fn ikev1_context() -> ipsec_core::model::Context {
        let mut input = classic_input();
        input.ike_version = Some(1);
        input.local_subnets = vec!["10.1.0.0/16".into(), "10.2.0.0/16".into()];
        context(&input, &["192.168.10.0/24", "192.168.20.0/24"], None)
    }

    #[test]
    fn read_back_equal() {
        let original = ikev1_context();
        let text = render_swanctl(&original);
        assert_eq!(text.matches("start_action = trap").count(), 4, "{}", *text);
        let file = parse_swanctl(&text, original.name()).unwrap();
        assert_eq!(file.connection, original.connection);
        assert_eq!(file.remote_subnets, original.remote_subnets);
    }

    #[test]
    fn a_child_deleted_by_hand_is_an_error_at_the_children_section() {
        let text = render_swanctl(&ikev1_context()).to_string();
        let start = text
            .find("            dc1_10-2-0-0-16_192-168-20-0-24 {")
            .unwrap();
        let end = start + text[start..].find("            }\n").unwrap() + "            }\n".len();
        let edited = format!("{}{}", &text[..start], &text[end..]);
        let error = parse_swanctl(&edited, &name("dc1")).unwrap_err();
        assert!(
            error.message.contains("10.2.0.0/16 to 192.168.20.0/24"),
            "{}",
            error.message
        );
    }

    /// Files written before children were named by their pair name them by position
    /// (`dc1-1` …, or `dc1` alone): they read back the same.
    #[test]
    fn positional_child_names_of_earlier_versions_read_back_equal() {
        let original = ikev1_context();
        let mut text = render_swanctl(&original).to_string();
        for (n, pair) in [
            "10-1-0-0-16_192-168-10-0-24",
            "10-1-0-0-16_192-168-20-0-24",
            "10-2-0-0-16_192-168-10-0-24",
            "10-2-0-0-16_192-168-20-0-24",
        ]
        .iter()
        .enumerate()
        {
            text = text.replace(&format!("dc1_{pair} {{"), &format!("dc1-{} {{", n + 1));
        }
        assert!(text.contains("dc1-4 {"), "{text}");
        let file = parse_swanctl(&text, original.name()).unwrap();
        assert_eq!(file.connection, original.connection);
        assert_eq!(file.remote_subnets, original.remote_subnets);

        let mut input = classic_input();
        input.ike_version = Some(1);
        let single = context(&input, &["192.168.10.0/24"], None);
        let text = render_swanctl(&single).replace("dc1_10-1-0-0-16_192-168-10-0-24 {", "dc1 {");
        assert_eq!(
            parse_swanctl(&text, single.name()).unwrap().connection,
            single.connection
        );
    }

    fn dual_stack(remote: &[&str]) -> ipsec_core::model::Context {
        let mut input = classic_input();
        input.ike_version = Some(1);
        input.local_subnets = vec!["10.1.0.0/16".into(), "2001:db8:1::/48".into()];
        context(&input, remote, None)
    }

    /// Only pairs of one IP version are written; what reads back is the same.
    #[test]
    fn pairs_of_one_ip_version_read_back_equal() {
        for remote in [
            &["192.168.10.0/24", "2001:db8:2::/48"][..],
            &["192.168.10.0/24"][..],
            &[][..],
        ] {
            let original = dual_stack(remote);
            let text = render_swanctl(&original);
            assert!(
                !text.contains("local_ts = 10.1.0.0/16\n                remote_ts = 2001"),
                "{}",
                *text
            );
            let file = parse_swanctl(&text, original.name()).unwrap();
            assert_eq!(file.connection, original.connection, "{remote:?}");
            assert_eq!(file.remote_subnets, original.remote_subnets, "{remote:?}");
        }
    }

    /// Earlier versions also wrote the pairs of two IP versions: such a file reads back
    /// the same, and a missing pair of one version is still an error.
    #[test]
    fn children_of_two_ip_versions_from_earlier_versions_read_back_equal() {
        let original = dual_stack(&["192.168.10.0/24", "2001:db8:2::/48"]);
        let text = render_swanctl(&original).to_string();
        let child = |name: &str, local: &str, remote: &str| {
            format!(
                "            {name} {{\n                local_ts = {local}\n                remote_ts = {remote}\n                \
                 esp_proposals = aes256-sha256-modp2048\n                rekey_time = 3600s\n                \
                 start_action = trap\n                close_action = trap\n                dpd_action = trap\n            }}\n"
            )
        };
        let old = text.replace(
            "        children {\n",
            &format!(
                "        children {{\n{}{}",
                child("dc1-2", "10.1.0.0/16", "2001:db8:2::/48"),
                child("dc1-3", "2001:db8:1::/48", "192.168.10.0/24")
            ),
        );
        let file = parse_swanctl(&old, original.name()).unwrap();
        assert_eq!(file.connection, original.connection);
        assert_eq!(file.remote_subnets, original.remote_subnets);

        let start = old.find("            dc1_2001").unwrap();
        let end = start + old[start..].find("            }\n").unwrap() + "            }\n".len();
        let missing = format!("{}{}", &old[..start], &old[end..]);
        let error = parse_swanctl(&missing, original.name()).unwrap_err();
        assert!(
            error.message.contains("2001:db8:1::/48 to 2001:db8:2::/48"),
            "{}",
            error.message
        );
    }

    #[test]
    fn children_that_disagree_are_an_error_at_the_child() {
        let text = render_swanctl(&ikev1_context()).to_string();
        let edited = text.replacen("rekey_time = 3600s", "rekey_time = 1800s", 1);
        let error = parse_swanctl(&edited, &name("dc1")).unwrap_err();
        assert!(error.message.contains("differ"), "{}", error.message);
    }

    #[test]
    fn an_unknown_close_action_is_an_error_at_its_line() {
        let text =
            render_swanctl(&context(&classic_input(), &["192.168.10.0/24"], None)).to_string();
        let edited = text.replace("close_action = trap", "close_action = restart");
        let error = parse_swanctl(&edited, &name("dc1")).unwrap_err();
        let line = edited
            .lines()
            .position(|l| l.contains("close_action"))
            .unwrap()
            + 1;
        assert_eq!(error.line, line, "{}", error.message);
    }
}

#[test]
fn a_remote_network_added_by_hand_reads_as_unmanaged() {
    let context = classic_context();
    let rendered = render_swanctl(&context).to_string();
    let edited = rendered.replace(
        "remote_ts = 192.168.10.0/24,192.168.20.0/24",
        "remote_ts = 192.168.10.0/24,192.168.20.0/24,192.168.99.0/24",
    );
    assert_ne!(edited, rendered);
    let file = parse_swanctl(&edited, context.name()).unwrap();
    assert_eq!(file.remote_subnets, context.remote_subnets);
    assert_eq!(
        file.unmanaged_remote_subnets,
        [ipsec_core::model::Cidr::parse("192.168.99.0/24").unwrap()].into()
    );

    // A network removed by hand is simply missing, not unmanaged.
    let removed = rendered.replace(
        "remote_ts = 192.168.10.0/24,192.168.20.0/24",
        "remote_ts = 192.168.10.0/24",
    );
    let file = parse_swanctl(&removed, context.name()).unwrap();
    assert_eq!(file.remote_subnets.len(), 1);
    assert!(file.unmanaged_remote_subnets.is_empty());
}

#[test]
fn without_the_remote_subnets_record_every_remote_network_is_managed() {
    let context = classic_context();
    let rendered = render_swanctl(&context).to_string();
    let hand_written: String = rendered
        .lines()
        .filter(|line| !line.starts_with("# @remote_subnets"))
        .map(|line| format!("{line}\n"))
        .collect();
    let file = parse_swanctl(&hand_written, context.name()).unwrap();
    assert_eq!(file.remote_subnets, context.remote_subnets);
    assert!(file.unmanaged_remote_subnets.is_empty());
}

#[test]
fn a_broken_remote_subnets_record_is_an_error_at_its_line() {
    let context = classic_context();
    let rendered = render_swanctl(&context).to_string();
    let broken = rendered.replace(
        "# @remote_subnets 192.168.10.0/24",
        "# @remote_subnets 192.168.10.0/33",
    );
    let error = parse_swanctl(&broken, context.name())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("line 2") && error.contains("192.168.10.0/33"),
        "{error}"
    );
}

#[test]
fn deleted_dpd_settings_read_as_strongswans_defaults() {
    // Files of earlier versions have none of them: no DPD, which is what they ran.
    let text = render_swanctl(&classic_context());
    let without: String = text
        .lines()
        .filter(|l| !l.contains("dpd_"))
        .map(|l| format!("{l}\n"))
        .collect();
    let dpd = parse_swanctl(&without, &name("dc1"))
        .unwrap()
        .connection
        .dpd;
    assert_eq!(
        (dpd.delay.seconds(), dpd.timeout.seconds(), dpd.action),
        (0, 0, DpdAction::Clear)
    );
}

#[test]
fn dpd_settings_in_strongswans_other_spellings_read_the_same() {
    for (spelled, action) in [
        ("none", DpdAction::Clear),
        ("hold", DpdAction::Trap),
        ("route", DpdAction::Trap),
        ("start", DpdAction::Restart),
        ("restart", DpdAction::Restart),
    ] {
        let text = render_swanctl(&classic_context())
            .replace("dpd_action = trap", &format!("dpd_action = {spelled}"))
            .replace("dpd_delay = 30s", "dpd_delay = 1m")
            .replace("dpd_timeout = 150s", "dpd_timeout = 1h");
        let dpd = parse_swanctl(&text, &name("dc1")).unwrap().connection.dpd;
        assert_eq!(
            (dpd.delay.seconds(), dpd.timeout.seconds(), dpd.action),
            (60, 3600, action),
            "{spelled}"
        );
    }
}

#[test]
fn identities_read_back_and_a_hand_edit_of_one_is_drift() {
    let mut input = classic_input();
    input.local_id = Some("gw.example.com".into());
    input.peer_id = Some("ops+branch@example.net".into());
    let context = context(&input, &["192.168.10.0/24"], None);
    let text = render_swanctl(&context);
    assert!(
        text.contains("id-local = gw.example.com\n        id-remote = ops+branch@example.net\n"),
        "{}",
        *text
    );
    let file = parse_swanctl(&text, &name("dc1")).unwrap();
    assert_eq!(file.connection, context.connection);

    // The remote id of a connection with default identities, edited in its section
    // only: the secret still names the peer's address, which the connection owns.
    let edited = render_swanctl(&classic_context()).replacen(
        "id = 203.0.113.10",
        "id = branch.example.net",
        1,
    );
    let file = parse_swanctl(&edited, &name("dc1")).unwrap();
    assert_eq!(file.connection.peer_id.to_string(), "branch.example.net");
    assert_eq!(file.connection.peer_address.to_string(), "203.0.113.10");

    // A missing or `%any` local id is no identity; a missing remote one is the peer's
    // address, as files of earlier versions meant it.
    let text = render_swanctl(&context)
        .replace(
            "            id = gw.example.com\n",
            "            id = %any\n",
        )
        .replace("id-local = gw.example.com\n", "");
    let file = parse_swanctl(&text, &name("dc1")).unwrap();
    assert_eq!(file.connection.local_id, None);
}
