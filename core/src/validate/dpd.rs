//! `dpd` of `ipsec_vpn_connection`: dead-peer detection, each omitted field taking its
//! default (the action's follows `start_action`).

use super::connection::Checker;
use super::input::DpdInput;
use crate::diag::{AttributePath, Problem};
use crate::model::{Dpd, DpdAction, DpdDelay, DpdTimeout, IkeVersion, StartAction};

impl Checker<'_> {
    /// The `dpd` attribute; a configured `timeout` with IKEv2 is a warning, since
    /// charon ignores it there.
    pub(super) fn dpd(
        &mut self,
        input: &DpdInput,
        start_action: Option<StartAction>,
        ike_version: Option<IkeVersion>,
    ) -> Option<Dpd> {
        let path = AttributePath::root("dpd");
        let delay = self.parse(
            &path.attr("delay"),
            input.delay,
            DpdDelay::from_seconds,
            Some(DpdDelay::DEFAULT),
        );
        let timeout_path = path.attr("timeout");
        let timeout = self.parse(
            &timeout_path,
            input.timeout,
            DpdTimeout::from_seconds,
            Some(DpdTimeout::DEFAULT),
        );
        if let (Some(seconds), Some(_), Some(IkeVersion::V2)) =
            (input.timeout, timeout, ike_version)
        {
            self.diags.add(
                Problem::warning(
                    "DPD timeout has no effect with IKEv2",
                    format!(
                        "dpd.timeout = {seconds} is used by IKEv1 only; with IKEv2, charon declares a peer dead \
                         when its retransmissions go unanswered (about 165 seconds with its default settings). \
                         Remove dpd.timeout, or set ike_version = 1 if the peer needs IKEv1."
                    ),
                ),
                timeout_path,
            );
        }
        let action = self.parse(
            &path.attr("action"),
            input.action.as_deref(),
            DpdAction::parse,
            start_action.map(DpdAction::default_for),
        );
        Some(Dpd {
            delay: delay?,
            timeout: timeout?,
            action: action?,
        })
    }
}
