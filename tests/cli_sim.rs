//! `truce sim` as an analyst runs it: the real binary, every shipped scenario, several seeds.

use std::process::Command;

fn sim(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_truce"))
        .arg("sim")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the truce binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn json_has_one_object_per_turn_with_the_fields() {
    let (code, out, err) = sim(&["scenarios/tutorial.ron", "--seed", "3", "--json"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<serde_json::Value> =
        out.lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect();
    assert!(!lines.is_empty() && lines.len() <= 8);
    for (i, l) in lines.iter().enumerate() {
        assert_eq!(l["turn"], i as u64 + 1);
        assert_eq!(l["days"], 7);
        for field in ["violations_true", "violations_recorded", "casualties"] {
            assert!(l[field].is_u64(), "{field} in {l}");
        }
        assert!(l["escalation"].is_f64() || l["escalation"].is_u64());
        assert!(["holding", "fraying", "collapsed"].contains(&l["ceasefire"].as_str().unwrap()));
        assert!(l["sectors"].as_array().unwrap().iter().any(|s| s["id"] == "north"));
        assert!(l["nations"].as_array().unwrap().iter().any(|n| n["id"] == "ukr" && n["support"].is_number()));
        assert!(l["violations_recorded"].as_u64() <= l["violations_true"].as_u64());
    }
}

#[test]
fn every_shipped_scenario_plays_to_its_end_reproducibly() {
    for (file, turns) in
        [("scenarios/tutorial.ron", 8), ("scenarios/donbas_2019.ron", 12), ("scenarios/ukraine_2026.ron", 24)]
    {
        let mut outputs = Vec::new();
        for seed in ["1", "2", "1"] {
            let (code, out, err) = sim(&[file, "--seed", seed, "--json"]);
            assert_eq!(code, 0, "{file}: {err}");
            let last: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
            let ended = last["turn"] == turns || last["ceasefire"] == "collapsed";
            assert!(ended, "{file} seed {seed} stopped early at {last}");
            outputs.push(out);
        }
        assert_eq!(outputs[0], outputs[2], "{file}: the same seed gives the same output, byte for byte");
        assert_ne!(outputs[0], outputs[1], "{file}: different seeds give different games");
    }
}

#[test]
fn the_table_is_readable_and_the_default_scenario_is_ukraine() {
    let (code, out, _) = sim(&["--turns", "2", "--seed", "9"]);
    assert_eq!(code, 0);
    assert!(out.contains("Ukraine 2026"));
    assert!(out.contains("turn  days      true  recorded escalation"));
    assert!(out.contains("State hash: "));
    let (_, again, _) = sim(&["--turns", "2", "--seed", "9"]);
    assert_eq!(out, again);
}

#[test]
fn the_trace_explains_each_violation() {
    let (code, out, _) = sim(&["scenarios/tutorial.ron", "--turns", "1", "--trace"]);
    assert_eq!(code, 0);
    let line = out.lines().find(|l| l.contains("Violation 1 in")).expect("the first violation is explained");
    for part in ["by ", "violations: ", "→", "escalation"] {
        assert!(line.contains(part), "{line}");
    }
}

#[test]
fn bad_arguments_and_scenarios_are_refused() {
    let (code, _, err) = sim(&["--turns", "0"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = sim(&["--seed", "minus-one"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = sim(&["no_such.ron"]);
    assert_eq!(code, 2);
    assert!(err.contains("no_such.ron:1:1: cannot read the file"), "{err}");
}

#[test]
fn a_seat_can_be_played_by_another_strategy() {
    let score = |out: &str, seat: &str| -> i64 {
        let line = out.lines().find(|l| l.trim_start().starts_with(&format!("{seat} "))).expect("a score line");
        line.split_whitespace().nth(1).and_then(|x| x.parse().ok()).expect("a score")
    };
    let (code, advised, err) = sim(&["scenarios/tutorial.ron", "--seed", "3", "--trace"]);
    assert_eq!(code, 0, "{err}");
    let (code, idle, err) = sim(&["scenarios/tutorial.ron", "--seed", "3", "--policy", "ukr=idle", "--trace"]);
    assert_eq!(code, 0, "{err}");
    // Locking nothing, Ukraine never accepts France's guarantee.
    assert!(score(&advised, "ukr") > score(&idle, "ukr"), "{advised}\n{idle}");
    assert!(advised.contains("Ukraine accepts the guarantee offered by France"), "{advised}");
    assert!(!idle.contains("Ukraine accepts the guarantee"), "{idle}");
    let (code, _, err) = sim(&["scenarios/tutorial.ron", "--policy", "rus=HAWK", "--policy", "fra=dove"]);
    assert_eq!(code, 0, "strategy names are read in any case, for several seats: {err}");
    let (code, _, err) = sim(&["scenarios/tutorial.ron", "--policy", "ukr=bold"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown strategy `bold` (one of: advisor, idle, hawk, dove)"), "{err}");
    let (code, _, err) = sim(&["scenarios/tutorial.ron", "--policy", "gbr=idle"]);
    assert_eq!(code, 2);
    assert!(err.contains("`gbr` is not a seat of tutorial (seats: ukr, rus, fra, ita)"), "{err}");
    let (code, _, err) = sim(&["scenarios/tutorial.ron", "--policy", "ukr"]);
    assert_eq!(code, 2);
    assert!(err.contains("`ukr` is not SEAT=STRATEGY"), "{err}");
}
