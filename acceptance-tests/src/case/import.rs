//! Import steps: import into a sibling working directory (fresh state, same gateway and
//! provider) and compare with what the case's own state holds.

use regex::Regex;
use serde_json::Value;

use super::checks::{check_action, comparable, find, hcl_string, plan_to_file};
use super::step::ImportTargets;
use super::{Action, ImportBy};
use crate::json;
use crate::terraform::Run;
use crate::workspace::Workspace;

/// What one import step works on.
struct Import<'a> {
    /// The sibling that imports.
    fresh: Workspace,
    /// Address and ID of each resource to import.
    targets: Vec<(String, String)>,
    /// The case's state before the import.
    created: Vec<(String, Value)>,
    /// Whether the targets are every resource of that state.
    every_resource: bool,
    label: &'a str,
}

/// Imports `what` by `by` with the configuration `config`; with `error`, the import must
/// fail matching it and change nothing.
pub(super) fn import(
    workspace: &Workspace,
    config: &str,
    what: ImportTargets,
    by: ImportBy,
    error: Option<Regex>,
    label: &str,
) {
    // Read once: each `show -json` is a terraform process.
    let created = workspace.state();
    let targets: Vec<(String, String)> = match what {
        ImportTargets::One { address, id } => vec![(address, id)],
        ImportTargets::All => created
            .iter()
            .map(|(address, values)| {
                let id = values["id"].as_str().unwrap_or_default().to_owned();
                (address.clone(), id)
            })
            .collect(),
    };
    assert!(!targets.is_empty(), "{label}: nothing to import");
    let fresh = workspace.sibling();
    fresh.write_config(config);
    let import = Import {
        fresh,
        every_resource: targets.len() == created.len(),
        targets,
        created,
        label,
    };
    let before = workspace.gateway().snapshot();
    let outcome = import.start(by);
    match error {
        Some(pattern) => import.check_failed(outcome, &pattern),
        None => {
            if let Err(run) = outcome {
                panic!(
                    "{label}: importing {:?} failed:\n{}",
                    import.targets,
                    run.output()
                );
            }
            if by == ImportBy::Block && !import.apply_blocks() {
                import.fresh.assert_no_leaks();
                return;
            }
            import.compare();
        }
    }
    assert_eq!(
        workspace.gateway().snapshot(),
        before,
        "{label}: importing changed the gateway"
    );
    import.fresh.assert_no_leaks();
}

impl Import<'_> {
    /// `terraform import` of each target, or a plan of `import` blocks.
    fn start(&self, by: ImportBy) -> Result<(), Run> {
        let succeeded = |run: Run| if run.code == 0 { Ok(()) } else { Err(run) };
        match by {
            ImportBy::Command => self.targets.iter().try_for_each(|(address, id)| {
                succeeded(self.fresh.run(&["import", "-input=false", address, id]))
            }),
            ImportBy::Block => {
                let blocks: String = self
                    .targets
                    .iter()
                    .map(|(address, id)| {
                        format!(
                            "import {{\n  to = {address}\n  id = {}\n}}\n",
                            hcl_string(id)
                        )
                    })
                    .collect();
                self.fresh.write_file("import.tf", &blocks);
                succeeded(self.fresh.run(&["plan", "-input=false", "-out=tfplan"]))
            }
        }
    }

    /// A failed import's error matches `pattern` and it left no state.
    fn check_failed(&self, outcome: Result<(), Run>, pattern: &Regex) {
        let label = self.label;
        let run = match outcome {
            Ok(()) => panic!("{label}: importing {:?} succeeded", self.targets),
            Err(run) => run,
        };
        assert!(
            pattern.is_match(&run.output()),
            "{label}: the import error does not match {pattern}:\n{}",
            run.output()
        );
        assert!(
            self.fresh.state().is_empty(),
            "{label}: a failed import left state behind"
        );
    }

    /// The saved plan of `import` blocks imports each target and changes nothing about
    /// it; when the targets are the whole state, applies it. Answers whether it applied.
    fn apply_blocks(&self) -> bool {
        let label = self.label;
        let planned = json::planned_changes(&self.fresh.ok(&["show", "-json", "tfplan"]).stdout);
        for (address, _) in &self.targets {
            check_action(&planned, address, Action::NoOp, label);
            let change = planned
                .iter()
                .find(|c| &c.address == address)
                .expect("checked above");
            assert!(
                change.importing,
                "{label}: the plan does not import {address}"
            );
            assert_eq!(
                comparable(change.after.clone()),
                comparable(find(&self.created, address).clone()),
                "{label}: the import block plans {address} differently from the created state"
            );
        }
        if !self.every_resource {
            // Applying would create the rest of the configuration a second time.
            return false;
        }
        let run = self.fresh.ok(&["apply", "-input=false", "tfplan"]);
        let summary = format!(
            "{} imported, 0 added, 0 changed, 0 destroyed",
            self.targets.len()
        );
        assert!(
            run.stdout.contains(&summary),
            "{label}: expected `{summary}`:\n{}",
            run.stdout
        );
        self.fresh.remove_file("tfplan");
        self.fresh.remove_file("import.tf");
        true
    }

    /// The imported state equals the created one, and the next plan leaves it alone.
    fn compare(&self) {
        let label = self.label;
        let imported = self.fresh.state();
        for (address, _) in &self.targets {
            assert_eq!(
                comparable(find(&imported, address).clone()),
                comparable(find(&self.created, address).clone()),
                "{label}: the imported state of {address} differs from the created one"
            );
        }
        if self.every_resource {
            self.fresh
                .assert_plan_empty(&format!("{label}, after import"));
        } else {
            let plan = plan_to_file(&self.fresh, label, &[]);
            for (address, _) in &self.targets {
                check_action(&plan.changes, address, Action::NoOp, label);
            }
            self.fresh.remove_file("tfplan");
        }
    }
}
