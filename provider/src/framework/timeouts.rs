//! `timeouts`, as terraform-plugin-framework's timeouts module has it: an optional
//! object of per-operation durations in Go's syntax (`"30s"`, `"2m"`, `"1h30m"`), each
//! defaulting when omitted. Durations are checked at validation, at their own path.

use std::time::Duration;

use ipsec_core::{AttributePath, Diagnostics, Problem};

use super::schema::Attribute;
use super::validator::Validator;
use crate::codec::Value;

/// The attribute's name.
pub const NAME: &str = "timeouts";

/// The `timeouts` attribute for `operations` (`create`, `update`, `delete`), each
/// defaulting to `default`.
pub fn attribute(operations: &[&'static str], default: Duration) -> Attribute {
    let default = format_duration(default);
    Attribute::single(
        NAME,
        operations
            .iter()
            .map(|operation| {
                Attribute::string(operation)
                    .optional()
                    .validate(Validator::Duration)
                    .describe(format!(
                        "How long `{operation}` may take, as a duration such as `30s`, `2m` or `1h30m`."
                    ))
                    .default_note(format!("`{default}`"))
            })
            .collect(),
    )
    .optional()
    .describe("Time limits of the resource's operations.")
}

/// The time `operation` may take under `config`'s `timeouts`, or `default`.
pub fn of(config: &Value, operation: &str, default: Duration) -> Duration {
    config
        .attr(NAME)
        .attr(operation)
        .as_str()
        .and_then(|text| parse(text).ok())
        .unwrap_or(default)
}

/// Reads a duration in Go's `time.ParseDuration` syntax: one or more decimal numbers,
/// each with a unit `ns`, `us` (`µs`), `ms`, `s`, `m` or `h`. Negative durations are
/// refused: a time limit cannot be negative.
pub fn parse(text: &str) -> Result<Duration, String> {
    const UNITS: &[(&str, f64)] = &[
        ("ns", 1e-9),
        ("us", 1e-6),
        ("µs", 1e-6),
        ("ms", 1e-3),
        ("s", 1.0),
        ("m", 60.0),
        ("h", 3600.0),
    ];
    let invalid = || {
        format!(
            "{} is not a duration; write a number and a unit (`h`, `m`, `s`, `ms`), such as `30s`, `2m` or `1h30m`.",
            ipsec_core::diag::quote(text)
        )
    };
    if text.is_empty() {
        return Err(invalid());
    }
    let mut rest = text;
    let mut seconds = 0.0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(invalid)?;
        let number: f64 = rest[..digits].parse().map_err(|_| invalid())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = UNITS
            .iter()
            .find(|(unit, _)| *unit == &rest[..unit_len])
            .map(|(_, factor)| factor)
            .ok_or_else(invalid)?;
        seconds += number * factor;
        rest = &rest[unit_len..];
    }
    Duration::try_from_secs_f64(seconds).map_err(|_| invalid())
}

/// Checks one configured duration, recording a problem at `path`.
pub(super) fn check(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    if let Some(Err(message)) = value.as_str().map(parse) {
        diags.add(Problem::error("Invalid duration", message), path.clone());
    }
}

/// `duration` as the docs show a default (`2m`).
fn format_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if seconds % 60 == 0 {
        format!("{}m", seconds / 60)
    } else {
        format!("{seconds}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_read_as_go_reads_them() {
        let read = |text| parse(text).unwrap();
        assert_eq!(read("2m"), Duration::from_secs(120));
        assert_eq!(read("1h30m"), Duration::from_secs(5400));
        assert_eq!(read("90s"), Duration::from_secs(90));
        assert_eq!(read("1.5s"), Duration::from_millis(1500));
        assert_eq!(read("250ms"), Duration::from_millis(250));
        assert_eq!(read("0s"), Duration::ZERO);
    }

    #[test]
    fn anything_else_is_refused_with_examples() {
        for text in ["", "2", "m", "2 m", "-1m", "2min", "1h30", "x2m", "1..5s"] {
            let error = parse(text).unwrap_err();
            assert!(
                error.contains("is not a duration") && error.contains("`2m`"),
                "{text}: {error}"
            );
        }
    }
}
