//! `truce sim --save`, `truce fork`, `truce diff`, `truce export` and `truce replay` as an analyst
//! runs them: the real binary on real game directories.

mod support;

use std::path::Path;
use std::process::Command;

use support::cli::{ok, truce};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A tutorial game played by bots and saved.
fn saved(dir: &Path, seed: &str) -> std::path::PathBuf {
    let game = dir.join(format!("game-{seed}"));
    ok(&["sim", "scenarios/tutorial.ron", "--seed", seed, "--save", s(&game)]);
    game
}

/// The turns `truce diff` marks as different.
fn differing_turns(diff: &str) -> Vec<u32> {
    diff.lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let digits: String = l.chars().take_while(char::is_ascii_digit).collect();
            (!digits.is_empty() && l[digits.len()..].starts_with('*')).then(|| digits.parse().unwrap())
        })
        .collect()
}

#[test]
fn a_fork_with_unchanged_inputs_is_the_same_game() {
    let dir = tempfile::tempdir().unwrap();
    for seed in ["1", "7"] {
        let game = saved(dir.path(), seed);
        let fork = dir.path().join(format!("fork-{seed}"));
        let out = ok(&["fork", s(&game), "--at", "5", "--save", s(&fork)]);
        assert!(out.contains("The same game"), "{out}");
        let out = truce(&["diff", s(&game), s(&fork)]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
        // The fork is a game directory like any other: it forks again.
        ok(&["fork", s(&fork), "--at", "2", "--save", s(&dir.path().join(format!("fork2-{seed}")))]);
    }
}

#[test]
fn changed_orders_change_the_game_from_their_turn_and_not_before() {
    let dir = tempfile::tempdir().unwrap();
    let game = saved(dir.path(), "3");
    let orders = dir.path().join("orders.ron");
    std::fs::write(
        &orders,
        "// Russia pushes in the north.\n(seat: \"rus\", orders: [SetPosture(sector: \"north\", pressure: 1.0)])\n",
    )
    .unwrap();
    let fork = dir.path().join("fork");
    ok(&["fork", s(&game), "--at", "5", "--orders", s(&orders), "--save", s(&fork)]);
    let out = truce(&["diff", s(&game), s(&fork)]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let turns = differing_turns(&text);
    assert_eq!(turns.first(), Some(&5), "{text}");
    assert!(turns.iter().all(|&t| t >= 5), "{text}");
    assert!(text.contains("first difference: turn 5"), "{text}");
    assert!(text.contains("pressure in North (Kupiansk–Pokrovsk) to 1.00"), "{text}");
    // The same fork twice is the same game.
    let again = dir.path().join("again");
    ok(&["fork", s(&game), "--at", "5", "--orders", s(&orders), "--save", s(&again)]);
    assert_eq!(truce(&["diff", s(&fork), s(&again)]).status.code(), Some(0));
    // A rate changed from turn 6 moves the figures from turn 6 only.
    let amended = dir.path().join("amended");
    ok(&["fork", s(&game), "--at", "6", "--set", "model.escalation_decay_per_day=0.2", "--save", s(&amended)]);
    let out = truce(&["diff", s(&game), s(&amended)]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(differing_turns(&text).first(), Some(&6), "{text}");
}

#[test]
fn bad_forks_say_what_and_where() {
    let dir = tempfile::tempdir().unwrap();
    let game = saved(dir.path(), "2");
    let to = dir.path().join("x");
    let bad = dir.path().join("bad.ron");
    std::fs::write(&bad, "(seat: \"rus\", orders: [SetPosture(sector: \"north\", presure: 1.0)])").unwrap();
    let nowhere = dir.path().join("nowhere.ron");
    std::fs::write(&nowhere, "(seat: \"rus\", orders: [SetPosture(sector: \"nowhere\", pressure: 1.0)])").unwrap();
    let cases: [(Vec<&str>, &str); 5] = [
        (vec!["--at", "50"], "--at 50: the game was played from turn 1 to turn 8"),
        (vec!["--at", "3", "--orders", s(&bad)], "bad.ron:1:"),
        (vec!["--at", "3", "--orders", s(&nowhere)], "order 1: refused (posture): there is no sector \"nowhere\""),
        (vec!["--at", "3", "--set", "nations[rus].doctrine.aggression=0.2"], "is fixed when the game is made"),
        (vec!["--at", "3", "--set", "model.escalation_decay_per_day=lots"], "model.escalation_decay_per_day"),
    ];
    for (args, says) in cases {
        let out = truce(&[&["fork", s(&game), "--save", s(&to)][..], &args[..]].concat());
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!to.join("game.json").exists(), "a refused fork leaves no game behind");
    }
    let out = truce(&["fork", s(&dir.path().join("none")), "--at", "2", "--save", s(&to)]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("holds no game"));
}

#[test]
fn a_bundle_replays_and_verifies_and_a_changed_one_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let game = saved(dir.path(), "4");
    let bundle = dir.path().join("bundle");
    let out = ok(&["export", s(&game), "--to", s(&bundle)]);
    assert!(out.contains("incidents.csv"), "{out}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bundle.join("manifest.json")).unwrap()).unwrap();
    for key in ["engine", "scenario_sha256", "scenario_file_sha256", "seed", "command", "journal_sha256", "state_hash"]
    {
        assert!(!manifest[key].is_null(), "manifest.json lacks {key}");
    }
    assert_eq!(manifest["seed"], 4);
    let names: Vec<&str> = manifest["files"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    for t in [
        "turns.csv",
        "sectors.csv",
        "nations.csv",
        "incidents.csv",
        "orders.csv",
        "votes.csv",
        "messages.csv",
        "deals.csv",
        "facilitator.csv",
    ] {
        assert!(names.contains(&t), "{names:?}");
    }
    let turns = std::fs::read_to_string(bundle.join("turns.csv")).unwrap();
    assert_eq!(turns.lines().count(), 9, "a header and 8 turns");
    // No join code leaves the game directory.
    let codes: serde_json::Value = serde_json::from_slice(&std::fs::read(game.join("game.json")).unwrap()).unwrap();
    let secret = codes["codes"]["facilitator"].as_str().unwrap();
    for f in std::fs::read_dir(&bundle).unwrap() {
        let text = std::fs::read_to_string(f.unwrap().path()).unwrap();
        assert!(!text.contains(secret));
    }
    let out = ok(&["replay", s(&bundle)]);
    assert!(out.starts_with("ok: ") && out.contains("every table is what the replayed game gives"), "{out}");
    // One changed figure is caught.
    let mut rows = turns.clone();
    rows = rows.replacen("holding", "collapsed", 1);
    std::fs::write(bundle.join("turns.csv"), rows).unwrap();
    let out = truce(&["replay", s(&bundle)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("turns.csv: its sha256 is not the manifest's"));
}

#[test]
fn a_hosted_games_directory_forks_and_equals_the_same_sim() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let hosted = dir.path().join("hosted");
    let commands = dir.path().join("commands");
    std::fs::write(&commands, "start --force\n").unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_truce"))
        .args(["serve", "scenarios/tutorial.ron", "--bind", "127.0.0.1:0", "--turn-seconds", "0", "--seed", "9"])
        .args(["--game-dir", s(&hosted), "--commands", s(&commands)])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The bots play the game through; the autosave says when it is over.
    let over = (0..200).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(50));
        std::fs::read_to_string(hosted.join("autosave.json")).is_ok_and(|t| t.contains("\"GameOver\""))
    });
    let _ = server.stdin.take().unwrap().write_all(b"quit\n");
    assert!(server.wait().unwrap().success());
    assert!(over, "the hosted game of bots reached its end");
    let fork = dir.path().join("fork");
    let out = ok(&["fork", s(&hosted), "--at", "3", "--save", s(&fork)]);
    assert!(out.contains("The same game"), "{out}");
    // A hosted game of bots and `truce sim` with the same seed are the same game.
    let sim = saved(dir.path(), "9");
    let out = truce(&["diff", s(&hosted), s(&sim)]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    // Its report tells the facilitator's decisions.
    let report = dir.path().join("r.html");
    ok(&["report", s(&hosted), "-o", s(&report)]);
    assert!(std::fs::read_to_string(&report).unwrap().contains("started the game with bots in every seat"));
}
