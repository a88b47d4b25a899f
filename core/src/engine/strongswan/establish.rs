//! Bringing a `start` connection up after a change, and reading from charon's log why it
//! did not come up (see [`crate::gateway::establish`] for why the engine initiates at
//! all: charon does not try again after a refusal).
//!
//! `load-conn` makes charon initiate a `start` connection itself, so the engine first
//! watches (`list-sas`): an initiation of its own on top would leave duplicate SAs. Only
//! when nothing is under way does it `initiate`, with charon's log streamed back, and
//! again after a pause while the peer refuses, until the time given runs out.

use std::collections::BTreeSet;
use std::time::Duration;

use ipnet::IpNet;
use tokio::time::Instant;

use super::status::{status, CHILD_UP, IKE_UP};
use super::vici::Initiation;
use super::StrongswanGateway;
use crate::gateway::{
    ChildSaStatus, ConnectionStatus, Establishment, GatewayError, NotEstablished, Phase, Reason,
    TunnelState,
};
use crate::model::{Context, StartAction};
use crate::render::{children, esp_proposals, ike_proposals, ChildSpec};

/// How often the SAs are looked at while a negotiation is under way.
const POLL: Duration = Duration::from_millis(200);
/// How long charon's own initiation (on `load-conn`) is given to show up before the
/// engine initiates itself.
const CHARON_GRACE: Duration = Duration::from_secs(1);
/// How long a CHILD SA may be missing under an established IKE SA before the engine
/// initiates it (charon builds the first one within the IKE_AUTH exchange).
const CHILD_GRACE: Duration = Duration::from_secs(2);
/// The longest one `initiate` waits: a peer that does not answer makes charon
/// retransmit for minutes.
const INITIATE_WAIT: Duration = Duration::from_secs(10);
/// The pauses between initiations the peer refused: the first, and the longest.
const REFUSED_PAUSE: (Duration, Duration) = (Duration::from_millis(250), Duration::from_secs(4));

impl StrongswanGateway {
    /// See [`crate::gateway::Gateway::establish`].
    pub(super) async fn bring_up(
        &self,
        context: &Context,
        within: Duration,
    ) -> Result<Establishment, GatewayError> {
        let specs = children(context);
        let expected: Vec<String> = specs.iter().map(|c| c.name.clone()).collect();
        // A connection carries no traffic before it has a remote network: its child
        // tunnels to the peer's own address, which a peer protecting networks refuses.
        if context.connection.start_action != StartAction::Start
            || expected.is_empty()
            || context.remote_traffic_selectors().is_empty()
        {
            return Ok(Establishment::NotApplicable);
        }
        let name = context.name();
        let started = Instant::now();
        let until = started + within;
        let mut initiations = 0;
        let mut last: Option<Reason> = None;
        let mut pause = REFUSED_PAUSE.0;
        let mut child_missing_since: Option<Instant> = None;
        loop {
            let now = Instant::now();
            let current = status(&self.vici, name).await?;
            let missing: Vec<&String> = expected
                .iter()
                .filter(|child| !installed(&current, child))
                .collect();
            let initiate: Vec<&String> = match current.state {
                TunnelState::Established => match narrowed(&current, &specs) {
                    None => {
                        return Ok(Establishment::Up {
                            after: started.elapsed(),
                            initiations,
                        })
                    }
                    // Up, but not with every network: the peer may still be changing
                    // (both ends in one apply) and rekey with all of them.
                    Some(reason) => {
                        last = Some(reason);
                        Vec::new()
                    }
                },
                TunnelState::Connecting if ike_up(&current) => {
                    let since = *child_missing_since.get_or_insert(now);
                    if now.duration_since(since) >= CHILD_GRACE && !child_pending(&current) {
                        child_missing_since = None;
                        missing
                    } else {
                        Vec::new()
                    }
                }
                TunnelState::Connecting => Vec::new(),
                // Charon's own initiation on the load may be refused before a look
                // catches it: the grace is only for it to appear.
                _ if initiations == 0 && now.duration_since(started) < CHARON_GRACE => Vec::new(),
                // No IKE SA: the first child brings it up with it.
                _ => missing.into_iter().take(1).collect(),
            };
            for child in initiate {
                let left = until.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                initiations += 1;
                let initiation = self
                    .vici
                    .initiate(name.as_str(), child, left.min(INITIATE_WAIT))
                    .await?;
                if initiation.outcome.is_err() {
                    last = Some(classify(&initiation, context));
                    tracing::debug!(connection = %name, reason = %last.as_ref().map(ToString::to_string).unwrap_or_default(), "not established; initiating again after a pause");
                    tokio::time::sleep_until(until.min(Instant::now() + pause)).await;
                    pause = (pause * 2).min(REFUSED_PAUSE.1);
                }
            }
            if Instant::now() >= until {
                let reason = match (last, current.state) {
                    (Some(reason), _) => reason,
                    (None, TunnelState::Connecting) if !ike_up(&current) => {
                        Reason::PeerNotAnswering {
                            peer: context.connection.peer_address.to_string(),
                        }
                    }
                    (None, _) => Reason::StillConnecting,
                };
                return Ok(Establishment::Down(NotEstablished {
                    reason,
                    initiations,
                    after: started.elapsed(),
                }));
            }
            tokio::time::sleep_until(until.min(Instant::now() + POLL)).await;
        }
    }
}

/// The networks of `expected` that the installed CHILD SAs leave out, as a reason; `None`
/// when they carry every one. A responder may narrow IKEv2 traffic selectors to those it
/// protects, and charon then installs the CHILD SA with fewer networks than configured.
fn narrowed(status: &ConnectionStatus, expected: &[ChildSpec]) -> Option<Reason> {
    let mut tunnelled = (BTreeSet::new(), BTreeSet::new());
    let mut left_out = (BTreeSet::new(), BTreeSet::new());
    for child in expected {
        let sas: Vec<&ChildSaStatus> = status
            .child_sas
            .iter()
            .filter(|sa| sa.name == child.name && CHILD_UP.contains(&sa.state.as_str()))
            .collect();
        let local = selectors(sas.iter().flat_map(|sa| &sa.local_ts));
        let remote = selectors(sas.iter().flat_map(|sa| &sa.remote_ts));
        // Selectors charon wrote in a form not read here are not judged.
        if local.is_empty() || remote.is_empty() {
            continue;
        }
        for (configured, negotiated, out) in [
            (&child.local, &local, &mut left_out.0),
            (&child.remote, &remote, &mut left_out.1),
        ] {
            out.extend(
                configured
                    .iter()
                    .filter(|net| !negotiated.iter().any(|n| n.contains(&net.net())))
                    .map(ToString::to_string),
            );
        }
        tunnelled.0.extend(local.iter().map(ToString::to_string));
        tunnelled.1.extend(remote.iter().map(ToString::to_string));
    }
    if left_out.0.is_empty() && left_out.1.is_empty() {
        return None;
    }
    let list = |set: BTreeSet<String>| set.into_iter().collect();
    Some(Reason::Narrowed {
        tunnelled: (list(tunnelled.0), list(tunnelled.1)),
        left_out: (list(left_out.0), list(left_out.1)),
    })
}

/// Traffic selectors as charon lists them (`10.1.0.0/16`, maybe with `[proto/port]`).
fn selectors<'a>(raw: impl Iterator<Item = &'a String>) -> Vec<IpNet> {
    raw.filter_map(|ts| ts.split('[').next()?.trim().parse().ok())
        .collect()
}

fn installed(status: &ConnectionStatus, child: &str) -> bool {
    status
        .child_sas
        .iter()
        .any(|sa| sa.name == child && CHILD_UP.contains(&sa.state.as_str()))
}

fn ike_up(status: &ConnectionStatus) -> bool {
    status
        .ike_sa
        .as_ref()
        .is_some_and(|sa| IKE_UP.contains(&sa.state.as_str()))
}

/// Whether a CHILD SA is being negotiated now.
fn child_pending(status: &ConnectionStatus) -> bool {
    status
        .child_sas
        .iter()
        .any(|sa| matches!(sa.state.as_str(), "CREATED" | "ROUTED" | "INSTALLING"))
}

/// Why `initiation` failed, from charon's log of it.
pub(crate) fn classify(initiation: &Initiation, context: &Context) -> Reason {
    let lines: Vec<String> = initiation
        .log
        .iter()
        .map(|l| l.to_ascii_lowercase())
        .collect();
    let any = |needles: &[&str]| lines.iter().any(|l| needles.iter().any(|n| l.contains(n)));
    let c = &context.connection;
    if any(&[
        "authentication_failed",
        "no matching peer config",
        "verification of auth",
        "with pre-shared key failed",
        "no shared key found",
    ]) {
        return Reason::AuthenticationFailed {
            local_id: c.local_id.as_ref().map(ToString::to_string),
            peer_id: c.peer_id.to_string(),
        };
    }
    if any(&["ts_unacceptable", "invalid_id_information"]) {
        return Reason::TrafficSelectorsUnacceptable {
            local: c.local_subnets.iter().map(ToString::to_string).collect(),
            remote: context
                .remote_traffic_selectors()
                .iter()
                .map(ToString::to_string)
                .collect(),
        };
    }
    if let Some(refusal) = lines.iter().position(|l| l.contains("no_proposal_chosen")) {
        // A refusal after the IKE SA is up, or one naming the CHILD SA, is phase 2's.
        let child = lines[refusal].contains("child_sa")
            || lines[..refusal]
                .iter()
                .any(|l| l.contains("ike_sa") && l.contains("established"));
        return Reason::NoProposalChosen {
            phase: if child { Phase::Child } else { Phase::Ike },
            offered: if child {
                esp_proposals(c)
            } else {
                ike_proposals(c)
            }
            .split(", ")
            .map(str::to_owned)
            .collect(),
        };
    }
    if any(&["retransmit", "giving up after"]) {
        return Reason::PeerNotAnswering {
            peer: c.peer_address.to_string(),
        };
    }
    let errmsg = initiation.outcome.clone().err().unwrap_or_default();
    let tail: Vec<&str> = initiation
        .log
        .iter()
        .rev()
        .take(3)
        .rev()
        .map(String::as_str)
        .collect();
    Reason::Other {
        message: if tail.is_empty() {
            errmsg
        } else {
            format!("{errmsg} ({})", tail.join("; "))
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Cidr;

    /// The engine's test connection, as a `start` connection.
    fn context() -> Context {
        super::super::tests::context_starting(Some("start"))
    }

    /// What charon 5.9 logs at level 1 for an initiation that failed, and its verdict.
    fn failed(log: &[&str]) -> Reason {
        let initiation = Initiation {
            log: log.iter().map(|l| (*l).to_owned()).collect(),
            outcome: Err("establishing CHILD_SA 'dc1' failed".into()),
        };
        classify(&initiation, &context())
    }

    #[test]
    fn charons_refusals_read_as_their_reasons() {
        let initiating = "initiating IKE_SA dc1[3] to 203.0.113.10";
        assert!(matches!(
            failed(&[initiating, "received AUTHENTICATION_FAILED notify error"]),
            Reason::AuthenticationFailed { ref peer_id, .. } if peer_id == "203.0.113.10"
        ));
        assert_eq!(
            failed(&[initiating, "received NO_PROPOSAL_CHOSEN notify error"]),
            Reason::NoProposalChosen {
                phase: Phase::Ike,
                offered: vec!["aes256-sha256-modp2048".into()],
            }
        );
        let child = failed(&[
            initiating,
            "IKE_SA dc1[3] established between 198.51.100.1[198.51.100.1]...203.0.113.10[203.0.113.10]",
            "received NO_PROPOSAL_CHOSEN notify, no CHILD_SA built",
        ]);
        assert!(
            matches!(
                child,
                Reason::NoProposalChosen {
                    phase: Phase::Child,
                    ..
                }
            ),
            "{child:?}"
        );
        assert_eq!(
            failed(&[
                initiating,
                "received TS_UNACCEPTABLE notify, no CHILD_SA built"
            ]),
            Reason::TrafficSelectorsUnacceptable {
                local: vec!["10.1.0.0/16".into()],
                remote: vec!["192.168.10.0/24".into()],
            }
        );
        assert_eq!(
            failed(&[initiating, "retransmit 1 of request with message ID 0"]),
            Reason::PeerNotAnswering {
                peer: "203.0.113.10".into()
            }
        );
    }

    #[test]
    fn anything_else_keeps_charons_words() {
        let reason = failed(&["a", "b", "peer not responding, trying again later", "c"]);
        let Reason::Other { message } = reason else {
            panic!("{reason:?}");
        };
        assert_eq!(
            message,
            "establishing CHILD_SA 'dc1' failed (b; peer not responding, trying again later; c)"
        );
    }

    /// An established tunnel as `list-sas` shows it, its one CHILD SA carrying `local`
    /// to `remote`.
    fn up_with(local: &[&str], remote: &[&str]) -> ConnectionStatus {
        ConnectionStatus {
            loaded: true,
            state: TunnelState::Established,
            ike_sa: None,
            child_sas: vec![ChildSaStatus {
                name: "dc1".into(),
                state: "INSTALLED".into(),
                local_ts: local.iter().map(|t| (*t).to_owned()).collect(),
                remote_ts: remote.iter().map(|t| (*t).to_owned()).collect(),
                ..ChildSaStatus::default()
            }],
        }
    }

    #[test]
    fn a_tunnel_carrying_fewer_networks_than_configured_is_narrowed() {
        let mut context = context();
        context
            .remote_subnets
            .insert(Cidr::parse("192.168.20.0/24").unwrap());
        let specs = children(&context);
        let all = ["192.168.10.0/24", "192.168.20.0/24"];
        assert_eq!(narrowed(&up_with(&["10.1.0.0/16"], &all), &specs), None);
        // A wider selector than configured carries every network.
        assert_eq!(
            narrowed(&up_with(&["10.0.0.0/8"], &["192.168.0.0/16[tcp]"]), &specs),
            None
        );
        assert_eq!(
            narrowed(&up_with(&["10.1.0.0/24"], &["192.168.10.0/24"]), &specs),
            Some(Reason::Narrowed {
                tunnelled: (vec!["10.1.0.0/24".into()], vec!["192.168.10.0/24".into()]),
                left_out: (vec!["10.1.0.0/16".into()], vec!["192.168.20.0/24".into()]),
            })
        );
        // Selectors in a form not read here are not judged.
        assert_eq!(narrowed(&up_with(&["dynamic"], &all), &specs), None);
        let text = narrowed(&up_with(&["10.1.0.0/16"], &["192.168.10.0/24"]), &specs)
            .unwrap()
            .to_string();
        assert!(
            text.contains("leaves out (none) (here) and 192.168.20.0/24 (there)"),
            "{text}"
        );
    }
}
