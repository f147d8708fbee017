//! `truce batch`, `truce sim --set`, `truce check --paths` and `truce test` as an analyst or a
//! scenario author runs them: the real binary, real files.

mod support;

use std::path::Path;

use support::cli::{ok, truce};

/// The rows of a table a batch wrote, by column name.
fn table(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::ReaderBuilder::new().comment(Some(b'#')).from_path(path).expect("a table");
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records().map(|row| header.iter().cloned().zip(row.unwrap().iter().map(String::from)).collect()).collect()
}

fn o_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

const FACTOR_A: &str = "model.escalation_decay_per_day=0.02,0.08";
const FACTOR_B: &str = "policy.rus=advisor,hawk,dove";

#[test]
fn a_two_by_three_design_over_ten_seeds_matches_single_games() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("batch");
    let o = out.to_str().unwrap();
    ok(&["batch", "scenarios/tutorial.ron", "--seeds", "10", "--set", FACTOR_A, "--set", FACTOR_B, "--out", o]);
    let runs = table(&out.join("runs.csv"));
    assert_eq!(runs.len(), 60);
    let text = std::fs::read_to_string(out.join("runs.csv")).unwrap();
    assert!(text.starts_with("# truce "), "{}", &text[..200]);
    assert!(text.contains("sha256 ") && text.contains("# command: truce batch scenarios/tutorial.ron --seeds 10"));
    let mut differ = std::collections::HashSet::new();
    for row in &runs {
        let (decay, rus, seed) = (&row["model.escalation_decay_per_day"], &row["policy.rus"], &row["seed"]);
        let lines = ok(&[
            "sim",
            "scenarios/tutorial.ron",
            "--json",
            "--seed",
            seed,
            "--set",
            &format!("model.escalation_decay_per_day={decay}"),
            "--policy",
            &format!("rus={rus}"),
        ]);
        let turns: Vec<serde_json::Value> = lines.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let sum = |k: &str| turns.iter().map(|t| t[k].as_u64().unwrap()).sum::<u64>().to_string();
        let last = turns.last().unwrap();
        assert_eq!(row["turns"], turns.len().to_string());
        assert_eq!(row["violations_true"], sum("violations_true"), "{row:?}");
        assert_eq!(row["violations_recorded"], sum("violations_recorded"));
        assert_eq!(row["casualties"], sum("casualties"));
        assert_eq!(row["escalation_final"].parse::<f64>().unwrap(), last["escalation"].as_f64().unwrap());
        assert_eq!(row["ceasefire"], last["ceasefire"].as_str().unwrap());
        assert_eq!(row["score_ukr"], last["nations"][0]["score"].to_string());
        // Every line says where it came from.
        assert_eq!(last["seed"].to_string(), *seed);
        assert_eq!(last["scenario"], "tutorial");
        assert_eq!(last["scenario_sha256"].as_str().unwrap().len(), 64);
        assert!(last["engine"].as_str().unwrap().starts_with("truce "));
        differ.insert((row["violations_true"].clone(), row["escalation_final"].clone()));
    }
    assert!(differ.len() > 50, "the design points and seeds give different games");
    let summary = table(&out.join("summary.csv"));
    assert_eq!(summary.len(), 6);
    for s in &summary {
        assert_eq!(s["runs"], "10");
        let (lo, mean, hi): (f64, f64, f64) = (
            s["violations_true_low"].parse().unwrap(),
            s["violations_true_mean"].parse().unwrap(),
            s["violations_true_high"].parse().unwrap(),
        );
        assert!(lo <= mean && mean <= hi, "{s:?}");
        let p: f64 = s["p_collapse"].parse().unwrap();
        assert!((0.0..=1.0).contains(&p));
    }
    // A hard-line Russia fires more than a conciliatory one.
    let mean = |rus: &str| -> f64 {
        summary
            .iter()
            .filter(|s| s["policy.rus"] == rus)
            .map(|s| s["violations_true_mean"].parse::<f64>().unwrap())
            .sum()
    };
    assert!(mean("hawk") > mean("dove"), "hawk {} dove {}", mean("hawk"), mean("dove"));
}

#[test]
fn shards_merged_equal_the_unsharded_batch_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let common = ["batch", "scenarios/tutorial.ron", "--seeds", "5-11", "--set", FACTOR_A, "--per-turn"];
    ok(&[&common[..], &["--out", &p("whole")]].concat());
    for k in 1..=3 {
        ok(&[&common[..], &["--shard", &format!("{k}/3"), "--threads", "1", "--out", &p(&format!("s{k}"))]].concat());
    }
    ok(&["batch", "merge", &p("s2"), &p("s3"), &p("s1"), "--out", &p("merged")]);
    for f in ["runs.csv", "turns.csv", "summary.csv", "batch.json"] {
        let a = std::fs::read(dir.path().join("whole").join(f)).unwrap();
        let b = std::fs::read(dir.path().join("merged").join(f)).unwrap();
        assert!(a == b, "{f} differs after the merge");
    }
    assert_eq!(table(&dir.path().join("whole/runs.csv")).len(), 14);
    // A shard missing or given twice is refused, with which.
    let out = truce(&["batch", "merge", &p("s1"), &p("s2"), "--out", &p("m")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("shard 3/3 is missing"));
    let out = truce(&["batch", "merge", &p("s1"), &p("s1"), &p("s2"), "--out", &p("m")]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("given twice"));
}

#[test]
fn a_design_file_drops_in() {
    let dir = tempfile::tempdir().unwrap();
    let design = dir.path().join("design.csv");
    std::fs::write(&design, "model.escalation_decay_per_day,nations[rus].doctrine.aggression\n0.02,0.1\n0.08,0.9\n")
        .unwrap();
    let out = dir.path().join("out");
    ok(&[
        "batch",
        "scenarios/tutorial.ron",
        "--seeds",
        "4",
        "--design",
        design.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let runs = table(&out.join("runs.csv"));
    assert_eq!(runs.len(), 8);
    assert_eq!(runs[0]["nations[rus].doctrine.aggression"], "0.1");
    assert_eq!(runs[7]["point"], "2");
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("batch.json")).unwrap()).unwrap();
    assert_eq!(manifest["plan"]["engine"]["name"], "truce");
    assert_eq!(manifest["files"].as_array().unwrap().len(), 2);
    // A bad cell is named by line and column.
    std::fs::write(&design, "model.escalation_decay_per_day,nations[rus].doctrine.aggression\n0.02,0.1\n\n0.05,\n")
        .unwrap();
    let bad = truce(&[
        "batch",
        "scenarios/tutorial.ron",
        "--seeds",
        "2",
        "--design",
        design.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(2), "{err}");
    assert!(err.contains("design.csv: line 4, column `nations[rus].doctrine.aggression`: no value"), "{err}");
    std::fs::write(&design, "model.escalation_decay_per_day\n0.02\n0.05,0.1\n").unwrap();
    let bad = truce(&[
        "batch",
        "scenarios/tutorial.ron",
        "--seeds",
        "2",
        "--design",
        design.to_str().unwrap(),
        "--out",
        o_str(&out),
    ]);
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("design.csv: line 3 has 2 values for 1 columns"), "{err}");
}

#[test]
fn bad_designs_are_refused_before_any_game_with_what_and_where() {
    let dir = tempfile::tempdir().unwrap();
    let o = dir.path().join("x");
    let o = o.to_str().unwrap();
    for (args, says) in [
        (vec!["--seeds", "3", "--set", "nations[xx].doctrine.aggression=0.1"], "no entry with id `xx`"),
        (vec!["--seeds", "3", "--set", "model.escalation_decay_per_day=fast"], "is a number, and `fast` is not"),
        (vec!["--seeds", "3", "--set", "nations[rus].doctrine.aggression=0.5,4"], "design point 2"),
        (vec!["--seeds", "3", "--set", "policy.xyz=hawk"], "`xyz` is not a seat"),
        (vec!["--seeds", "3", "--set", "policy.rus=reckless"], "unknown strategy"),
        (vec!["--seeds", "0"], "is not a number of seeds"),
        (vec!["--seeds", "3", "--shard", "0/2"], "is not K/N"),
        (vec!["--seeds", "3", "--set", "turns"], "is not PATH=V1,V2"),
    ] {
        let out = truce(&[&["batch", "scenarios/tutorial.ron", "--out", o][..], &args].concat());
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!err.contains("panicked"));
    }
    assert!(!Path::new(o).join("runs.csv").exists());
}

#[test]
fn check_lists_the_paths_a_set_takes() {
    let out = ok(&["check", "--paths", "scenarios/tutorial.ron"]);
    assert!(out.contains("  model.escalation_decay_per_day = "), "{out}");
    assert!(out.contains("  nations[rus].doctrine.aggression = "));
    // Each listed number can be set back to itself: the game is the same.
    let plain = ok(&["sim", "scenarios/tutorial.ron", "--json"]);
    let same = ok(&["sim", "scenarios/tutorial.ron", "--json", "--set", "nations[rus].doctrine.aggression=0.6"]);
    let listed = out.lines().find(|l| l.contains("nations[rus].doctrine.aggression")).unwrap();
    if listed.ends_with("= 0.6") {
        assert_eq!(plain, same);
    } else {
        assert_ne!(plain, same);
    }
}

#[test]
fn scenario_authors_run_the_cases_against_their_scenarios() {
    let out = truce(&["test", "tests/cases"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let n = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases")).unwrap().count();
    assert!(text.contains(&format!("{n} of {n} cases passed")), "{text}");
    assert_eq!(text.lines().filter(|l| l.starts_with("pass  ")).count(), n);

    // A broken case says which, what was expected and what was found.
    let dir = tempfile::tempdir().unwrap();
    let case =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/16_pledge_activates.ron"))
            .unwrap()
            .replace(r#"Pledge("ita_obs_pledge", Active)"#, r#"Pledge("ita_obs_pledge", Lapsed)"#);
    let file = dir.path().join("broken.ron");
    std::fs::write(&file, case).unwrap();
    let out = truce(&["test", file.to_str().unwrap(), "--scenario", "scenarios/tutorial.ron"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("FAIL  ") && text.contains("broken.ron"), "{text}");
    assert!(text.contains(r#"expected Pledge("ita_obs_pledge", Lapsed); found Some(Active)"#), "{text}");
    assert!(text.contains("0 of 1 cases passed"));

    // A case that does not parse is named with its line and column.
    std::fs::write(
        &file,
        "Case(title: \"x\", rules: [\"r\"], scenario: \"tutorial\", seed: 1, turns: [], expect: [Nonsense])",
    )
    .unwrap();
    let out = truce(&["test", file.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(text.contains("broken.ron:1:") && text.contains("Nonsense"), "{text}");
}
