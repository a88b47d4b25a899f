//! What terraform's JSON outputs say: state values (`show -json`), planned actions
//! (`show -json <plan>`) and diagnostics (`validate -json`, `plan -json`).

use serde_json::Value;

/// The resources of a state, from `terraform show -json`: address → attribute values.
pub fn state_resources(show_json: &str) -> Vec<(String, Value)> {
    let state: Value = serde_json::from_str(show_json)
        .unwrap_or_else(|e| panic!("terraform show -json is not JSON ({e}):\n{show_json}"));
    let resources = state
        .pointer("/values/root_module/resources")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    resources
        .into_iter()
        .map(|resource| {
            let address = resource["address"].as_str().unwrap_or_default().to_owned();
            (address, resource["values"].clone())
        })
        .collect()
}

/// The value at `path` inside `values`: segments separated by `.`, map keys in brackets
/// (`translations["billing-db"].local_ip`). `None` when the path does not exist.
pub fn lookup<'a>(values: &'a Value, path: &str) -> Option<&'a Value> {
    let mut current = values;
    for segment in segments(path) {
        current = match segment {
            // A number indexes a list (`phase1.additional_proposals.0.encryption`).
            Segment::Attr(name) => match (current, name.parse::<usize>()) {
                (Value::Array(items), Ok(index)) => items.get(index)?,
                _ => current.get(name)?,
            },
            Segment::Key(key) => current.get(key)?,
        };
    }
    Some(current)
}

enum Segment<'a> {
    Attr(&'a str),
    Key(&'a str),
}

fn segments(path: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("[\"") {
            let end = after.find("\"]").expect("a map key closes with \"]");
            out.push(Segment::Key(&after[..end]));
            rest = &after[end + 2..];
        } else {
            let rest_trimmed = rest.strip_prefix('.').unwrap_or(rest);
            let end = rest_trimmed.find(['.', '[']).unwrap_or(rest_trimmed.len());
            out.push(Segment::Attr(&rest_trimmed[..end]));
            rest = &rest_trimmed[end..];
        }
    }
    out
}

/// What a plan does to one resource instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedChange {
    /// The resource address.
    pub address: String,
    /// Terraform's actions: `["create"]`, `["update"]`, `["delete", "create"]`, `["no-op"]`…
    pub actions: Vec<String>,
    /// Whether the change imports the resource.
    pub importing: bool,
    /// The attribute paths that force replacement, as terraform prints them.
    pub replace_paths: Vec<String>,
    /// The planned values (unknown ones are absent or null).
    pub after: Value,
    /// Which planned values are unknown (`true` at their path).
    pub after_unknown: Value,
}

/// The resource changes of a saved plan, from `terraform show -json <planfile>`.
pub fn planned_changes(plan_json: &str) -> Vec<PlannedChange> {
    let plan: Value = serde_json::from_str(plan_json)
        .unwrap_or_else(|e| panic!("terraform show -json <plan> is not JSON ({e})"));
    plan["resource_changes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|change| PlannedChange {
            address: change["address"].as_str().unwrap_or_default().to_owned(),
            actions: change["change"]["actions"]
                .as_array()
                .map(|actions| {
                    actions
                        .iter()
                        .filter_map(|a| a.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
            importing: !change["change"]["importing"].is_null(),
            replace_paths: change["change"]["replace_paths"]
                .as_array()
                .map(|paths| paths.iter().map(Value::to_string).collect())
                .unwrap_or_default(),
            after: change["change"]["after"].clone(),
            after_unknown: change["change"]["after_unknown"].clone(),
        })
        .collect()
}

/// One diagnostic as terraform reports it in JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// `error` or `warning`.
    pub severity: String,
    /// The short title.
    pub summary: String,
    /// The explanation.
    pub detail: String,
    /// The configuration line the diagnostic points at, if any.
    pub line: Option<u64>,
    /// The source code terraform shows for it, if any.
    pub code: Option<String>,
}

impl Diagnostic {
    fn from_json(value: &Value) -> Self {
        Self {
            severity: value["severity"].as_str().unwrap_or_default().to_owned(),
            summary: value["summary"].as_str().unwrap_or_default().to_owned(),
            detail: value["detail"].as_str().unwrap_or_default().to_owned(),
            line: value.pointer("/range/start/line").and_then(Value::as_u64),
            code: value
                .pointer("/snippet/code")
                .and_then(Value::as_str)
                .map(str::to_owned),
        }
    }

    /// Summary and detail, for matching and messages.
    pub fn text(&self) -> String {
        format!("{}: {}", self.summary, self.detail)
    }

    /// Whether it is attached to `attribute` (a path like `peer_address`,
    /// `phase1.keylife` or `translations["db"].local_ip`).
    ///
    /// Terraform points a diagnostic at the source line only for a top-level attribute;
    /// for a nested one it shows the whole block, so there the provider names the path
    /// at the start of the detail, and that is what is checked.
    pub fn is_at(&self, attribute: &str) -> bool {
        if attribute.contains(['.', '[']) {
            return self.detail.contains(attribute);
        }
        self.code.as_deref().is_some_and(|code| {
            code.trim_start()
                .strip_prefix(attribute)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
    }
}

/// The diagnostics of `terraform validate -json`.
pub fn validate_diagnostics(validate_json: &str) -> Vec<Diagnostic> {
    let report: Value = serde_json::from_str(validate_json)
        .unwrap_or_else(|e| panic!("terraform validate -json is not JSON ({e}):\n{validate_json}"));
    report["diagnostics"]
        .as_array()
        .map(|all| all.iter().map(Diagnostic::from_json).collect())
        .unwrap_or_default()
}

/// The diagnostics among the JSON lines of `terraform plan -json` or `apply -json`.
pub fn streamed_diagnostics(json_lines: &str) -> Vec<Diagnostic> {
    json_lines
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|message| message["type"] == "diagnostic")
        .map(|message| Diagnostic::from_json(&message["diagnostic"]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_reach_nested_attributes_and_map_keys() {
        let values = serde_json::json!({
            "phase1": { "keylife": 28800 },
            "translations": { "billing-db": { "local_ip": "10.1.255.92" } },
        });
        assert_eq!(lookup(&values, "phase1.keylife"), Some(&Value::from(28800)));
        assert_eq!(
            lookup(&values, "translations[\"billing-db\"].local_ip"),
            Some(&Value::from("10.1.255.92"))
        );
        assert_eq!(lookup(&values, "phase2.keylife"), None);
    }

    #[test]
    fn a_top_level_diagnostic_is_at_the_attribute_on_its_line() {
        let diagnostic = Diagnostic {
            severity: "error".into(),
            summary: "Invalid peer address".into(),
            detail: String::new(),
            line: Some(3),
            code: Some("  peer_address  = \"nope\"".into()),
        };
        assert!(diagnostic.is_at("peer_address"));
        assert!(!diagnostic.is_at("peer"));
        assert!(!diagnostic.is_at("local_address"));
    }
}
