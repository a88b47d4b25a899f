//! Bringing a `start` tunnel up and saying why it did not come up: the answer of
//! [`super::Gateway::establish`].
//!
//! charon gives up on an initiation the peer refuses (a wrong key, no common proposal,
//! networks the peer does not accept) and does not try again, whatever `keyingtries`
//! says: those are "permanent" errors to it. When both ends of a tunnel change in one
//! apply, the end that changes first is refused by the other one for a moment, and the
//! tunnel stayed down for good. So an engine with a daemon initiates again until the
//! peer accepts or the time given runs out, and reports the last refusal in words a
//! network engineer acts on.

use std::fmt;
use std::time::Duration;

/// How bringing a connection up ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Establishment {
    /// Nothing to wait for: the engine runs no daemon (`local`), or the connection
    /// initiates nothing (its start action is not `start`, or it has no CHILD SA yet).
    NotApplicable,
    /// The IKE SA and every CHILD SA are installed.
    Up {
        /// How long it took from the call.
        after: Duration,
        /// How many initiations the engine made itself (0: charon's own was enough).
        initiations: u32,
    },
    /// The time given ran out before the tunnel was up.
    Down(NotEstablished),
}

/// A tunnel that did not come up in time, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotEstablished {
    /// The last reason seen.
    pub reason: Reason,
    /// How many initiations the engine made.
    pub initiations: u32,
    /// How long it tried.
    pub after: Duration,
}

/// Which phase of the negotiation a refusal concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Phase 1: the IKE SA (`phase1`).
    Ike,
    /// Phase 2: the CHILD SA (`phase2`).
    Child,
}

/// Why a tunnel is not up, as charon saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The peer rejected this gateway's authentication, or this gateway the peer's:
    /// a different pre-shared key, or an identity the other end has no connection for.
    AuthenticationFailed {
        /// The identity this gateway presents (`None`: its address).
        local_id: Option<String>,
        /// The identity expected of the peer.
        peer_id: String,
    },
    /// The peer accepts none of the proposals of one phase.
    NoProposalChosen {
        /// Which phase.
        phase: Phase,
        /// What this gateway offers and accepts, in strongSwan's keywords, in order.
        offered: Vec<String>,
    },
    /// The peer does not accept the networks of the CHILD SA.
    TrafficSelectorsUnacceptable {
        /// This gateway's local networks.
        local: Vec<String>,
        /// The remote networks this gateway tunnels to.
        remote: Vec<String>,
    },
    /// The tunnel is up with fewer networks than configured: the peer protects only
    /// some of them, and IKEv2 let it narrow the CHILD SA to those.
    Narrowed {
        /// The networks of each side the tunnel carries: (here, there).
        tunnelled: (Vec<String>, Vec<String>),
        /// The configured networks of each side it leaves out: (here, there).
        left_out: (Vec<String>, Vec<String>),
    },
    /// No answer from the peer to IKE.
    PeerNotAnswering {
        /// The peer's address.
        peer: String,
    },
    /// A negotiation was still under way when the time ran out.
    StillConnecting,
    /// Something else; charon's own words.
    Other {
        /// charon's message (the initiation's error and its last log lines).
        message: String,
    },
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Ike => "phase 1 (IKE SA, `phase1`)",
            Phase::Child => "phase 2 (CHILD SA, `phase2`)",
        })
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::AuthenticationFailed { local_id, peer_id } => write!(
                f,
                "authentication failed: the two ends do not have the same pre-shared key, or one end has no \
                 connection for the other's identity. This gateway identifies itself as {} and expects the peer \
                 to be {peer_id}; check the key and both identities on the peer.",
                local_id.as_deref().unwrap_or("its own address"),
            ),
            Reason::NoProposalChosen { phase, offered } => write!(
                f,
                "no proposal chosen in {phase}: the peer accepts none of what this gateway offers ({}). \
                 Configure the peer with one of these, or this connection with what the peer accepts.",
                offered.join(", ")
            ),
            Reason::TrafficSelectorsUnacceptable { local, remote } => write!(
                f,
                "traffic selectors unacceptable: the peer does not accept the networks {} (here) to {} (there). \
                 The peer must protect the mirror image: its local networks {}, its remote networks {}.",
                list(local),
                list(remote),
                list(remote),
                list(local)
            ),
            Reason::Narrowed {
                tunnelled,
                left_out,
            } => write!(
                f,
                "the peer narrowed the tunnel to part of the networks: it carries {} (here) to {} (there), and \
                 leaves out {} (here) and {} (there), which the peer does not protect. Configure the same networks \
                 on both ends: the peer's remote networks must include every local_subnets entry of this \
                 connection, and its local networks every remote subnet.",
                list(&tunnelled.0),
                list(&tunnelled.1),
                list(&left_out.0),
                list(&left_out.1)
            ),
            Reason::PeerNotAnswering { peer } => write!(
                f,
                "the peer {peer} does not answer IKE: check that it is reachable on UDP ports 500 and 4500, that \
                 its IKE daemon is running and that it has a connection for this gateway."
            ),
            Reason::StillConnecting => f.write_str(
                "the negotiation with the peer was still under way when the time ran out; raise `timeouts`.",
            ),
            Reason::Other { message } => write!(f, "charon: {message}"),
        }
    }
}

fn list(networks: &[String]) -> String {
    if networks.is_empty() {
        "(none)".to_owned()
    } else {
        networks.join(", ")
    }
}

impl fmt::Display for NotEstablished {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "The tunnel did not come up within {} s ({} initiation{} by the provider): {}",
            self.after.as_secs(),
            self.initiations,
            if self.initiations == 1 { "" } else { "s" },
            self.reason
        )
    }
}
