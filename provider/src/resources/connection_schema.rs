//! The schema of `ipsec_vpn_connection`: its attributes, their accepted values and
//! defaults, taken from `core`'s tables.

use ipsec_core::model::{
    Authentication, DhGroup, Dpd, DpdAction, DpdDelay, DpdTimeout, Encryption, IkeVersion, Keylife,
    Phase1, Phase2, StartAction,
};
use ipsec_core::Problem;

use crate::codec::Value;
use crate::framework::{timeouts, Attribute, Choices, PlanModifier, Schema};

/// The schema of `ipsec_vpn_connection`.
pub(super) fn schema() -> Schema {
    Schema {
        version: 0,
        renamed: &[],
        description: "One IPsec VPN context: the tunnel to one remote site and its negotiation \
                      parameters. Its remote networks are `ipsec_remote_subnet` resources; its \
                      static NAT is an `ipsec_nat_context`.",
        attributes: vec![
            Attribute::string("id")
                .computed()
                .plan_modifier(PlanModifier::UseStateForUnknown)
                .describe("The connection's name; also the import ID."),
            Attribute::string("name")
                .required()
                .requires_replace()
                .describe(
                    "Unique name of the connection on the gateway: a lowercase letter, then \
                     up to 62 of `a-z`, `0-9`, `_`, `-`. Changing it replaces the connection.",
                ),
            Attribute::string("peer_address").required().describe(
                "The remote endpoint's static IPv4 or IPv6 address (not a CIDR or hostname).",
            ),
            Attribute::string("local_address")
                .optional()
                .describe("The gateway's own endpoint address.")
                .default_note("any local address"),
            Attribute::string("preshared_key")
                .optional()
                .sensitive()
                .describe(
                    "The pre-shared key, 8 to 255 characters; stored in state as a sensitive \
                     value. Set exactly one of this and `preshared_key_wo`.",
                ),
            Attribute::string("preshared_key_wo")
                .optional()
                .write_only()
                .describe(
                    "Write-only pre-shared key (Terraform 1.11 or later): never stored in plan \
                     or state. It is applied when the connection is created and whenever \
                     `preshared_key_wo_version` changes.",
                ),
            Attribute::integer("preshared_key_wo_version")
                .optional()
                .describe("Change this number to apply a new `preshared_key_wo`."),
            Attribute::integer("ike_version")
                .optional_computed(Some(Value::int(IkeVersion::V2.number())))
                .choices(Choices::of(
                    accepted(IkeVersion::from_number).map(IkeVersion::number),
                ))
                .describe("IKE version."),
            phase_attribute("phase1", in_phase2_shape(Phase1::DEFAULT))
                .describe("Phase 1 (IKE SA) parameters."),
            phase_attribute("phase2", Phase2::DEFAULT).describe(
                "Phase 2 (ESP CHILD SA) parameters. With a GCM cipher, omit `authentication`.",
            ),
            Attribute::bool("perfect_forward_secrecy")
                .optional_computed(Some(Value::Bool(true)))
                .describe(
                    "Whether phase 2 performs its own Diffie-Hellman exchange; if it does, \
                     `phase2.dh_group` must not be `0`.",
                ),
            Attribute::string_set("local_subnets").required().describe(
                "The protected local networks, at least one, as canonical CIDRs such as \
                 `10.1.0.0/16`.",
            ),
            Attribute::string("start_action")
                .optional_computed(Some(Value::text(StartAction::Trap)))
                .describe(
                    "What the gateway does once the connection is loaded: `none` (respond only), \
                     `trap` (negotiate on matching traffic) or `start` (initiate at once).",
                ),
            Attribute::string("description")
                .optional()
                .describe("Free text for people; kept as a comment in the gateway's file."),
            Attribute::string("local_id")
                .optional_computed(None)
                .describe(
                    "This gateway's IKE identity: an IP address, a domain name such as \
                     `vpn.example.com`, or an email-style `user@example.com`.",
                )
                .default_note("`local_address`; none when that is omitted"),
            Attribute::string("peer_id")
                .optional_computed(None)
                .describe(
                    "The peer's IKE identity, in the same forms as `local_id`: for a peer \
                     behind NAT, the identity it sends rather than its public address. Two \
                     connections to one `peer_address` must differ in `peer_id`, or both \
                     have a `local_id` and differ in it.",
                )
                .default_note("`peer_address`"),
            dpd_attribute(),
            Attribute::bool("wait_until_established")
                .optional_computed(Some(Value::Bool(false)))
                .describe(
                    "`strongswan` engine, `start_action = \"start\"`: create and update return \
                     only once the IKE SA and every CHILD SA are up, within `timeouts`. If the \
                     tunnel does not come up, apply fails with the reason charon saw \
                     (authentication, proposals, networks, no answer); a created connection \
                     is then kept as tainted and replaced by the next apply. Without it, a \
                     change to a `start` connection still waits up to 20 s for the tunnel, \
                     initiating again while the peer refuses (so that both ends changed in one \
                     apply come back up), and warns with charon's reason if it is not up.",
                ),
            timeouts::attribute(&["create", "update", "delete"], super::establish::TIMEOUT),
            Attribute::string_set("unmanaged_remote_subnets")
                .computed()
                .describe(
                    "Remote networks the gateway tunnels for this connection that no \
                     `ipsec_remote_subnet` declares: entries added to `remote_ts` by hand. \
                     Always planned empty, so they show as drift and `apply` removes them; to \
                     keep one, declare an `ipsec_remote_subnet` for it.",
                ),
        ],
    }
}

/// `dpd`, whose omitted fields take their defaults; `action`'s follows `start_action`.
fn dpd_attribute() -> Attribute {
    let default = Dpd::default_for(StartAction::Trap);
    Attribute::single(
        "dpd",
        vec![
            Attribute::integer("delay")
                .optional_computed(Some(Value::int(i64::from(default.delay.seconds()))))
                .describe(format!(
                    "Seconds without traffic from the peer before the gateway checks that it is \
                     alive, 0 to {}; `0` turns dead-peer detection off.",
                    DpdDelay::MAX
                )),
            Attribute::integer("timeout")
                .optional_computed(Some(Value::int(i64::from(default.timeout.seconds()))))
                .describe(format!(
                    "IKEv1 only: seconds after which an unanswered peer is dead, 0 to {} (`0`: \
                     charon's retransmission timeouts decide, as they always do with IKEv2).",
                    DpdTimeout::MAX
                )),
            Attribute::string("action")
                .optional_computed(None)
                .choices(Choices::of(DpdAction::NAMES))
                .describe(
                    "What happens to the tunnel when the peer is dead: `clear` (close it), \
                     `trap` (renegotiate on traffic) or `restart` (renegotiate at once).",
                )
                .default_note(
                    "follows `start_action`: `restart` for `start`, `trap` for `trap`, `clear` \
                     for `none`",
                ),
        ],
    )
    .optional_computed(None)
    .describe("Dead-peer detection.")
}

/// `phase1` or `phase2`, whose omitted fields take `defaults` (phase 1's in the shape of
/// phase 2's, see [`in_phase2_shape`]).
fn phase_attribute(name: &'static str, defaults: Phase2) -> Attribute {
    let mut attributes = algorithm_attributes(
        |attribute, default| attribute.optional_computed(default),
        defaults,
    );
    attributes.push(
        Attribute::integer("keylife")
            .optional_computed(Some(Value::int(i64::from(defaults.keylife.seconds()))))
            .describe(format!(
                "Key lifetime in seconds, {} to {}.",
                Keylife::MIN,
                Keylife::MAX
            )),
    );
    attributes.push(
        Attribute::list(
            "additional_proposals",
            algorithm_attributes(|attribute, _| attribute.optional(), defaults),
        )
        .optional_computed(Some(Value::List(Vec::new())))
        .describe(
            "More proposals, offered and accepted after this phase's own one, in order: each \
             names its `encryption`, `dh_group` and (unless the cipher is GCM in phase 2) \
             `authentication`, and is checked like the phase's own. Offering the new \
             algorithms beside the old ones lets both ends change without an outage.",
        ),
    );
    Attribute::single(name, attributes).optional_computed(None)
}

/// `encryption`, `authentication` and `dh_group`, each made optional (with `defaults`
/// where the phase has them) by `presence`.
fn algorithm_attributes(
    presence: impl Fn(Attribute, Option<Value>) -> Attribute,
    defaults: Phase2,
) -> Vec<Attribute> {
    let groups = || accepted(DhGroup::from_number);
    let weak_groups = groups().filter(|group| group.weakness().is_some());
    vec![
        presence(
            Attribute::string("encryption"),
            Some(Value::text(defaults.encryption)),
        )
        .choices(
            Choices::of(Encryption::NAMES)
                .warning_for(weak(Encryption::ALL, Encryption::stronger_replacement)),
        )
        .describe("The encryption algorithm."),
        presence(
            Attribute::string("authentication"),
            defaults.authentication.map(Value::text),
        )
        .choices(Choices::of(Authentication::NAMES).warning_for(weak(
            Authentication::ALL,
            Authentication::stronger_replacement,
        )))
        .describe(
            "The integrity algorithm. With a GCM cipher it selects the PRF in phase 1 and \
             must be omitted in phase 2.",
        ),
        presence(
            Attribute::integer("dh_group"),
            Some(Value::int(defaults.dh_group.number())),
        )
        .choices(
            Choices::of(groups().map(DhGroup::number))
                .warning_for(weak_groups.map(DhGroup::number)),
        )
        .describe(
            "Diffie-Hellman group; `0` (none) only in phase 2 without perfect forward \
             secrecy.",
        ),
    ]
}

/// Phase 1's parameters in the shape of phase 2's, whose authentication is optional:
/// one shape for both phases' schema and state.
pub(super) fn in_phase2_shape(phase: Phase1) -> Phase2 {
    Phase2 {
        encryption: phase.encryption,
        authentication: Some(phase.authentication),
        dh_group: phase.dh_group,
        keylife: phase.keylife,
    }
}

/// The names of the weak algorithms among `all`.
fn weak<T: Copy + ToString>(all: &[T], replacement: fn(T) -> Option<&'static str>) -> Vec<String> {
    let weak_ones = all.iter().filter(|choice| replacement(**choice).is_some());
    weak_ones.map(ToString::to_string).collect()
}

/// What `parse` accepts, in order of number: `core` lists the Diffie-Hellman groups and
/// IKE versions only through their parsers, and every number either knows is below 256.
fn accepted<T>(parse: fn(i64) -> Result<T, Problem>) -> impl Iterator<Item = T> {
    (0..256).filter_map(move |n| parse(n).ok())
}
