//! Dead-peer detection: how often the gateway checks that the peer is alive, and what
//! it does with the CHILD_SAs when it is not.

use std::fmt;

use super::StartAction;
use crate::diag::{quote, Problem};
use crate::suggest::did_you_mean;

/// Dead-peer detection of one connection (`dpd`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Dpd {
    /// Seconds without traffic from the peer before a check; 0 turns DPD off.
    pub delay: DpdDelay,
    /// Seconds after which an unanswered IKEv1 peer is dead (IKEv2 uses charon's
    /// retransmission timeouts instead); 0 leaves IKEv1 to them as well.
    pub timeout: DpdTimeout,
    /// What happens to the CHILD_SAs of a dead peer.
    pub action: DpdAction,
}

impl Dpd {
    /// The defaults of SPEC.md for a connection with `start_action`: 30 s, 150 s, and
    /// the action that matches the start action ([`DpdAction::default_for`]).
    pub fn default_for(start_action: StartAction) -> Self {
        Self {
            delay: DpdDelay::DEFAULT,
            timeout: DpdTimeout::DEFAULT,
            action: DpdAction::default_for(start_action),
        }
    }
}

/// `dpd.delay`: 0 (off) to 3600 seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DpdDelay(u32);

impl DpdDelay {
    /// The longest accepted delay: a check less often than hourly detects nothing in time.
    pub const MAX: i64 = 3_600;
    /// 30 seconds.
    pub const DEFAULT: DpdDelay = DpdDelay(30);

    /// Checks the range.
    pub fn from_seconds(seconds: i64) -> Result<Self, Problem> {
        in_range(seconds, Self::MAX).map(Self).ok_or_else(|| {
            out_of_range(
                "DPD delay",
                seconds,
                Self::MAX,
                "0 turns dead-peer detection off",
            )
        })
    }

    /// The delay in seconds; 0 is off.
    pub fn seconds(self) -> u32 {
        self.0
    }
}

/// `dpd.timeout`: 0 to 86400 seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DpdTimeout(u32);

impl DpdTimeout {
    /// The longest accepted timeout (a day).
    pub const MAX: i64 = 86_400;
    /// 150 seconds.
    pub const DEFAULT: DpdTimeout = DpdTimeout(150);

    /// Checks the range.
    pub fn from_seconds(seconds: i64) -> Result<Self, Problem> {
        in_range(seconds, Self::MAX).map(Self).ok_or_else(|| {
            out_of_range(
                "DPD timeout",
                seconds,
                Self::MAX,
                "0 leaves it to charon's retransmission timeouts",
            )
        })
    }

    /// The timeout in seconds.
    pub fn seconds(self) -> u32 {
        self.0
    }
}

fn in_range(seconds: i64, max: i64) -> Option<u32> {
    (0..=max)
        .contains(&seconds)
        .then(|| u32::try_from(seconds).ok())
        .flatten()
}

fn out_of_range(what: &str, seconds: i64, max: i64, zero: &str) -> Problem {
    Problem::error(
        format!("{what} out of range"),
        format!("{seconds} seconds is outside the accepted range of 0 to {max} seconds ({zero})."),
    )
}

/// `dpd.action`: what charon does with the CHILD_SAs of a peer found dead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DpdAction {
    /// Close them and do nothing more.
    Clear,
    /// Close them and install trap policies: traffic renegotiates.
    Trap,
    /// Renegotiate at once.
    Restart,
}

impl DpdAction {
    /// Every accepted value.
    pub const NAMES: &'static [&'static str] = &["clear", "trap", "restart"];

    /// Parses `clear`, `trap` or `restart`.
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        match raw {
            "clear" => Ok(DpdAction::Clear),
            "trap" => Ok(DpdAction::Trap),
            "restart" => Ok(DpdAction::Restart),
            _ => Err(Problem::error(
                "Unsupported DPD action",
                format!(
                    "{} is not a DPD action. Accepted values: clear (close the tunnel), trap \
                     (renegotiate on traffic), restart (renegotiate at once).{}",
                    quote(raw),
                    did_you_mean(raw, Self::NAMES)
                ),
            )),
        }
    }

    /// The action that keeps a connection as its start action wants it: one that
    /// keeps itself up restarts, one that waits for traffic traps, a responder clears.
    pub fn default_for(start_action: StartAction) -> Self {
        match start_action {
            StartAction::Start => DpdAction::Restart,
            StartAction::Trap => DpdAction::Trap,
            StartAction::None => DpdAction::Clear,
        }
    }

    /// The value as written in Terraform and in swanctl.conf.
    pub fn name(self) -> &'static str {
        match self {
            DpdAction::Clear => "clear",
            DpdAction::Trap => "trap",
            DpdAction::Restart => "restart",
        }
    }
}

impl fmt::Display for DpdAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_and_defaults() {
        assert_eq!(DpdDelay::from_seconds(0).unwrap().seconds(), 0);
        assert_eq!(DpdDelay::from_seconds(3600).unwrap().seconds(), 3600);
        assert!(DpdDelay::from_seconds(3601).is_err());
        assert!(DpdDelay::from_seconds(-1).is_err());
        assert!(DpdTimeout::from_seconds(86_401).is_err());
        assert_eq!(
            Dpd::default_for(StartAction::Start),
            Dpd {
                delay: DpdDelay(30),
                timeout: DpdTimeout(150),
                action: DpdAction::Restart
            }
        );
        assert_eq!(DpdAction::default_for(StartAction::None), DpdAction::Clear);
        let problem = DpdAction::parse("Restart").unwrap_err();
        assert!(
            problem.detail.contains("Did you mean"),
            "{}",
            problem.detail
        );
    }
}
