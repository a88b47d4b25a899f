//! Single values of a swanctl.conf file: addresses, secrets, durations, traffic selectors.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::str::FromStr;

use crate::diag::quote;
use crate::model::{Cidr, EndpointAddress, Keylife, PresharedKey};
use crate::parse::settings::Setting;
use crate::parse::{at, problem_at, ParseError};

/// Fails when `s` lists several values (comma-separated) of what a managed connection
/// has exactly one of (`what`: "addresses", "proposals").
pub(super) fn single_item(s: &Setting, what: &str) -> Result<(), ParseError> {
    if s.value.contains(',') {
        return Err(at(
            s.line,
            format!(
                "{} lists several {what}; a managed connection has exactly one",
                s.key
            ),
        ));
    }
    Ok(())
}

pub(super) fn single_address(s: &Setting) -> Result<EndpointAddress, ParseError> {
    single_item(s, "addresses")?;
    EndpointAddress::parse(&s.value).map_err(|p| problem_at(s.line, p))
}

pub(super) fn decode_secret(s: &Setting) -> Result<PresharedKey, ParseError> {
    let value = s.value.as_str();
    let result = if let Some(hex) = value.strip_prefix("0x") {
        PresharedKey::from_hex(hex)
    } else if value.starts_with("0s") {
        return Err(at(
            s.line,
            "base64 ('0s…') secrets are not supported; use 0x… hex or a quoted string",
        ));
    } else {
        PresharedKey::from_stored(value)
    };
    // The problem's text never contains the key itself.
    result.map_err(|p| problem_at(s.line, p))
}

pub(super) fn keylife(s: &Setting) -> Result<Keylife, ParseError> {
    Keylife::from_seconds(duration(s)?).map_err(|p| problem_at(s.line, p))
}

/// A duration in seconds, written as strongSwan reads it: a number with an optional unit
/// `s`, `m`, `h` or `d`.
pub(super) fn duration(s: &Setting) -> Result<i64, ParseError> {
    let value = s.value.trim();
    let (digits, unit) = match value.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => value.split_at(i),
        None => (value, "s"),
    };
    let not_a_duration = || {
        at(
            s.line,
            format!(
                "{} {} is not a duration such as 3600s, 60m, 8h or 1d",
                s.key,
                quote(&s.value)
            ),
        )
    };
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(not_a_duration()),
    };
    let number: i64 = digits.parse().map_err(|_| not_a_duration())?;
    Ok(number.saturating_mul(factor))
}

pub(super) fn traffic_selectors(s: &Setting) -> Result<BTreeSet<Cidr>, ParseError> {
    let mut out = BTreeSet::new();
    for item in s.value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        // strongSwan reads a bare address as a host selector.
        let spelled = match IpAddr::from_str(item) {
            Ok(IpAddr::V4(a)) => format!("{a}/32"),
            Ok(IpAddr::V6(a)) => format!("{a}/128"),
            Err(_) => item.to_owned(),
        };
        if item.contains('[') {
            return Err(at(s.line, format!("traffic selector {} restricts protocol or port; managed selectors are whole networks", quote(item))));
        }
        out.insert(Cidr::parse(&spelled).map_err(|p| problem_at(s.line, p))?);
    }
    if out.is_empty() {
        return Err(at(s.line, format!("{} lists no network", s.key)));
    }
    Ok(out)
}
