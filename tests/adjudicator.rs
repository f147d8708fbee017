//! Adjudicator test cases, in the manner of the Diplomacy adjudicator test cases (DATC).
//!
//! Each file in `tests/cases/` is one case: a shipped scenario, edits to it (the pre-state), the
//! orders of each turn, and facts that must hold afterwards (the format: docs/cases.md). Scenario
//! authors run the same cases with `truce test`; `docs/rules.md` says which rule each group covers.

use std::path::Path;

use truce::analysis::cases;

#[test]
fn adjudicator_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let files = cases::files(&[dir]).expect("tests/cases exists");
    let only = std::env::var("TRUCE_CASE").ok();
    let mut report = Vec::new();
    let mut ran = 0;
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        if only.as_ref().is_some_and(|o| !name.contains(o.as_str())) {
            continue;
        }
        let case = match cases::load(f) {
            Ok(c) => c,
            Err(e) => {
                report.push(e);
                continue;
            }
        };
        ran += 1;
        let failures = match cases::scenario_for(f, &case.scenario) {
            Ok(s) => cases::run(&case, s),
            Err(e) => vec![e],
        };
        if !failures.is_empty() {
            report.push(format!("{name} ({}):\n  {}", case.title, failures.join("\n  ")));
        }
    }
    assert!(report.is_empty(), "{} of {ran} cases failed:\n{}", report.len(), report.join("\n\n"));
    if only.is_none() {
        assert!(ran >= 40, "at least 40 cases; found {ran}");
    }
}
