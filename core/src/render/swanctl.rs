//! `swanctl/conf.d/<name>.conf`: the connection, its child and its secret.

use std::fmt::Write;

use zeroize::Zeroizing;

use super::metadata::{escape_text, METADATA_PREFIX};
use super::HEADER;
use crate::model::{Cidr, Context, DhGroup, Phase1, Phase2};

/// Renders the swanctl.conf file of `context`. The text holds the pre-shared key (as
/// hex), so it is wiped from memory when dropped.
pub fn render_swanctl(context: &Context) -> Zeroizing<String> {
    let c = &context.connection;
    let name = c.name.as_str();
    let mut out = Zeroizing::new(String::with_capacity(1024));
    let o = &mut *out;
    // `writeln!` into a String cannot fail; the results are ignored on purpose.
    let _ = writeln!(o, "{HEADER}");
    if let Some(description) = &c.description {
        let _ = writeln!(
            o,
            "{METADATA_PREFIX}description {}",
            escape_text(description)
        );
    }
    if !c.perfect_forward_secrecy {
        // Without PFS, esp_proposals carries no group; keep the configured one here.
        let _ = writeln!(
            o,
            "{METADATA_PREFIX}phase2_dh_group {}",
            c.phase2.dh_group.number()
        );
    }
    let _ = writeln!(o, "connections {{");
    let _ = writeln!(o, "    {name} {{");
    let _ = writeln!(o, "        version = {}", c.ike_version.number());
    if let Some(local) = c.local_address {
        let _ = writeln!(o, "        local_addrs = {local}");
    }
    let _ = writeln!(o, "        remote_addrs = {}", c.peer_address);
    let _ = writeln!(o, "        proposals = {}", ike_proposal(&c.phase1));
    let _ = writeln!(o, "        rekey_time = {}s", c.phase1.keylife.seconds());
    let _ = writeln!(o, "        local {{");
    let _ = writeln!(o, "            auth = psk");
    if let Some(local) = c.local_address {
        let _ = writeln!(o, "            id = {local}");
    }
    let _ = writeln!(o, "        }}");
    let _ = writeln!(o, "        remote {{");
    let _ = writeln!(o, "            auth = psk");
    let _ = writeln!(o, "            id = {}", c.peer_address);
    let _ = writeln!(o, "        }}");
    let _ = writeln!(o, "        children {{");
    let _ = writeln!(o, "            {name} {{");
    let _ = writeln!(
        o,
        "                local_ts = {}",
        join(c.local_subnets.iter())
    );
    if !context.remote_subnets.is_empty() {
        let _ = writeln!(
            o,
            "                remote_ts = {}",
            join(context.remote_subnets.iter())
        );
    }
    let _ = writeln!(
        o,
        "                esp_proposals = {}",
        esp_proposal(&c.phase2, c.perfect_forward_secrecy)
    );
    let _ = writeln!(
        o,
        "                rekey_time = {}s",
        c.phase2.keylife.seconds()
    );
    let _ = writeln!(o, "                start_action = {}", c.start_action);
    let _ = writeln!(o, "            }}");
    let _ = writeln!(o, "        }}");
    let _ = writeln!(o, "    }}");
    let _ = writeln!(o, "}}");
    let _ = writeln!(o);
    let _ = writeln!(o, "secrets {{");
    let _ = writeln!(o, "    ike-{name} {{");
    let _ = writeln!(o, "        id = {}", c.peer_address);
    let _ = writeln!(
        o,
        "        secret = 0x{}",
        c.preshared_key.to_hex().as_str()
    );
    let _ = writeln!(o, "    }}");
    let _ = writeln!(o, "}}");
    out
}

/// The IKE proposal in strongSwan keywords: `aes256-sha256-modp2048`, or with an AEAD
/// cipher `aes256gcm16-prfsha256-modp2048`.
pub fn ike_proposal(phase1: &Phase1) -> String {
    let integrity = if phase1.encryption.is_aead() {
        phase1.authentication.prf_keyword()
    } else {
        phase1.authentication.keyword()
    };
    format!(
        "{}-{}-{}",
        phase1.encryption.keyword(),
        integrity,
        phase1.dh_group.keyword()
    )
}

/// The ESP proposal in strongSwan keywords; the DH group is included only with PFS.
pub fn esp_proposal(phase2: &Phase2, pfs: bool) -> String {
    let mut parts = vec![phase2.encryption.keyword()];
    if let Some(authentication) = phase2.authentication {
        parts.push(authentication.keyword());
    }
    if pfs && phase2.dh_group != DhGroup::None {
        parts.push(phase2.dh_group.keyword());
    }
    parts.join("-")
}

fn join<'a>(cidrs: impl Iterator<Item = &'a Cidr>) -> String {
    cidrs.map(Cidr::to_string).collect::<Vec<_>>().join(",")
}
